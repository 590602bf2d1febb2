"""Refusals never repeat what the caller sent: unknown keys, unknown standards or entity types are named by field
and position, with the allowed values."""

from __future__ import annotations

import json

import pytest

from cloakr.gateway.app import resolve

PII = "jane.doe@example.com"


def refused(services, method, path, body, headers=None):
    response = resolve(services.event(method, path, body, headers=headers or {}), None)
    assert 400 <= response["statusCode"] < 500, response
    text = response["body"]
    assert "jane" not in text.lower() and "4111" not in text
    return json.loads(text)["error"]


@pytest.mark.parametrize("method,path,body", [
    ("PUT", "/v1/users/x/consent", {"consent_type": "a", "granted": True, PII: 1}),
    ("POST", "/v1/redact", {"text": "x", PII: 1}),
    ("POST", "/v1/classify", {"text": "x", PII: 1}),
    ("POST", "/v1/reports", {"period": "2026-11", PII: 1}),
    ("POST", "/v1/chat/completions", {"model": "cloakr-echo", "messages": [{"role": "user", "content": "hi"}], "user": {PII: 1}}),
    ("POST", "/v1/redact", {"text": "x", "rules": [{PII: 1}], "mode": {PII: 2}}),
])
def test_unknown_keys_are_not_echoed(services, method, path, body):
    error = refused(services, method, path, body)
    assert error["code"] == "validation_error"


def test_an_unknown_field_lists_the_allowed_ones(services):
    error = refused(services, "POST", "/v1/classify", {"text": "x", PII: 1})
    assert error["message"] == "body: unknown field; allowed: entities, text"


def test_a_nested_location_keeps_declared_names_and_positions(services):
    error = refused(services, "POST", "/v1/chat/completions", {"model": "cloakr-echo", "messages": [{"role": PII, "content": "hi"}]})
    assert error["message"].startswith("messages.0.role: ")


def test_unknown_standards_are_named_by_position(services):
    error = refused(services, "POST", "/v1/reports", {"period": "2026-11", "standards": ["gdpr", PII], "format": "json"})
    assert "position" in error["message"] and "1" in error["message"] and "GDPR" in error["message"]


def test_unknown_entity_types_are_named_by_position(services):
    error = refused(services, "POST", "/v1/classify", {"text": "x", "entities": ["EMAIL", PII]})
    assert error["code"] == "validation_error" and "positions 1 " in error["message"] and "EMAIL" in error["message"]

"""Regression tests for what schemathesis (``tests/e2e/test_schemathesis.py``) found: the OpenAPI document must
describe the answers the gateway really gives (status codes, content types, accepted values)."""

from __future__ import annotations

import json

import pytest
from cloakr.constants import SCOPES
from cloakr.gateway.app import build_app, resolve
from cloakr.gateway.openapi import document, request_models


@pytest.fixture(scope="module")
def spec():
    return document(build_app())


def success(spec, method: str, path: str) -> dict[str, dict]:
    responses = spec["paths"][path][method.lower()]["responses"]
    return {status: response for status, response in responses.items() if status.startswith("2")}


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/v1/reports/schedules", {}, 201),
    ("/v1/reports", {"period": "previous_month"}, 201),
    ("/v1/audit/exports", {"start_date": "2026-01-01", "end_date": "2026-01-02"}, 202),
])
def test_created_and_accepted_answers_are_the_documented_status(services, spec, path, body, status):
    """Found: these routes answered 201/202 while the document promised 200 (ST103 undocumented status code)."""
    response = resolve(services.event("POST", path, body), None)
    assert response["statusCode"] == status, response["body"]
    assert list(success(spec, "POST", path)) == [str(status)]


def test_streamed_chat_answer_is_documented(services, spec):
    """Found: ``stream: true`` answers text/event-stream, which the document did not list (content type check)."""
    body = {"model": "cloakr-echo", "messages": [{"role": "user", "content": "Hello"}], "stream": True}
    response = resolve(services.event("POST", "/v1/chat/completions", body), None)
    headers = {k: v[-1] for k, v in response.get("multiValueHeaders", {}).items()} | response.get("headers", {})
    assert response["statusCode"] == 200 and headers["Content-Type"] == "text/event-stream"
    content = success(spec, "POST", "/v1/chat/completions")["200"]["content"]
    assert set(content) == {"application/json", "text/event-stream"}
    event_schema = content["text/event-stream"]["schema"]  # OpenAPI 3.1: the schema of one event
    assert event_schema["required"] == ["data"] and event_schema["properties"]["data"]["type"] == "string"
    events = [line.removeprefix("data: ") for line in response["body"].split("\n\n") if line]
    assert events[-1] == "[DONE]" and all(json.loads(e)["object"] == "chat.completion.chunk" for e in events[:-1])


def test_key_scopes_are_documented_as_the_scopes_that_exist(services, spec):
    """Found: ``scopes`` was documented as any strings, so nearly every generated key request was refused."""
    items = spec["components"]["schemas"]["CreateKey"]["properties"]["scopes"]["items"]
    assert items == {"type": "string", "enum": list(SCOPES)}
    refused = resolve(services.event("POST", "/v1/keys", {"scopes": ["root"]}), None)
    assert refused["statusCode"] == 400 and json.loads(refused["body"])["error"]["code"] == "validation_error"
    assert "root" not in refused["body"]  # errors never echo what was sent


@pytest.mark.parametrize("key", sorted(request_models()), ids=lambda key: f"{key[0]} {key[1]}")
def test_documented_request_examples_are_valid_bodies(key):
    """The examples each body model documents (schemathesis' examples phase sends them) pass its validation."""
    model = request_models()[key]
    for example in model.model_json_schema().get("examples", []):
        model.model_validate(example)


@pytest.mark.parametrize(("method", "path", "status"), [
    ("PUT", "/v1/users/someone/block", 200),
    ("POST", "/v1/reports/schedules", 201),
    ("POST", "/v1/keys/0000000000000000/rotate", 404),  # the body was accepted; the key does not exist
])
def test_bodies_documented_as_optional_may_be_left_out(services, spec, method, path, status):
    """Found: a bare ``PUT /v1/users/{id}/block`` was accepted although the document required a body; now the
    document marks every body that may be left out, and every such route accepts it left out."""
    template = {"PUT": "/v1/users/{user_id}/block", "POST": path.replace("0000000000000000", "{key_id}")}[method]
    assert spec["paths"][template][method.lower()]["requestBody"]["required"] is False
    assert resolve(services.event(method, path), None)["statusCode"] == status


def test_bodies_with_required_fields_are_documented_as_required(services, spec):
    assert spec["paths"]["/v1/redact"]["post"]["requestBody"]["required"] is True
    refused = resolve(services.event("POST", "/v1/redact"), None)
    assert refused["statusCode"] == 400 and json.loads(refused["body"])["error"]["code"] == "validation_error"


def test_consent_timestamp_must_be_a_date_time_string(services):
    """Found: ``"timestamp": 0`` was recorded as 1970-01-01 although the document asks for a date-time string."""
    path = "/v1/users/someone/consent"
    refused = resolve(services.event("PUT", path, {"consent_type": "ai_processing", "granted": True, "timestamp": 0}), None)
    assert refused["statusCode"] == 400 and "timestamp" in json.loads(refused["body"])["error"]["message"]
    body = {"consent_type": "ai_processing", "granted": True, "timestamp": "2026-01-02T03:04:05Z"}
    accepted = resolve(services.event("PUT", path, body), None)
    assert accepted["statusCode"] == 200 and json.loads(accepted["body"])["timestamp"].startswith("2026-01-02T03:04:05")

"""End-user data stays the end user's: anonymous conversations are out of reach of ``/v1/users/{id}``, and an
idempotent replay neither outlives erasure nor skips admission (blocks, consent)."""

from __future__ import annotations

import json

import pytest

from cloakr import constants as c
from cloakr.compliance import subjects
from cloakr.gateway.app import resolve
from cloakr.gateway.services import services as built

CARD = "4111 1111 1111 1111"


def call(services, method, path, body=None, headers=None):
    response = resolve(services.event(method, path, body, headers=headers or {}), None)
    return response["statusCode"], json.loads(response["body"]), response


def chat(services, text, headers=None, **body):
    return call(services, "POST", "/v1/chat/completions",
                {"model": "cloakr-echo", "messages": [{"role": "user", "content": text}], **body}, headers)


def test_anonymous_conversations_are_not_a_users_data(services, echo_requests):
    status, _, _ = chat(services, f"I am Frank Castle, card {CARD}", {"X-Cloakr-Conversation-Id": "frank"})
    assert status == 200
    for user in ("-", "%2D", "ANON"):
        status, export, _ = call(services, "GET", f"/v1/users/{user}/export")
        assert status == 200 and export["conversations"] == [] and CARD not in json.dumps(export)
    status, erased, _ = call(services, "DELETE", "/v1/users/-")
    assert status == 200 and erased["deleted"]["vault_items"] == 0
    pks = {item["pk"] for item in services.table("vault").scan()["Items"]}
    assert pks == {f"TENANT#{services.tenant.tenant_id}#ANON"}


def _require_consent(services):
    subjects.set_required_consents(built().tables[c.TABLE_TENANTS], services.tenant.tenant_id, ["ai_processing"])


@pytest.mark.parametrize("named_by", ["header", "body"])
def test_a_replay_does_not_outlive_erasure(services, echo_requests, named_by):
    _require_consent(services)
    user = "dave@example.com"
    headers = {"Idempotency-Key": "idem-dave-1", **({"X-Cloakr-User": user} if named_by == "header" else {})}
    body = {"user": user} if named_by == "body" else {}
    assert call(services, "PUT", "/v1/users/dave%40example.com/consent", {"consent_type": "ai_processing", "granted": True})[0] == 200
    status, first, _ = chat(services, f"I am Dave Miller, card {CARD}", headers, **body)
    assert status == 200 and CARD in json.dumps(first)
    status, erased, _ = call(services, "DELETE", "/v1/users/dave%40example.com")
    assert status == 200 and erased["deleted"]["vault_items"] >= 1
    status, again, _ = chat(services, f"I am Dave Miller, card {CARD}", headers, **body)
    assert status == 403 and again["error"]["code"] == "consent_required" and CARD not in json.dumps(again)
    assert len(echo_requests) == 1


def test_a_replay_is_admitted_again(services, echo_requests):
    _require_consent(services)
    user = {"X-Cloakr-User": "erin@example.com", "Idempotency-Key": "idem-erin-1"}
    call(services, "PUT", "/v1/users/erin%40example.com/consent", {"consent_type": "ai_processing", "granted": True})
    assert chat(services, f"card {CARD}", user)[0] == 200
    replayed = chat(services, f"card {CARD}", user)[2]
    assert replayed["statusCode"] == 200 and replayed["multiValueHeaders"]["Idempotent-Replayed"] == ["true"]
    call(services, "PUT", "/v1/users/erin%40example.com/consent", {"consent_type": "ai_processing", "granted": False})
    status, refused, _ = chat(services, f"card {CARD}", user)
    assert status == 403 and refused["error"]["code"] == "consent_required"


def test_stored_answers_are_not_exported_as_conversations(services, echo_requests):
    headers = {"X-Cloakr-User": "gina@example.com", "Idempotency-Key": "idem-gina-1"}
    assert chat(services, "mail gina@example.com", headers)[0] == 200
    status, export, _ = call(services, "GET", "/v1/users/gina%40example.com/export")
    assert status == 200 and [conv["conversation_id"].startswith("IDEMPOTENCY") for conv in export["conversations"]] == [False]

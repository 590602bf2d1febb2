"""Fault injection: AWS (DynamoDB, KMS) and upstream failures make the gateway fail closed with a documented
JSON error, forward nothing unredacted, and neither lose nor duplicate audit records."""

from __future__ import annotations

import json
import threading

import pytest
from botocore.exceptions import ClientError
from cloakr.constants import TABLE_VAULT
from cloakr.gateway import authorizer
from cloakr.gateway.routes import chat as chat_route
from cloakr.gateway.services import services as built
from cloakr.local import server
from cloakr.upstream import OpenAICompatibleProvider

from tests.integration import fake_upstream
from tests.integration.test_chat_resolver import EMAIL, call

PROMPT = [{"role": "user", "content": f"write to {EMAIL}"}]


def client_error(code: str, operation: str = "Call") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)


def raising(code: str):
    def fail(*_, **__):
        raise client_error(code)
    return fail


@pytest.fixture
def upstream(monkeypatch):
    """The fake model, wired in as the chat route's provider (short timeout so a hang is a timeout)."""
    state, stop = fake_upstream.start()
    monkeypatch.setattr(chat_route, "provider_for", lambda route, region: OpenAICompatibleProvider(state.url, None, timeout=0.5))
    yield state
    stop()


def chat(services, stream=False, headers=None):
    return call(services.event("POST", "/v1/chat/completions", {"model": "cloakr-echo", "messages": PROMPT, "stream": stream},
                               headers=headers or {}))


def audit_items(services):
    return services.table("audit").scan()["Items"]


def assert_clean_error(status, body, expected_status, code):
    assert status == expected_status and body["error"]["code"] == code, (status, body)
    assert "Traceback" not in json.dumps(body) and EMAIL not in json.dumps(body)


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"])
def test_audit_write_failure_is_503_and_nothing_is_forwarded(services, upstream, monkeypatch, code):
    monkeypatch.setattr(built().audit.table, "put_item", raising(code))
    status, body, headers = chat(services)
    assert_clean_error(status, body, 503, "audit_unavailable")
    assert headers.get("Retry-After")
    assert upstream.received == []


def test_audit_write_failure_on_redact_returns_no_redacted_text(services, monkeypatch):
    monkeypatch.setattr(built().audit.table, "put_item", raising("ProvisionedThroughputExceededException"))
    status, body, headers = call(services.event("POST", "/v1/redact", {"text": f"mail {EMAIL}"}))
    assert_clean_error(status, body, 503, "audit_unavailable")
    assert headers.get("Retry-After") and "text" not in body


def test_a_conditional_check_race_on_the_audit_write_counts_as_written(services, monkeypatch):
    """A retried write whose first attempt landed: the record exists once and the request goes on."""
    table = built().audit.table
    original = table.put_item

    def write_then_race(**kwargs):
        original(**kwargs)
        return original(**kwargs)  # the second attempt meets its own first one

    monkeypatch.setattr(table, "put_item", write_then_race)
    status, body, _ = call(services.event("POST", "/v1/redact", {"text": f"mail {EMAIL}"}))
    assert status == 200, body
    assert len(audit_items(services)) == 1


KMS_FAULTS = {"KMSInternalException": (503, "encryption_failed"), "KeyUnavailableException": (503, "encryption_failed"),
              "DisabledException": (409, "key_unavailable")}


@pytest.mark.parametrize("code", sorted(KMS_FAULTS))
def test_kms_failure_forwards_nothing_and_is_a_specific_error(services, upstream, monkeypatch, code):
    kms = built().cipher.kms
    monkeypatch.setattr(kms, "generate_data_key", raising(code))
    monkeypatch.setattr(kms, "decrypt", raising(code))
    status, body, headers = chat(services, headers={"X-Cloakr-Conversation-Id": "kept"})  # a stored map: KMS is used
    assert_clean_error(status, body, *KMS_FAULTS[code])
    assert ("Retry-After" in headers) == (status == 503)  # a disabled key is not worth retrying
    assert upstream.received == []


def completion(content: str) -> bytes:
    return json.dumps({"id": "x", "object": "chat.completion", "model": "m",
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}).encode()


UPSTREAM_FAULTS = {
    "http_500": fake_upstream.answer(500, b'{"error": "boom"}'),
    "http_502": fake_upstream.answer(502, b"bad gateway", "text/html"),
    "invalid_json": fake_upstream.answer(200, b"{not json"),
    "not_a_completion": fake_upstream.answer(200, b'{"hello": 1}'),
    "truncated_body": fake_upstream.answer(200, completion("half an answer")[:40], length=400),
}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fault", sorted(UPSTREAM_FAULTS))
def test_upstream_faults_are_json_errors_and_only_redacted_text_left(services, upstream, fault, stream):
    upstream.reply = UPSTREAM_FAULTS[fault]
    status, body, _ = chat(services, stream=stream)
    assert_clean_error(status, body, 502, "upstream_error")
    assert len(upstream.received) == 1 and not upstream.saw(EMAIL)
    assert len(audit_items(services)) == 1  # the attempt is audited exactly once


def test_upstream_timeout_is_504(services, upstream):
    release = threading.Event()
    upstream.reply = lambda handler: release.wait(5)
    try:
        status, body, _ = chat(services)
    finally:
        release.set()
    assert_clean_error(status, body, 504, "upstream_timeout")
    assert not upstream.saw(EMAIL)


def test_upstream_connection_refused(services, monkeypatch):
    state, stop = fake_upstream.start()
    stop()  # nothing listens on that port any more
    monkeypatch.setattr(chat_route, "provider_for", lambda route, region: OpenAICompatibleProvider(state.url, None, timeout=0.5))
    status, body, _ = chat(services)
    assert_clean_error(status, body, 502, "upstream_error")


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_tenants_table_throttling_during_authorization_never_allows(services, monkeypatch, code):
    authorizer.clear_cache()
    monkeypatch.setattr(built().tenants.table, "query", raising(code))
    monkeypatch.setattr(built().tenants.table, "get_item", raising(code))
    event = {"type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-central-1:123:api/prod/POST/v1/redact",
             "httpMethod": "POST", "path": "/v1/redact", "headers": {"Authorization": f"Bearer {services.admin_key}"}}
    try:
        policy = authorizer.authorize(event)
    except Exception as exc:  # noqa: BLE001 - an authorizer error is a refusal at API Gateway
        assert EMAIL not in str(exc)
        return
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_local_gateway_answers_a_failed_authorizer_like_api_gateway(services, monkeypatch):
    """API Gateway answers an authorizer that raises with the stack's AUTHORIZER_FAILURE response (503 JSON);
    the local gateway gives the same answer rather than dropping the connection."""
    authorizer.clear_cache()
    monkeypatch.setattr(built().tenants.table, "query", raising("ThrottlingException"))
    monkeypatch.setattr(built().tenants.table, "get_item", raising("ThrottlingException"))
    status, headers, data = server.handle("POST", "/v1/redact", {"Authorization": f"Bearer {services.admin_key}"},
                                          json.dumps({"text": f"mail {EMAIL}"}).encode())
    assert (status, json.loads(data)) == (503, {"error": {"code": "authorizer_unavailable", "message": "Authorization is unavailable; retry later."}})
    assert headers["Content-Type"] == "application/json" and "Strict-Transport-Security" in headers


RETRY = {"Idempotency-Key": "retry-1"}


def test_a_retry_with_the_same_idempotency_key_leaves_one_audit_record(services, upstream):
    upstream.reply = fake_upstream.answer(200, completion("noted"))
    first = chat(services, headers=RETRY)
    second = chat(services, headers=RETRY)
    assert first[0] == second[0] == 200 and first[1] == second[1]
    assert second[2].get("Idempotent-Replayed") == "true"
    assert len(upstream.received) == 1 and len(audit_items(services)) == 1


def test_a_retry_after_an_upstream_failure_really_retries(services, upstream):
    upstream.reply = fake_upstream.answer(502, b"bad gateway", "text/html")
    assert chat(services, headers=RETRY)[0] == 502
    upstream.reply = fake_upstream.answer(200, completion("noted"))
    status, body, _ = chat(services, headers=RETRY)
    assert status == 200 and body["choices"][0]["message"]["content"] == "noted"
    assert len(upstream.received) == 2 and not upstream.saw(EMAIL)


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "InternalServerError"])
def test_an_unreadable_idempotency_claim_refuses_the_request(services, upstream, monkeypatch, code):
    monkeypatch.setattr(built().tables[TABLE_VAULT], "put_item", raising(code))
    monkeypatch.setattr(built().tables[TABLE_VAULT], "get_item", raising(code))
    status, body, _ = chat(services, headers=RETRY)
    assert status == 503 and "error" in body and EMAIL not in json.dumps(body), (status, body)
    # Nothing ran: the only record is the refusal's (outcome, status, code), without content.
    records = [json.loads(i["record"]) for i in audit_items(services)]
    assert upstream.received == [] and EMAIL not in json.dumps(records)
    assert [(r["action"], r["outcome"], r["status"], r["error_code"]) for r in records] == [
        ("chat.completions", "failed", 503, "idempotency_unavailable")]

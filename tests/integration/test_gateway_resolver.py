"""The API resolver driven with API Gateway events: happy paths, every kind of bad input, headers, fail closed."""

from __future__ import annotations

import base64
import json

import pytest

from cloakr.constants import MAX_BODY_BYTES
from cloakr.gateway.app import SECURITY_HEADERS, resolve
from cloakr.pii.engine import DetectionError, PIIEngine


def call(event):
    response = resolve(event, None)
    headers = {k: v[-1] for k, v in response.get("multiValueHeaders", {}).items()} | response.get("headers", {})
    return response["statusCode"], json.loads(response["body"]), headers


def test_health_is_public_and_minimal(api_event):  # no authorizer context: the one public route
    status, body, headers = call(api_event("GET", "/v1/health"))
    assert status == 200 and body["status"] == "ok" and set(body) == {"status", "region", "version"}
    assert headers["Cache-Control"] == "no-store"


def test_redact_one_text(authorized_event):
    status, body, _ = call(authorized_event("POST", "/v1/redact", {"text": "mail jane@corp.example, SSN 536-22-1234"}))
    assert status == 200
    assert body["text"] == "mail [EMAIL], SSN [US_SOCIAL_SECURITY_NUMBER]"
    assert body["counts"] == {"EMAIL": 1, "US_SOCIAL_SECURITY_NUMBER": 1}
    assert body["findings"][0] == {"type": "EMAIL", "start": 5, "end": 22, "score": 0.95}
    assert "jane@" not in json.dumps(body)


def test_redact_batch_with_mode_entities_and_rules(authorized_event):
    request = {
        "texts": ["EMP-123456 wrote to jane@corp.example", "card 4111 1111 1111 1111"],
        "mode": "mask",
        "entities": ["EMAIL", "CREDIT_DEBIT_CARD_NUMBER"],
        "rules": [{"type": "custom_pattern", "name": "EMPLOYEE_ID", "pattern": "EMP-\\d{6}"}],
    }
    status, body, _ = call(authorized_event("POST", "/v1/redact", request))
    assert status == 200
    assert [r["text"] for r in body["results"]] == ["***-****** wrote to ****@****.*******", "card **** **** **** 1111"]
    assert body["counts"] == {"EMPLOYEE_ID": 1, "EMAIL": 1, "CREDIT_DEBIT_CARD_NUMBER": 1}


def _nested(pairs: int) -> object:
    """A value nested ``2 * pairs`` levels deep: an object holding an array, ``pairs`` times."""
    value: object = "x"
    for _ in range(pairs):
        value = {"a": [value]}
    return value


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "invalid_json"),
        ("[1, 2]", 400, "validation_error"),
        ("", 400, "validation_error"),
        ({"text": 5}, 400, "validation_error"),
        ({"text": "a", "texts": ["b"]}, 400, "validation_error"),
        ({}, 400, "validation_error"),
        ({"text": "a", "unknown": True}, 400, "validation_error"),
        ({"text": "a", "mode": "shred"}, 400, "validation_error"),
        ({"text": "a", "entities": ["NOT_A_TYPE"]}, 400, "validation_error"),
        ({"text": "a", "rules": [{"type": "custom_pattern", "name": "X_ID", "pattern": "(a)\\1"}]}, 400, "validation_error"),
        ("[" * 100_000, 400, "invalid_json"),
        ({"text": "a", "rules": [{"type": "custom_pattern", "name": "X_ID", "pattern": "x", "z": _nested(70)}]}, 400, "validation_error"),
    ],
)
def test_bad_input_is_a_clear_4xx(authorized_event, body, status, code):
    got_status, got, headers = call(authorized_event("POST", "/v1/redact", body))
    assert (got_status, got["error"]["code"]) == (status, code)
    assert set(got) == {"error"} and got["error"]["message"]
    for name in SECURITY_HEADERS:
        assert name in headers


def test_nesting_and_string_count_are_limited_before_any_walk_over_the_body(authorized_event):
    from cloakr.constants import MAX_JSON_DEPTH, MAX_JSON_STRINGS
    from cloakr.gateway.requests import json_shape

    assert [json_shape(v) for v in ("x", [], {"a": 1}, [[{}]], _nested(3))] == [(0, 1), (1, 0), (1, 1), (3, 0), (6, 4)]
    assert json_shape([[[]]] * 3 + [[[[[[]]]]]]) == (6, 0) and json_shape({"a": ["b", {"c": "d"}]}) == (3, 4)
    status, body, _ = call(authorized_event("POST", "/v1/redact", {"text": "a", "rules": [_nested(40)]}))
    assert (status, body["error"]["code"]) == (400, "validation_error") and f"{MAX_JSON_DEPTH} levels" in body["error"]["message"]
    many = {"text": "a", "rules": [{"type": "custom_pattern", "name": "X", "pattern": "x", "extra": ["s"] * MAX_JSON_STRINGS}]}
    status, body, _ = call(authorized_event("POST", "/v1/redact", many))
    assert (status, body["error"]["code"]) == (400, "validation_error") and f"{MAX_JSON_STRINGS} strings" in body["error"]["message"]


def test_error_messages_never_echo_the_input(authorized_event):
    _, body, _ = call(authorized_event("POST", "/v1/redact", {"text": ["jane@corp.example"]}))
    assert "jane" not in json.dumps(body)


def test_oversize_and_bad_base64(authorized_event):
    big = json.dumps({"text": "a" * (MAX_BODY_BYTES + 1)})
    assert call(authorized_event("POST", "/v1/redact", big))[1]["error"]["code"] == "payload_too_large"
    assert call(authorized_event("POST", "/v1/redact", big))[0] == 413
    assert call(authorized_event("POST", "/v1/redact", "%%%", base64=True))[1]["error"]["code"] == "invalid_json"
    encoded = base64.b64encode(json.dumps({"text": "mail a@b.example"}).encode()).decode()
    assert call(authorized_event("POST", "/v1/redact", encoded, base64=True))[1]["text"] == "mail [EMAIL]"


def test_unknown_route_and_wrong_method(authorized_event):
    assert call(authorized_event("GET", "/v1/nope"))[:2] == (404, {"error": {"code": "not_found", "message": "No such route."}})
    status, body, _ = call(authorized_event("GET", "/v1/redact"))
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


def test_detection_failure_fails_closed_with_a_retryable_code(authorized_event, monkeypatch):
    def broken(self, *args, **kwargs):
        raise DetectionError("detection failed in the PII engine (RuntimeError)")

    monkeypatch.setattr(PIIEngine, "redact", broken)
    status, body, headers = call(authorized_event("POST", "/v1/redact", {"text": "jane@corp.example"}))
    assert status == 503 and body["error"]["code"] == "detection_failed" and headers["Retry-After"] == "1"
    assert "jane" not in json.dumps(body)


def test_unexpected_error_is_a_500_without_detail(authorized_event, monkeypatch):
    def boom(self, *args, **kwargs):
        raise KeyError("jane@corp.example")

    monkeypatch.setattr(PIIEngine, "redact", boom)
    status, body, _ = call(authorized_event("POST", "/v1/redact", {"text": "jane@corp.example"}))
    assert status == 500 and body == {"error": {"code": "internal_error", "message": "The request failed on our side; retry later."}}


def test_openapi_document_lists_the_routes(authorized_event):
    status, body, _ = call(authorized_event("GET", "/v1/openapi.json"))
    assert status == 200 and body["openapi"].startswith("3.")
    assert {"/v1/health", "/v1/redact"} <= set(body["paths"])


def test_redact_writes_one_audit_record_without_values(authorized_event, aws):
    import boto3

    call(authorized_event("POST", "/v1/redact", {"text": "mail jane@corp.example"}))
    items = boto3.resource("dynamodb", region_name="eu-central-1").Table(aws["audit"]).scan()["Items"]
    assert len(items) == 1
    record = json.loads(items[0]["record"])
    assert record["action"] == "redact" and record["category"] == "data_access"
    assert record["pii_redaction"] == {"detected": ["EMAIL"], "redacted_count": 1, "counts": {"EMAIL": 1}}
    assert record["hash"].startswith("sha256:") and "jane" not in items[0]["record"]


def test_audit_failure_fails_closed(authorized_event, monkeypatch):
    from cloakr.audit.trail import AuditTrail, AuditWriteError

    def down(self, event):
        raise AuditWriteError("the audit record could not be written")

    monkeypatch.setattr(AuditTrail, "record", down)
    status, body, headers = call(authorized_event("POST", "/v1/redact", {"text": "mail jane@corp.example"}))
    assert status == 503 and body["error"]["code"] == "audit_unavailable" and headers["Retry-After"] == "1"
    assert "jane" not in json.dumps(body)


def test_without_authorizer_context_the_api_refuses(api_event):
    status, body, _ = call(api_event("POST", "/v1/redact", {"text": "x"}))
    assert status == 401 and body["error"]["code"] == "unauthorized"

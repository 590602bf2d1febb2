"""One audit record per request, refusals and reads included: action, outcome, status and error code, no content."""

from __future__ import annotations

import json

import pytest

from cloakr import constants as c
from cloakr.audit.trail import AuditWriteError
from cloakr.compliance import subjects
from cloakr.gateway.app import request_action, resolve
from cloakr.gateway.services import services as built

PII = "jane.doe@example.com"


def records(services) -> list[dict]:
    items = services.table("audit").query(KeyConditionExpression="pk = :p AND begins_with(sk, :e)",
                                          ExpressionAttributeValues={":p": f"TENANT#{services.tenant.tenant_id}", ":e": "EVENT#"})["Items"]
    return [json.loads(i["record"]) for i in items]


def one_new_record(services, event) -> tuple[dict, dict]:
    before = {r["audit_id"] for r in records(services)}
    response = resolve(event, None)
    new = [r for r in records(services) if r["audit_id"] not in before]
    assert len(new) == 1, new
    assert PII not in json.dumps(new[0])
    return response, new[0]


@pytest.mark.parametrize("method,path,body,action,status,code", [
    ("POST", "/v1/chat/completions", {"model": "cloakr-echo", "messages": []}, "chat.completions", 400, "validation_error"),
    ("POST", "/v1/redact", {"nottext": PII}, "redact", 400, "validation_error"),
    ("GET", "/v1/audit/exports/nope", None, "audit.exports.read", 404, "not_found"),
    ("GET", "/v1/users/x/nothing", None, "route.unknown", 404, "not_found"),
])
def test_refusals_are_recorded(services, method, path, body, action, status, code):
    response, record = one_new_record(services, services.event(method, path, body, headers={"X-Cloakr-User": PII}))
    assert response["statusCode"] == status
    assert (record["action"], record["outcome"], record["status"], record["error_code"]) == (action, "refused", status, code)


def test_a_consent_refusal_is_recorded(services, echo_requests):
    subjects.set_required_consents(built().tables[c.TABLE_TENANTS], services.tenant.tenant_id, ["ai_processing"])
    event = services.event("POST", "/v1/chat/completions", {"model": "cloakr-echo", "messages": [{"role": "user", "content": PII}]},
                           headers={"X-Cloakr-User": "carol@example.com"})
    response, record = one_new_record(services, event)
    assert response["statusCode"] == 403 and record["error_code"] == "consent_required" and record["outcome"] == "refused"
    assert record["user_id"] is None  # no pseudonym is made for a refused request of a never-seen user


@pytest.mark.parametrize("path", ["/v1/audit/events", "/v1/audit/verify"])
def test_admin_reads_are_recorded(services, path):
    response, record = one_new_record(services, services.event("GET", path))
    assert response["statusCode"] == 200
    assert record["action"] == request_action("GET", path)[0] and record["outcome"] == "success"
    assert record["category"] == "compliance" and "status" not in record and "error_code" not in record


def test_a_route_that_records_is_not_recorded_twice(services):
    _, record = one_new_record(services, services.event("POST", "/v1/redact", {"text": "hi"}))
    assert record["action"] == "redact" and "status" not in record


def test_a_read_whose_record_fails_is_refused(services, monkeypatch):
    def fail(self, event):
        raise AuditWriteError("down")

    monkeypatch.setattr(type(built().audit), "record", fail)
    response = resolve(services.event("GET", "/v1/audit/events"), None)
    assert response["statusCode"] == 503 and json.loads(response["body"])["error"]["code"] == "audit_unavailable"

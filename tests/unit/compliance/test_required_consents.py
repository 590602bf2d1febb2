"""The tenant's consent enforcement through the API: ``GET``/``PUT /v1/consents/required`` (``users:admin``)."""

from __future__ import annotations

import json

import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from cloakr import constants as c
from cloakr.compliance import subjects
from cloakr.gateway.services import services as built

from tests.unit.audit.audit_api_helpers import call

PATH = "/v1/consents/required"
SECRET = "jane.doe@example.com"  # what a caller might put in a bad body: never echoed, never recorded


@pytest.fixture(autouse=True)
def fresh_cache():
    subjects.clear_cache()
    yield
    subjects.clear_cache()


def required(services, **kwargs):
    status, body = call(services, "GET", PATH, **kwargs)
    assert status == 200, body
    return body["consent_types"]


def put(services, types, **kwargs):
    return call(services, "PUT", PATH, {"consent_types": types}, **kwargs)


def chat(services, user=None):
    body = {"model": "cloakr-echo", "messages": [{"role": "user", "content": "hello"}], **({"user": user} if user else {})}
    return call(services, "POST", "/v1/chat/completions", body)


def grant(services, user, consent_type="ai_processing"):
    assert call(services, "PUT", f"/v1/users/{user}/consent", {"consent_type": consent_type, "granted": True})[0] == 200


def audit_records(services):
    items = built().tables[c.TABLE_AUDIT].query(KeyConditionExpression=Key("pk").eq(f"TENANT#{services.tenant.tenant_id}"))["Items"]
    return [json.loads(item["record"]) for item in items]


def test_nothing_is_required_until_set_and_the_setting_reads_back(services):
    assert required(services) == []
    status, body = put(services, ["marketing", "ai_processing", "marketing"])
    assert status == 200 and body == {"consent_types": ["ai_processing", "marketing"]}
    assert required(services) == ["ai_processing", "marketing"]
    assert subjects.required_consents(built().tables[c.TABLE_TENANTS], services.tenant.tenant_id) == {"ai_processing", "marketing"}


def test_setting_it_refuses_chat_without_consent_and_clearing_it_lets_chat_through(services, echo_requests):
    assert chat(services, "u1")[0] == 200  # nothing required yet; this process now caches "nothing required"
    assert put(services, ["ai_processing"])[0] == 200
    status, body = chat(services, "u1")
    assert status == 403 and body["error"]["code"] == "consent_required"  # at once: the cache was dropped
    status, body = chat(services)
    assert status == 400 and body["error"]["code"] == "user_required"
    grant(services, "u1")
    assert chat(services, "u1")[0] == 200
    assert put(services, [])[1] == {"consent_types": []}
    assert required(services) == []
    assert chat(services, "u2")[0] == 200 and chat(services)[0] == 200  # enforcement off: no consent, no user needed


def test_the_setting_is_per_tenant(services, echo_requests):
    other = built().tenants.create_tenant("Other tenant").tenant_id
    assert put(services, ["ai_processing"], tenant_id=other)[0] == 200
    assert required(services) == [] and required(services, tenant_id=other) == ["ai_processing"]
    assert chat(services, "u1")[0] == 200


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_the_routes_need_users_admin(services, method):
    status, body = call(services, method, PATH, {"consent_types": []} if method == "PUT" else None,
                        scopes=["redact:write", "chat:write", "audit:read"])
    assert status == 403 and body["error"]["code"] == "forbidden" and "users:admin" in body["error"]["message"]


def test_a_key_without_users_admin_cannot_turn_enforcement_off(services):
    put(services, ["ai_processing"])
    assert call(services, "PUT", PATH, {"consent_types": []}, scopes=["keys:admin"])[0] == 403
    assert required(services) == ["ai_processing"]


@pytest.mark.parametrize("body", [
    {"consent_types": SECRET},
    {"consent_types": [SECRET]},
    {"consent_types": ["ai_processing", "Bad Type!"]},
    {"consent_types": ["x" * 65]},
    {"consent_types": [""]},
    {"consent_types": [f"type_{n}" for n in range(21)]},
    {"consent_types": [1]},
    {"consent_types": [None]},
    {"consent_types": None},
    {"consent_types": {SECRET: True}},
    {"consent_types": ["ai_processing"], SECRET: 1},
    {},
    [SECRET],
    f'{{"consent_types": ["{SECRET}"',
])
def test_bad_input_is_400_without_echo_and_changes_nothing(services, body):
    put(services, ["ai_processing"])
    status, answer = call(services, "PUT", PATH, body)
    assert status == 400 and answer["error"]["code"] in ("validation_error", "invalid_json")
    assert set(answer) == {"error"} and SECRET not in json.dumps(answer) and "Bad Type" not in json.dumps(answer)
    assert required(services) == ["ai_processing"]


def test_at_most_twenty_types_may_be_required(services):
    assert put(services, [f"type_{n}" for n in range(20)])[0] == 200
    assert len(required(services)) == 20


def test_each_change_is_audited_as_compliance_without_end_user_data(services):
    headers = {"X-Cloakr-User": SECRET}
    assert put(services, ["ai_processing"], headers=headers)[0] == 200
    assert put(services, [], headers=headers)[0] == 200
    assert call(services, "GET", PATH, headers=headers)[0] == 200
    records = [r for r in audit_records(services) if r["action"].startswith("consents.required.")]
    assert sorted(r["action"] for r in records) == ["consents.required.clear", "consents.required.read",
                                                    "consents.required.set"]
    assert all(r["category"] == "compliance" and r["outcome"] == "success" and not r.get("user_id") for r in records)
    assert SECRET not in json.dumps(audit_records(services))


def test_no_audit_record_no_change(services, monkeypatch):
    from cloakr.gateway.errors import AuditUnavailableError
    from cloakr.gateway.services import Services

    def unavailable(self, event):
        raise AuditUnavailableError("The audit trail is unavailable.")

    with monkeypatch.context() as patch:
        patch.setattr(Services, "record", unavailable)
        status, body = put(services, ["ai_processing"])
    assert status == 503 and body["error"]["code"] == "audit_unavailable"
    assert required(services) == []


def test_a_failing_store_is_a_retryable_503_not_a_500(services, monkeypatch):
    def failing(*args, **kwargs):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "UpdateItem")

    monkeypatch.setattr(subjects, "set_required_consents", failing)
    status, body = put(services, ["ai_processing"])
    assert status == 503 and body["error"]["code"] == "subjects_unavailable"
    monkeypatch.setattr(subjects, "required_consents", failing)
    status, body = call(services, "GET", PATH)
    assert status == 503 and body["error"]["code"] == "subjects_unavailable"

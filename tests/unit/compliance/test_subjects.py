"""Data subject rights through the gateway: consent (history, enforcement), export, erasure, crypto-shredded audit."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from boto3.dynamodb.conditions import Key
from cloakr import constants as c
from cloakr.audit.digest import write_digest
from cloakr.audit.trail import AuditEvent
from cloakr.audit.verify import verify_chain
from cloakr.compliance import subjects
from cloakr.compliance.incidents import SIGNALS
from cloakr.crypto import EncryptionError, EnvelopeCipher
from cloakr.crypto.byok import tenant_cipher
from cloakr.gateway.services import services as built

from tests.unit.audit.audit_api_helpers import call
from cloakr.gateway.vault import TokenVault
from cloakr.pii.tokens import TokenMap

CONVERSATIONS = 30  # more than one BatchWriteItem (25), and pages of 7 below


def consent(services, user, granted, consent_type="ai_processing", **kwargs):
    return call(services, "PUT", f"/v1/users/{user}/consent", {"consent_type": consent_type, "granted": granted}, **kwargs)


def redact(services, user=None):
    headers = {"X-Cloakr-User": user} if user else {}
    return call(services, "POST", "/v1/redact", {"text": "Mail jane.doe@example.com"}, headers=headers)


def remember(tenant_id, user, conversation, value):
    """A vault item as the chat route writes it: the user's token map with ``value`` behind a placeholder."""
    tokens = TokenMap()
    placeholder = tokens.placeholder("EMAIL", value)
    TokenVault(built().tables[c.TABLE_VAULT], tenant_cipher(built())).save(tenant_id, built().user_key(tenant_id, user), conversation, tokens, 30)
    return placeholder


def vault_keys(tenant_id, user):
    table = built().tables[c.TABLE_VAULT]
    return table.query(KeyConditionExpression=Key("pk").eq(f"TENANT#{tenant_id}#USER#{built().user_key(tenant_id, user)}"))["Items"]


@pytest.fixture
def other_tenant(services):
    return built().tenants.create_tenant("Other tenant")


def test_consent_is_stored_with_history_and_current_state(services):
    first = {"consent_type": "ai_processing", "granted": True, "timestamp": "2024-05-01T10:00:00Z"}
    assert call(services, "PUT", "/v1/users/u1/consent", first)[0] == 200
    status, body = call(services, "PUT", "/v1/users/u1/consent", {"consent_type": "ai_processing", "granted": False, "source": "web_form"})
    assert status == 200 and body["granted"] is False and body["source"] == "web_form" and body["user_id"] == "u1"
    export = call(services, "GET", "/v1/users/u1/export")[1]
    assert [(e["consent_type"], e["granted"]) for e in export["consents"]] == [("ai_processing", False)]
    assert [e["granted"] for e in export["consent_history"]] == [True, False]
    assert export["consent_history"][0]["timestamp"].startswith("2024-05-01T10:00:00")
    assert subjects.granted_consents(built(), services.tenant.tenant_id, "u1") == frozenset()


def test_consent_update_is_audited_under_a_pseudonym(services):
    consent(services, "alice@example.com", True)
    records = [json.loads(i["record"]) for i in built().tables[c.TABLE_AUDIT].query(
        KeyConditionExpression=Key("pk").eq(f"TENANT#{services.tenant.tenant_id}"))["Items"]]
    update = [r for r in records if r["action"] == "consent_update"]
    assert len(update) == 1 and update[0]["category"] == "compliance"
    assert update[0]["user_id"].startswith(subjects.REF_PREFIX)
    assert "alice" not in json.dumps(records)


@pytest.mark.parametrize("body", [
    {"consent_type": "Bad Type!", "granted": True}, {"consent_type": "x", "granted": "yes"},
    {"consent_type": "x", "granted": True, "name": "Jane"}, {"consent_type": "x", "granted": True, "source": "jane doe"},
])
def test_invalid_consent_is_400(services, body):
    status, answer = call(services, "PUT", "/v1/users/u1/consent", body)
    assert status == 400 and answer["error"]["code"] == "validation_error"


def test_consent_enforcement(services):
    assert redact(services, "u1")[0] == 200  # nothing required yet
    subjects.set_required_consents(built().tables[c.TABLE_TENANTS], services.tenant.tenant_id, ["ai_processing"])
    status, body = redact(services, "u1")
    assert status == 403 and body["error"]["code"] == "consent_required" and "ai_processing" in body["error"]["message"]
    status, body = redact(services)
    assert status == 400 and body["error"]["code"] == "user_required"
    consent(services, "u1", True)
    assert redact(services, "u1")[0] == 200
    consent(services, "u1", True, consent_type="marketing")
    consent(services, "u1", False)
    assert redact(services, "u1")[1]["error"]["code"] == "consent_required"


def test_consent_enforcement_is_per_tenant(services, other_tenant):
    subjects.set_required_consents(built().tables[c.TABLE_TENANTS], other_tenant.tenant_id, ["ai_processing"])
    consent(services, "u1", True, tenant_id=other_tenant.tenant_id)
    assert redact(services, "u2")[0] == 200  # this tenant requires nothing
    subjects.set_required_consents(built().tables[c.TABLE_TENANTS], services.tenant.tenant_id, ["ai_processing"])
    assert redact(services, "u1")[1]["error"]["code"] == "consent_required"  # the other tenant's grant does not count


def test_export_holds_the_subjects_data_only(services, other_tenant):
    tenant = services.tenant.tenant_id
    mine = remember(tenant, "u1", "conv-1", "jane.doe@example.com")
    remember(tenant, "u2", "conv-2", "someone.else@example.com")
    remember(other_tenant.tenant_id, "u1", "conv-3", "other.tenant@example.com")
    consent(services, "u1", True)
    consent(services, "u2", True)
    call(services, "PUT", "/v1/users/u1/block", {"reason": "admin"})
    call(services, "PUT", "/v1/users/u10/block", {"reason": "admin"})  # an audit record naming u10, not u1
    status, export = call(services, "GET", "/v1/users/u1/export", query={"format": "json"})
    assert status == 200 and export["user_id"] == "u1"
    assert export["conversations"] == [{"conversation_id": "conv-1", "updated_at": export["conversations"][0]["updated_at"],
                                        "tokens": {mine: "jane.doe@example.com"}}]
    assert export["block"]["reason"] == "admin" and len(export["consents"]) == 1
    actions = [r["action"] for r in export["audit_records"]]
    assert actions.count("consent_update") == 1 and actions.count("user.block") == 1 and "subject_export" in actions
    text = json.dumps(export)
    assert "someone.else" not in text and "other.tenant" not in text


def test_export_of_an_unknown_user_is_empty(services):
    status, export = call(services, "GET", "/v1/users/nobody/export")
    assert status == 200
    assert (export["consents"], export["consent_history"], export["block"], export["erasures"], export["conversations"]) == ([], [], None, [], [])


def test_export_format_must_be_json(services):
    status, body = call(services, "GET", "/v1/users/u1/export", query={"format": "xml"})
    assert status == 400 and body["error"]["code"] == "validation_error"


def test_erase_deletes_vault_consents_and_blocks_and_keeps_a_receipt(services, other_tenant, monkeypatch):
    monkeypatch.setattr(subjects, "PAGE_SIZE", 7)
    tenant = services.tenant.tenant_id
    for n in range(CONVERSATIONS):
        remember(tenant, "u1", f"conv-{n}", f"user{n}@example.com")
    remember(tenant, "u2", "kept", "kept@example.com")
    remember(other_tenant.tenant_id, "u1", "kept", "other@example.com")
    consent(services, "u1", True)
    consent(services, "u1", True, consent_type="marketing", tenant_id=other_tenant.tenant_id)
    call(services, "PUT", "/v1/users/u1/block")
    status, body = call(services, "DELETE", "/v1/users/u1")
    assert status == 200 and body["user_id"] == "u1" and body["status"] == "erased"
    assert body["deleted"]["vault_items"] == CONVERSATIONS and body["deleted"]["consents"] == 2 and body["deleted"]["blocks"] == 1
    assert vault_keys(tenant, "u1") == [] and len(vault_keys(tenant, "u2")) == 1
    assert len(vault_keys(other_tenant.tenant_id, "u1")) == 1
    export = call(services, "GET", "/v1/users/u1/export")[1]
    assert (export["consents"], export["consent_history"], export["block"], export["conversations"]) == ([], [], None, [])
    assert [e["deleted"]["vault_items"] for e in export["erasures"]] == [CONVERSATIONS]
    # Records under the shredded pseudonym no longer match (the block route's record too: it names the pseudonym).
    assert {r["action"] for r in export["audit_records"]} & {"consent_update", "subject_erase", "user.block"} == set()
    other = call(services, "GET", "/v1/users/u1/export", tenant_id=other_tenant.tenant_id)[1]
    assert len(other["consents"]) == 1 and len(other["conversations"]) == 1


def test_erasure_receipt_holds_no_personal_data(services):
    remember(services.tenant.tenant_id, "u1", "c", "jane.doe@example.com")
    call(services, "DELETE", "/v1/users/u1")
    items = built().tables[c.TABLE_SUBJECTS].query(
        KeyConditionExpression=Key("pk").eq(f"TENANT#{services.tenant.tenant_id}#USER#{built().user_key(services.tenant.tenant_id, 'u1')}"))["Items"]
    assert [i["sk"].split("#")[0] for i in items] == ["ERASURE"]
    assert "jane" not in json.dumps(items, default=str)


def test_audit_chain_verifies_after_erasure_and_records_are_unlinkable(services):
    tenant = services.tenant.tenant_id
    ref = subjects.user_ref(built(), tenant, "u1")
    past = time.time() - 7200
    for n in range(3):
        built().record(AuditEvent(tenant_id=tenant, action="chat.completions", category="data_access", user_id=ref, created_at=past + n))
    start = datetime.fromtimestamp(past - 60, UTC).isoformat(timespec="seconds")
    end = datetime.fromtimestamp(past + 60, UTC).isoformat(timespec="seconds")
    env = {"audit_table": built().tables[c.TABLE_AUDIT], "kms": built().kms, "s3": built().s3, "bucket": services.bucket}
    write_digest(**env, signing_key_id=services.signing_key_id, tenant_id=tenant, start=start, end=end, previous=None)
    before = call(services, "GET", "/v1/users/u1/export")[1]
    assert [r["action"] for r in before["audit_records"]].count("chat.completions") == 3
    assert call(services, "DELETE", "/v1/users/u1")[0] == 200
    result = verify_chain(**env, tenant_id=tenant, start=start, end=end, trusted_key_id=services.signing_key_id)
    assert result.ok and result.records_checked == 3
    assert subjects.user_ref(built(), tenant, "u1", create=False) is None  # the secret is shredded
    after = call(services, "GET", "/v1/users/u1/export")[1]
    assert "chat.completions" not in {r["action"] for r in after["audit_records"]}


def test_kms_failure_fails_closed_with_503(services, monkeypatch):
    def broken(*args, **kwargs):
        raise EncryptionError("KMS unavailable")

    # A known user: their pseudonym secret must be decrypted (an unknown user's reads need no key, and make none).
    assert consent(services, "u1", True, consent_type="y")[0] == 200
    monkeypatch.setattr(EnvelopeCipher, "encrypt", broken)
    monkeypatch.setattr(EnvelopeCipher, "decrypt", broken)
    for method, path, body in [("PUT", "/v1/users/u1/consent", {"consent_type": "x", "granted": True}),
                               ("GET", "/v1/users/u1/export", None), ("DELETE", "/v1/users/u1", None)]:
        status, answer = call(services, method, path, body)
        assert status == 503 and answer["error"]["code"] == "encryption_failed"
    assert subjects.granted_consents(built(), services.tenant.tenant_id, "u1") == frozenset({"y"})


def test_users_routes_need_users_admin(services):
    for method, path in [("DELETE", "/v1/users/u1"), ("GET", "/v1/users/u1/export"), ("PUT", "/v1/users/u1/consent")]:
        status, body = call(services, method, path, {"consent_type": "x", "granted": True}, scopes=["redact:write"])
        assert status == 403 and body["error"]["code"] == "forbidden"


@pytest.mark.parametrize("segment", ["u" * 300, "%FF", "%75" * 257])
def test_bad_user_id_is_400(services, segment):
    status, body = call(services, "DELETE", "/v1/users/" + segment)
    assert status == 400 and body["error"]["code"] == "validation_error"


def test_percent_encoded_user_id_is_the_header_id(services):
    consent(services, "jane%40example.com", True)
    assert subjects.granted_consents(built(), services.tenant.tenant_id, "jane@example.com") == {"ai_processing"}


def test_incidents_are_exported_and_unlinked_on_erasure(services):
    tenant = services.tenant.tenant_id
    signal = SIGNALS["blocked_prompts"]
    u1, u2 = built().user_key(tenant, "u1"), built().user_key(tenant, "u2")
    for _ in range(signal.medium):
        built().incidents.observe("blocked_prompts", tenant_id=tenant, user_id=u1)
    built().incidents.observe("blocked_prompts", tenant_id=tenant, user_id=u2)
    export = call(services, "GET", "/v1/users/u1/export")[1]
    assert [(i["kind"], i["severity"], i["user_id"]) for i in export["incidents"]] == [("blocked_prompts", "medium", u1)]
    deleted = call(services, "DELETE", "/v1/users/u1")[1]["deleted"]
    assert deleted["incident_counters"] == 1 and deleted["incident_links"] == 1
    incidents = call(services, "GET", "/v1/incidents")[1]["incidents"]
    assert len(incidents) == 1 and "user_id" not in incidents[0]  # the security record stays, without the person
    assert call(services, "GET", "/v1/users/u1/export")[1]["incidents"] == []

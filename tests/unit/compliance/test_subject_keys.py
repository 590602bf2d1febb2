"""End-user ids never stored: every item about an end user names them by a keyed blind index (``ux-...``)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from botocore.exceptions import ClientError
from cloakr import constants as c
from cloakr.compliance import subject_keys
from cloakr.compliance.incidents import SIGNALS
from cloakr.compliance.subject_keys import KEY_SHAPE, kept_secret
from cloakr.crypto import EncryptionError, EnvelopeCipher
from cloakr.gateway.services import services as built

from tests.unit.audit.audit_api_helpers import call

USER = "jane.doe@corp.example"
ENCODED = "jane.doe%40corp.example"  # as the id travels in /v1/users/{user_id}


def everything_stored(services) -> str:
    """Every item of the four tables, keys and attributes, as text (encrypted blobs as their bytes)."""
    items = [item for role in ("subjects", "vault", "audit", "tenants") for item in services.table(role).scan()["Items"]]
    def plain(value):
        return bytes(value.value).hex() if hasattr(value, "value") else sorted(value) if isinstance(value, set) else str(value)
    return json.dumps(items, default=plain)


def chat(services, user, text, **headers):
    return call(services, "POST", "/v1/chat/completions", {"model": "cloakr-echo", "messages": [{"role": "user", "content": text}]},
                headers={"X-Cloakr-User": user, **headers})


def test_keys_are_stable_per_tenant_and_differ_between_tenants(services):
    tenant, other = services.tenant.tenant_id, built().tenants.create_tenant("Other").tenant_id
    key = built().user_key(tenant, USER)
    assert KEY_SHAPE.match(key) and USER not in key
    subject_keys.clear_cache()  # another process: reads the tenant's secret instead of making one
    assert built().user_key(tenant, USER) == key
    assert built().user_key(other, USER) != key and built().user_key(tenant, USER.upper()) != key
    [secret] = [i for i in services.table("subjects").scan()["Items"] if i["pk"] == f"TENANT#{tenant}#USER-KEYS"]
    assert len(bytes(secret["blob"].value)) > 32  # the envelope, not the bare secret


def test_two_requests_making_the_secret_at_once_agree(services):
    """The conditional write loses for one of them, which then reads the other's secret."""
    tenant = services.tenant.tenant_id
    key = built().user_key(tenant, USER)
    table = built().tables[c.TABLE_SUBJECTS]

    class Late:  # its first read ran before the other request wrote the secret
        reads = 0

        def get_item(self, **kwargs):
            self.reads += 1
            return {} if self.reads == 1 else table.get_item(**kwargs)

        def put_item(self, **kwargs):
            return table.put_item(**kwargs)

    late = Late()
    view = type("View", (), {"tables": {**built().tables, c.TABLE_SUBJECTS: late}, "cipher": built().cipher,
                             "kms": built().kms})()
    secret = kept_secret(view, {"pk": f"TENANT#{tenant}#USER-KEYS", "sk": "SECRET"}, tenant, subject_keys.SECRET_PURPOSE, create=True)
    assert late.reads == 2
    assert subject_keys.KEY_PREFIX + hmac.new(secret, USER.encode(), hashlib.sha256).hexdigest()[:40] == key


def test_no_table_names_the_end_user_after_a_full_journey(services, echo_requests, monkeypatch):
    monkeypatch.setitem(SIGNALS, "pii_spike", SIGNALS["pii_spike"].__class__("pii_spike", 3600, 2, 1000, "USER"))
    assert call(services, "PUT", f"/v1/users/{ENCODED}/consent", {"consent_type": "ai_processing", "granted": True})[0] == 200
    status, answer = chat(services, USER, "Mail a@example.com and b@example.com", **{"X-Cloakr-Conversation-Id": "c1",
                                                                                    "Idempotency-Key": "k1"})
    assert status == 200 and "a@example.com" in answer["choices"][0]["message"]["content"]
    assert USER not in json.dumps(echo_requests)  # the model sees a pseudonym of the user, never the id
    assert call(services, "PUT", f"/v1/users/{ENCODED}/block", {"reason": "admin"})[0] == 200
    assert chat(services, USER, "hi")[1]["error"]["code"] == "user_blocked"
    incidents = call(services, "GET", "/v1/incidents")[1]["incidents"]
    assert [i["kind"] for i in incidents] == ["pii_spike"] and KEY_SHAPE.match(incidents[0]["user_id"])
    stored = everything_stored(services)
    assert "jane" not in stored and "corp.example" not in stored

    export = call(services, "GET", f"/v1/users/{ENCODED}/export")[1]
    assert export["user_id"] == USER and len(export["conversations"]) == 1 and len(export["consents"]) == 1
    assert export["block"]["reason"] == "admin" and len(export["incidents"]) == 1
    deleted = call(services, "DELETE", f"/v1/users/{ENCODED}")[1]["deleted"]
    assert deleted["vault_items"] == 1 and deleted["stored_replies"] == 1 and deleted["blocks"] == 1
    assert deleted["incident_counters"] == 2 and deleted["incident_links"] == 1  # the spike's and the blocked prompt's
    key = built().user_key(services.tenant.tenant_id, USER)
    left = [i["sk"].split("#")[0] for role in ("subjects", "vault") for i in services.table(role).scan()["Items"] if key in i["pk"]]
    assert left == ["ERASURE"]


def test_a_blocked_id_and_its_key_name_the_same_user(services):
    key = built().user_key(services.tenant.tenant_id, USER)
    assert call(services, "PUT", f"/v1/users/{key}/block")[0] == 200
    assert call(services, "POST", "/v1/redact", {"text": "hi"}, headers={"X-Cloakr-User": USER})[1]["error"]["code"] == "user_blocked"
    assert call(services, "DELETE", f"/v1/users/{ENCODED}/block")[0] == 200
    assert call(services, "POST", "/v1/redact", {"text": "hi"}, headers={"X-Cloakr-User": USER})[0] == 200


@pytest.mark.parametrize("failure", ["kms", "table"])
def test_a_user_key_that_cannot_be_read_refuses_the_request(services, echo_requests, monkeypatch, failure):
    """Fail closed: without the key no block, consent or vault can be checked, so nothing is forwarded."""
    if failure == "kms":
        def broken(*args, **kwargs):
            raise EncryptionError("KMS unavailable")
        monkeypatch.setattr(EnvelopeCipher, "decrypt", broken)
        monkeypatch.setattr(EnvelopeCipher, "encrypt", broken)
        expected = "encryption_failed"
    else:
        table = built().tables[c.TABLE_SUBJECTS]
        real = table.get_item

        def get_item(**kwargs):
            if kwargs["Key"]["pk"].endswith("#USER-KEYS"):
                raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "GetItem")
            return real(**kwargs)
        monkeypatch.setattr(table, "get_item", get_item)
        expected = "subjects_unavailable"
    status, answer = chat(services, USER, "Mail a@example.com")
    assert status == 503 and answer["error"]["code"] == expected
    assert echo_requests == [] and "jane" not in json.dumps(answer)

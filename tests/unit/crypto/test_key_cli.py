"""``cloakr admin byok|destroy-key`` and ``cloakr keys status`` against moto, and crypto-shredding end to end."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from cloakr.constants import TENANT_KEY_TAG
from cloakr.cli.main import main
from cloakr.crypto.byok import TenantKeys, clear_cache, key_status
from cloakr.gateway.app import resolve
from cloakr.gateway.services import services as built

REGION = "eu-central-1"


@pytest.fixture(autouse=True)
def _fresh_tenant_keys():
    clear_cache()
    yield
    clear_cache()


def _kms():
    return boto3.client("kms", region_name=REGION)


def _options(services, *extra):
    return [*extra, "--region", REGION, "--table", services.tables["tenants"], "--audit-table", services.tables["audit"],
            "--stack-key", services.data_key_id]


def _admin(services, *args):
    return main(["admin", *_options(services, *args)])


def _tenant_key(tenant_id: str | None) -> str:
    """A customer key for the tenant, tagged as ``cloakr admin byok`` requires (untagged with ``None``)."""
    tags = [{"TagKey": TENANT_KEY_TAG, "TagValue": tenant_id}] if tenant_id else []
    return _kms().create_key(Description="tenant key", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
                             Tags=tags)["KeyMetadata"]["Arn"]


def _audit(services):
    return [json.loads(i["record"]) for i in services.table("audit").scan()["Items"]]


def test_byok_refuses_a_key_not_tagged_for_the_tenant(services, capsys):
    for arn in (_tenant_key(None), _tenant_key("t_someoneelse")):
        assert _admin(services, "byok", "--tenant", services.tenant.tenant_id, "--key-arn", arn) == 2
        assert f"tag the key {TENANT_KEY_TAG}={services.tenant.tenant_id}" in capsys.readouterr().err


def test_byok_validates_and_stores_the_key(services, capsys):
    arn = _tenant_key(services.tenant.tenant_id)
    tenant = services.tenant.tenant_id
    assert _admin(services, "byok", "--tenant", tenant, "--key-arn", arn, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["key_arn"] == arn and out["key_state"] == "Enabled"
    assert TenantKeys(services.table("tenants"), _kms()).arn(tenant) == arn
    assert [r["action"] for r in _audit(services) if r["category"] == "admin"] == ["key_byok_set"]


@pytest.mark.parametrize("change,message", [
    (lambda arn: arn.replace(REGION, "us-east-1"), "us-east-1"),
    (lambda arn: arn.replace("123456789012", "210987654321"), "210987654321"),
    (lambda arn: "alias/tenant", "full ARN"),
])
def test_byok_refuses_keys_from_another_region_or_account_with_exit_2(services, capsys, change, message):
    assert _admin(services, "byok", "--tenant", services.tenant.tenant_id, "--key-arn", change(_tenant_key(services.tenant.tenant_id))) == 2
    err = capsys.readouterr().err
    assert err.startswith("cloakr admin: ") and message in err and "Traceback" not in err
    assert TenantKeys(services.table("tenants"), _kms()).arn(services.tenant.tenant_id) is None


def test_byok_refuses_unknown_tenants_the_stack_key_and_missing_audit_table(services, capsys, monkeypatch):
    assert _admin(services, "byok", "--tenant", "t_missing", "--key-arn", _tenant_key("t_missing")) == 2
    assert "no tenant t_missing" in capsys.readouterr().err
    assert _admin(services, "byok", "--tenant", services.tenant.tenant_id, "--key-arn", services.data_key_id) == 2
    assert "shared data key" in capsys.readouterr().err
    monkeypatch.delenv("CLOAKR_AUDIT_TABLE", raising=False)
    assert main(["admin", "byok", "--tenant", services.tenant.tenant_id, "--key-arn", _tenant_key(services.tenant.tenant_id), "--region", REGION,
                 "--table", services.tables["tenants"]]) == 2
    assert "--audit-table" in capsys.readouterr().err


def test_destroy_key_refuses_the_shared_key_bad_windows_and_unconfirmed_runs(services, capsys, monkeypatch):
    tenant = services.tenant.tenant_id
    assert _admin(services, "destroy-key", "--tenant", tenant, "--pending-days", "7", "--yes") == 2
    assert "shared data key" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        _admin(services, "destroy-key", "--tenant", tenant, "--pending-days", "6", "--yes")
    assert caught.value.code == 2
    assert _admin(services, "byok", "--tenant", tenant, "--key-arn", _tenant_key(services.tenant.tenant_id)) == 0
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert _admin(services, "destroy-key", "--tenant", tenant, "--pending-days", "7") == 2
    assert "--yes" in capsys.readouterr().err
    assert not [r for r in _audit(services) if r["action"] == "key_destroy_scheduled"]


def _call(services, path, body, headers=None):
    response = resolve(services.event("POST", path, body, headers=headers), None)
    return response["statusCode"], json.loads(response["body"])


def test_destroying_the_tenant_key_shreds_its_vault_and_ciphertexts(services, capsys):
    tenant = services.tenant.tenant_id
    arn = _tenant_key(services.tenant.tenant_id)
    assert _admin(services, "byok", "--tenant", tenant, "--key-arn", arn) == 0
    status, sealed = _call(services, "/v1/encrypt", {"plaintext": base64.b64encode(b"Jane Doe").decode()})
    assert status == 200
    chat = {"model": "cloakr-echo", "messages": [{"role": "user", "content": "mail jane.doe@example.com"}]}
    conversation = {"X-Cloakr-Conversation-Id": "conv-1"}
    assert _call(services, "/v1/chat/completions", chat, conversation)[0] == 200
    vault_blob = bytes(services.table("vault").scan()["Items"][0]["blob"].value)
    assert arn.encode() in vault_blob  # the conversation map is wrapped under the tenant's key
    capsys.readouterr()

    assert _admin(services, "destroy-key", "--tenant", tenant, "--pending-days", "7", "--yes", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["key_arn"] == arn and out["key_state"] == "PendingDeletion" and out["deletion_date"]
    record = next(r for r in _audit(services) if r["action"] == "key_destroy_scheduled")
    assert record["category"] == "admin" and record["tenant_id"] == tenant
    clear_cache()  # a warm function re-reads the key state within CACHE_SECONDS

    status, body = _call(services, "/v1/decrypt", {"ciphertext": sealed["ciphertext"]})
    assert (status, body["error"]["code"]) == (409, "key_unavailable")
    status, body = _call(services, "/v1/encrypt", {"plaintext": base64.b64encode(b"more").decode()})
    assert (status, body["error"]["code"]) == (409, "key_unavailable")
    for headers in (conversation, {"X-Cloakr-Conversation-Id": "conv-2"}):  # stored map unreadable; new map unwritable
        status, body = _call(services, "/v1/chat/completions", chat, headers)
        assert (status, body["error"]["code"]) == (409, "key_unavailable"), body
    other = services.event("POST", "/v1/encrypt", {"plaintext": "eA=="}, tenant_id=built().tenants.create_tenant("Other").tenant_id)
    assert resolve(other, None)["statusCode"] == 200  # other tenants are untouched


def test_keys_status_lists_the_stack_key_and_tenant_keys(services, capsys):
    arn = _tenant_key(services.tenant.tenant_id)
    assert _admin(services, "byok", "--tenant", services.tenant.tenant_id, "--key-arn", arn) == 0
    _kms().enable_key_rotation(KeyId=services.data_key_id.rsplit("/", 1)[1])
    _kms().schedule_key_deletion(KeyId=arn.rsplit("/", 1)[1], PendingWindowInDays=10)
    capsys.readouterr()
    options = ["--region", REGION, "--table", services.tables["tenants"], "--stack-key", services.data_key_id]
    assert main(["keys", "status", *options, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stack_key"]["key_id"] == services.data_key_id and report["stack_key"]["state"] == "Enabled"
    assert report["stack_key"]["rotation_enabled"] is True
    [tenant] = report["tenant_keys"]
    assert tenant["tenant_id"] == services.tenant.tenant_id and tenant["state"] == "PendingDeletion" and tenant["deletion_date"]
    assert main(["keys", "status", *options]) == 0
    table = capsys.readouterr().out
    assert "PendingDeletion" in table and "(stack: every tenant without its own key)" in table


def test_key_status_reports_rotation_period_and_next_date():
    client = boto3.client("kms", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    arn = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    nxt = datetime(2027, 2, 1, tzinfo=UTC)
    with Stubber(client) as stub:
        stub.add_response("describe_key", {"KeyMetadata": {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "Arn": arn,
                                                           "KeyState": "Enabled", "Origin": "AWS_KMS"}})
        stub.add_response("get_key_rotation_status", {"KeyRotationEnabled": True, "RotationPeriodInDays": 90, "NextRotationDate": nxt})
        stub.add_client_error("describe_key", service_error_code="NotFoundException")
        status = key_status(client, arn)
        gone = key_status(client, arn)
    assert (status["rotation_period_days"], status["next_rotation"], status["state"]) == (90, nxt.isoformat(), "Enabled")
    assert gone["state"] == "Deleted"

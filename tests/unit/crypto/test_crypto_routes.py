"""``/v1/encrypt`` and ``/v1/decrypt`` in process: tenant, purpose and key binding, errors, audit, BYOK, shredding."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.stub import Stubber
from cloakr.crypto.byok import TenantKeys, clear_cache
from cloakr.gateway.app import resolve
from cloakr.gateway.routes.crypto import MAX_PLAINTEXT_BYTES
from cloakr.gateway.services import services as built

SECRET = "Jane Doe, SSN 123-45-6789"


def _b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def _call(services, path, body, **kwargs):
    response = resolve(services.event("POST", path, body, **kwargs), None)
    return response["statusCode"], json.loads(response["body"])


def _encrypt(services, plaintext=SECRET, **kwargs):
    return _call(services, "/v1/encrypt", {"plaintext": _b64(plaintext), **kwargs})


def _audit(services):
    return [json.loads(item["record"]) for item in services.table("audit").scan()["Items"]]


@pytest.fixture(autouse=True)
def _fresh_tenant_keys():
    clear_cache()
    yield
    clear_cache()


def test_round_trip_with_and_without_purpose(services):
    status, body = _encrypt(services)
    assert status == 200 and SECRET not in body["ciphertext"] and body["purpose"] == "default"
    status, opened = _call(services, "/v1/decrypt", {"ciphertext": body["ciphertext"]})
    assert status == 200 and base64.b64decode(opened["plaintext"]).decode() == SECRET
    _, scoped = _encrypt(services, purpose="invoices")
    status, opened = _call(services, "/v1/decrypt", {"ciphertext": scoped["ciphertext"], "purpose": "invoices"})
    assert status == 200 and base64.b64decode(opened["plaintext"]).decode() == SECRET


def test_other_purpose_other_tenant_and_garbage_fail_alike(services):
    other = built().tenants.create_tenant("Other").tenant_id
    _, body = _encrypt(services, purpose="invoices")
    tampered = bytearray(base64.b64decode(body["ciphertext"]))
    tampered[-1] ^= 1
    attempts = [({"ciphertext": body["ciphertext"], "purpose": "payroll"}, {}),
                ({"ciphertext": body["ciphertext"]}, {}),
                ({"ciphertext": body["ciphertext"], "purpose": "invoices"}, {"tenant_id": other}),
                ({"ciphertext": _b64(bytes(tampered)), "purpose": "invoices"}, {}),
                ({"ciphertext": "not base64!"}, {}),
                ({"ciphertext": _b64("CK\x01 short")}, {})]
    answers = {json.dumps(_call(services, "/v1/decrypt", body, **kwargs)) for body, kwargs in attempts}
    assert answers == {json.dumps([400, {"error": {"code": "decryption_failed", "message": "The ciphertext could not be decrypted."}}])}


def test_api_purposes_cannot_open_the_gateways_own_vault_blobs(services):
    vault_blob = built().cipher.encrypt(b'{"map": 1}', services.tenant.tenant_id, "token-vault")
    for purpose in ("token-vault", "api:token-vault"):
        status, body = _call(services, "/v1/decrypt", {"ciphertext": _b64(vault_blob), "purpose": purpose})
        assert status == 400 and body["error"]["code"] == "decryption_failed"


@pytest.mark.parametrize("body,status", [
    ({"plaintext": "bm90IGJhc2U2NA=!"}, 400),
    ({"plaintext": _b64("x"), "purpose": "has space"}, 400),
    ({"plaintext": _b64("x"), "purpose": "p" * 65}, 400),
    ({"plaintext": _b64("x"), "extra": 1}, 400),
    ({"plaintext": _b64(b"\0" * (MAX_PLAINTEXT_BYTES + 1))}, 413),
])
def test_bad_requests_are_refused(services, body, status):
    assert _call(services, "/v1/encrypt", body)[0] == status


def test_audit_records_name_the_action_and_outcome_never_the_payload(services):
    _, body = _encrypt(services)
    _call(services, "/v1/decrypt", {"ciphertext": body["ciphertext"]})
    _call(services, "/v1/decrypt", {"ciphertext": body["ciphertext"], "purpose": "other"})
    records = [r for r in _audit(services) if r["action"] in ("encrypt", "decrypt")]
    assert sorted((r["action"], r["outcome"], r["category"]) for r in records) == [
        ("decrypt", "decryption_failed", "data_access"), ("decrypt", "success", "data_access"), ("encrypt", "success", "data_access")]
    dump = json.dumps(records)
    assert "Jane" not in dump and body["ciphertext"][:40] not in dump


def test_kms_outage_is_a_retryable_503(services):
    kms = built().kms
    with Stubber(kms) as stub:
        stub.add_client_error("generate_data_key", service_error_code="ThrottlingException")
        status, body = _encrypt(services)
    assert status == 503 and body["error"]["code"] == "encryption_failed"


def _bring_own_key(services) -> str:
    kms = boto3.client("kms", region_name="eu-central-1")
    arn = kms.create_key(Description="tenant key", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]
    TenantKeys(services.table("tenants"), kms).set_arn(services.tenant.tenant_id, arn)
    return arn


def test_byok_tenant_encrypts_under_its_own_key_and_still_reads_older_ciphertexts(services):
    _, old = _encrypt(services)
    arn = _bring_own_key(services)
    _, new = _encrypt(services)
    assert arn.encode() in base64.b64decode(new["ciphertext"]) and arn.encode() not in base64.b64decode(old["ciphertext"])
    for body in (old, new):
        status, opened = _call(services, "/v1/decrypt", {"ciphertext": body["ciphertext"]})
        assert status == 200 and base64.b64decode(opened["plaintext"]).decode() == SECRET


def test_shredded_tenant_key_answers_409_for_encrypt_and_decrypt(services):
    arn = _bring_own_key(services)
    _, body = _encrypt(services)
    boto3.client("kms", region_name="eu-central-1").schedule_key_deletion(KeyId=arn.rsplit("/", 1)[1], PendingWindowInDays=7)
    clear_cache()
    for path, payload in (("/v1/decrypt", {"ciphertext": body["ciphertext"]}), ("/v1/encrypt", {"plaintext": _b64("x")})):
        status, answer = _call(services, path, payload)
        assert status == 409 and answer["error"]["code"] == "key_unavailable", answer

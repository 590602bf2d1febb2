"""Tenant keys: validation of a BYOK key, per-tenant wrapping, keyed envelopes, and shredding by key deletion."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from cloakr.crypto import (
    CiphertextError,
    EncryptionError,
    EnvelopeCipher,
    KeyUnavailableError,
)
from cloakr.crypto.byok import (
    ByokError,
    TenantCipher,
    TenantKeys,
    check_tenant_key,
    clear_cache,
    parse_key_arn,
)
from cloakr.tables import create_tables
from cloakr.tenants.store import TenantStore
from moto import mock_aws

REGION = "eu-central-1"


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clear_cache()
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        stack_key = kms.create_key(Description="stack")["KeyMetadata"]["Arn"]
        names = create_tables(boto3.client("dynamodb", region_name=REGION), prefix="byok")
        table = boto3.resource("dynamodb", region_name=REGION).Table(names["tenants"])
        store = TenantStore(table, REGION)
        yield kms, stack_key, table, store
    clear_cache()


def _tenant_key(kms) -> str:
    return kms.create_key(Description="tenant", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["Arn"]


def test_keyed_envelope_names_its_key_and_is_refused_unless_allowed(aws):
    kms, stack_key, *_ = aws
    own = _tenant_key(kms)
    cipher = EnvelopeCipher(kms, stack_key, REGION)
    blob = cipher.encrypt(b"secret", "acme", "vault", key_id=own)
    assert blob[:3] == b"CK\x02" and own.encode() in blob
    assert cipher.decrypt(blob, "acme", "vault", allowed_keys={own}) == b"secret"
    with pytest.raises(CiphertextError):
        cipher.decrypt(blob, "acme", "vault")  # default: only the stack key
    assert cipher.encrypt(b"x", "acme", "vault")[:3] == b"CK\x01"


def test_wrong_tenant_or_purpose_is_a_ciphertext_error(aws):
    kms, stack_key, *_ = aws
    cipher = EnvelopeCipher(kms, stack_key, REGION)
    blob = cipher.encrypt(b"secret", "acme", "api:default")
    for tenant, purpose in (("other", "api:default"), ("acme", "api:other")):
        with pytest.raises(CiphertextError):
            EnvelopeCipher(kms, stack_key, REGION).decrypt(blob, tenant, purpose)


@pytest.mark.parametrize("code,kind", [("KMSInvalidStateException", KeyUnavailableError), ("DisabledException", KeyUnavailableError),
                                       ("ThrottlingException", EncryptionError), ("InvalidCiphertextException", CiphertextError)])
def test_kms_errors_are_classified(code, kind):
    client = boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    blob = b"CK\x01" + (4).to_bytes(2, "big") + b"wrap" + b"\0" * 12 + b"\0" * 20
    with Stubber(client) as stub:
        stub.add_client_error("decrypt", service_error_code=code)
        with pytest.raises(kind) as err:
            EnvelopeCipher(client, "k", "us-east-1").decrypt(blob, "acme", "vault")
    assert type(err.value) is kind


def test_parse_key_arn_refuses_aliases_and_garbage():
    parsed = parse_key_arn("arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert (parsed.region, parsed.account) == ("eu-central-1", "123456789012")
    for bad in ("alias/mine", "arn:aws:kms:eu-central-1:123456789012:alias/mine", "", "arn:aws:s3:::bucket"):
        with pytest.raises(ByokError):
            parse_key_arn(bad)


def test_check_tenant_key_accepts_an_enabled_symmetric_key_in_this_region_and_account(aws):
    kms, stack_key, *_ = aws
    own = _tenant_key(kms)
    account = parse_key_arn(stack_key).account
    assert check_tenant_key(kms, own, region=REGION, account=account, stack_key_arn=stack_key)["Arn"] == own
    with pytest.raises(ByokError, match="us-east-1"):
        check_tenant_key(kms, own.replace(REGION, "us-east-1"), region=REGION, account=account)
    with pytest.raises(ByokError, match="999999999999"):
        check_tenant_key(kms, own.replace(account, "999999999999"), region=REGION, account=account)
    with pytest.raises(ByokError, match="shared"):
        check_tenant_key(kms, stack_key, region=REGION, account=account, stack_key_arn=stack_key)
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["Arn"]
    with pytest.raises(ByokError, match="KeyUsage"):
        check_tenant_key(kms, signing, region=REGION, account=account)
    kms.disable_key(KeyId=own.rsplit("/", 1)[1])  # moto takes only the bare id here
    with pytest.raises(ByokError, match="KeyState is Disabled"):
        check_tenant_key(kms, own, region=REGION, account=account)
    with pytest.raises(ByokError, match="NotFoundException"):
        check_tenant_key(kms, own.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000", region=REGION, account=account)


def _switch_to_own_key(aws):
    """A tenant with one blob written under the stack key, then switched to its own key and one blob under that."""
    kms, stack_key, table, store = aws
    tenant = store.create_tenant("Acme")
    keys = TenantKeys(table, kms)
    cipher = TenantCipher(EnvelopeCipher(kms, stack_key, REGION), keys)
    before = cipher.encrypt(b"old", tenant.tenant_id, "vault")
    assert before[:3] == b"CK\x01" and keys.key_for(tenant.tenant_id) is None
    own = _tenant_key(kms)
    keys.set_arn(tenant.tenant_id, own)
    return tenant, cipher, own, before, cipher.encrypt(b"new", tenant.tenant_id, "vault")


def test_tenant_cipher_uses_the_tenant_key_and_reads_older_stack_key_blobs(aws):
    store = aws[3]
    tenant, cipher, own, before, after = _switch_to_own_key(aws)
    assert after[:3] == b"CK\x02" and own.encode() in after
    assert cipher.decrypt(before, tenant.tenant_id, "vault") == b"old"
    assert cipher.decrypt(after, tenant.tenant_id, "vault") == b"new"
    other = store.create_tenant("Other")
    with pytest.raises(CiphertextError):  # another tenant may not name this tenant's key
        cipher.decrypt(after, other.tenant_id, "vault")


def test_scheduling_the_tenant_key_for_deletion_shreds_every_blob_of_the_tenant(aws):
    kms, store = aws[0], aws[3]
    tenant, cipher, own, before, after = _switch_to_own_key(aws)
    assert cipher.decrypt(after, tenant.tenant_id, "vault") == b"new"  # the data key is now cached too
    kms.schedule_key_deletion(KeyId=own.rsplit("/", 1)[1], PendingWindowInDays=7)
    clear_cache()  # what CACHE_SECONDS does on a warm function
    for blob in (before, after):
        with pytest.raises(KeyUnavailableError, match="PendingDeletion"):
            cipher.decrypt(blob, tenant.tenant_id, "vault")
    with pytest.raises(KeyUnavailableError):
        cipher.encrypt(b"more", tenant.tenant_id, "vault")
    untouched = store.create_tenant("Untouched")
    assert cipher.decrypt(cipher.encrypt(b"fine", untouched.tenant_id, "vault"), untouched.tenant_id, "vault") == b"fine"


def test_a_table_failure_is_a_retryable_encryption_error(aws):
    kms, stack_key, *_ = aws

    class Broken:
        name = "broken"

        def get_item(self, **_):
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")

    cipher = TenantCipher(EnvelopeCipher(kms, stack_key, REGION), TenantKeys(Broken(), kms))
    with pytest.raises(EncryptionError) as err:
        cipher.encrypt(b"x", "t1", "vault")
    assert type(err.value) is EncryptionError

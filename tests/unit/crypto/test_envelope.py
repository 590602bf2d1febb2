"""Envelope encryption: round trip, context binding, tamper detection, KMS failures, bounded expiring cache."""

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from cloakr.crypto import EncryptionError, EnvelopeCipher


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def kms():
    with mock_aws():
        client = boto3.client("kms", region_name="eu-central-1")
        yield client, client.create_key()["KeyMetadata"]["KeyId"]


def test_round_trip_and_fresh_nonce(kms):
    cipher = EnvelopeCipher(*kms, "eu-central-1")
    a, b = cipher.encrypt(b"token map", "acme", "vault"), cipher.encrypt(b"token map", "acme", "vault")
    assert a != b and b"token map" not in a
    assert cipher.decrypt(a, "acme", "vault") == b"token map"
    assert EnvelopeCipher(*kms, "eu-central-1").decrypt(b, "acme", "vault") == b"token map"


@pytest.mark.parametrize("tenant,purpose,region", [("other", "vault", "eu-central-1"), ("acme", "export", "eu-central-1"),
                                                   ("acme", "vault", "us-east-1")])
def test_wrong_context_fails(kms, tenant, purpose, region):
    blob = EnvelopeCipher(*kms, "eu-central-1").encrypt(b"secret", "acme", "vault")
    with pytest.raises(EncryptionError):
        EnvelopeCipher(*kms, region).decrypt(blob, tenant, purpose)


def test_wrong_context_fails_even_with_a_cached_key(kms):
    cipher = EnvelopeCipher(*kms, "eu-central-1")
    blob = cipher.encrypt(b"secret", "acme", "vault")
    cipher.decrypt(blob, "acme", "vault")
    with pytest.raises(EncryptionError):
        cipher.decrypt(blob, "other", "vault")


def test_tampered_or_truncated_blob_fails(kms):
    cipher = EnvelopeCipher(*kms, "eu-central-1")
    blob = bytearray(cipher.encrypt(b"secret", "acme", "vault"))
    blob[-1] ^= 1
    for bad in (bytes(blob), b"CK\x01\x00", b"nope", bytes(blob[:20])):
        with pytest.raises(EncryptionError):
            cipher.decrypt(bad, "acme", "vault")


def test_kms_error_becomes_encryption_error():
    client = boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("generate_data_key", service_error_code="KMSInvalidStateException")
        with pytest.raises(EncryptionError) as err:
            EnvelopeCipher(client, "alias/k", "us-east-1").encrypt(b"x", "acme", "vault")
    assert "generate_data_key" in str(err.value)


def test_data_key_cache_expires_and_is_bounded(kms):
    client, key_id = kms
    clock = Clock()
    cipher = EnvelopeCipher(client, key_id, "eu-central-1", ttl=60, max_keys=2, clock=clock)
    calls = []
    original = client.generate_data_key
    client.generate_data_key = lambda **kw: calls.append(kw) or original(**kw)
    cipher.encrypt(b"a", "acme", "vault")
    cipher.encrypt(b"b", "acme", "vault")
    assert len(calls) == 1 and calls[0]["EncryptionContext"] == {"tenant_id": "acme", "region": "eu-central-1",
                                                                 "purpose": "vault"}
    clock.now = 61
    cipher.encrypt(b"c", "acme", "vault")
    assert len(calls) == 2
    cipher.encrypt(b"d", "t2", "vault")
    cipher.encrypt(b"e", "t3", "vault")
    assert len(cipher._cache) == 2

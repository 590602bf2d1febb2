"""Conversation token maps: stable ids, encrypted at rest, bound to the tenant, fail closed."""

from __future__ import annotations

import boto3
import pytest

from cloakr.crypto import EnvelopeCipher
from cloakr.gateway.errors import EncryptionFailedError, KeyUnavailable, ValidationError
from cloakr.gateway.vault import TokenVault, conversation_id
from cloakr.pii.tokens import TokenMap


def test_derived_conversation_id_is_the_same_on_every_turn_and_differs_per_tenant():
    first = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi, I am Jane"}]
    later = first + [{"role": "assistant", "content": "hello"}, {"role": "user", "content": "more"}]
    assert conversation_id("t1", None, first) == conversation_id("t1", None, later)
    assert conversation_id("t1", None, first) != conversation_id("t2", None, first)
    # The caller's id is kept only as a tenant-bound hash (it may be anything, a card number included).
    assert conversation_id("t1", "conv-42", first) == conversation_id("t1", "conv-42", later) != "conv-42"
    assert conversation_id("t1", "4111111111111111", first) != conversation_id("t2", "4111111111111111", first)
    assert "4111" not in conversation_id("t1", "4111111111111111", first)


@pytest.mark.parametrize("bad", ["", "a" * 129, "has space", "semi;colon", "ünïcode"])
def test_bad_conversation_ids_are_refused(bad):
    with pytest.raises(ValidationError):
        conversation_id("t1", bad, [])


@pytest.fixture
def vault(services):
    kms = boto3.client("kms", region_name="eu-central-1")
    return TokenVault(services.table("vault"), EnvelopeCipher(kms, services.data_key_id, "eu-central-1"))


def test_token_map_round_trips_encrypted(vault, services):
    tokens = TokenMap()
    placeholder = tokens.placeholder("EMAIL", "jane.doe@corp.example")
    vault.save("t1", "u1", "c1", tokens, retention_days=30)
    stored = services.table("vault").scan()["Items"]
    assert len(stored) == 1 and b"jane.doe" not in bytes(stored[0]["blob"].value)
    assert stored[0]["pk"] == "TENANT#t1#USER#u1" and stored[0]["sk"] == "CONV#c1" and "expires_at" in stored[0]
    loaded = vault.load("t1", "u1", "c1")
    assert loaded.original(placeholder) == "jane.doe@corp.example"
    assert len(vault.load("t1", "u1", "other")) == 0


def test_a_blob_moved_to_another_tenant_does_not_decrypt(vault, services):
    tokens = TokenMap()
    tokens.placeholder("EMAIL", "jane.doe@corp.example")
    vault.save("t1", None, "c1", tokens, retention_days=30)
    table = services.table("vault")
    item = table.scan()["Items"][0]
    table.put_item(Item={**item, "pk": "TENANT#t2#ANON"})
    with pytest.raises(EncryptionFailedError):
        vault.load("t2", None, "c1")


def test_kms_failure_and_missing_key_fail_closed(services):
    tokens = TokenMap()
    tokens.placeholder("EMAIL", "jane.doe@corp.example")
    kms = boto3.client("kms", region_name="eu-central-1")
    gone = TokenVault(services.table("vault"), EnvelopeCipher(kms, services.data_key_id[:-4] + "0000", "eu-central-1"))
    with pytest.raises(KeyUnavailable):  # a deleted key: the tenant's data is shredded, retrying cannot help
        gone.save("t1", None, "c1", tokens, retention_days=30)
    with pytest.raises(EncryptionFailedError):
        TokenVault(services.table("vault"), None).save("t1", None, "c1", tokens, retention_days=30)
    assert services.table("vault").scan()["Items"] == []

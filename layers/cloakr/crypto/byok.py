"""Bring your own key: a tenant's own KMS key wraps that tenant's data keys instead of the stack's shared key.

The key ARN is kept on the tenant's profile item (``kms_key_arn``). It must be a customer-managed symmetric
ENCRYPT_DECRYPT key in the stack's own account and region: residency (the key material never serves another region)
and one trust boundary (the key policy that lets the gateway use it lives in the account that runs the gateway).

Scheduling the tenant's key for deletion shreds that tenant's data: KMS refuses to unwrap any of its data keys.
``TenantCipher`` also checks the key's state itself (cached ``CACHE_SECONDS``), so a warm function stops using data
keys it cached from KMS within that time instead of the data-key cache's five minutes, and once the key is not
enabled it refuses every blob of the tenant, including ones written under the stack key before the tenant brought
its key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloakr.constants import TABLE_TENANTS, TENANT_KEY_TAG
from cloakr.crypto.envelope import EncryptionError, EnvelopeCipher, KeyUnavailableError
from cloakr.tables import all_items
from cloakr.tenants.cache import TtlCache

KEY_ATTRIBUTE = "kms_key_arn"
ENABLED = "Enabled"
#: What DescribeKey must say of a tenant key: usable now, symmetric AES, for encryption, managed by the customer.
REQUIRED_METADATA = {"KeyState": ENABLED, "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "KeyManager": "CUSTOMER"}
_KEY_ARN = re.compile(r"^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key/([A-Za-z0-9-]{1,64})$")
_keys = TtlCache()


class ByokError(ValueError):
    """The key cannot serve as a tenant's key; the message says why and is fit for the operator."""


@dataclass(frozen=True)
class KeyArn:
    partition: str
    region: str
    account: str
    key_id: str
    arn: str


def parse_key_arn(arn: str) -> KeyArn:
    """A KMS key ARN (not an alias: an alias can be pointed at another key later without anyone noticing)."""
    match = _KEY_ARN.match(arn or "")
    if not match:
        raise ByokError("give the key's full ARN, arn:aws:kms:<region>:<account>:key/<key-id> (aliases are not accepted)")
    return KeyArn(*match.groups(), arn=arn)


def describe(kms: Any, key_id: str) -> dict[str, Any]:
    try:
        return kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise ByokError(f"KMS could not describe the key ({code})") from None
    except BotoCoreError as exc:
        raise ByokError(f"KMS could not be reached ({type(exc).__name__})") from None


def check_tenant_key(kms: Any, arn: str, *, region: str, account: str, stack_key_arn: str | None = None,
                     tenant_id: str | None = None) -> dict[str, Any]:
    """The key's metadata if it can be a tenant's key in this stack, else ``ByokError`` naming the problem.
    With ``tenant_id``, the key must also be tagged ``cloakr:tenant=<tenant_id>`` (the stack's IAM relies on it)."""
    parsed = parse_key_arn(arn)
    if parsed.region != region:
        raise ByokError(f"the key is in {parsed.region}, but this stack is in {region}; "
                        f"create the key in {region} (tenant data and its key stay in one region)")
    if parsed.account != account:
        raise ByokError(f"the key belongs to account {parsed.account}, not the stack's account {account}")
    if stack_key_arn and arn == stack_key_arn:
        raise ByokError("that is the stack's shared data key; a tenant key must be the tenant's own")
    metadata = describe(kms, arn)
    actual = {**metadata, "KeySpec": metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec")}
    wrong = [f"{name} is {actual.get(name)} (needs {want})" for name, want in REQUIRED_METADATA.items() if actual.get(name) != want]
    if wrong:
        raise ByokError("the key cannot wrap tenant data: " + "; ".join(wrong))
    if tenant_id is not None:
        try:
            tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=arn).get("Tags", [])}
        except (ClientError, BotoCoreError):
            raise ByokError("KMS could not list the key's tags") from None
        if tags.get(TENANT_KEY_TAG) != tenant_id:
            raise ByokError(f"tag the key {TENANT_KEY_TAG}={tenant_id} first (aws kms tag-resource --key-id {arn} "
                            f"--tags TagKey={TENANT_KEY_TAG},TagValue={tenant_id}); the gateway may only use keys so tagged")
    return metadata


class TenantKeys:
    """Which key wraps a tenant's data keys, and whether it is still usable (both cached briefly)."""

    def __init__(self, table: Any, kms: Any) -> None:
        self.table, self.kms = table, kms

    def _profile_key(self, tenant_id: str) -> dict[str, str]:
        return {"pk": f"TENANT#{tenant_id}", "sk": "PROFILE"}

    def arn(self, tenant_id: str) -> str | None:
        item = self.table.get_item(Key=self._profile_key(tenant_id), ProjectionExpression=KEY_ATTRIBUTE).get("Item") or {}
        return item.get(KEY_ATTRIBUTE) or None

    def set_arn(self, tenant_id: str, arn: str) -> None:
        """Point an existing tenant at ``arn`` (validated by :func:`check_tenant_key` first)."""
        self.table.update_item(
            Key=self._profile_key(tenant_id), UpdateExpression="SET #k = :k", ExpressionAttributeNames={"#k": KEY_ATTRIBUTE},
            ExpressionAttributeValues={":k": arn}, ConditionExpression="attribute_exists(pk)",
        )
        _keys.clear()

    def state(self, arn: str) -> str:
        """The key's KMS state (``Enabled``, ``Disabled``, ``PendingDeletion``...); ``Deleted`` once KMS forgot it."""
        try:
            return self.kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                return "Deleted"
            raise

    def key_for(self, tenant_id: str) -> str | None:
        """The tenant's own key ARN, None for the stack key; ``KeyUnavailableError`` once that key is not enabled."""
        def load() -> tuple[str | None, str | None]:
            arn = self.arn(tenant_id)
            return arn, self.state(arn) if arn else None

        try:
            arn, state = _keys.get((getattr(self.table, "name", ""), tenant_id), load)
        except (ClientError, BotoCoreError):
            raise EncryptionError("the tenant's key could not be looked up; the data was not processed") from None
        if arn and state != ENABLED:
            raise KeyUnavailableError(f"the tenant's key is {state}; its data cannot be read or written")
        return arn


    def all(self) -> list[dict[str, str]]:
        """Every tenant that brought its own key: ``tenant_id``, ``name``, ``key_arn`` (a scan, for operators)."""
        kwargs: dict[str, Any] = {
            "FilterExpression": "sk = :profile AND attribute_exists(#k)", "ExpressionAttributeNames": {"#k": KEY_ATTRIBUTE, "#n": "name"},
            "ExpressionAttributeValues": {":profile": "PROFILE"}, "ProjectionExpression": "pk, #n, #k",
        }
        found = [{"tenant_id": item["pk"].split("#", 1)[1], "name": item.get("name", ""), "key_arn": item[KEY_ATTRIBUTE]}
                 for item in all_items(self.table.scan, **kwargs)]
        return sorted(found, key=lambda t: t["tenant_id"])


def key_status(kms: Any, key_id: str) -> dict[str, Any]:
    """A key's lifecycle as KMS reports it: state, rotation (enabled, period, next date), deletion date.

    Fields KMS does not return (no rotation for imported key material, no period on old API versions) are None;
    a key KMS no longer knows is ``Deleted``.
    """
    try:
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NotFoundException":
            raise
        return {"key_id": key_id, "state": "Deleted", "rotation_enabled": None, "rotation_period_days": None,
                "next_rotation": None, "deletion_date": None}
    try:
        rotation = kms.get_key_rotation_status(KeyId=metadata["Arn"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("UnsupportedOperationException", "KMSInvalidStateException"):
            raise
        rotation = {}
    return {
        "key_id": metadata["Arn"], "state": metadata.get("KeyState"), "origin": metadata.get("Origin"),
        "rotation_enabled": rotation.get("KeyRotationEnabled"), "rotation_period_days": rotation.get("RotationPeriodInDays"),
        "next_rotation": _iso(rotation.get("NextRotationDate")), "deletion_date": _iso(metadata.get("DeletionDate")),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value is not None else None)


class TenantCipher:
    """``EnvelopeCipher``'s interface with the key chosen per tenant: the tenant's BYOK key if it has one, else the
    stack key. Blobs written under the stack key before the tenant brought its key stay readable (while that key is
    enabled); new blobs use the tenant key."""

    def __init__(self, cipher: EnvelopeCipher, keys: TenantKeys) -> None:
        self.cipher, self.keys = cipher, keys

    def encrypt(self, plaintext: bytes, tenant_id: str, purpose: str) -> bytes:
        return self.cipher.encrypt(plaintext, tenant_id, purpose, key_id=self.keys.key_for(tenant_id))

    def decrypt(self, blob: bytes, tenant_id: str, purpose: str) -> bytes:
        own = self.keys.key_for(tenant_id)
        allowed = {self.cipher.key_id, own} if own else {self.cipher.key_id}
        return self.cipher.decrypt(blob, tenant_id, purpose, allowed_keys=allowed)


def tenant_cipher(services: Any) -> TenantCipher | None:
    """The per-tenant cipher over a ``Services`` container's stack cipher, KMS client and tenants table."""
    if services.cipher is None:
        return None
    return TenantCipher(services.cipher, TenantKeys(services.tables[TABLE_TENANTS], services.kms))


def clear_cache() -> None:
    _keys.clear()

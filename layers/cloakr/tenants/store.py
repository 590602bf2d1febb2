"""Tenants and keys in the tenants table: ``TENANT#<id>/PROFILE`` and ``TENANT#<id>/KEY#<key_id>``."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from boto3.dynamodb.conditions import Key

from cloakr.constants import KEY_HASH_INDEX, SCOPES
from cloakr.tables import all_items
from cloakr.tenants.keys import hash_key, new_key

PROFILES = frozenset({"hipaa", "pci", "gdpr"})


@dataclass(frozen=True)
class ApiKey:
    tenant_id: str
    key_id: str
    scopes: frozenset[str]
    region: str
    expires_at: int | None = None
    revoked: bool = False
    name: str = ""

    def usable(self, now: float | None = None) -> bool:
        return not self.revoked and (self.expires_at is None or (now or time.time()) < self.expires_at)


@dataclass(frozen=True)
class Tenant:
    """A tenant's settings. ``allowed_models`` empty means every model the region allows; ``hash_key`` is the HMAC
    secret for the one-way ``hash`` mode (per tenant, so equal values hash differently across tenants)."""

    tenant_id: str
    name: str
    region: str
    profiles: frozenset[str] = field(default_factory=frozenset)
    retention_days: int = 365
    rules: tuple[dict[str, Any], ...] = ()
    allowed_models: frozenset[str] = field(default_factory=frozenset)
    blocked_users: frozenset[str] = field(default_factory=frozenset)
    hash_key: bytes | None = field(default=None, repr=False)


class TenantStore:
    def __init__(self, table: Any, region: str) -> None:
        self.table = table
        self.region = region

    def create_tenant(self, name: str, profiles: Iterable[str] = (), retention_days: int = 365,
                      rules: Iterable[dict[str, Any]] = (), allowed_models: Iterable[str] = ()) -> Tenant:
        profiles = frozenset(profiles)
        unknown = profiles - PROFILES
        if unknown:
            raise ValueError(f"unknown compliance profiles: {', '.join(sorted(unknown))}")
        tenant = Tenant(f"t_{secrets.token_hex(6)}", name, self.region, profiles, retention_days, tuple(rules),
                        frozenset(allowed_models), frozenset(), secrets.token_bytes(32))
        self.table.put_item(
            Item={"pk": f"TENANT#{tenant.tenant_id}", "sk": "PROFILE", "name": name, "region": self.region,
                  "profiles": sorted(profiles), "retention_days": retention_days, "created_at": int(time.time()),
                  "rules": _to_dynamo(list(tenant.rules)), "allowed_models": sorted(tenant.allowed_models), "blocked_users": [],
                  "hash_key": tenant.hash_key},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return tenant

    def get_tenant(self, tenant_id: str) -> Tenant | None:
        item = self.table.get_item(Key={"pk": f"TENANT#{tenant_id}", "sk": "PROFILE"}).get("Item")
        if item is None:
            return None
        hash_key = item.get("hash_key")
        return Tenant(
            tenant_id=tenant_id, name=item.get("name", ""), region=item.get("region", self.region),
            profiles=frozenset(item.get("profiles", [])), retention_days=int(item.get("retention_days", 365)),
            rules=tuple(_from_dynamo(item.get("rules", []))), allowed_models=frozenset(item.get("allowed_models", [])),
            blocked_users=frozenset(item.get("blocked_users", [])),
            hash_key=bytes(hash_key.value if hasattr(hash_key, "value") else hash_key) if hash_key is not None else None,
        )

    def update_tenant(self, tenant_id: str, **settings: Any) -> None:
        """Set ``allowed_models``, ``blocked_users``, ``rules`` or ``retention_days`` of an existing tenant."""
        allowed = {"allowed_models", "blocked_users", "rules", "retention_days"}
        unknown = set(settings) - allowed
        if unknown or not settings:
            raise ValueError(f"settable: {', '.join(sorted(allowed))}")
        values = {k: sorted(v) if isinstance(v, (set, frozenset)) else _to_dynamo(v) for k, v in settings.items()}
        self.table.update_item(
            Key={"pk": f"TENANT#{tenant_id}", "sk": "PROFILE"},
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
            ExpressionAttributeNames={f"#{k}": k for k in values},
            ExpressionAttributeValues={f":{k}": v for k, v in values.items()},
            ConditionExpression="attribute_exists(pk)",
        )

    def create_key(self, tenant_id: str, scopes: Iterable[str], name: str = "", expires_at: int | None = None) -> tuple[ApiKey, str]:
        """A key with exactly ``scopes`` (least privilege); the plaintext is returned once and never stored."""
        scopes = frozenset(scopes)
        if not scopes or not scopes <= set(SCOPES):
            raise ValueError(f"scopes must be a non-empty subset of: {', '.join(SCOPES)}")
        key_id, plaintext = new_key(self.region)
        item: dict[str, Any] = {
            "pk": f"TENANT#{tenant_id}", "sk": f"KEY#{key_id}", "key_hash": hash_key(plaintext), "key_id": key_id,
            "tenant_id": tenant_id, "scopes": sorted(scopes), "region": self.region, "name": name,
            "revoked": False, "created_at": int(time.time()),
        }
        if expires_at is not None:
            item["expires_at_epoch"] = expires_at
        self.table.put_item(Item=item)
        self.table.put_item(Item={**_owner_key(key_id), "tenant_id": tenant_id})
        return ApiKey(tenant_id, key_id, scopes, self.region, expires_at, False, name), plaintext

    def key_owner(self, key_id: str) -> str | None:
        """The tenant a key id was issued to, whatever secret is presented with it: the authorizer finds keys by the
        hash of the whole key, so a real key id with a wrong secret would otherwise be refused without a tenant to
        audit the attempt under (credential guessing against a known key)."""
        item = self.table.get_item(Key=_owner_key(key_id), ProjectionExpression="tenant_id").get("Item")
        return str(item["tenant_id"]) if item else None

    def find_key(self, plaintext: str) -> ApiKey | None:
        response = self.table.query(IndexName=KEY_HASH_INDEX, KeyConditionExpression=Key("key_hash").eq(hash_key(plaintext)), Limit=1)
        items = response.get("Items", [])
        return _api_key(items[0]) if items else None

    def list_keys(self, tenant_id: str) -> list[dict[str, Any]]:
        """Key metadata of one tenant (never hashes); paginated through the whole partition."""
        condition = Key("pk").eq(f"TENANT#{tenant_id}") & Key("sk").begins_with("KEY#")
        return list(all_items(self.table.query, KeyConditionExpression=condition))

    def get_key_item(self, tenant_id: str, key_id: str) -> dict[str, Any] | None:
        return self.table.get_item(Key={"pk": f"TENANT#{tenant_id}", "sk": f"KEY#{key_id}"}).get("Item")

    def rotate_key(self, tenant_id: str, key_id: str, grace_seconds: int) -> tuple[ApiKey, str]:
        """A replacement with the same scopes and name; the old key keeps working for ``grace_seconds``."""
        item = self.get_key_item(tenant_id, key_id)
        if item is None or item.get("revoked"):
            raise LookupError(key_id)
        old = _api_key(item)
        new, plaintext = self.create_key(tenant_id, old.scopes, name=old.name, expires_at=old.expires_at)
        until = int(time.time()) + grace_seconds
        if old.expires_at is None or old.expires_at > until:
            self.table.update_item(
                Key={"pk": f"TENANT#{tenant_id}", "sk": f"KEY#{key_id}"},
                UpdateExpression="SET expires_at_epoch = :e, rotated_to = :n",
                ExpressionAttributeValues={":e": until, ":n": new.key_id},
            )
        return new, plaintext

    def revoke_key(self, tenant_id: str, key_id: str) -> None:
        self.table.update_item(
            Key={"pk": f"TENANT#{tenant_id}", "sk": f"KEY#{key_id}"},
            UpdateExpression="SET revoked = :t", ExpressionAttributeValues={":t": True},
            ConditionExpression="attribute_exists(pk)",
        )


def _to_dynamo(value: Any) -> Any:
    """DynamoDB takes no floats: numbers inside rules (scores) become Decimals."""
    return json.loads(json.dumps(value), parse_float=Decimal)


def _from_dynamo(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda d: float(d) if d % 1 else int(d)))


def _api_key(item: dict[str, Any]) -> ApiKey:
    expires = item.get("expires_at_epoch")
    return ApiKey(
        tenant_id=item["tenant_id"], key_id=item["key_id"], scopes=frozenset(item.get("scopes", [])),
        region=item["region"], expires_at=int(expires) if expires is not None else None,
        revoked=bool(item.get("revoked")), name=item.get("name", ""),
    )


def _owner_key(key_id: str) -> dict[str, str]:
    """A pointer from a key id to its tenant, outside every tenant's partition (``KEYID#<id>/OWNER``)."""
    return {"pk": f"KEYID#{key_id}", "sk": "OWNER"}

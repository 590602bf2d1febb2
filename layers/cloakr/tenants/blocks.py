"""Blocked end users and API keys: a ``BLOCK`` item in the subjects table (set by an admin or by incident
handling), or for users the tenant's ``blocked_users`` list. A blocked user's or key's requests are refused before
any text is processed; an admin lifts the block (``DELETE /v1/users/{id}/block``, ``DELETE /v1/keys/{id}/block``).
Users are named here by their stored key (``cloakr.compliance.subject_keys.user_key``), never by the id the tenant
sends, which may be an e-mail address."""

from __future__ import annotations

import time
from typing import Any, Literal

BLOCK_SORT_KEY = "BLOCK"
Kind = Literal["USER", "KEY"]


def block_key(tenant_id: str, kind: Kind, subject_id: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#{kind}#{subject_id}", "sk": BLOCK_SORT_KEY}


def subject_key(tenant_id: str, user_key: str) -> dict[str, str]:
    return block_key(tenant_id, "USER", user_key)


def _blocked(subjects_table: Any, tenant_id: str, kind: Kind, subject_id: str) -> bool:
    return "Item" in subjects_table.get_item(Key=block_key(tenant_id, kind, subject_id), ProjectionExpression="pk")


def is_blocked(subjects_table: Any, tenant_id: str, user_key: str) -> bool:
    return _blocked(subjects_table, tenant_id, "USER", user_key)


def is_key_blocked(subjects_table: Any, tenant_id: str, key_id: str) -> bool:
    return _blocked(subjects_table, tenant_id, "KEY", key_id)


def block(subjects_table: Any, tenant_id: str, kind: Kind, subject_id: str, reason: str) -> None:
    """``reason`` is an operator-facing code (e.g. ``admin``, ``incident:pii_spike``), never request content."""
    subjects_table.put_item(Item={**block_key(tenant_id, kind, subject_id), "reason": reason, "blocked_at": int(time.time())})


def unblock(subjects_table: Any, tenant_id: str, kind: Kind, subject_id: str) -> bool:
    """Lift a block; False if there was none (the tenant's ``blocked_users`` list is settings, not lifted here)."""
    old = subjects_table.delete_item(Key=block_key(tenant_id, kind, subject_id), ReturnValues="ALL_OLD")
    return "Attributes" in old


def block_user(subjects_table: Any, tenant_id: str, user_key: str, reason: str) -> None:
    block(subjects_table, tenant_id, "USER", user_key, reason)

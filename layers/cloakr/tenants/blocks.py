"""Blocked end users: a ``BLOCK`` item in the subjects table (set by an admin or by incident handling) or the
tenant's ``blocked_users`` list. A blocked user's requests are refused before any text is processed."""

from __future__ import annotations

import time
from typing import Any

from cloakr.tenants.store import Tenant

BLOCK_SORT_KEY = "BLOCK"


def subject_key(tenant_id: str, user_id: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}#USER#{user_id}", "sk": BLOCK_SORT_KEY}


def is_blocked(subjects_table: Any, tenant: Tenant, user_id: str) -> bool:
    if user_id in tenant.blocked_users:
        return True
    return "Item" in subjects_table.get_item(Key=subject_key(tenant.tenant_id, user_id), ProjectionExpression="pk")


def block_user(subjects_table: Any, tenant_id: str, user_id: str, reason: str) -> None:
    """``reason`` is an operator-facing code (e.g. ``admin``, ``incident:pii_spike``), never request content."""
    subjects_table.put_item(Item={**subject_key(tenant_id, user_id), "reason": reason, "blocked_at": int(time.time())})


def unblock_user(subjects_table: Any, tenant_id: str, user_id: str) -> None:
    subjects_table.delete_item(Key=subject_key(tenant_id, user_id))

"""Seeding audit records and calling the audit routes, shared by the audit API tests."""

from __future__ import annotations

import json
from typing import Any

from cloakr.audit.trail import AuditEvent, AuditTrail

BASE_TIME = 1_790_000_000.0  # 2026-09-21T14:13:20Z: a fixed instant, so ranges in tests are exact


def seed(services: Any, count: int, *, tenant_id: str | None = None, start: float = BASE_TIME, step: float = 60.0,
         **fields: Any) -> list[str]:
    """``count`` records one ``step`` apart from ``start``; actions and categories cycle so filters have work."""
    trail = AuditTrail(services.table("audit"))
    categories = ("data_access", "admin", "compliance", "authentication")
    ids = []
    for i in range(count):
        values = {"action": ("redact", "chat.completions", "keys.list")[i % 3], "category": categories[i % 4],
                  "user_id": f"user-{i % 5}", "pii_types": ["EMAIL"], "pii_counts": {"EMAIL": 1}, "redacted_count": 1,
                  **fields}
        ids.append(trail.record(AuditEvent(tenant_id=tenant_id or services.tenant.tenant_id, created_at=start + i * step,
                                           **values)))
    return ids


def call(services: Any, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    from cloakr.gateway.app import resolve

    response = resolve(services.event(method, path, body, **kwargs), None)
    return response["statusCode"], json.loads(response["body"]) if response["body"] else {}

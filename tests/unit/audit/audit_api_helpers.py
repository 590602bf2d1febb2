"""Seeding audit records and calling the audit routes, shared by the audit API tests."""

from __future__ import annotations

import json
from typing import Any

from cloakr.audit.trail import AuditEvent, AuditTrail

BASE_TIME = 1_790_000_000.0  # 2026-09-21T14:13:20Z: a fixed instant, so ranges in tests are exact
# The digest period holding BASE_TIME and the records seeded after it (up to an hour's worth).
PERIOD = ("2026-09-21T14:00:00+00:00", "2026-09-21T15:00:00+00:00")


def built() -> Any:
    """The services() object the routes use (inside the ``services`` fixture)."""
    from cloakr.gateway.services import services as built_services

    return built_services()


def sign_period(services: Any) -> None:
    """Sign the digest of ``PERIOD`` for the fixture's tenant, as the scheduled job would."""
    from cloakr.audit.digest import write_digest

    s = built()
    write_digest(audit_table=s.tables["audit"], kms=s.kms, s3=s.s3, bucket=s.bucket, signing_key_id=s.signing_key_id,
                 tenant_id=services.tenant.tenant_id, start=PERIOD[0], end=PERIOD[1], previous=None)


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

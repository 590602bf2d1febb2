"""Audit records in the region's audit table, shaped as the seed describes, with a ``sha256:`` hash.

Records hold entity *types* and counts only. Writes are conditional on the record id, so a retried write is not
duplicated. A failed write raises ``AuditWriteError`` and the caller fails closed: nothing is forwarded without
its audit record.

A refused request is recorded too, with ``outcome`` ``refused`` (4xx) or ``failed`` (5xx), its HTTP ``status`` and
error ``code`` (both only on such records, so earlier records keep their shape and hash). So that the resolver can
add that record only where a route wrote none, the trail notes the actions written in the current request context
(:func:`begin_request`, :func:`written_actions`).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

CATEGORIES = frozenset({"authentication", "data_access", "compliance", "admin"})
# Actions written while serving the current request (each thread of the local gateway has its own context).
_written: ContextVar[tuple[str, ...]] = ContextVar("audit_actions_written", default=())


def begin_request() -> None:
    """Start counting the records of a new request."""
    _written.set(())


def written_actions() -> tuple[str, ...]:
    """The actions recorded since :func:`begin_request` in this context."""
    return _written.get()


class AuditWriteError(RuntimeError):
    """The audit record could not be written; the request must not proceed."""


@dataclass
class AuditEvent:
    tenant_id: str
    action: str
    category: str
    user_id: str | None = None
    session_id: str | None = None
    model: str | None = None
    token_count: int = 0
    processing_time_ms: float = 0.0
    encryption_status: str = "encrypted_at_rest"
    pii_types: list[str] = field(default_factory=list)
    redacted_count: int = 0
    # Entities redacted per type (types and counts, never values): what reports chart.
    pii_counts: dict[str, int] = field(default_factory=dict)
    compliance_flags: list[str] = field(default_factory=list)
    outcome: str = "success"
    # Only for refusals and failures: the HTTP status and the stable error code answered (never a message).
    status: int | None = None
    error_code: str | None = None
    retention_days: int = 365
    audit_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Fixed when the event is made, so a retried write lands on the same key and is not duplicated.
    created_at: float = field(default_factory=time.time)


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in record.items() if k != "hash"}, sort_keys=True, separators=(",", ":"), default=str).encode()


def record_of(event: AuditEvent) -> dict[str, Any]:
    if event.category not in CATEGORIES:
        raise ValueError(f"unknown audit category {event.category!r}")
    now = event.created_at
    record = {
        "audit_id": event.audit_id,
        "timestamp": datetime.fromtimestamp(now, tz=timezone.utc).isoformat(timespec="milliseconds"),
        "tenant_id": event.tenant_id, "user_id": event.user_id, "session_id": event.session_id,
        "action": event.action, "category": event.category, "model": event.model, "token_count": event.token_count,
        "processing_time_ms": round(event.processing_time_ms, 1), "encryption_status": event.encryption_status,
        "pii_redaction": {"detected": sorted(set(event.pii_types) | set(event.pii_counts)), "redacted_count": event.redacted_count,
                          "counts": dict(sorted(event.pii_counts.items()))},
        "compliance_flags": sorted(event.compliance_flags), "outcome": event.outcome,
    }
    if event.status is not None:
        record["status"] = event.status
    if event.error_code is not None:
        record["error_code"] = event.error_code
    record["hash"] = "sha256:" + hashlib.sha256(canonical(record)).hexdigest()
    return record


class AuditTrail:
    def __init__(self, table: Any) -> None:
        self.table = table

    def record(self, event: AuditEvent) -> str:
        record = record_of(event)
        item = {
            "pk": f"TENANT#{event.tenant_id}", "sk": f"EVENT#{record['timestamp']}#{event.audit_id}",
            "record": json.dumps(record, sort_keys=True), "audit_id": event.audit_id,
            "expires_at": int(event.created_at + event.retention_days * 86400),
        }
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise AuditWriteError("the audit record could not be written") from None
            # else: already written by an earlier attempt of the same request
        except BotoCoreError:
            raise AuditWriteError("the audit record could not be written") from None
        _written.set((*_written.get(), event.action))
        return event.audit_id

"""Security incidents of the caller's tenant, and lifting the blocks that high-severity incidents (or admins) set.

Blocks are reversible on purpose: automatic blocking stops an attack at once, and a false alarm costs one admin call.
Every change is audited before it takes effect. Incidents name an end user by their stored key (``ux-...``, see
``cloakr.compliance.subject_keys``), never by the id, which may be an e-mail address; the user block routes take
either.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from cloakr import constants as c
from cloakr.audit.trail import AuditEvent
from cloakr.compliance.incidents import list_incidents
from cloakr.compliance.subject_keys import KEY_SHAPE
from cloakr.gateway.context import Principal, current_principal, user_from_path
from cloakr.gateway.errors import NotFoundError, ValidationError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import clear_caches, services
from cloakr.tenants.blocks import Kind, block, unblock

router = Router()
MAX_INCIDENTS = 1000
MAX_ID = 256


class BlockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [{"reason": "abuse"}]})
    reason: str = Field(default="admin", pattern=r"^[a-z0-9_:.-]{1,64}$")


def _when(name: str, default: datetime) -> str:
    value = router.current_event.get_query_string_value(name)
    if value is None:
        return default.isoformat(timespec="seconds")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"'{name}' must be an ISO 8601 date or date-time.") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).isoformat(timespec="seconds")


@router.get("/v1/incidents")
def incidents() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    now = datetime.now(timezone.utc)
    start, end = _when("start", now - timedelta(days=30)), _when("end", now + timedelta(seconds=1))
    if start >= end:
        raise ValidationError("'start' must be before 'end'.")
    items = list_incidents(services().tables[c.TABLE_SUBJECTS], principal.tenant_id, start, end, MAX_INCIDENTS)
    return {"incidents": items, "start": start, "end": end}


def _change(principal: Principal, kind: Kind, subject_id: str, blocked: bool, reason: str = "admin") -> dict[str, Any]:
    if kind == "USER":
        subject_id = user_from_path(subject_id)  # percent-encoded in REST paths, like the users routes
    if not subject_id or len(subject_id) > MAX_ID:
        raise ValidationError("The id is empty or too long.")
    subjects = services().tables[c.TABLE_SUBJECTS]
    if kind == "KEY" and services().tenants.get_key_item(principal.tenant_id, subject_id) is None:
        raise NotFoundError("No such API key in this tenant.")  # another tenant's key id looks like no key at all
    stored, audited = subject_id, principal.user_id
    if kind == "USER":
        # Incidents name a user by their stored key only (``ux-`` + 40 hex), so that form is accepted as it is.
        stored = subject_id if KEY_SHAPE.match(subject_id) else services().user_key(principal.tenant_id, subject_id)
        audited = None if stored == subject_id else subject_id
    action = f"{kind.lower()}.{'block' if blocked else 'unblock'}"
    services().record(AuditEvent(tenant_id=principal.tenant_id, action=action, category="admin", user_id=audited))
    if blocked:
        block(subjects, principal.tenant_id, kind, stored, reason)
    elif not unblock(subjects, principal.tenant_id, kind, stored):
        raise NotFoundError(f"This {kind.lower()} is not blocked.")
    clear_caches()  # this process applies it at once; others within the cache time
    return {"id": subject_id, "blocked": blocked}


@router.put("/v1/users/<user_id>/block")
def block_user(user_id: str) -> dict[str, Any]:
    # The body is optional: a bare PUT blocks with reason "admin".
    reason = parse_body(router.current_event.raw_event, BlockRequest).reason
    return _change(current_principal(router.current_event.raw_event), "USER", user_id, True, reason)


@router.delete("/v1/users/<user_id>/block")
def unblock_user(user_id: str) -> dict[str, Any]:
    return _change(current_principal(router.current_event.raw_event), "USER", user_id, False)


@router.delete("/v1/keys/<key_id>/block")
def unblock_key(key_id: str) -> dict[str, Any]:
    return _change(current_principal(router.current_event.raw_event), "KEY", key_id, False)


REQUEST_MODELS = {("PUT", "/v1/users/{user_id}/block"): BlockRequest}
QUERY_PARAMETERS = {("GET", "/v1/incidents"): [
    {"name": "start", "schema": {"type": "string", "format": "date-time"}, "description": "ISO date or date-time; default 30 days ago"},
    {"name": "end", "schema": {"type": "string", "format": "date-time"}, "description": "ISO date or date-time (exclusive); default now"},
]}

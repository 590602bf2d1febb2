"""API keys of the caller's tenant: create (least privilege), list, rotate with a grace period, revoke.

A key can only hand out scopes it holds itself, so a ``keys:admin`` key without ``audit:export`` cannot mint one
that has it. Secrets are returned once, in the create or rotate answer.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from cloakr.audit.trail import AuditEvent
from cloakr.constants import SCOPES
from cloakr.gateway.context import Principal, require_scope
from cloakr.gateway.errors import ForbiddenError, NotFoundError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services
from cloakr.observability import logger
from cloakr.tenants.store import ApiKey

router = Router()
SCOPE = "keys:admin"


class CreateKey(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"scopes": ["redact:write"], "name": "ci", "expires_in_days": 90}]})
    scopes: list[Literal[SCOPES]] = Field(min_length=1, max_length=len(SCOPES))  # type: ignore[valid-type]
    name: str | None = Field(default=None, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class RotateKey(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [{"grace_period_hours": 1}]})
    grace_period_hours: int = Field(default=24, ge=0, le=720)


def _iso(epoch: Any) -> str | None:
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).isoformat() if epoch is not None else None


def _view(item: dict[str, Any], now: float) -> dict[str, Any]:
    expires = item.get("expires_at_epoch")
    status = "revoked" if item.get("revoked") else "expired" if expires is not None and int(expires) <= now else "active"
    return {"key_id": item["key_id"], "name": item.get("name") or None, "scopes": sorted(item.get("scopes", [])),
            "status": status, "created_at": _iso(item.get("created_at")), "expires_at": _iso(expires)}


def _created(key: ApiKey, plaintext: str) -> dict[str, Any]:
    return {"key_id": key.key_id, "key": plaintext, "name": key.name or None, "scopes": sorted(key.scopes),
            "status": "active", "created_at": _iso(time.time()), "expires_at": _iso(key.expires_at)}


def _audit(principal: Principal, action: str) -> None:
    """Admin actions are recorded before they take effect: no record, no change."""
    services().record(AuditEvent(tenant_id=principal.tenant_id, action=action, category="admin", user_id=principal.user_id))


@router.post("/v1/keys")
def create_key() -> dict[str, Any]:
    principal = require_scope(router.current_event.raw_event, SCOPE)
    request = parse_body(router.current_event.raw_event, CreateKey)
    beyond = set(request.scopes) - principal.scopes
    if beyond:
        raise ForbiddenError(f"A key cannot grant scopes it does not hold: {', '.join(sorted(beyond))}.")
    expires = int(time.time()) + request.expires_in_days * 86400 if request.expires_in_days else None
    _audit(principal, "keys.create")
    key, plaintext = services().tenants.create_key(principal.tenant_id, request.scopes, name=request.name or "", expires_at=expires)
    logger.info("key created", extra={"tenant_id": principal.tenant_id, "key_id": key.key_id, "scopes": sorted(key.scopes)})
    return _created(key, plaintext)


@router.get("/v1/keys")
def list_keys() -> dict[str, Any]:
    principal = require_scope(router.current_event.raw_event, SCOPE)
    _audit(principal, "keys.list")
    now = time.time()
    return {"keys": [_view(item, now) for item in services().tenants.list_keys(principal.tenant_id)]}


@router.post("/v1/keys/<key_id>/rotate")
def rotate_key(key_id: str) -> dict[str, Any]:
    principal = require_scope(router.current_event.raw_event, SCOPE)
    request = parse_body(router.current_event.raw_event, RotateKey)
    _audit(principal, "keys.rotate")
    try:
        key, plaintext = services().tenants.rotate_key(principal.tenant_id, key_id, request.grace_period_hours * 3600)
    except LookupError:
        raise NotFoundError("No such key.") from None
    logger.info("key rotated", extra={"tenant_id": principal.tenant_id, "key_id": key_id, "new_key_id": key.key_id})
    return _created(key, plaintext)


@router.delete("/v1/keys/<key_id>")
def revoke_key(key_id: str) -> dict[str, Any]:
    principal = require_scope(router.current_event.raw_event, SCOPE)
    _audit(principal, "keys.revoke")
    try:
        services().tenants.revoke_key(principal.tenant_id, key_id)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise NotFoundError("No such key.") from None
        raise
    logger.info("key revoked", extra={"tenant_id": principal.tenant_id, "key_id": key_id})
    return {"key_id": key_id, "status": "revoked"}


REQUEST_MODELS = {("POST", "/v1/keys"): CreateKey, ("POST", "/v1/keys/{key_id}/rotate"): RotateKey}

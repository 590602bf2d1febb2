"""Data subject rights of the caller's tenant's end users: consent, export (access) and erasure (``users:admin``).

``user_id`` is the tenant's own pseudonymous end-user id (what it sends as ``X-Cloakr-User`` or ``user``). Each
action is audited before it takes effect (no record, no change) with the user's keyed pseudonym, never the id itself,
so an erased user's records cannot be linked back (see ``cloakr.compliance.subjects``). An unknown user is not an
error: the export answers 200 with empty sections and the erasure 200 with zero counts, so neither reveals whether
the tenant ever saw the id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from cloakr.audit.trail import AuditEvent
from cloakr.compliance import subjects
from cloakr.gateway.context import Principal, require_scope, user_from_path
from cloakr.gateway.errors import ValidationError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services

router = Router()
SCOPE = "users:admin"
EXPORT_FORMATS = ("json",)
CONSENT_CLOCK_SKEW = timedelta(minutes=5)  # a client's clock may run somewhat ahead of ours
EARLIEST_CONSENT = datetime(2000, 1, 1, tzinfo=UTC)  # no consent to AI processing of this service predates it


class ConsentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"consent_type": "ai_processing", "granted": True, "source": "web_form"}]})
    consent_type: str = Field(pattern=subjects.CONSENT_TYPE_PATTERN, description="e.g. ai_processing, marketing")
    granted: StrictBool
    timestamp: datetime | None = Field(default=None, description="When the user decided (default: now)")
    source: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                               description="Where the decision was taken (a code such as web_form, never personal data)")

    @field_validator("timestamp", mode="before")
    @classmethod
    def iso_text(cls, value: Any) -> Any:
        """As documented, an ISO 8601 string: a number would silently become seconds since 1970."""
        if value is not None and not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date-time string")
        return value

    @field_validator("timestamp")
    @classmethod
    def plausible(cls, value: datetime | None) -> datetime | None:
        """A decision cannot lie in the future (beyond clock skew), nor before this service could have asked for it:
        a consent record dated 2099 or 0001 would mislead every later check of when consent was given."""
        if value is None:
            return None
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        if moment > datetime.now(UTC) + CONSENT_CLOCK_SKEW:
            raise ValueError(f"must not lie in the future (more than {int(CONSENT_CLOCK_SKEW.total_seconds())} s ahead)")
        if moment < EARLIEST_CONSENT:
            raise ValueError(f"must not be before {EARLIEST_CONSENT.date().isoformat()}")
        return value


def _subject(action: str, user_id: str, *, create: bool = False) -> Principal:
    """The caller, after writing the audit record of ``action`` on the user's pseudonym (fail closed).

    Only a write that keeps data about the user (``create``: consent) makes a pseudonym; an export or an erasure
    of an unknown (or erased) user leaves no item behind, so its record names no user.
    """
    principal = require_scope(router.current_event.raw_event, SCOPE)
    ref = subjects.user_ref(services(), principal.tenant_id, user_id, create=create)
    services().record(AuditEvent(tenant_id=principal.tenant_id, action=action, category="compliance", user_id=ref))
    return principal


@router.put("/v1/users/<user_id>/consent")
def update_consent(user_id: str) -> dict[str, Any]:
    user_id = user_from_path(user_id)
    request = parse_body(router.current_event.raw_event, ConsentRequest)
    principal = _subject("consent_update", user_id, create=True)
    return subjects.record_consent(services(), principal.tenant_id, user_id, request.consent_type, request.granted,
                                   request.timestamp, request.source)


@router.get("/v1/users/<user_id>/export")
def export_user(user_id: str) -> dict[str, Any]:
    fmt = router.current_event.get_query_string_value("format") or "json"
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"'format' must be one of: {', '.join(EXPORT_FORMATS)}.")
    user_id = user_from_path(user_id)
    principal = _subject("subject_export", user_id)
    return subjects.export_subject(services(), principal.tenant_id, user_id)


@router.delete("/v1/users/<user_id>")
def erase_user(user_id: str) -> dict[str, Any]:
    user_id = user_from_path(user_id)
    principal = _subject("subject_erase", user_id)
    deleted = subjects.erase_subject(services(), principal.tenant_id, user_id)
    return {"user_id": user_id, "status": "erased", "deleted": deleted}


REQUEST_MODELS = {("PUT", "/v1/users/{user_id}/consent"): ConsentRequest}
QUERY_PARAMETERS = {("GET", "/v1/users/{user_id}/export"): [
    {"name": "format", "schema": {"type": "string", "enum": list(EXPORT_FORMATS)}, "description": "Only json (default)"},
]}

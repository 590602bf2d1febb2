"""The caller tenant's audit trail: list records, verify the signed digest chain, export a date range to S3.

``GET /v1/audit/events`` lists newest first with a tenant-bound ``next_token`` (see ``cloakr.audit.events``).
``GET /v1/audit/verify`` re-checks digests and records against the stack's signing key and answers 200 either way,
with ``ok`` false and the problems found. ``POST /v1/audit/exports`` is audited before anything is written, then
works for a bounded time inside the request; ``GET /v1/audit/exports/{id}`` continues an unfinished export and, once
complete, answers a five-minute download link (see ``cloakr.audit.exports``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field

from cloakr import constants as c
from cloakr.audit import exports
from cloakr.audit.events import (
    MAX_FILTER_LENGTH,
    EventQueryError,
    Filters,
    TimeRange,
    list_events,
    parse_instant,
    parse_limit,
)
from cloakr.audit.trail import CATEGORIES, AuditEvent
from cloakr.audit.verify import verify_chain
from cloakr.compliance import subjects
from cloakr.gateway.context import current_principal
from cloakr.gateway.errors import ApiError, NotFoundError, ValidationError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services
from cloakr.observability import logger

router = Router()
# One call walks every digest of its range (hourly digests: 24 a day, each a GET, a KMS Verify and a Query), so a
# range stays well inside the request timeout; longer audits run `cloakr audit verify` or several calls.
MAX_VERIFY_DAYS = 31
DEFAULT_VERIFY_DAYS = 7


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"start_date": "2026-01-01", "end_date": "2026-01-31", "format": "csv"}]})
    start_date: str = Field(min_length=10, max_length=40, description="ISO date or date-time, inclusive")
    end_date: str = Field(min_length=10, max_length=40,
                          description="ISO date (that whole day included) or date-time (exclusive)")
    format: Literal["csv", "json"] = Field(default="json", description="csv, or json (JSON Lines)")
    include_details: bool = False


def _query(name: str) -> str | None:
    return router.current_event.get_query_string_value(name)


def _instant(name: str, **kwargs: Any) -> datetime | None:
    value = _query(name)
    return _checked(lambda: parse_instant(value, name, **kwargs)) if value is not None else None


def _checked(call: Any) -> Any:
    """Input problems become 400 ``validation_error`` (messages name parameters, never values); a trail that cannot
    be read or written becomes 503 ``audit_unavailable``."""
    try:
        return call()
    except EventQueryError as exc:
        raise ValidationError(str(exc)) from None
    except (ClientError, BotoCoreError):
        raise ApiError("The audit trail could not be read or written; retry later.", code="audit_unavailable",
                       status=503) from None


def _bucket() -> str:
    return services().require_bucket("Audit exports", "exports_unavailable")


def _pseudonym(tenant_id: str, user_id: str | None) -> str | None:
    """The pseudonym records carry for ``user_id``, if the user has one; a read never makes one (an unknown or
    erased user simply matches nothing)."""
    if not user_id or len(user_id) > MAX_FILTER_LENGTH:
        return None  # no filter, or one that Filters refuses
    return subjects.user_ref(services(), tenant_id, user_id, create=False)


@router.get("/v1/audit/events")
def list_audit_events() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    time_range = _checked(lambda: TimeRange.of(_instant("start"), _instant("end")))
    user = _query("user_id")
    filters = _checked(lambda: Filters(action=_query("action"), category=_query("category"), user_id=user,
                                       user_ref=_pseudonym(principal.tenant_id, user)))
    limit = _checked(lambda: parse_limit(_query("limit")))
    return _checked(lambda: list_events(services().tables[c.TABLE_AUDIT], principal.tenant_id, time_range, filters,
                                        limit, _query("next_token")))


@router.get("/v1/audit/verify")
def verify_audit() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    end = _instant("end") or datetime.now(UTC)
    start = _instant("start") or end - timedelta(days=DEFAULT_VERIFY_DAYS)
    if start >= end:
        raise ValidationError("'start' must be before 'end'.")
    if end - start > timedelta(days=MAX_VERIFY_DAYS):
        raise ValidationError(f"Verify at most {MAX_VERIFY_DAYS} days per call; split the range.")
    s = services()
    bucket = _bucket()
    result = _checked(lambda: verify_chain(audit_table=s.tables[c.TABLE_AUDIT], kms=s.kms, s3=s.s3, bucket=bucket,
                                           tenant_id=principal.tenant_id, start=start.isoformat(timespec="seconds"),
                                           end=end.isoformat(timespec="seconds"), trusted_key_id=s.signing_key_id))
    logger.info("audit verified", extra={"tenant_id": principal.tenant_id, "ok": result.ok, "problems": len(result.problems)})
    return {"ok": result.ok, "digests_checked": result.digests_checked, "records_checked": result.records_checked,
            "problems": result.problems, "start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds")}


def _writer(tenant_id: str) -> exports.ExportWriter:
    s = services()
    return exports.ExportWriter(table=s.tables[c.TABLE_AUDIT], s3=s.s3, bucket=_bucket(), data_key_id=s.data_key_id,
                                tenant_id=tenant_id)


def _run(tenant_id: str, item: dict[str, Any]) -> dict[str, Any]:
    try:
        return _checked(lambda: exports.view(_writer(tenant_id).run(item), services().s3, _bucket()))
    except exports.ExportFailed as exc:
        logger.warning("audit export failed", extra={"tenant_id": tenant_id, "export_id": item["export_id"]})
        raise ApiError(str(exc), code="export_failed", status=503) from None


@router.post("/v1/audit/exports", status_code=202)
def create_audit_export() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    request = parse_body(router.current_event.raw_event, ExportRequest)
    start = _checked(lambda: parse_instant(request.start_date, "start_date"))
    end = _checked(lambda: parse_instant(request.end_date, "end_date", inclusive_day=True))
    if start >= end:
        raise ValidationError("'start_date' must be before 'end_date'.")
    if end - start > timedelta(days=exports.MAX_EXPORT_DAYS):
        raise ValidationError(f"Export at most {exports.MAX_EXPORT_DAYS} days at a time; split the range.")
    tenant = services().admit(principal, consent=False)  # compliance work, not end-user processing
    _bucket()
    export_id = exports.new_export_id()
    # Recorded before anything is written: no audit record, no export (fail closed).
    services().record(AuditEvent(tenant_id=tenant.tenant_id, action="audit_export", category="compliance",
                                 user_id=principal.user_id, session_id=export_id))
    item = _checked(lambda: exports.create(services().tables[c.TABLE_AUDIT], tenant_id=tenant.tenant_id,
                                           export_id=export_id, fmt=request.format, include_details=request.include_details,
                                           start=start, end=end, retention_days=tenant.retention_days))
    body = _run(tenant.tenant_id, item)
    logger.info("audit export", extra={"tenant_id": tenant.tenant_id, "export_id": export_id, "status": body["status"],
                                       "records": body["record_count"]})
    return body


@router.get("/v1/audit/exports/<export_id>")
def get_audit_export(export_id: str) -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    item = _checked(lambda: exports.find(services().tables[c.TABLE_AUDIT], principal.tenant_id, export_id))
    if item is None:
        raise NotFoundError("No such export in this tenant.")
    return _run(principal.tenant_id, item)


REQUEST_MODELS = {("POST", "/v1/audit/exports"): ExportRequest}
_TIME = {"type": "string", "format": "date-time"}
QUERY_PARAMETERS = {
    ("GET", "/v1/audit/events"): [
        {"name": "start", "schema": _TIME, "description": "ISO date or date-time, inclusive (default: the beginning)"},
        {"name": "end", "schema": _TIME, "description": "ISO date or date-time, exclusive (default: no end)"},
        {"name": "action", "schema": {"type": "string"}, "description": "only records of this action"},
        {"name": "category", "schema": {"type": "string", "enum": sorted(CATEGORIES)},
         "description": "only records of this category"},
        {"name": "user_id", "schema": {"type": "string"}, "description": "only records of this end user"},
        {"name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
         "description": "records per page (newest first)"},
        {"name": "next_token", "schema": {"type": "string"}, "description": "the previous page's next_token"},
    ],
    ("GET", "/v1/audit/verify"): [
        {"name": "start", "schema": _TIME, "description": f"ISO date or date-time (default: {DEFAULT_VERIFY_DAYS} days before end)"},
        {"name": "end", "schema": _TIME, "description": f"ISO date or date-time, exclusive (default: now); at most {MAX_VERIFY_DAYS} days"},
    ],
}

"""Compliance reports: generate one now (``POST /v1/reports``), fetch it again, and schedule monthly ones.

A report is built inside the request from the audit trail (streamed, so a busy month costs time, not memory) and
answered with a presigned link valid for five minutes; ``GET /v1/reports/{id}`` issues a fresh link later.
"""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from cloakr import constants as c
from cloakr.audit.trail import AuditEvent
from cloakr.compliance import reports, schedules
from cloakr.gateway.context import current_principal
from cloakr.gateway.errors import ApiError, NotFoundError, ValidationError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services
from cloakr.gateway.settings import region_config

router = Router()


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"period": "previous_month", "standards": ["GDPR"], "format": "json"}]})
    period: str = Field(min_length=4, max_length=32)
    standards: list[str] | None = Field(default=None, max_length=len(reports.STANDARDS))
    format: Literal["json", "csv", "pdf"] = "json"


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"standards": ["GDPR"], "format": "pdf", "day_of_month": 1, "hour_utc": 6}]})
    standards: list[str] | None = Field(default=None, max_length=len(reports.STANDARDS))
    format: Literal["json", "csv", "pdf"] = "pdf"
    day_of_month: int = Field(default=1, ge=1, le=28)
    hour_utc: int = Field(default=6, ge=0, le=23)


def _known(name: str) -> bool:
    try:
        reports.normalise_standards([name], [])
    except reports.ReportError:
        return False
    return True


def _standards(requested: list[str] | None, tenant: Any) -> list[str]:
    """The standards to assess; unknown names are refused by position with the allowed names, never echoed (they
    are caller text, which may be anything)."""
    unknown = [str(i) for i, name in enumerate(requested or []) if not _known(name)]
    if unknown:
        raise ValidationError(f"'standards' items at positions {', '.join(unknown)} are not known standards; "
                              f"choose from {', '.join(reports.STANDARDS)}.")
    default = reports.default_standards(region_config().compliance_frameworks, tenant.profiles)
    try:
        return reports.normalise_standards(requested, default)
    except reports.ReportError:
        raise ValidationError(f"'standards' must name known standards: {', '.join(reports.STANDARDS)}.") from None


def _bucket() -> str:
    return services().require_bucket("Reports", "reports_unavailable")


@router.post("/v1/reports", status_code=201)
def create_report() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    request = parse_body(router.current_event.raw_event, ReportRequest)
    tenant = services().admit(principal, consent=False)
    try:
        period = reports.parse_period(request.period)
    except reports.ReportError as exc:
        raise ValidationError(str(exc)) from None
    standards = _standards(request.standards, tenant)
    s = services()
    bucket = _bucket()
    s.record(AuditEvent(tenant_id=tenant.tenant_id, action="report.generate", category="compliance",
                        user_id=principal.user_id, compliance_flags=standards))
    stored = reports.generate(audit_table=s.tables[c.TABLE_AUDIT], subjects_table=s.tables[c.TABLE_SUBJECTS], s3=s.s3,
                              bucket=bucket, data_key_id=s.data_key_id, tenant_id=tenant.tenant_id, region=s.region,
                              period=period, standards=standards, fmt=request.format, retention_days=tenant.retention_days)
    return {**stored.view(s.s3, bucket), "standards": standards}


@router.get("/v1/reports/<report_id>")
def get_report(report_id: str) -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    s = services()
    stored = reports.find(s.tables[c.TABLE_AUDIT], principal.tenant_id, report_id)
    if stored is None:
        raise NotFoundError("No such report in this tenant.")
    return stored.view(s.s3, _bucket())


def _scheduled(call: Any) -> Any:
    try:
        return call()
    except schedules.ScheduleError as exc:
        code = {404: "not_found", 409: "conflict"}.get(exc.status, "scheduling_unavailable")
        raise ApiError(str(exc), code=code, status=exc.status) from None


@router.post("/v1/reports/schedules", status_code=201)
def create_schedule() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    request = parse_body(router.current_event.raw_event, ScheduleRequest)
    tenant = services().admit(principal, consent=False)
    standards = _standards(request.standards, tenant)
    target = _scheduled(schedules.ScheduleTarget.from_env)
    services().record(AuditEvent(tenant_id=tenant.tenant_id, action="report.schedule", category="compliance",
                                 user_id=principal.user_id, compliance_flags=standards))
    return _scheduled(lambda: schedules.create(services().scheduler, target, tenant.tenant_id, standards=standards,
                                               fmt=request.format, day=request.day_of_month, hour=request.hour_utc))


@router.get("/v1/reports/schedules")
def list_schedules() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    target = _scheduled(schedules.ScheduleTarget.from_env)
    return {"schedules": _scheduled(lambda: schedules.list_schedules(services().scheduler, target, principal.tenant_id))}


@router.delete("/v1/reports/schedules/<schedule_id>")
def delete_schedule(schedule_id: str) -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    target = _scheduled(schedules.ScheduleTarget.from_env)
    services().record(AuditEvent(tenant_id=principal.tenant_id, action="report.unschedule", category="compliance",
                                 user_id=principal.user_id))
    _scheduled(lambda: schedules.delete(services().scheduler, target, principal.tenant_id, schedule_id))
    return {"schedule_id": schedule_id, "status": "deleted"}


REQUEST_MODELS = {("POST", "/v1/reports"): ReportRequest, ("POST", "/v1/reports/schedules"): ScheduleRequest}

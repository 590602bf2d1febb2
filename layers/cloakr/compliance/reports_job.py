"""The reports function: EventBridge Scheduler invokes it with one tenant's monthly schedule as input.

The input names the tenant, standards and format (``schedules.create``); the period is the month before the
invocation. An input that names no tenant, or a tenant that no longer exists, is refused with an error so the
invocation lands in the dead-letter queue instead of writing an empty report.
"""

from __future__ import annotations

from typing import Any

from cloakr import constants as c
from cloakr.audit.trail import AuditEvent
from cloakr.compliance import reports
from cloakr.gateway.services import services
from cloakr.gateway.settings import region_config
from cloakr.observability import logger, metrics


class ScheduledReportError(ValueError):
    """The scheduled input cannot produce a report; raised so the invocation is retried and dead-lettered."""


def run(event: dict[str, Any]) -> dict[str, Any]:
    tenant_id = event.get("tenant_id")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise ScheduledReportError("the schedule's input names no tenant")
    s = services()
    tenant = s.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise ScheduledReportError("the schedule's tenant does not exist in this region")
    if not s.bucket:
        raise ScheduledReportError("no report bucket is configured")
    try:
        period = reports.parse_period(str(event.get("period") or "previous_month"))
        standards = reports.normalise_standards(event.get("standards"),
                                                reports.default_standards(region_config().compliance_frameworks, tenant.profiles))
    except reports.ReportError as exc:
        raise ScheduledReportError(str(exc)) from None
    fmt = str(event.get("format") or "pdf")
    s.record(AuditEvent(tenant_id=tenant_id, action="report.generate", category="compliance", compliance_flags=standards))
    stored = reports.generate(audit_table=s.tables[c.TABLE_AUDIT], subjects_table=s.tables[c.TABLE_SUBJECTS], s3=s.s3,
                              bucket=s.bucket, data_key_id=s.data_key_id, tenant_id=tenant_id, region=s.region,
                              period=period, standards=standards, fmt=fmt, retention_days=tenant.retention_days)
    logger.info("scheduled report written", extra={"tenant_id": tenant_id, "report_format": fmt, "period": period.label})
    metrics.add_metric(name="ReportsGenerated", unit="Count", value=1)
    return {"tenant_id": tenant_id, "report_id": stored.report_id, "key": stored.key, "schedule_id": event.get("schedule_id")}

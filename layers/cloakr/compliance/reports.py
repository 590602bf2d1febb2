"""Compliance reports from the audit trail: what happened in a period, per standard, as JSON, CSV or PDF.

Figures come from the tenant's audit records (streamed page by page, so memory holds counters, not records) and
incident items, never from request content. Each standard maps its controls to the figures that evidence them, so
an auditor reads "GDPR Art. 17: 3 erasures completed" rather than a raw dump. Reports are stored in the region's
bucket under ``reports/<tenant>/`` (KMS-encrypted) and handed out by short-lived presigned links.

The report's item is written only after its object is stored, so no report is ever listed that cannot be fetched;
a storage or encryption failure answers 503 ``report_failed`` and the caller generates it again. The object is a copy
that the bucket's lifecycle expires (the audit trail stays in the table): from then on the report answers
``expired`` without a link.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import BotoCoreError, ClientError

from cloakr.audit.exports import EXPIRED, object_exists
from cloakr.compliance.incidents import list_incidents
from cloakr.compliance.pdf import PdfDocument
from cloakr.constants import PREFIX_REPORTS
from cloakr.gateway.errors import ApiError
from cloakr.observability import logger
from cloakr.tables import all_items

FORMATS = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}
MAX_PERIOD_DAYS = 366
PRESIGNED_SECONDS = 300
PAGE_SIZE = 500


class ReportError(ValueError):
    """A report request that cannot be served as asked (bad period, unknown standard); the message is safe to show."""


class ReportFailed(ApiError):
    """S3, KMS or the audit table failed while a report was built, stored or looked up; nothing was recorded as ready."""

    status, code, retryable = 503, "report_failed", True


@contextmanager
def _aws_faults(step: str) -> Iterator[None]:
    """AWS errors become ``ReportFailed`` (the error code is logged, never the message: it may name keys)."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
        logger.warning("report storage failed", extra={"step": step, "error_code": code})
        raise ReportFailed("The report could not be stored or read (storage or encryption failed); retry later.") from None


@dataclass(frozen=True)
class Control:
    ref: str
    title: str
    evidence: tuple[str, ...]  # figure names (keys of ReportData.figures())


STANDARDS: dict[str, tuple[Control, ...]] = {
    "SOC2": (
        Control("CC6.1", "Logical access: only valid, scoped keys reach data", ("auth_failures", "keys_created", "keys_revoked")),
        Control("CC6.6", "Credentials rotated", ("keys_rotated",)),
        Control("CC7.2", "Security events detected and handled", ("incidents", "incidents_high")),
        Control("CC7.3", "Complete, tamper-evident audit trail", ("audit_records",)),
    ),
    "HIPAA": (
        Control("164.312(b)", "Audit controls over PHI access", ("phi_access", "audit_records")),
        Control("164.502(b)", "Minimum necessary: PHI redacted before leaving", ("entities_redacted",)),
        Control("164.308(a)(6)", "Security incident procedures", ("incidents",)),
    ),
    "PCI": (
        Control("3.4", "PAN unreadable wherever stored or sent", ("card_numbers_redacted",)),
        Control("8.3", "Strong authentication; failures tracked", ("auth_failures",)),
        Control("10.2", "Audit trail of access to cardholder data", ("audit_records",)),
    ),
    "GDPR": (
        Control("Art. 7", "Consent recorded", ("consent_updates",)),
        Control("Art. 15/20", "Access and portability requests served", ("subject_exports",)),
        Control("Art. 17", "Erasure requests completed", ("erasures",)),
        Control("Art. 32", "Pseudonymisation of personal data sent to models", ("entities_redacted",)),
        Control("Art. 33", "Breaches detected for notification", ("incidents_high",)),
    ),
    "DPDP": (
        Control("Sec. 6", "Consent of the data principal recorded", ("consent_updates",)),
        Control("Sec. 12", "Erasure of personal data on request", ("erasures",)),
        Control("Sec. 8(5)", "Reasonable security safeguards", ("entities_redacted", "incidents")),
    ),
    "CCPA": (
        Control("1798.100/110", "Right to know: consumer data requests served", ("subject_exports",)),
        Control("1798.105", "Deletion requests completed", ("erasures",)),
        Control("1798.150", "Reasonable security procedures", ("entities_redacted", "incidents")),
    ),
    "PDPA": (
        Control("Sec. 13", "Consent obtained", ("consent_updates",)),
        Control("Sec. 21", "Access requests served", ("subject_exports",)),
        Control("Sec. 24", "Protection obligation", ("entities_redacted", "incidents")),
        Control("Sec. 26D", "Notifiable data breaches detected", ("incidents_high",)),
    ),
}
ALIASES = {"PCIDSS": "PCI", "SOC2TYPEII": "SOC2", "SOC": "SOC2", "UKGDPR": "GDPR"}
# Tenant compliance profiles and the standard each one reports against.
PROFILE_STANDARDS = {"hipaa": "HIPAA", "pci": "PCI", "gdpr": "GDPR"}
# Audit actions whose counts are figures of their own (action names as the routes write them).
ACTION_FIGURES = {
    "keys.create": "keys_created", "keys.rotate": "keys_rotated", "keys.revoke": "keys_revoked",
    "subject_erase": "erasures", "subject_export": "subject_exports", "consent_update": "consent_updates",
    "phi_access": "phi_access", "auth.denied": "auth_failures",
}
CARD_TYPES = frozenset({"CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY"})


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    label: str

    @property
    def start_iso(self) -> str:
        return self.start.isoformat(timespec="seconds")

    @property
    def end_iso(self) -> str:
        return self.end.isoformat(timespec="seconds")


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]) + timedelta(days=1)


def parse_period(period: str, today: date | None = None) -> Period:
    """``2026-10`` (month), ``2026-Q3``, ``2026`` (year), ``2026-10-01/2026-10-15`` (inclusive days),
    ``previous_month`` or ``last_30_days``; at most a year, not in the future."""
    today = today or datetime.now(UTC).date()
    text = period.strip()
    try:
        if text == "previous_month":
            first = today.replace(day=1) - timedelta(days=1)
            start, end = _month(first.year, first.month)
        elif text == "last_30_days":  # today included
            start, end = today - timedelta(days=29), today + timedelta(days=1)
        elif m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            start, end = _month(int(m[1]), int(m[2]))
        elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
            start, end = _month(int(m[1]), 3 * int(m[2]) - 2)[0], _month(int(m[1]), 3 * int(m[2]))[1]
        elif re.fullmatch(r"\d{4}", text):
            start, end = date(int(text), 1, 1), date(int(text) + 1, 1, 1)
        elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})", text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2]) + timedelta(days=1)
        else:
            raise ReportError("period must be YYYY-MM, YYYY-Qn, YYYY, YYYY-MM-DD/YYYY-MM-DD, previous_month or last_30_days")
    except ValueError as exc:
        if isinstance(exc, ReportError):
            raise
        raise ReportError("period names a date that does not exist") from None
    if end <= start:
        raise ReportError("period ends before it starts")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ReportError(f"period is longer than {MAX_PERIOD_DAYS} days")
    if start > today:
        raise ReportError("period starts in the future")
    return Period(_utc(start), _utc(end), text)


def _canonical(name: str) -> str:
    squeezed = re.sub(r"[\s_-]", "", name.upper())
    return ALIASES.get(squeezed, squeezed)


def normalise_standards(standards: list[str] | None, default: list[str]) -> list[str]:
    """The requested standards (or ``default``), spelled as ``STANDARDS`` spells them; unknown names are an error."""
    chosen = [_canonical(s) for s in (standards or default)]
    unknown = sorted(set(chosen) - set(STANDARDS))
    if unknown:
        raise ReportError(f"unknown standard(s) {', '.join(unknown)}; choose from {', '.join(STANDARDS)}")
    return list(dict.fromkeys(chosen))


def default_standards(region_frameworks: tuple[str, ...] | list[str], profiles: frozenset[str] | set[str]) -> list[str]:
    """What a tenant is assessed against: its region's frameworks plus its own compliance profiles."""
    names = [*region_frameworks, *(PROFILE_STANDARDS[p] for p in sorted(profiles) if p in PROFILE_STANDARDS)]
    known = [name for name in dict.fromkeys(map(_canonical, names)) if name in STANDARDS]
    return known or ["SOC2"]


@dataclass
class ReportData:
    tenant_id: str
    region: str
    period: Period
    standards: list[str]
    actions: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    entities: Counter = field(default_factory=Counter)
    entities_redacted: int = 0
    auth_failure_codes: Counter = field(default_factory=Counter)
    incidents: Counter = field(default_factory=Counter)
    incidents_high: int = 0
    audit_records: int = 0

    def figures(self) -> dict[str, int]:
        figures = {name: self.actions.get(action, 0) for action, name in ACTION_FIGURES.items()}
        figures.update(
            audit_records=self.audit_records, entities_redacted=self.entities_redacted,
            card_numbers_redacted=sum(n for t, n in self.entities.items() if t in CARD_TYPES),
            incidents=sum(self.incidents.values()), incidents_high=self.incidents_high,
            requests=sum(n for a, n in self.actions.items() if a in ("redact", "chat.completions", "classify")),
        )
        return figures

    def to_dict(self) -> dict[str, Any]:
        figures = self.figures()
        return {
            "tenant_id": self.tenant_id, "region": self.region, "period": self.period.label,
            "start": self.period.start_iso, "end": self.period.end_iso, "standards": self.standards,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "summary": figures,
            "entities_by_type": dict(sorted(self.entities.items())),
            "requests_by_action": dict(sorted(self.actions.items())),
            "records_by_category": dict(sorted(self.categories.items())),
            "auth_failures_by_reason": dict(sorted(self.auth_failure_codes.items())),
            "incidents_by_kind": dict(sorted(self.incidents.items())),
            "controls": {s: [{"ref": c.ref, "title": c.title, "evidence": {e: figures[e] for e in c.evidence}}
                             for c in STANDARDS[s]] for s in self.standards},
        }


def _records(audit_table: Any, tenant_id: str, period: Period) -> Iterator[dict[str, Any]]:
    query: dict[str, Any] = {
        "KeyConditionExpression": Key("pk").eq(f"TENANT#{tenant_id}")
        & Key("sk").between(f"EVENT#{period.start_iso}", f"EVENT#{period.end_iso}"),
        "ProjectionExpression": "#r", "ExpressionAttributeNames": {"#r": "record"}, "Limit": PAGE_SIZE,
    }
    # The end bound is exclusive in effect: an event key always has milliseconds and an id after the time.
    yield from (json.loads(item["record"]) for item in all_items(audit_table.query, **query))


def gather(audit_table: Any, subjects_table: Any, tenant_id: str, region: str, period: Period, standards: list[str]) -> ReportData:
    data = ReportData(tenant_id, region, period, standards)
    for record in _records(audit_table, tenant_id, period):
        data.audit_records += 1
        data.actions[record["action"]] += 1
        data.categories[record["category"]] += 1
        redaction = record.get("pii_redaction") or {}
        data.entities_redacted += int(redaction.get("redacted_count") or 0)
        # Records since per-type counts were added carry them; older ones name the types found (one each).
        data.entities.update(redaction.get("counts") or {t: 1 for t in redaction.get("detected") or ()})
        if record["action"] == "auth.denied":
            data.auth_failure_codes[record.get("outcome") or "unknown"] += 1
    for incident in list_incidents(subjects_table, tenant_id, period.start_iso, period.end_iso, limit=100_000):
        data.incidents[incident["kind"]] += 1
        data.incidents_high += incident["severity"] == "high"
    return data


def render(data: ReportData, fmt: str) -> bytes:
    report = data.to_dict()
    if fmt == "json":
        return json.dumps(report, indent=2).encode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "name", "value"])
        for key in ("tenant_id", "region", "period", "start", "end", "generated_at"):
            writer.writerow(["report", key, report[key]])
        for section in ("summary", "entities_by_type", "requests_by_action", "auth_failures_by_reason", "incidents_by_kind"):
            writer.writerows([section, name, value] for name, value in report[section].items())
        for standard, controls in report["controls"].items():
            writer.writerows([f"controls:{standard}", f"{c['ref']} {c['title']}",
                              "; ".join(f"{k}={v}" for k, v in c["evidence"].items())] for c in controls)
        return out.getvalue().encode()
    if fmt == "pdf":
        return _pdf(report)
    raise ReportError(f"format must be one of {', '.join(FORMATS)}")


def _pdf(report: dict[str, Any]) -> bytes:
    doc = PdfDocument()
    doc.text("Cloakr compliance report", size=18, bold=True)
    doc.text(f"Tenant {report['tenant_id']}  -  region {report['region']}  -  period {report['period']} "
             f"({report['start'][:10]} to {report['end'][:10]}, end exclusive)")
    doc.text(f"Standards: {', '.join(report['standards'])}  -  generated {report['generated_at']}")
    doc.space()
    doc.text("Summary", size=12, bold=True)
    for name, value in report["summary"].items():
        doc.text(f"{name.replace('_', ' ')}: {value}", indent=10)
    doc.space()
    doc.bar_chart("Entities redacted by type", report["entities_by_type"])
    doc.space()
    for standard, controls in report["controls"].items():
        doc.text(f"{standard} controls", size=12, bold=True)
        for control in controls:
            evidence = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in control["evidence"].items())
            doc.text(f"{control['ref']}  {control['title']}", bold=True, indent=10)
            doc.text(evidence, indent=20)
        doc.space(6)
    if report["incidents_by_kind"]:
        doc.text("Incidents by kind", size=12, bold=True)
        for kind, n in report["incidents_by_kind"].items():
            doc.text(f"{kind}: {n}", indent=10)
    return doc.render()


@dataclass(frozen=True)
class StoredReport:
    report_id: str
    key: str
    format: str
    status: str
    period: str
    created_at: str

    def view(self, s3: Any, bucket: str) -> dict[str, Any]:
        """The report with a fresh link, or ``expired`` without one once the lifecycle removed its object."""
        body = {"report_id": self.report_id, "status": self.status, "format": self.format, "period": self.period,
                "created_at": self.created_at}
        with _aws_faults("link"):
            if not object_exists(s3, bucket, self.key):
                return {**body, "status": EXPIRED, "message": "The report's download copy has expired; generate it again."}
            url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": self.key},
                                            ExpiresIn=PRESIGNED_SECONDS)
        return {**body, "download_url": url, "expires_in": PRESIGNED_SECONDS}


def _item_key(tenant_id: str, report_id: str) -> dict[str, str]:
    return {"pk": f"TENANT#{tenant_id}", "sk": f"REPORT#{report_id}"}


def generate(*, audit_table: Any, subjects_table: Any, s3: Any, bucket: str, data_key_id: str | None, tenant_id: str,
             region: str, period: Period, standards: list[str], fmt: str, retention_days: int) -> StoredReport:
    """Build the report, store it (KMS-encrypted) and then record where it is, so ``GET /v1/reports/{id}`` finds it."""
    if fmt not in FORMATS:
        raise ReportError(f"format must be one of {', '.join(FORMATS)}")
    with _aws_faults("gather"):
        body = render(gather(audit_table, subjects_table, tenant_id, region, period, standards), fmt)
    report_id = f"rpt_{uuid.uuid4().hex[:20]}"
    key = f"{PREFIX_REPORTS}{tenant_id}/{report_id}.{fmt}"
    encryption = {"ServerSideEncryption": "aws:kms", **({"SSEKMSKeyId": data_key_id} if data_key_id else {})}
    with _aws_faults("store"):
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=FORMATS[fmt], **encryption)
    stored = StoredReport(report_id, key, fmt, "complete", period.label, datetime.now(UTC).isoformat(timespec="seconds"))
    # An object stored without its item (this write failed) is never handed out and expires with the lifecycle.
    with _aws_faults("record"):
        audit_table.put_item(Item={**_item_key(tenant_id, report_id), "report_key": key, "format": fmt,
                                   "status": stored.status, "period": period.label, "created_at": stored.created_at,
                                   "expires_at": int(datetime.now(UTC).timestamp()) + retention_days * 86400})
    return stored


def find(audit_table: Any, tenant_id: str, report_id: str) -> StoredReport | None:
    if not re.fullmatch(r"rpt_[0-9a-f]{20}", report_id):
        return None
    with _aws_faults("find"):
        item = audit_table.get_item(Key=_item_key(tenant_id, report_id)).get("Item")
    if item is None:
        return None
    return StoredReport(report_id, item["report_key"], item["format"], item["status"], item["period"], item["created_at"])

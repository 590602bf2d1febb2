"""Compliance reports: periods, figures from the audit trail, the three formats, storage, schedules and the job."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone

import boto3
import pypdf
import pytest

from cloakr import constants as c
from cloakr.audit.trail import AuditEvent, AuditTrail
from cloakr.compliance import reports
from cloakr.compliance.incidents import IncidentMonitor
from cloakr.compliance.reports_job import ScheduledReportError, run
from cloakr.gateway.app import resolve
from cloakr.gateway.services import services as built

OCTOBER = datetime(2026, 10, 10, 12, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize("period, start, end", [
    ("2026-10", "2026-10-01", "2026-11-01"),
    ("2026-Q4", "2026-10-01", "2027-01-01"),
    ("2025", "2025-01-01", "2026-01-01"),
    ("2026-02-03/2026-02-05", "2026-02-03", "2026-02-06"),
    ("previous_month", "2026-10-01", "2026-11-01"),
    ("last_30_days", "2026-10-27", "2026-11-26"),
])
def test_periods(period, start, end):
    parsed = reports.parse_period(period, today=date(2026, 11, 25))
    assert (parsed.start.date().isoformat(), parsed.end.date().isoformat()) == (start, end)


@pytest.mark.parametrize("period, message", [
    ("October", "period must be"), ("2026-13", "does not exist"), ("2026-02-05/2026-02-01", "ends before"),
    ("2024-01-01/2026-01-01", "longer than"), ("2027-01", "future"),
])
def test_bad_periods_say_what_is_wrong(period, message):
    with pytest.raises(reports.ReportError, match=message):
        reports.parse_period(period, today=date(2026, 11, 25))


def test_standards_default_to_region_and_profiles_and_unknown_ones_are_refused():
    assert reports.default_standards(("GDPR", "SOC2"), {"hipaa"}) == ["GDPR", "SOC2", "HIPAA"]
    assert reports.default_standards(("SOC2", "PCI_DSS", "CCPA"), set()) == ["SOC2", "PCI", "CCPA"]
    assert reports.normalise_standards(["soc 2", "pci-dss"], []) == ["SOC2", "PCI"]
    with pytest.raises(reports.ReportError, match="ISO9001"):
        reports.normalise_standards(["ISO9001"], [])


@pytest.fixture
def october(services):
    """A tenant's October: requests with entities, refused keys, an erasure, a key rotation, an incident;
    and one November record that must not count."""
    tenant = services.tenant.tenant_id
    trail = AuditTrail(services.table("audit"))
    events = [
        AuditEvent(tenant, "redact", "data_access", pii_types=["EMAIL", "NAME"], redacted_count=3, created_at=OCTOBER),
        AuditEvent(tenant, "chat.completions", "data_access", pii_types=["CREDIT_DEBIT_CARD_NUMBER"], redacted_count=1, created_at=OCTOBER + 60),
        AuditEvent(tenant, "auth.denied", "authentication", outcome="unauthorized", created_at=OCTOBER + 120),
        AuditEvent(tenant, "auth.denied", "authentication", outcome="forbidden", created_at=OCTOBER + 180),
        AuditEvent(tenant, "subject_erase", "compliance", created_at=OCTOBER + 240),
        AuditEvent(tenant, "keys.rotate", "admin", created_at=OCTOBER + 300),
        AuditEvent(tenant, "redact", "data_access", pii_types=["EMAIL"], redacted_count=9, created_at=OCTOBER + 40 * 86400),
    ]
    for event in events:
        trail.record(event)
    s = built()
    IncidentMonitor(s.tables[c.TABLE_SUBJECTS], None, None, None, s.region, clock=lambda: OCTOBER).observe(
        "key_wrong_region", tenant_id=tenant, key_id="k1")
    return tenant


def post(services, body):
    response = resolve(services.event("POST", "/v1/reports", body), None)
    return response["statusCode"], json.loads(response["body"])


def stored(services, body) -> bytes:
    item = services.table("audit").get_item(Key={"pk": f"TENANT#{services.tenant.tenant_id}", "sk": f"REPORT#{body['report_id']}"})["Item"]
    s3 = boto3.client("s3", region_name="eu-central-1")
    head = s3.head_object(Bucket=services.bucket, Key=item["report_key"])
    assert head["ServerSideEncryption"] == "aws:kms"
    return s3.get_object(Bucket=services.bucket, Key=item["report_key"])["Body"].read()


def test_json_report_counts_the_period_only(services, october):
    status, body = post(services, {"period": "2026-10", "standards": ["GDPR", "PCI"]})
    assert status == 201 and body["status"] == "complete" and body["download_url"].startswith("https://")
    report = json.loads(stored(services, body))
    assert report["summary"]["entities_redacted"] == 4 and report["summary"]["requests"] == 2
    assert report["summary"]["auth_failures"] == 2 and report["summary"]["erasures"] == 1
    assert report["summary"]["keys_rotated"] == 1 and report["summary"]["incidents"] == 1
    assert report["summary"]["card_numbers_redacted"] == 1
    assert report["auth_failures_by_reason"] == {"forbidden": 1, "unauthorized": 1}
    assert report["entities_by_type"] == {"CREDIT_DEBIT_CARD_NUMBER": 1, "EMAIL": 1, "NAME": 1}
    gdpr = {c["ref"]: c["evidence"] for c in report["controls"]["GDPR"]}
    assert gdpr["Art. 17"] == {"erasures": 1}
    assert set(report["controls"]) == {"GDPR", "PCI"}


def test_csv_report(services, october):
    _, body = post(services, {"period": "2026-10", "format": "csv"})
    rows = list(csv.reader(io.StringIO(stored(services, body).decode())))
    assert rows[0] == ["section", "name", "value"]
    assert ["summary", "erasures", "1"] in rows and ["entities_by_type", "EMAIL", "1"] in rows
    # The tenant's defaults: the region's frameworks (eu-central-1: GDPR, SOC 2) and its gdpr profile.
    assert {r[0] for r in rows if r[0].startswith("controls:")} == {"controls:GDPR", "controls:SOC2"}


def test_pdf_report_has_the_figures_and_a_chart(services, october):
    _, body = post(services, {"period": "2026-10", "format": "pdf", "standards": ["HIPAA"]})
    data = stored(services, body)
    pdf = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Cloakr compliance report" in text and "Entities redacted by type" in text
    assert "CREDIT_DEBIT_CARD_NUMBER" in text and "164.312(b)" in text
    # The chart is drawn: filled rectangles ('re f') in the page content.
    assert b" re f" in pdf.pages[0].get_contents().get_data()


def test_report_can_be_fetched_again_but_not_by_another_tenant(services, october):
    _, body = post(services, {"period": "2026-10"})
    again = resolve(services.event("GET", f"/v1/reports/{body['report_id']}"), None)
    assert again["statusCode"] == 200 and json.loads(again["body"])["report_id"] == body["report_id"]
    other = built().tenants.create_tenant("Other")
    assert resolve(services.event("GET", f"/v1/reports/{body['report_id']}", tenant_id=other.tenant_id), None)["statusCode"] == 404
    assert resolve(services.event("GET", "/v1/reports/../../etc"), None)["statusCode"] == 404


@pytest.mark.parametrize("body, code", [
    ({"period": "2026-13"}, "validation_error"), ({"period": "2026-10", "standards": ["ISO9001"]}, "validation_error"),
    ({"period": "2026-10", "format": "docx"}, "validation_error"), ({}, "validation_error"),
])
def test_bad_report_requests_are_4xx(services, body, code):
    status, answer = post(services, body)
    assert status == 400 and answer["error"]["code"] == code


def test_report_generation_is_audited(services, october):
    post(services, {"period": "2026-10"})
    items = services.table("audit").query(KeyConditionExpression="pk = :p AND begins_with(sk, :e)",
                                          ExpressionAttributeValues={":p": f"TENANT#{october}", ":e": "EVENT#"})["Items"]
    assert "report.generate" in {json.loads(i["record"])["action"] for i in items}


@pytest.fixture
def scheduling(services):
    """The services fixture configures a schedule group and targets as the stack does."""
    return boto3.client("scheduler", region_name="eu-central-1")


def test_monthly_schedules_are_per_tenant(services, scheduling):
    created = resolve(services.event("POST", "/v1/reports/schedules", {"format": "pdf", "day_of_month": 2, "hour_utc": 5}), None)
    assert created["statusCode"] == 201
    schedule = json.loads(created["body"])
    assert schedule["expression"] == "cron(0 5 2 * ? *)" and schedule["standards"] == ["GDPR", "SOC2"]
    detail = scheduling.get_schedule(Name=f"{services.tenant.tenant_id}-{schedule['schedule_id']}", GroupName="cloakr-reports")
    assert json.loads(detail["Target"]["Input"])["tenant_id"] == services.tenant.tenant_id
    listed = json.loads(resolve(services.event("GET", "/v1/reports/schedules"), None)["body"])["schedules"]
    assert [s["schedule_id"] for s in listed] == [schedule["schedule_id"]]
    other = built().tenants.create_tenant("Other")
    assert json.loads(resolve(services.event("GET", "/v1/reports/schedules", tenant_id=other.tenant_id), None)["body"])["schedules"] == []
    path = f"/v1/reports/schedules/{schedule['schedule_id']}"
    assert resolve(services.event("DELETE", path, tenant_id=other.tenant_id), None)["statusCode"] == 404
    assert resolve(services.event("DELETE", path), None)["statusCode"] == 200
    assert resolve(services.event("DELETE", path), None)["statusCode"] == 404


def test_schedules_without_configuration_are_a_clear_503(services, monkeypatch):
    monkeypatch.delenv(c.ENV_SCHEDULE_GROUP)
    response = resolve(services.event("POST", "/v1/reports/schedules", {}), None)
    assert response["statusCode"] == 503 and json.loads(response["body"])["error"]["code"] == "scheduling_unavailable"


def test_the_scheduled_job_writes_last_months_report(services, october, monkeypatch):
    monkeypatch.setattr(reports, "parse_period", lambda p, today=None: reports.Period(
        datetime(2026, 10, 1, tzinfo=timezone.utc), datetime(2026, 11, 1, tzinfo=timezone.utc), p))
    result = run({"tenant_id": october, "schedule_id": "abc", "standards": ["SOC2"], "format": "json", "period": "previous_month"})
    report = json.loads(stored(services, result))
    assert report["summary"]["auth_failures"] == 2 and list(report["controls"]) == ["SOC2"]
    with pytest.raises(ScheduledReportError):
        run({"tenant_id": "t_000000000000"})
    with pytest.raises(ScheduledReportError):
        run({})

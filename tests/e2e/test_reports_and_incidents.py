"""Reports, schedules and incidents through the SDK and the CLI against the local gateway (no mocks of Cloakr)."""

from __future__ import annotations

import json

import pypdf
import pytest

from cloakr.cli.main import main
from cloakr.gateway import authorizer
from cloakr.sdk import Client
from cloakr.sdk.errors import CloakrError


@pytest.fixture
def client(local_gateway):
    with Client(api_key=local_gateway.admin_key, base_url=local_gateway.base_url) as c:
        yield c


def test_a_report_of_this_month_counts_the_redactions_made(client, tmp_path):
    client.redact("Mail jane.doe@example.com or call +49 30 901820")
    report = client.generate_compliance_report(period="last_30_days", standards=["GDPR"], format="json")
    assert report.status == "complete" and report.standards == ["GDPR"]
    path = client.download_compliance_report(report.id, tmp_path / "r.json")
    data = json.loads(path.read_text())
    assert data["entities_by_type"].get("EMAIL", 0) >= 1 and data["summary"]["entities_redacted"] >= 2
    assert "jane.doe" not in path.read_text()


def test_pdf_report_with_the_cli(local_gateway, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    argv = ["report", "create", "--period", "last_30_days", "--format", "pdf", "--output", str(out), "--json",
            "--endpoint", local_gateway.base_url, "--api-key", local_gateway.admin_key]
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == "complete" and printed["format"] == "pdf"
    assert "Cloakr compliance report" in pypdf.PdfReader(out).pages[0].extract_text()


def test_monthly_schedule_lifecycle(client):
    schedule = client.schedule_compliance_report(standards=["SOC2"], format="csv", day_of_month=3)
    assert schedule.expression == "cron(0 6 3 * ? *)"
    assert schedule.id in {s.id for s in client.list_report_schedules()}
    client.delete_report_schedule(schedule.id)
    assert schedule.id not in {s.id for s in client.list_report_schedules()}
    with pytest.raises(CloakrError):
        client.delete_report_schedule(schedule.id)


def test_blocking_and_unblocking_an_end_user(client, local_gateway):
    client.block_user("e2e-user-9")
    with Client(api_key=local_gateway.admin_key, base_url=local_gateway.base_url, max_retries=0,
                default_headers={"X-Cloakr-User": "e2e-user-9"}) as as_user:
        with pytest.raises(CloakrError) as refused:
            as_user.redact("hello")
        assert refused.value.code == "user_blocked"
        client.unblock_user("e2e-user-9")
        authorizer.clear_cache()
        assert as_user.redact("hello").text == "hello"
    assert isinstance(client.list_incidents(), list)

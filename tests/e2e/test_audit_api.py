"""The audit API through the SDK and the CLI against the local gateway: list, verify, export and download."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from cloakr.cli.main import main
from cloakr.sdk import Client
from cloakr.sdk.errors import NotFoundError, ValidationError

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(local_gateway):
    with Client(api_key=local_gateway.admin_key, base_url=local_gateway.base_url) as c:
        yield c


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _redact_some(client, count: int) -> None:
    for i in range(count):
        client.redact(f"Mail jane.doe{i}@example.com please")


def test_events_are_listed_newest_first_across_pages(client):
    _redact_some(client, 5)
    listed = list(client.list_audit_events(action="redact", page_size=2))
    assert len(listed) >= 5
    stamps = [e.timestamp for e in listed]
    assert stamps == sorted(stamps, reverse=True) and len({e.audit_id for e in listed}) == len(listed)
    assert all(e.action == "redact" and e.pii_redaction.detected == ["EMAIL"] for e in listed[:5])  # its own, the newest
    assert not any("jane.doe" in e.model_dump_json() for e in listed)


def test_verify_answers_through_the_sdk(client):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    result = client.verify_audit(start=_today(), end=tomorrow)
    assert result.ok is True and result.problems == [] and result.digests_checked == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_and_download_through_the_sdk(client, tmp_path, fmt):
    _redact_some(client, 3)
    export = client.export_audit_logs(start_date=_today(), end_date=_today(), format=fmt, include_details=True)
    assert export.status == "complete" and export.record_count >= 3
    progress = []
    path = client.download_audit_logs(export.id, tmp_path / f"audit.{fmt}", progress=lambda done, total: progress.append(done))
    text = path.read_text()
    rows = list(csv.DictReader(text.splitlines())) if fmt == "csv" else [json.loads(line) for line in text.splitlines()]
    assert len(rows) == export.record_count and progress and progress[-1] == len(text.encode())
    assert sum(1 for r in rows if r["action"] == "redact") >= 3
    assert "jane.doe" not in text
    assert client.get_audit_export(export.id).download_url


def test_an_unknown_export_is_not_found(client):
    with pytest.raises(NotFoundError):
        client.get_audit_export("exp_" + "0" * 20)


def test_a_bad_range_is_refused(client):
    with pytest.raises(ValidationError) as caught:
        client.export_audit_logs(start_date="2026-11-02", end_date="2026-11-01")
    assert caught.value.status == 400 and caught.value.code == "validation_error"


def test_export_with_the_cli(local_gateway, client, tmp_path, capsys):
    _redact_some(client, 2)
    out = tmp_path / "audit.csv"
    argv = ["audit", "export", "--from", _today(), "--to", _today(), "--format", "csv", "--output", str(out), "--json",
            "--endpoint", local_gateway.base_url, "--api-key", local_gateway.admin_key]
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == "complete" and printed["format"] == "csv"
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == printed["record_count"] and rows[0]["audit_id"]


def test_a_multipart_export_that_spans_several_requests_downloads_whole(local_gateway, tmp_path, monkeypatch):
    from cloakr.audit import exports
    from cloakr.audit.trail import AuditEvent, AuditTrail
    from cloakr.constants import SCOPES
    from cloakr.gateway.services import services

    # A tenant of its own, so the other tests' listings never carry these large records. The backend is a separate
    # moto process that keeps S3's 5 MiB part minimum: > 5 MiB of records (each near DynamoDB's 400 KB item limit)
    # make the export a real multipart upload.
    tenant = services().tenants.create_tenant("E2E bulk audit")
    _, key = services().tenants.create_key(tenant.tenant_id, SCOPES)
    trail = AuditTrail(services().tables["audit"])
    for i in range(16):
        trail.record(AuditEvent(tenant_id=tenant.tenant_id, action="bulk", category="admin",
                                user_id=f"u{i}-" + "x" * 350_000))
    monkeypatch.setattr(exports, "TIME_BUDGET_SECONDS", 0.0)  # one part per request: the SDK's polling finishes it
    with Client(api_key=key, base_url=local_gateway.base_url) as client:
        export = client.export_audit_logs(start_date=_today(), end_date=_today(), format="json")
        assert export.status == "running" and 0 < export.record_count < 17
        path = client.download_audit_logs(export.id, tmp_path / "audit.jsonl", poll_interval=0.01)
        final = client.get_audit_export(export.id)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert final.status == "complete" and len(lines) == final.record_count == 17  # 16 and the export's own record
    assert final.byte_size == path.stat().st_size > exports.PART_SIZE
    assert sum(1 for line in lines if line["action"] == "bulk") == 16
    assert len({line["audit_id"] for line in lines}) == 17
    assert [line["timestamp"] for line in lines] == sorted(line["timestamp"] for line in lines)

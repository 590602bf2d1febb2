"""POST /v1/audit/exports and GET /v1/audit/exports/{id} through the resolver, on moto."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlparse

import pytest
from botocore.exceptions import ClientError
from cloakr.audit import events, exports

from tests.unit.audit.audit_api_helpers import PERIOD, built, call, seed, sign_period

DAY = {"start_date": "2026-09-21", "end_date": "2026-09-21"}
SMALL_PART = 1024


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of 1 KiB, with moto's S3 part minimum scaled down alike, so a few records make a multipart upload."""
    import moto.s3.models

    monkeypatch.setattr(exports, "PART_SIZE", SMALL_PART)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", SMALL_PART)


@pytest.fixture
def one_part_per_request(small_parts, monkeypatch):
    monkeypatch.setattr(exports, "TIME_BUDGET_SECONDS", 0.0)  # every request stops after its first part


def _stored_records(services) -> list[dict]:
    """The records ``seed`` wrote, straight from the table, oldest first (not the records the export's own
    requests add: creating and polling an export are audited too)."""
    items = services.table("audit").scan()["Items"]
    events_ = sorted((i for i in items if i["sk"].startswith("EVENT#") and i["pk"] == f"TENANT#{services.tenant.tenant_id}"),
                     key=lambda i: i["sk"])
    return [json.loads(i["record"]) for i in events_ if json.loads(i["record"])["action"] in ("redact", "chat.completions", "keys.list")]


def _export(services, **body) -> tuple[int, dict]:
    return call(services, "POST", "/v1/audit/exports", {**DAY, **body})


def _running(services, count: int, **body) -> dict:
    """An export of ``count`` records left unfinished by its first request (with ``one_part_per_request``)."""
    seed(services, count)
    status, answer = _export(services, **body)
    assert status == 202 and answer["status"] == "running" and 0 < answer["record_count"] < count
    return answer


def _poll_until_finished(services, body: dict) -> tuple[dict, int]:
    """What the SDK does: GET the export until it is no longer running; the final answer and the number of polls."""
    polls = 0
    while body["status"] == "running":
        status, body = call(services, "GET", f"/v1/audit/exports/{body['export_id']}")
        assert status == 200 and polls < 50
        polls += 1
    return body, polls


def _object(services, export_id: str) -> bytes:
    item = exports.find(services.table("audit"), services.tenant.tenant_id, export_id)
    return built().s3.get_object(Bucket=services.bucket, Key=item["key"])["Body"].read()


def test_csv_export_holds_every_record_of_the_range_in_order_without_details(services):
    seed(services, 12)
    seed(services, 2, start=1_790_200_000.0)  # the next days: outside the range
    status, body = _export(services, format="csv")
    assert status == 202, body
    assert body["status"] == "complete" and body["record_count"] == 12 and body["format"] == "csv"
    rows = list(csv.reader(io.StringIO(_object(services, body["export_id"]).decode())))
    assert rows[0] == ["audit_id", "timestamp", "tenant_id", "user_id", "action", "category", "outcome", "hash"]
    expected = _stored_records(services)[:12]
    assert [r[0] for r in rows[1:]] == [r["audit_id"] for r in expected]
    assert [r[1:] for r in rows[1:]] == [[r["timestamp"], r["tenant_id"], r["user_id"], r["action"], r["category"],
                                          r["outcome"], r["hash"]] for r in expected]
    assert body["byte_size"] == len(_object(services, body["export_id"]))


def test_csv_with_details_flattens_the_redaction_summary(services):
    seed(services, 3, compliance_flags=["GDPR"])
    status, body = _export(services, format="csv", include_details=True)
    assert status == 202 and body["record_count"] == 3
    rows = list(csv.DictReader(io.StringIO(_object(services, body["export_id"]).decode())))
    assert rows[0]["pii_detected"] == "EMAIL" and rows[0]["pii_redacted_count"] == "1"
    assert json.loads(rows[0]["pii_counts"]) == {"EMAIL": 1} and rows[0]["compliance_flags"] == "GDPR"
    assert rows[0]["encryption_status"] == "encrypted_at_rest" and "session_id" in rows[0]


def test_csv_cells_cannot_become_spreadsheet_formulas(services):
    seed(services, 1, user_id="=HYPERLINK(\"http://evil\")")
    status, body = _export(services, format="csv")
    assert status == 202
    rows = list(csv.DictReader(io.StringIO(_object(services, body["export_id"]).decode())))
    assert rows[0]["user_id"].startswith("'=")


@pytest.mark.parametrize("details", [False, True])
def test_json_export_is_json_lines_of_the_records(services, details):
    seed(services, 7)
    status, body = _export(services, format="json", include_details=details)
    assert status == 202 and body["status"] == "complete"
    lines = _object(services, body["export_id"]).decode().splitlines()
    expected = _stored_records(services)
    fields = exports.SUMMARY_FIELDS + (exports.DETAIL_FIELDS if details else ())
    assert [json.loads(line) for line in lines] == [{f: r[f] for f in fields} for r in expected]
    assert ("pii_redaction" in lines[0]) is details


def test_the_object_is_kms_encrypted_under_the_data_key_and_handed_out_for_300_seconds(services):
    seed(services, 2)
    status, body = _export(services)
    status, got = call(services, "GET", f"/v1/audit/exports/{body['export_id']}")
    assert status == 200 and got["status"] == "complete" and got["expires_in"] == 300
    url = urlparse(got["download_url"])
    assert url.path.endswith(f"/exports/{services.tenant.tenant_id}/{body['export_id']}.jsonl")
    assert parse_qs(url.query)["X-Amz-Expires"] == ["300"]
    item = exports.find(services.table("audit"), services.tenant.tenant_id, body["export_id"])
    head = built().s3.head_object(Bucket=services.bucket, Key=item["key"])
    assert head["ServerSideEncryption"] == "aws:kms" and services.data_key_id.endswith(head["SSEKMSKeyId"].split("/")[-1])


def test_a_large_export_is_written_in_several_parts(services, monkeypatch, small_parts):
    seed(services, 60)
    s3 = built().s3
    parts, creates = [], []
    real_part, real_create = s3.upload_part, s3.create_multipart_upload
    monkeypatch.setattr(s3, "upload_part", lambda **kw: parts.append(len(kw["Body"])) or real_part(**kw))
    monkeypatch.setattr(s3, "create_multipart_upload", lambda **kw: creates.append(kw) or real_create(**kw))
    monkeypatch.setattr(s3, "put_object", lambda **_: pytest.fail("a large export is not one PutObject"))
    status, body = _export(services, format="json", include_details=True)
    assert status == 202 and body["status"] == "complete" and body["record_count"] == 60
    assert len(parts) > 1 and all(size >= SMALL_PART for size in parts[:-1])
    assert creates[0]["ServerSideEncryption"] == "aws:kms" and creates[0]["SSEKMSKeyId"] == services.data_key_id
    lines = _object(services, body["export_id"]).decode().splitlines()
    assert [json.loads(line)["audit_id"] for line in lines] == [r["audit_id"] for r in _stored_records(services)]


def test_records_are_read_in_bounded_pages(services, monkeypatch):
    monkeypatch.setattr(events, "PAGE_SIZE", 10)
    seed(services, 45)
    table = built().tables["audit"]
    queries = []
    real = table.query
    monkeypatch.setattr(table, "query", lambda **kw: queries.append(kw) or real(**kw))
    status, body = _export(services)
    assert status == 202 and body["record_count"] == 45
    assert len(queries) >= 5 and all(q["Limit"] == 10 for q in queries)
    assert "ExclusiveStartKey" not in queries[0] and all("ExclusiveStartKey" in q for q in queries[1:])


def test_a_range_too_large_for_one_request_continues_on_later_calls(services, one_part_per_request):
    body = _running(services, 40, format="csv", include_details=True)
    assert "download_url" not in body
    body, polls = _poll_until_finished(services, body)
    assert polls > 1 and body["status"] == "complete" and body["record_count"] == 40 and body["download_url"]
    rows = list(csv.DictReader(io.StringIO(_object(services, body["export_id"]).decode())))
    assert [r["audit_id"] for r in rows] == [r["audit_id"] for r in _stored_records(services)]


def test_a_part_written_by_a_worker_that_lost_its_lease_is_left_out(services, one_part_per_request):
    body = _running(services, 20, format="json", include_details=True)
    item = exports.find(services.table("audit"), services.tenant.tenant_id, body["export_id"])
    built().s3.upload_part(Bucket=services.bucket, Key=item["key"], UploadId=item["upload_id"], PartNumber=99,
                           Body=b'{"stray": true}\n' * 100)
    body, _ = _poll_until_finished(services, body)
    lines = _object(services, body["export_id"]).decode().splitlines()
    assert [json.loads(line)["audit_id"] for line in lines] == [r["audit_id"] for r in _stored_records(services)]


def test_an_export_another_request_is_working_on_is_left_alone(services, one_part_per_request):
    body = _running(services, 30, format="json", include_details=True)
    key = {"pk": f"TENANT#{services.tenant.tenant_id}", "sk": f"EXPORT#{body['export_id']}"}
    services.table("audit").update_item(Key=key, UpdateExpression="SET lease_until = :u, lease_owner = :o",
                                        ExpressionAttributeValues={":u": 4_000_000_000, ":o": "someone-else"})
    status, again = call(services, "GET", f"/v1/audit/exports/{body['export_id']}")
    assert status == 200 and again["status"] == "running" and again["record_count"] == body["record_count"]


def test_another_tenants_export_is_404(services):
    seed(services, 2)
    status, body = _export(services)
    other = services.tenant.tenant_id[:-1] + ("0" if services.tenant.tenant_id[-1] != "0" else "1")
    status, refused = call(services, "GET", f"/v1/audit/exports/{body['export_id']}", tenant_id=other)
    assert status == 404 and refused["error"]["code"] == "not_found"
    for bad in ("exp_nothere", "exp_" + "0" * 20, "../x"):
        status, refused = call(services, "GET", f"/v1/audit/exports/{bad}")
        assert status == 404


def test_each_export_is_audited_before_anything_is_written(services):
    seed(services, 2)
    status, body = _export(services, format="csv")
    assert status == 202
    audit = [json.loads(i["record"]) for i in services.table("audit").scan()["Items"] if i["sk"].startswith("EVENT#")]
    exported = [r for r in audit if r["action"] == "audit_export"]
    assert len(exported) == 1 and exported[0]["category"] == "compliance" and exported[0]["session_id"] == body["export_id"]


def test_no_audit_record_no_export(services, monkeypatch):
    from cloakr.audit.trail import AuditTrail, AuditWriteError

    seed(services, 2)

    def refuse(self, event):
        raise AuditWriteError("the audit record could not be written")

    monkeypatch.setattr(AuditTrail, "record", refuse)
    status, body = _export(services)
    assert status == 503 and body["error"]["code"] == "audit_unavailable"
    assert "Contents" not in built().s3.list_objects_v2(Bucket=services.bucket, Prefix="exports/")
    assert not [i for i in services.table("audit").scan()["Items"] if i["sk"].startswith("EXPORT#")]


def _kms_refusal(**_):
    raise ClientError({"Error": {"Code": "KMS.DisabledException", "Message": "key disabled"}}, "PutObject")


def test_a_storage_or_kms_failure_marks_the_export_failed_never_complete(services, monkeypatch):
    seed(services, 3)
    monkeypatch.setattr(built().s3, "put_object", _kms_refusal)
    status, body = _export(services)
    assert status == 503 and body["error"]["code"] == "export_failed" and "new export" in body["error"]["message"]
    [item] = [i for i in services.table("audit").scan()["Items"] if i["sk"].startswith("EXPORT#")]
    assert item["status"] == "failed"
    status, got = call(services, "GET", f"/v1/audit/exports/{item['export_id']}")
    assert status == 200 and got["status"] == "failed" and "download_url" not in got and got["message"]


def test_a_failed_multipart_export_is_aborted(services, monkeypatch, small_parts):
    seed(services, 30)
    s3 = built().s3
    real = s3.upload_part
    calls = []

    def second_part_fails(**kw):
        calls.append(kw["PartNumber"])
        return _kms_refusal() if kw["PartNumber"] == 2 else real(**kw)

    monkeypatch.setattr(s3, "upload_part", second_part_fails)
    status, body = _export(services, format="json", include_details=True)
    assert status == 503 and body["error"]["code"] == "export_failed" and calls == [1, 2]
    assert s3.list_multipart_uploads(Bucket=services.bucket).get("Uploads", []) == []
    assert "Contents" not in s3.list_objects_v2(Bucket=services.bucket, Prefix="exports/")
    [item] = [i for i in services.table("audit").scan()["Items"] if i["sk"].startswith("EXPORT#")]
    assert item["status"] == "failed"


def test_an_empty_range_is_a_complete_empty_export(services):
    status, body = _export(services, format="json")
    assert status == 202 and body["status"] == "complete" and body["record_count"] == 0
    assert _object(services, body["export_id"]) == b""


@pytest.mark.parametrize("body", [{"start_date": "2026-02-30", "end_date": "2026-03-01"},
                                  {"start_date": "2026-09-22", "end_date": "2026-09-21"},
                                  {"start_date": "2024-01-01", "end_date": "2026-01-01"},
                                  {**DAY, "format": "xml"}, {**DAY, "include_details": "yes"}, {"start_date": "2026-09-21"}])
def test_bad_export_requests_are_400(services, body):
    status, answer = call(services, "POST", "/v1/audit/exports", body)
    assert status == 400 and answer["error"]["code"] == "validation_error"


def test_status_items_are_not_audit_events_for_verification(services):
    from cloakr.audit.verify import verify_chain

    seed(services, 4)
    sign_period(services)
    _export(services)
    s = built()
    result = verify_chain(audit_table=s.tables["audit"], kms=s.kms, s3=s.s3, bucket=s.bucket,
                          tenant_id=services.tenant.tenant_id, start=PERIOD[0], end=PERIOD[1], trusted_key_id=s.signing_key_id)
    assert result.ok and result.records_checked == 4
    assert [i for i in services.table("audit").scan()["Items"] if i["sk"].startswith("EXPORT#")]

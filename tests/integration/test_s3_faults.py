"""S3 and KMS faults on audit exports and compliance reports: every failure is a 5xx JSON error with a stable code
(no stack trace, no record content, not the AWS message), nothing is recorded as finished or ready that is not
stored, no multipart upload is left behind, and once the fault clears the same request works and the result verifies.

Faults are injected the way ``test_faults.py`` does (patching the boto3 client or table method of ``services()``);
with SSE-KMS, a KMS failure reaches the caller as an S3 error code ``KMS.*``, so it is injected on the S3 call."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import NoCredentialsError
from cloakr.audit.verify import verify_chain
from cloakr.compliance import reports, reports_job
from cloakr.constants import PREFIX_DIGESTS, PREFIX_EXPORTS, PREFIX_REPORTS

from tests.integration.test_chat_resolver import EMAIL
from tests.integration.test_faults import assert_clean_error, raising
from tests.unit.audit.audit_api_helpers import PERIOD, built, call, seed, sign_period
from tests.unit.audit.test_audit_exports_api import (  # noqa: F401 - the fixtures are used by name
    _export,
    _poll_until_finished,
    _running,
    one_part_per_request,
    small_parts,
)

STORAGE_CODES = ["InternalError", "SlowDown", "KMS.KMSInvalidStateException"]
MONTH = {"period": "2026-09", "standards": ["GDPR"]}


class Fault:
    """One method of a boto3 client or table failing until ``clear()`` (then the real method runs): with a
    ``ClientError`` of ``error`` when it is a code, else by raising ``error``; only calls ``when`` accepts fail."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, target: Any, method: str, error: str | Exception,
                 when: Any = lambda **_: True) -> None:
        self.active, self.calls = True, 0
        real = getattr(target, method)
        fail = raising(error) if isinstance(error, str) else lambda: (_ for _ in ()).throw(error)

        def call_(*args: Any, **kwargs: Any) -> Any:
            if self.active and when(**kwargs):
                self.calls += 1
                return fail()
            return real(*args, **kwargs)

        monkeypatch.setattr(target, method, call_)

    def clear(self) -> None:
        self.active = False


def assert_refused(status: int, body: dict, code: str) -> None:
    """The documented error shape and nothing else: no stack trace, no record content, no AWS error text."""
    assert_clean_error(status, body, 503, code)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert "injected" not in json.dumps(body)


def open_uploads(services) -> list[dict]:
    return built().s3.list_multipart_uploads(Bucket=services.bucket).get("Uploads", [])


def objects(services, prefix: str) -> list[str]:
    return [o["Key"] for o in built().s3.list_objects_v2(Bucket=services.bucket, Prefix=prefix).get("Contents", [])]


def items(services, kind: str) -> list[dict]:
    return [i for i in services.table("audit").scan()["Items"] if i["sk"].startswith(f"{kind}#")]


# --- audit exports ----------------------------------------------------------------------------------------------------
def assert_export_verifies(services, body: dict) -> None:
    """The finished export holds exactly the records the signed digest covers, in order and with the same hashes,
    and the trail it was made from still verifies."""
    assert body["status"] == "complete" and body["download_url"]
    [item] = [i for i in items(services, "EXPORT") if i["export_id"] == body["export_id"]]
    lines = built().s3.get_object(Bucket=services.bucket, Key=item["key"])["Body"].read().decode().splitlines()
    [digest_key] = objects(services, f"{PREFIX_DIGESTS}{services.tenant.tenant_id}/")
    digest = json.loads(built().s3.get_object(Bucket=services.bucket, Key=digest_key)["Body"].read())
    exported = [(r["audit_id"], r["hash"]) for r in map(json.loads, lines)]
    assert exported == [(r["audit_id"], r["hash"]) for r in digest["records"]] and body["record_count"] == len(exported)
    s = built()
    assert verify_chain(audit_table=s.tables["audit"], kms=s.kms, s3=s.s3, bucket=s.bucket, tenant_id=services.tenant.tenant_id,
                        start=PERIOD[0], end=PERIOD[1], trusted_key_id=s.signing_key_id).ok


def assert_export_failed_cleanly(services, status: int, body: dict) -> str:
    """503 ``export_failed``; no open upload, no object, the export recorded as failed (never complete) and not
    picked up again by a later GET: the caller starts a new export. Returns the failed export's id."""
    assert_refused(status, body, "export_failed")
    assert open_uploads(services) == [] and objects(services, PREFIX_EXPORTS) == []
    [item] = [i for i in items(services, "EXPORT") if i["status"] != "complete"]
    assert item["status"] == "failed"
    status, again = call(services, "GET", f"/v1/audit/exports/{item['export_id']}")
    assert status == 200 and again["status"] == "failed" and "download_url" not in again and again["message"]
    return item["export_id"]


MULTIPART_STEPS = ["create_multipart_upload", "upload_part", "complete_multipart_upload"]


@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("code", STORAGE_CODES)
@pytest.mark.parametrize("step", MULTIPART_STEPS)
def test_a_multipart_export_fault_aborts_the_upload_and_a_new_export_verifies(services, monkeypatch, step, code):
    seed(services, 30, user_id=EMAIL)
    sign_period(services)
    fault = Fault(monkeypatch, built().s3, step, code)
    status, body = _export(services)
    assert fault.calls == 1
    failed = assert_export_failed_cleanly(services, status, body)
    fault.clear()
    status, body = _export(services)
    assert status == 202 and body["export_id"] != failed
    assert_export_verifies(services, body)


@pytest.mark.parametrize("code", STORAGE_CODES)
def test_a_single_part_export_fault_leaves_no_object_and_a_new_export_verifies(services, monkeypatch, code):
    seed(services, 3, user_id=EMAIL)
    sign_period(services)
    fault = Fault(monkeypatch, built().s3, "put_object", code)
    status, body = _export(services)
    assert_export_failed_cleanly(services, status, body)
    fault.clear()
    status, body = _export(services)
    assert status == 202
    assert_export_verifies(services, body)


@pytest.mark.usefixtures("one_part_per_request")
def test_a_fault_while_a_later_request_continues_an_export_fails_it_and_aborts_the_upload(services, monkeypatch):
    """The time-budget continuation is the only resumable state; a storage fault ends it like any other."""
    body = _running(services, 30, format="json")
    sign_period(services)
    assert len(open_uploads(services)) == 1
    fault = Fault(monkeypatch, built().s3, "upload_part", "InternalError")
    status, answer = call(services, "GET", f"/v1/audit/exports/{body['export_id']}")
    assert fault.calls == 1
    assert_export_failed_cleanly(services, status, answer)
    fault.clear()
    status, fresh = _export(services, format="json")
    assert status == 202
    finished, _ = _poll_until_finished(services, fresh)
    assert_export_verifies(services, finished)


@pytest.mark.usefixtures("small_parts")
def test_an_upload_id_that_could_not_be_saved_is_still_aborted(services, monkeypatch):
    seed(services, 30)
    Fault(monkeypatch, built().tables["audit"], "update_item", "ProvisionedThroughputExceededException",
          when=lambda **kw: "upload_id" in kw.get("ExpressionAttributeNames", {}).values())
    status, body = _export(services)
    assert_export_failed_cleanly(services, status, body)


@pytest.mark.usefixtures("small_parts")
def test_when_the_abort_fails_too_the_upload_is_left_to_the_bucket_lifecycle(services, monkeypatch):
    """S3 down for both calls: the export is still failed (never complete); its parts are never readable, and the
    bucket's AbortIncompleteUploads rule removes them (see stacks/constructs/audit_bucket.py)."""
    seed(services, 30)
    Fault(monkeypatch, built().s3, "upload_part", "InternalError")
    Fault(monkeypatch, built().s3, "abort_multipart_upload", "InternalError")
    status, body = _export(services)
    assert_refused(status, body, "export_failed")
    [item] = items(services, "EXPORT")
    assert item["status"] == "failed" and [u["UploadId"] for u in open_uploads(services)] == [item["upload_id"]]
    assert objects(services, PREFIX_EXPORTS) == []


def _complete_export(services) -> str:
    seed(services, 3, user_id=EMAIL)
    status, body = _export(services)
    assert status == 202 and body["status"] == "complete"
    return body["export_id"]


def test_an_export_link_that_cannot_be_signed_is_503_and_a_later_get_works(services, monkeypatch):
    export_id = _complete_export(services)
    fault = Fault(monkeypatch, built().s3, "generate_presigned_url", NoCredentialsError())
    status, body = call(services, "GET", f"/v1/audit/exports/{export_id}")
    assert_refused(status, body, "audit_unavailable")
    fault.clear()
    status, body = call(services, "GET", f"/v1/audit/exports/{export_id}")
    assert status == 200 and body["status"] == "complete" and body["download_url"]


def test_an_unreadable_export_object_is_503_not_a_crash(services, monkeypatch):
    export_id = _complete_export(services)
    Fault(monkeypatch, built().s3, "head_object", "InternalError")
    status, body = call(services, "GET", f"/v1/audit/exports/{export_id}")
    assert_refused(status, body, "audit_unavailable")


def test_an_export_whose_copy_the_lifecycle_expired_answers_expired_without_a_link(services):
    export_id = _complete_export(services)
    [item] = items(services, "EXPORT")
    built().s3.delete_object(Bucket=services.bucket, Key=item["key"])  # what the expiry rule does: a delete marker
    status, body = call(services, "GET", f"/v1/audit/exports/{export_id}")
    assert status == 200 and body["status"] == "expired" and "download_url" not in body and body["message"]


# --- compliance reports -----------------------------------------------------------------------------------------------
def _report(services) -> tuple[int, dict]:
    return call(services, "POST", "/v1/reports", MONTH)


def assert_no_report(services) -> None:
    assert items(services, "REPORT") == []


def assert_report_works(services) -> None:
    """Generated, recorded once its object exists, and fetchable again with a fresh link to that object."""
    status, body = _report(services)
    assert status == 201 and body["status"] == "complete" and body["download_url"]
    [item] = items(services, "REPORT")
    stored = json.loads(built().s3.get_object(Bucket=services.bucket, Key=item["report_key"])["Body"].read())
    assert stored["summary"]["audit_records"] == 3 and EMAIL not in json.dumps(stored)
    status, again = call(services, "GET", f"/v1/reports/{body['report_id']}")
    assert status == 200 and again["download_url"] and item["report_key"] in again["download_url"]


@pytest.mark.parametrize("code", [*STORAGE_CODES, "KMS.DisabledException", "AccessDenied"])
def test_a_report_that_cannot_be_stored_is_503_and_never_listed(services, monkeypatch, code):
    seed(services, 3, user_id=EMAIL)
    fault = Fault(monkeypatch, built().s3, "put_object", code)
    status, body = _report(services)
    assert fault.calls == 1
    assert_refused(status, body, "report_failed")
    assert_no_report(services)
    assert objects(services, PREFIX_REPORTS) == []
    fault.clear()
    assert_report_works(services)


def test_a_report_whose_record_cannot_be_written_is_503_and_never_listed(services, monkeypatch):
    seed(services, 3, user_id=EMAIL)
    fault = Fault(monkeypatch, built().tables["audit"], "put_item", "InternalServerError",
                  when=lambda **kw: kw["Item"]["sk"].startswith("REPORT#"))
    status, body = _report(services)
    assert fault.calls == 1
    assert_refused(status, body, "report_failed")
    assert_no_report(services)
    fault.clear()
    assert_report_works(services)


def test_a_report_link_that_cannot_be_signed_is_503_and_a_retry_works(services, monkeypatch):
    seed(services, 3, user_id=EMAIL)
    fault = Fault(monkeypatch, built().s3, "generate_presigned_url", NoCredentialsError())
    status, body = _report(services)
    assert_refused(status, body, "report_failed")
    fault.clear()
    # The report that was stored stays fetchable (its object exists); a new request makes another one.
    [item] = items(services, "REPORT")
    status, again = call(services, "GET", f"/v1/reports/{item['sk'].removeprefix('REPORT#')}")
    assert status == 200 and again["download_url"]


def _stored_report(services) -> str:
    seed(services, 3, user_id=EMAIL)
    status, body = _report(services)
    assert status == 201
    return body["report_id"]


@pytest.mark.parametrize("target, method, error", [("s3", "head_object", "InternalError"),
                                                   ("s3", "generate_presigned_url", NoCredentialsError()),
                                                   ("table", "get_item", "InternalServerError")])
def test_fetching_a_report_when_storage_fails_is_503_and_a_retry_works(services, monkeypatch, target, method, error):
    report_id = _stored_report(services)
    fault = Fault(monkeypatch, built().s3 if target == "s3" else built().tables["audit"], method, error)
    status, body = call(services, "GET", f"/v1/reports/{report_id}")
    assert fault.calls == 1
    assert_refused(status, body, "report_failed")
    fault.clear()
    status, body = call(services, "GET", f"/v1/reports/{report_id}")
    assert status == 200 and body["download_url"]


def test_a_report_whose_copy_the_lifecycle_expired_answers_expired_without_a_link(services):
    report_id = _stored_report(services)
    [item] = items(services, "REPORT")
    built().s3.delete_object(Bucket=services.bucket, Key=item["report_key"])
    status, body = call(services, "GET", f"/v1/reports/{report_id}")
    assert status == 200 and body["status"] == "expired" and "download_url" not in body and body["message"]


def test_a_scheduled_report_that_cannot_be_stored_fails_the_invocation_and_records_nothing(services, monkeypatch):
    """The scheduler retries a failed invocation and dead-letters it; nothing half-written is listed meanwhile."""
    seed(services, 3)
    Fault(monkeypatch, built().s3, "put_object", "KMS.KMSInvalidStateException")
    with pytest.raises(reports.ReportFailed):
        reports_job.run({"tenant_id": services.tenant.tenant_id, "period": "2026-09", "format": "json"})
    assert_no_report(services)

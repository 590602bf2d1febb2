"""Audit log exports: a tenant's records for a date range, streamed into one KMS-encrypted S3 object.

Formats: ``csv`` (a header row, then one row per record) and ``json`` (JSON Lines: one record per line, so a reader
streams it as the writer did). Records are read oldest first, one bounded Query page at a time, and written with an
S3 multipart upload in parts of ``PART_SIZE`` (the last part may be smaller); an export smaller than one part is a
single PutObject. Memory holds at most one Query page and one part.

Without ``include_details`` a row carries ``SUMMARY_FIELDS`` only (who did what, when, with which outcome, and the
record hash that the signed digests cover); ``DETAIL_FIELDS`` (session, model, token and timing figures, encryption
status, redaction types and counts, compliance flags) are added on request. Records never hold raw personal data
either way.

The work runs inside the request for at most ``TIME_BUDGET_SECONDS``. A range that does not fit is not failed: the
export's status record (audit table, sk ``EXPORT#<export_id>``) keeps the multipart upload id, the next part number
and the sort key of the last record written, and the next ``GET /v1/audit/exports/{id}`` continues from there (the
SDK's ``download_audit_logs`` polls, so it drives an export to completion). A lease on the status record keeps two
requests from writing the same export at once; a worker that dies mid-slice loses only the unsaved part, which the
next worker writes again under the same part number.

Any storage or encryption failure aborts the upload and marks the export ``failed`` (never ``complete`` with part of
the data); the caller starts a new export. An upload whose abort fails too is removed by the bucket's lifecycle rule
for incomplete uploads. The object is a copy for download that the bucket's lifecycle expires after some days (the
trail itself stays in the table): from then on the export answers ``expired``, never a link to nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import BotoCoreError, ClientError

from cloakr.audit.events import TimeRange, partition, records
from cloakr.constants import PREFIX_EXPORTS

FORMATS = {"csv": ("csv", "text/csv"), "json": ("jsonl", "application/x-ndjson")}  # format -> (extension, type)
PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
TIME_BUDGET_SECONDS = 20.0  # work per request, well inside API Gateway's 29 s integration timeout
LEASE_SECONDS = 60  # longer than any request runs, so a live worker never loses its lease
PRESIGNED_SECONDS = 300
MAX_EXPORT_DAYS = 366
EXPORT_PREFIX = "EXPORT#"
PENDING, RUNNING, COMPLETE, FAILED, EXPIRED = "pending", "running", "complete", "failed", "expired"
SUMMARY_FIELDS = ("audit_id", "timestamp", "tenant_id", "user_id", "action", "category", "outcome", "hash")
DETAIL_FIELDS = ("session_id", "model", "token_count", "processing_time_ms", "encryption_status", "pii_redaction",
                 "compliance_flags")
# CSV flattens the nested redaction summary into columns of their own.
CSV_DETAIL_COLUMNS = ("session_id", "model", "token_count", "processing_time_ms", "encryption_status", "pii_detected",
                      "pii_redacted_count", "pii_counts", "compliance_flags")
FAILED_MESSAGE = "The export could not be written (storage or encryption failed); start a new export."
EXPIRED_MESSAGE = "The export's download copy has expired; start a new export."
# What S3 answers for an object that is not there (HEAD has no error body, so only its status).
MISSING_OBJECT_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_EXPORT_ID = re.compile(r"exp_[0-9a-f]{20}")
# Spreadsheet programs run cells starting with these as formulas; such cells are written with a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFailed(RuntimeError):
    """Storage or encryption failed; the export is marked failed and nothing partial is offered for download."""


def new_export_id() -> str:
    return f"exp_{uuid.uuid4().hex[:20]}"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _item_key(tenant_id: str, export_id: str) -> dict[str, str]:
    return {"pk": partition(tenant_id), "sk": EXPORT_PREFIX + export_id}


def object_key(tenant_id: str, export_id: str, fmt: str) -> str:
    return f"{PREFIX_EXPORTS}{tenant_id}/{export_id}.{FORMATS[fmt][0]}"


# --- rows ---------------------------------------------------------------------------------------------------------
def selected(record: dict[str, Any], include_details: bool) -> dict[str, Any]:
    fields = SUMMARY_FIELDS + (DETAIL_FIELDS if include_details else ())
    return {name: record.get(name) for name in fields}


def _cell(value: Any) -> str:
    text = "" if value is None else value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_columns(include_details: bool) -> tuple[str, ...]:
    return SUMMARY_FIELDS + (CSV_DETAIL_COLUMNS if include_details else ())


def _csv_values(record: dict[str, Any], include_details: bool) -> list[Any]:
    values: list[Any] = [record.get(name) for name in SUMMARY_FIELDS]
    if include_details:
        redaction = record.get("pii_redaction") or {}
        values += [record.get(name) for name in CSV_DETAIL_COLUMNS[:5]]
        values += [";".join(redaction.get("detected") or []), redaction.get("redacted_count"),
                   redaction.get("counts") or {}, ";".join(record.get("compliance_flags") or [])]
    return values


def _csv_line(values: list[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([_cell(v) for v in values])
    return out.getvalue().encode()


def header(fmt: str, include_details: bool) -> bytes:
    return _csv_line(list(csv_columns(include_details))) if fmt == "csv" else b""


def row(fmt: str, record: dict[str, Any], include_details: bool) -> bytes:
    if fmt == "csv":
        return _csv_line(_csv_values(record, include_details))
    return json.dumps(selected(record, include_details), sort_keys=True, separators=(",", ":")).encode() + b"\n"


# --- the status record ----------------------------------------------------------------------------------------------
def create(table: Any, *, tenant_id: str, export_id: str, fmt: str, include_details: bool, start: datetime,
           end: datetime, retention_days: int) -> dict[str, Any]:
    """The export's status record, ``pending`` until a worker claims it."""
    item = {
        **_item_key(tenant_id, export_id), "export_id": export_id, "status": PENDING, "format": fmt,
        "include_details": include_details, "start": start.isoformat(timespec="seconds"),
        "end": end.isoformat(timespec="seconds"), "key": object_key(tenant_id, export_id, fmt),
        "created_at": _now_iso(), "updated_at": _now_iso(), "record_count": 0, "byte_size": 0, "next_part": 1,
        "expires_at": int(time.time()) + retention_days * 86400,
    }
    table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    return item


def find(table: Any, tenant_id: str, export_id: str) -> dict[str, Any] | None:
    """The caller's export, or None (also for ids of another tenant's exports and ids this API never issues)."""
    if not _EXPORT_ID.fullmatch(export_id):
        return None
    return table.get_item(Key=_item_key(tenant_id, export_id), ConsistentRead=True).get("Item")


def object_exists(s3: Any, bucket: str, key: str) -> bool:
    """Whether the download copy is still there (the lifecycle expires it); other S3 errors propagate."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in MISSING_OBJECT_CODES:
            return False
        raise
    return True


def view(item: dict[str, Any], s3: Any, bucket: str) -> dict[str, Any]:
    """What the API answers: the status, and a five-minute download link once complete (``expired``, without a
    link, once the bucket's lifecycle removed the copy)."""
    body = {"export_id": item["export_id"], "status": item["status"], "format": item["format"],
            "include_details": bool(item["include_details"]), "start": item["start"], "end": item["end"],
            "record_count": int(item["record_count"]), "byte_size": int(item["byte_size"]),
            "created_at": item["created_at"], "updated_at": item["updated_at"]}
    if item.get("message"):
        body["message"] = item["message"]
    if item["status"] == COMPLETE and not object_exists(s3, bucket, item["key"]):
        return {**body, "status": EXPIRED, "message": EXPIRED_MESSAGE}
    if item["status"] == COMPLETE:
        body["download_url"] = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": item["key"]},
                                                         ExpiresIn=PRESIGNED_SECONDS)
        body["expires_in"] = PRESIGNED_SECONDS
        body["expires_at"] = datetime.fromtimestamp(time.time() + PRESIGNED_SECONDS, tz=UTC).isoformat(timespec="seconds")
    return body


def _conditional(call: Callable[[], Any]) -> bool:
    """Run a conditional write; False when its condition did not hold."""
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- the work -------------------------------------------------------------------------------------------------------
@dataclass
class ExportWriter:
    """One slice of work on one export, holding its lease; ``run`` returns the export's latest status record."""

    table: Any
    s3: Any
    bucket: str
    data_key_id: str | None
    tenant_id: str
    clock: Callable[[], float] = time.monotonic

    def run(self, item: dict[str, Any]) -> dict[str, Any]:
        """Continue the export if it is unfinished and no other request is working on it."""
        if item["status"] not in (PENDING, RUNNING):
            return item
        owner = uuid.uuid4().hex
        if not self._claim(item, owner):
            return item  # another request holds the lease; its progress shows on the next poll
        item = {**item, "status": RUNNING, "lease_owner": owner}
        try:
            self._write(item)
        except _LeaseLost:
            pass  # another request took over after this one outlived its lease
        except (ClientError, BotoCoreError):
            self._fail(item)
            raise ExportFailed(FAILED_MESSAGE) from None
        return item

    def _claim(self, item: dict[str, Any], owner: str) -> bool:
        now = time.time()
        return _conditional(lambda: self.table.update_item(
            Key=_item_key(self.tenant_id, item["export_id"]),
            UpdateExpression="SET #s = :running, lease_owner = :owner, lease_until = :until",
            ConditionExpression=Attr("status").is_in([PENDING, RUNNING])
            & (Attr("lease_until").not_exists() | Attr("lease_until").lt(int(now))),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":running": RUNNING, ":owner": owner, ":until": int(now) + LEASE_SECONDS}))

    def _save(self, item: dict[str, Any], **changes: Any) -> None:
        """Record progress, only while this worker still holds the lease (otherwise stop: another one took over)."""
        changes["updated_at"] = _now_iso()
        names = {f"#{i}": name for i, name in enumerate(changes)}
        values = {f":{i}": value for i, value in enumerate(changes.values())}
        held = _conditional(lambda: self.table.update_item(
            Key=_item_key(self.tenant_id, item["export_id"]),
            UpdateExpression="SET " + ", ".join(f"#{i} = :{i}" for i in range(len(changes))),
            ConditionExpression=Attr("lease_owner").eq(item["lease_owner"]),
            ExpressionAttributeNames=names, ExpressionAttributeValues=values))
        if not held:
            raise _LeaseLost
        item.update(changes)

    def _encryption(self) -> dict[str, str]:
        return {"ServerSideEncryption": "aws:kms", **({"SSEKMSKeyId": self.data_key_id} if self.data_key_id else {})}

    def _write(self, item: dict[str, Any]) -> None:
        deadline = self.clock() + TIME_BUDGET_SECONDS
        fmt, details = item["format"], bool(item["include_details"])
        cursor = item.get("cursor")
        buffer = bytearray(b"" if cursor else header(fmt, details))
        rows, last_sk = 0, cursor
        time_range = TimeRange.of(datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"]))
        start_key = {"pk": partition(self.tenant_id), "sk": cursor} if cursor else None
        for key, record in records(self.table, self.tenant_id, time_range, start_key=start_key):
            buffer += row(fmt, record, details)
            rows, last_sk = rows + 1, key["sk"]
            if len(buffer) >= PART_SIZE:
                self._upload_part(item, bytes(buffer), rows, last_sk)
                buffer.clear()
                rows = 0
                if self.clock() >= deadline:
                    self._save(item, lease_until=0)  # let the next request continue at once
                    return
        self._finish(item, bytes(buffer), rows)

    def _upload_part(self, item: dict[str, Any], data: bytes, rows: int, last_sk: str) -> None:
        if not item.get("upload_id"):
            upload = self.s3.create_multipart_upload(Bucket=self.bucket, Key=item["key"],
                                                     ContentType=FORMATS[item["format"]][1], **self._encryption())
            item["upload_id"] = upload["UploadId"]  # known to _fail (and aborted) even if saving it fails
            self._save(item, upload_id=upload["UploadId"])
        part = int(item["next_part"])
        self.s3.upload_part(Bucket=self.bucket, Key=item["key"], UploadId=item["upload_id"], PartNumber=part, Body=data)
        self._save(item, next_part=part + 1, cursor=last_sk, record_count=int(item["record_count"]) + rows,
                   byte_size=int(item["byte_size"]) + len(data))

    def _finish(self, item: dict[str, Any], data: bytes, rows: int) -> None:
        if item.get("upload_id"):
            last = int(item["next_part"]) if data else int(item["next_part"]) - 1
            if data:
                self.s3.upload_part(Bucket=self.bucket, Key=item["key"], UploadId=item["upload_id"], PartNumber=last,
                                    Body=data)
            self.s3.complete_multipart_upload(Bucket=self.bucket, Key=item["key"], UploadId=item["upload_id"],
                                              MultipartUpload={"Parts": self._parts(item, last)})
        else:
            self.s3.put_object(Bucket=self.bucket, Key=item["key"], Body=data, ContentType=FORMATS[item["format"]][1],
                               **self._encryption())
        self._save(item, status=COMPLETE, record_count=int(item["record_count"]) + rows,
                   byte_size=int(item["byte_size"]) + len(data), lease_until=0)

    def _parts(self, item: dict[str, Any], last: int) -> list[dict[str, Any]]:
        """Parts 1..``last`` as S3 lists them (ETags are not kept in the status record, so it stays small). A part
        beyond ``last`` can only come from a worker that lost its lease, and is left out."""
        parts: list[dict[str, Any]] = []
        for page in self.s3.get_paginator("list_parts").paginate(Bucket=self.bucket, Key=item["key"], UploadId=item["upload_id"]):
            parts += [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in page.get("Parts", [])
                      if p["PartNumber"] <= last]
        return sorted(parts, key=lambda p: p["PartNumber"])

    def _fail(self, item: dict[str, Any]) -> None:
        """Best effort: abort the upload (no partial object) and mark the export failed with a message to act on."""
        if item.get("upload_id"):
            try:
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=item["key"], UploadId=item["upload_id"])
            except (ClientError, BotoCoreError):
                pass  # an unfinished upload is never readable; the bucket's lifecycle rule removes its parts
        try:
            self._save(item, status=FAILED, message=FAILED_MESSAGE, lease_until=0)
        except (ClientError, BotoCoreError, _LeaseLost):
            item.update(status=FAILED, message=FAILED_MESSAGE)  # the answer still says failed; the record stays unfinished


class _LeaseLost(Exception):
    """Another request took the export over; this one stops without touching it further."""

"""Walk a tenant's digest chain and report every way the trail differs from what was signed.

Checks, per digest: the KMS signature over the digest body (made by the trusted key), that the digest sits under its
own tenant and period, the link to the previous digest (key and signature), and the table's records for the period,
each re-hashed from its stored fields, against the signed ids, hashes and order.

Like CloudTrail's log-file validation, a digest is written for every period, empty ones included, so *absence* is
evidence too: every period of the range that should have been digested by now must be covered, or it is reported
as ``missing_digest`` and the records in it as ``unsigned_record``. Only periods before the chain's first digest
(the one naming no previous digest) are not expected, nor empty periods of a tenant that has no digest at all
yet (its records still must be signed once due), and the newest periods the job may not have reached yet are
reported as ``pending`` without failing the check.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from cloakr.audit.digest import canonical_json, digest_key, merkle_root, period_audit_records
from cloakr.audit.trail import canonical
from cloakr.constants import DIGEST_SIGNING_ALGORITHM, PREFIX_DIGESTS

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
# How long after a period is due (its end plus one schedule interval) the job may still be writing its digest.
GRACE = timedelta(minutes=15)


@dataclass
class VerifyResult:
    digests_checked: int = 0
    records_checked: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)
    # Periods the digest job has not reached yet, and their records: reported, not a failure.
    pending: list[dict[str, str]] = field(default_factory=list)
    pending_records: int = 0
    # Set when the whole range lies before the tenant's first digest: nothing there was expected to be digested.
    trail_start: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, where: str) -> None:
        self.problems.append({"kind": kind, "where": where})


@dataclass
class _Digest:
    key: str
    start: datetime
    body: dict[str, Any] | None = None


def to_utc(value: str | datetime) -> datetime:
    """An ISO date-time (or ``datetime``) as aware UTC; a naive one is UTC, as digest keys and periods are."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _signature_valid(kms: Any, body: dict[str, Any]) -> bool:
    unsigned = {k: v for k, v in body.items() if k not in ("signature", "signing_key_id")}
    try:
        return kms.verify(KeyId=body["signing_key_id"], Message=hashlib.sha256(canonical_json(unsigned)).digest(),
                          MessageType="DIGEST", Signature=bytes.fromhex(body["signature"]),
                          SigningAlgorithm=DIGEST_SIGNING_ALGORITHM)["SignatureValid"]
    except (ClientError, KeyError, ValueError, TypeError):
        return False


def _trusted(signed_by: Any, trusted_key_id: str) -> bool:
    """Exact key: the ARN KMS returned at signing equals the trusted ARN, or ends in ``/<trusted key id>``."""
    return isinstance(signed_by, str) and (signed_by == trusted_key_id or signed_by.endswith("/" + trusted_key_id))


def _list_digests(s3: Any, bucket: str, tenant_id: str) -> list[_Digest]:
    """Every digest key of the tenant, ordered by period start as a time (not as text); unparsable names are skipped
    (they cannot stand in for a period's digest)."""
    prefix = f"{PREFIX_DIGESTS}{tenant_id}/"
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            name = obj["Key"][len(prefix):]
            if "/" in name or not name.endswith(".json"):
                continue
            try:
                found.append(_Digest(obj["Key"], to_utc(name[:-5])))
            except ValueError:
                continue
    return sorted(found, key=lambda d: d.start)


def _load(s3: Any, bucket: str, digest: _Digest) -> dict[str, Any]:
    if digest.body is None:
        try:
            digest.body = json.loads(s3.get_object(Bucket=bucket, Key=digest.key)["Body"].read())
        except (ValueError, UnicodeDecodeError):
            digest.body = {}
    return digest.body


def _period(body: dict[str, Any]) -> tuple[datetime, datetime] | None:
    try:
        start, end = to_utc(body["period_start"]), to_utc(body["period_end"])
    except (KeyError, TypeError, ValueError):
        return None
    return (start, end) if start < end else None


def _floor(moment: datetime, step: timedelta) -> datetime:
    floored = moment.replace(minute=0, second=0, microsecond=0)
    return floored.replace(hour=0) if step >= STEPS["day"] else floored


class _Walk:
    """One verification: the state shared by the per-digest and per-gap checks."""

    def __init__(self, *, audit_table: Any, kms: Any, tenant_id: str, trusted_key_id: str | None) -> None:
        self.audit_table, self.kms, self.tenant_id, self.trusted_key_id = audit_table, kms, tenant_id, trusted_key_id
        self.result = VerifyResult()

    def records(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        actual = period_audit_records(self.audit_table, self.tenant_id, _iso(start), _iso(end))
        self.result.records_checked += len(actual)
        return actual

    def gap(self, start: datetime, end: datetime, *, expected: bool) -> None:
        """A stretch no digest covers: a missing digest where one was expected; its records are unsigned either way."""
        if start >= end:
            return
        if expected:
            self.result.add("missing_digest", f"{_iso(start)}/{_iso(end)}")
        for record in self.records(start, end):
            self.result.add("unsigned_record", record["audit_id"])

    def genesis(self, digest: _Digest, body: dict[str, Any]) -> bool:
        """Whether ``digest`` proves the chain began with it (names no previous digest, validly signed by the trusted
        key), so periods before it were never expected; noted in the result, as an OK with no digest needs a reason."""
        trusted = bool(self.trusted_key_id) and _trusted(body.get("signing_key_id"), self.trusted_key_id)
        if body.get("previous_digest_key") is not None or not trusted or not _signature_valid(self.kms, body):
            return False
        self.result.trail_start = _iso(digest.start)
        return True

    def pending(self, start: datetime, end: datetime) -> None:
        if start >= end:
            return
        actual = period_audit_records(self.audit_table, self.tenant_id, _iso(start), _iso(end))
        self.result.pending.append({"kind": "pending", "where": f"{_iso(start)}/{_iso(end)}"})
        self.result.pending_records += len(actual)

    def digest(self, digest: _Digest, body: dict[str, Any], period: tuple[datetime, datetime] | None,
               previous: tuple[str, str] | None) -> None:
        key, result = digest.key, self.result
        result.digests_checked += 1
        if not self.trusted_key_id or not _trusted(body.get("signing_key_id"), self.trusted_key_id):
            result.add("untrusted_key", key)
        if not _signature_valid(self.kms, body):
            result.add("bad_signature", key)
        if period is None or body.get("tenant_id") != self.tenant_id \
                or to_utc(digest.start) != period[0] or key != digest_key(self.tenant_id, body["period_start"]):
            result.add("misplaced_digest", key)
        link = (body.get("previous_digest_key"), body.get("previous_signature"))
        if previous is not None and link != previous:
            result.add("broken_chain", key)
        signed = body.get("records") if isinstance(body.get("records"), list) else []
        if merkle_root([str(r.get("hash")) for r in signed]) != body.get("merkle_root"):
            result.add("altered_digest", key)
        if period is not None:
            self._records(key, signed, self.records(*period))

    def _records(self, key: str, signed: list[dict[str, Any]], actual: list[dict[str, Any]]) -> None:
        result = self.result
        by_id = {r["audit_id"]: r for r in actual}
        signed_ids = [r.get("audit_id") for r in signed]
        for entry in signed:
            record = by_id.get(entry.get("audit_id"))
            if record is None:
                result.add("missing_record", str(entry.get("audit_id")))
            elif "sha256:" + hashlib.sha256(canonical(record)).hexdigest() != entry.get("hash") \
                    or record.get("hash") != entry.get("hash"):
                result.add("altered_record", entry["audit_id"])
        for audit_id in by_id.keys() - set(signed_ids):
            result.add("extra_record", audit_id)
        present = [i for i in (r["audit_id"] for r in actual) if i in set(signed_ids)]
        if present != [i for i in signed_ids if i in by_id]:
            result.add("reordered_records", key)


def verify_chain(*, audit_table: Any, kms: Any, s3: Any, bucket: str, tenant_id: str, start: str | datetime,
                 end: str | datetime, trusted_key_id: str | None = None, now: datetime | None = None,
                 period: str | None = None) -> VerifyResult:
    """Verify ``[start, end)``. Without ``trusted_key_id`` every digest is ``untrusted_key`` (fail closed: a digest
    signed by any key proves nothing). ``period`` ("hour"/"day") is only needed when no digest shows it; the
    default, an hour, expects the most. ``now`` (default: the clock) decides which periods are due."""
    walk = _Walk(audit_table=audit_table, kms=kms, tenant_id=tenant_id, trusted_key_id=trusted_key_id)
    low, high, now = to_utc(start), to_utc(end), to_utc(now or datetime.now(UTC))
    digests = _list_digests(s3, bucket, tenant_id)
    before = [d for d in digests if d.start < low]
    inside = [d for d in digests if low <= d.start < high]
    after = [d for d in digests if d.start >= high]
    anchor = before[-1] if before else None
    if anchor is not None and (p := _period(_load(s3, bucket, anchor))) is not None and p[1] > low:
        inside.insert(0, anchor)  # the digest covering the range's start
        anchor = before[-2] if len(before) > 1 else None
    # Periods are expected once the chain has begun: before the range (an anchor), or with a first digest that
    # names a previous one. With no digest in or before the range, a later genesis digest means the trail began
    # after the range; anything else (a later digest naming a previous one, or none at all) means it had begun.
    started = anchor is not None
    if not started and not inside:
        # A tenant with no digest at all has no chain yet (a new tenant before the job's first run, or the local
        # gateway): empty periods are not expected then, but any record in a due period is still unsigned and fails.
        started = bool(after) and not walk.genesis(after[0], _load(s3, bucket, after[0]))
    step = STEPS.get(period or "", STEPS["hour"])
    previous = (anchor.key, _load(s3, bucket, anchor).get("signature")) if anchor else None
    cursor = low
    for digest in inside:
        body = _load(s3, bucket, digest)
        span = _period(body)
        if previous is None and body.get("previous_digest_key") is not None:
            walk.result.add("missing_digest", str(body.get("previous_digest_key")))  # named, but not there
        if span is not None:
            walk.gap(cursor, min(span[0], high), expected=started or body.get("previous_digest_key") is not None)
            cursor, step = max(cursor, span[1]), (step if period else span[1] - span[0])
        walk.digest(digest, body, span, previous)
        started, previous = True, (digest.key, body.get("signature", ""))
    due = _floor(now - step - GRACE, step)
    walk.gap(cursor, min(high, max(due, cursor)), expected=started)
    walk.pending(max(cursor, due), min(high, now))
    return walk.result

"""Signed, chained digests of one tenant's audit records for one closed period.

Each digest lists the period's record ids and hashes in order, their Merkle root, and the previous digest's key and
signature, so deleting, altering or reordering a record, or dropping a digest, breaks either a hash, the root, or the
chain. Empty periods still get a digest, as CloudTrail does, so the chain has no gaps to hide a deletion in.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from cloakr.constants import DIGEST_SIGNING_ALGORITHM, PREFIX_DIGESTS
from cloakr.tables import all_items


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def merkle_root(hashes: list[str]) -> str:
    level = [hashlib.sha256(h.encode()).digest() for h in hashes] or [hashlib.sha256(b"").digest()]
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return "sha256:" + level[0].hex()


def digest_key(tenant_id: str, period_start: str) -> str:
    return f"{PREFIX_DIGESTS}{tenant_id}/{period_start}.json"


def period_audit_records(audit_table: Any, tenant_id: str, start: str, end: str) -> list[dict[str, Any]]:
    """The period's full records in key order; paged so a busy period is never one oversized response."""
    condition = Key("pk").eq(f"TENANT#{tenant_id}") & Key("sk").between(f"EVENT#{start}", f"EVENT#{end}")
    records = (json.loads(item["record"]) for item in all_items(audit_table.query, KeyConditionExpression=condition))
    return [record for record in records if record["timestamp"] < end]


def period_records(audit_table: Any, tenant_id: str, start: str, end: str) -> list[dict[str, str]]:
    return [{"audit_id": r["audit_id"], "hash": r["hash"]} for r in period_audit_records(audit_table, tenant_id, start, end)]


def write_digest(*, audit_table: Any, kms: Any, s3: Any, bucket: str, signing_key_id: str, tenant_id: str,
                 start: str, end: str, previous: dict[str, Any] | None, retain_days: int | None = None) -> dict[str, Any]:
    """Sign and store one period's digest. With ``retain_days`` (the region's audit retention) the object is locked
    in COMPLIANCE mode until that long after the period's end: nobody, the account root included, can delete or
    overwrite that version before then (the bucket's default lock is a short GOVERNANCE safety net only)."""
    records = period_records(audit_table, tenant_id, start, end)
    body: dict[str, Any] = {
        "tenant_id": tenant_id, "period_start": start, "period_end": end, "records": records,
        "merkle_root": merkle_root([r["hash"] for r in records]),
        "previous_digest_key": previous["key"] if previous else None,
        "previous_signature": previous["signature"] if previous else None,
    }
    signed = kms.sign(KeyId=signing_key_id, Message=hashlib.sha256(canonical_json(body)).digest(),
                      MessageType="DIGEST", SigningAlgorithm=DIGEST_SIGNING_ALGORITHM)
    body["signature"] = signed["Signature"].hex()
    body["signing_key_id"] = signed["KeyId"]
    key = digest_key(tenant_id, start)
    lock: dict[str, Any] = {}
    if retain_days:
        until = datetime.fromisoformat(end.replace("Z", "+00:00")) + timedelta(days=retain_days)
        lock = {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until}
    s3.put_object(Bucket=bucket, Key=key, Body=canonical_json(body), ContentType="application/json", **lock)
    return {"key": key, "signature": body["signature"], "digest": body}

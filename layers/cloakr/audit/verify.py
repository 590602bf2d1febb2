"""Walk a tenant's digest chain and report every way the trail differs from what was signed.

Checks, per digest: the KMS signature over the digest body, the link to the previous digest (key and signature), and
the table's records for the period, each re-hashed from its stored fields, against the signed ids, hashes and order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from cloakr.audit.digest import canonical_json, merkle_root, period_audit_records
from cloakr.audit.trail import canonical
from cloakr.constants import DIGEST_SIGNING_ALGORITHM, PREFIX_DIGESTS


@dataclass
class VerifyResult:
    digests_checked: int = 0
    records_checked: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, where: str) -> None:
        self.problems.append({"kind": kind, "where": where})


def _signature_valid(kms: Any, body: dict[str, Any]) -> bool:
    unsigned = {k: v for k, v in body.items() if k not in ("signature", "signing_key_id")}
    try:
        return kms.verify(KeyId=body["signing_key_id"], Message=hashlib.sha256(canonical_json(unsigned)).digest(),
                          MessageType="DIGEST", Signature=bytes.fromhex(body["signature"]),
                          SigningAlgorithm=DIGEST_SIGNING_ALGORITHM)["SignatureValid"]
    except (ClientError, KeyError, ValueError):
        return False


def verify_chain(*, audit_table: Any, kms: Any, s3: Any, bucket: str, tenant_id: str,
                 start: str, end: str, trusted_key_id: str | None = None) -> VerifyResult:
    result = VerifyResult()
    prefix = f"{PREFIX_DIGESTS}{tenant_id}/"
    keys = sorted(obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                  for obj in page.get("Contents", []) if start <= obj["Key"][len(prefix):-5] < end)
    previous: tuple[str, str] | None = None
    for key in keys:
        body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        result.digests_checked += 1
        if trusted_key_id and not body.get("signing_key_id", "").endswith(trusted_key_id):
            result.add("untrusted_key", key)
        if not _signature_valid(kms, body):
            result.add("bad_signature", key)
        if previous and (body.get("previous_digest_key"), body.get("previous_signature")) != previous:
            result.add("broken_chain", key)
        previous = (key, body.get("signature", ""))
        signed = body.get("records", [])
        if merkle_root([r["hash"] for r in signed]) != body.get("merkle_root"):
            result.add("altered_digest", key)
        actual = period_audit_records(audit_table, tenant_id, body["period_start"], body["period_end"])
        result.records_checked += len(actual)
        by_id = {r["audit_id"]: r for r in actual}
        signed_ids = [r["audit_id"] for r in signed]
        for entry in signed:
            record = by_id.get(entry["audit_id"])
            if record is None:
                result.add("missing_record", entry["audit_id"])
            elif "sha256:" + hashlib.sha256(canonical(record)).hexdigest() != entry["hash"] or record["hash"] != entry["hash"]:
                result.add("altered_record", entry["audit_id"])
        for audit_id in by_id.keys() - set(signed_ids):
            result.add("extra_record", audit_id)
        present = [i for i in (r["audit_id"] for r in actual) if i in set(signed_ids)]
        if present != [i for i in signed_ids if i in by_id]:
            result.add("reordered_records", key)
    return result

"""Digests: records in order with a Merkle root, KMS signature that verifies, chained to the previous digest."""

import hashlib
import json

import boto3
import pytest

from cloakr.audit.digest import canonical_json, merkle_root, write_digest
from cloakr.audit.trail import AuditEvent, AuditTrail


def test_merkle_root_changes_with_order_and_content():
    assert merkle_root(["a", "b"]) != merkle_root(["b", "a"])
    assert merkle_root(["a", "b", "c"]) != merkle_root(["a", "b"])
    assert merkle_root([]) == merkle_root([])


def test_digest_lists_period_records_is_signed_and_chained(env):
    trail = AuditTrail(env["audit_table"])
    inside = [AuditEvent(tenant_id="acme", action="redact", category="data_access", created_at=1_700_000_000 + i)
              for i in range(3)]
    for event in inside + [AuditEvent(tenant_id="acme", action="redact", category="data_access", created_at=1_800_000_000)]:
        trail.record(event)
    period = dict(tenant_id="acme", start="2023-11-14T00:00:00", end="2023-11-15T00:00:00")
    first = write_digest(**env, **period, previous=None)
    body = first["digest"]
    assert [r["audit_id"] for r in body["records"]] == [e.audit_id for e in inside]
    unsigned = {k: v for k, v in body.items() if k not in ("signature", "signing_key_id")}
    verified = env["kms"].verify(KeyId=env["signing_key_id"], Message=hashlib.sha256(canonical_json(unsigned)).digest(),
                                 MessageType="DIGEST", Signature=bytes.fromhex(body["signature"]),
                                 SigningAlgorithm="ECDSA_SHA_256")
    assert verified["SignatureValid"]
    second = write_digest(**env, tenant_id="acme", start="2023-11-15T00:00:00", end="2023-11-16T00:00:00", previous=first)
    assert second["digest"]["records"] == [] and second["digest"]["previous_signature"] == first["signature"]
    stored = json.loads(env["s3"].get_object(Bucket="cloakr-digests", Key="digests/acme/2023-11-15T00:00:00.json")["Body"].read())
    assert stored["previous_digest_key"] == "digests/acme/2023-11-14T00:00:00.json"


def test_job_writes_a_chained_digest_per_tenant_for_each_closed_period(env):
    from datetime import datetime, timezone

    from cloakr.audit.digest_job import closed_period, run_period

    tenants = boto3.resource("dynamodb", region_name="us-east-1").Table("t-tenants")
    for tenant in ("acme", "beta"):
        tenants.put_item(Item={"pk": f"TENANT#{tenant}", "sk": "PROFILE"})
    tenants.put_item(Item={"pk": "TENANT#acme", "sk": "KEY#k1"})
    now = datetime(2026, 1, 2, 10, 30, tzinfo=timezone.utc)
    assert closed_period(now, "day") == (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 1, 2, tzinfo=timezone.utc))
    first = run_period(**env, tenants_table=tenants, now=now, period="hour")
    assert first["digests"] == ["digests/acme/2026-01-02T09:00:00+00:00.json", "digests/beta/2026-01-02T09:00:00+00:00.json"]
    run_period(**env, tenants_table=tenants, now=datetime(2026, 1, 2, 11, 5, tzinfo=timezone.utc), period="hour")
    stored = json.loads(env["s3"].get_object(Bucket="cloakr-digests",
                                             Key="digests/acme/2026-01-02T10:00:00+00:00.json")["Body"].read())
    assert stored["previous_digest_key"] == first["digests"][0]


def test_job_digests_empty_periods_and_replays_the_scheduled_period():
    from datetime import datetime, timezone

    from cloakr.audit.digest_job import scheduled_time

    replayed = scheduled_time({"time": "2026-01-02T10:00:12Z", "detail-type": "Scheduled Event"})
    assert replayed == datetime(2026, 1, 2, 10, 0, 12, tzinfo=timezone.utc)
    assert scheduled_time({}).tzinfo is not None and scheduled_time({"time": "garbage"}).tzinfo is not None


def test_job_writes_a_digest_for_an_empty_period(env):
    from datetime import datetime, timezone

    from cloakr.audit.digest_job import run_period

    tenants = boto3.resource("dynamodb", region_name="us-east-1").Table("t-tenants")
    tenants.put_item(Item={"pk": "TENANT#quiet", "sk": "PROFILE"})
    written = run_period(**env, tenants_table=tenants, now=datetime(2026, 1, 2, 10, 5, tzinfo=timezone.utc), period="hour")
    body = json.loads(env["s3"].get_object(Bucket="cloakr-digests", Key=written["digests"][0])["Body"].read())
    assert body["records"] == [] and body["period_start"] == "2026-01-02T09:00:00+00:00"


def test_digests_are_locked_in_compliance_mode_for_the_retention_period(env):
    from datetime import datetime, timedelta, timezone

    from botocore.exceptions import ClientError

    from cloakr.audit.digest_job import run_period

    env["s3"].create_bucket(Bucket="cloakr-locked", ObjectLockEnabledForBucket=True)
    tenants = boto3.resource("dynamodb", region_name="us-east-1").Table("t-tenants")
    tenants.put_item(Item={"pk": "TENANT#acme", "sk": "PROFILE"})
    written = run_period(**{**env, "bucket": "cloakr-locked"}, tenants_table=tenants, period="hour", retain_days=365,
                         now=datetime(2026, 1, 2, 10, 5, tzinfo=timezone.utc))
    head = env["s3"].head_object(Bucket="cloakr-locked", Key=written["digests"][0])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == datetime(2026, 1, 2, 10, tzinfo=timezone.utc) + timedelta(days=365)
    with pytest.raises(ClientError):
        env["s3"].delete_object(Bucket="cloakr-locked", Key=written["digests"][0], VersionId=head["VersionId"],
                                BypassGovernanceRetention=True)

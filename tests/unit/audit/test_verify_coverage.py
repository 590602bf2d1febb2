"""Absence is evidence: every due period needs a digest, records no digest covers are reported, the newest periods
are pending; and ``cloakr audit verify`` refuses to run without a trusted key or with a bad range."""

from datetime import UTC, datetime

import boto3
import pytest

from cloakr.audit.digest_job import run_period
from cloakr.audit.trail import AuditEvent, AuditTrail
from cloakr.audit.verify import verify_chain
from cloakr.cli.main import main

NOW = datetime(2026, 12, 7, 0, 20, tzinfo=UTC)  # the 22:00 hour is due (an hour and a grace later); 23:00 is not
FIRST = datetime(2026, 12, 6, 18, tzinfo=UTC)
DIGEST_23 = "digests/acme/2026-12-06T22:00:00+00:00.json"


def _at(moment: datetime) -> AuditEvent:
    return AuditEvent(tenant_id="acme", action="redact", category="data_access", created_at=moment.timestamp())


@pytest.fixture
def hourly(env):
    """Hourly digests 18:00–22:00 written by the job (the 19:00 hour empty), records in most hours."""
    tenants = boto3.resource("dynamodb", region_name="us-east-1").Table("t-tenants")
    tenants.put_item(Item={"pk": "TENANT#acme", "sk": "PROFILE"})
    trail = AuditTrail(env["audit_table"])
    for hour in (18, 20, 21, 22, 23):
        trail.record(_at(FIRST.replace(hour=hour, minute=30)))
    for hour in range(19, 24):
        run_period(**env, tenants_table=tenants, now=FIRST.replace(hour=hour, minute=5), period="hour")
    return env


def _verify(env, start=FIRST, end=datetime(2026, 12, 7, tzinfo=UTC), **kwargs):
    kwargs.setdefault("trusted_key_id", env["signing_key_id"])
    return verify_chain(audit_table=env["audit_table"], kms=env["kms"], s3=env["s3"], bucket=env["bucket"],
                        tenant_id="acme", start=start, end=end, now=NOW, **kwargs)


def _kinds(result):
    return {p["kind"] for p in result.problems}


def _records(env, hour):
    items = env["audit_table"].query(KeyConditionExpression="pk = :p AND begins_with(sk, :e)", ExpressionAttributeValues={
        ":p": "TENANT#acme", ":e": f"EVENT#2026-12-06T{hour:02d}"})["Items"]
    return items


def test_complete_chain_is_ok_and_the_current_hour_is_pending(hourly):
    result = _verify(hourly)
    assert result.ok, result.problems
    assert result.digests_checked == 5 and result.pending_records == 1
    assert result.pending == [{"kind": "pending", "where": "2026-12-06T23:00:00+00:00/2026-12-07T00:00:00+00:00"}]


def test_deleting_the_newest_digest_is_a_missing_digest(hourly):
    hourly["s3"].delete_object(Bucket=hourly["bucket"], Key=DIGEST_23)
    result = _verify(hourly)
    assert {"kind": "missing_digest", "where": "2026-12-06T22:00:00+00:00/2026-12-06T23:00:00+00:00"} in result.problems
    assert "unsigned_record" in _kinds(result)


def test_records_deleted_after_the_last_digest_with_it(hourly):
    hourly["s3"].delete_object(Bucket=hourly["bucket"], Key=DIGEST_23)
    for item in _records(hourly, 22):
        hourly["audit_table"].delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    assert _kinds(_verify(hourly)) == {"missing_digest"}


def test_a_record_in_a_period_with_no_digest_is_unsigned(hourly):
    AuditTrail(hourly["audit_table"]).record(_at(datetime(2026, 12, 6, 5, 30, tzinfo=UTC)))
    hourly["s3"].delete_object(Bucket=hourly["bucket"], Key="digests/acme/2026-12-06T18:00:00+00:00.json")
    result = _verify(hourly, start=datetime(2026, 12, 6, tzinfo=UTC))
    assert _kinds(result) == {"missing_digest", "unsigned_record"}


def test_a_range_with_no_digests_fails(env):
    AuditTrail(env["audit_table"]).record(_at(datetime(2026, 12, 5, 10, tzinfo=UTC)))
    result = _verify(env, start=datetime(2026, 12, 5, tzinfo=UTC), end=datetime(2026, 12, 6, tzinfo=UTC))
    assert not result.ok and {"unsigned_record"} == _kinds(result)


def test_a_tenant_without_digests_or_due_records_has_nothing_to_fail(env):
    """A new tenant before the digest job's first run: nothing is signed yet, and nothing needed to be."""
    result = _verify(env, start=datetime(2026, 12, 5, tzinfo=UTC), end=datetime(2026, 12, 6, tzinfo=UTC))
    assert result.ok and result.digests_checked == 0 and result.records_checked == 0


def test_periods_before_the_first_digest_are_not_expected(hourly):
    result = _verify(hourly, start=datetime(2026, 12, 1, tzinfo=UTC))
    assert result.ok, result.problems
    before = _verify(hourly, start=datetime(2026, 12, 1, tzinfo=UTC), end=datetime(2026, 12, 2, tzinfo=UTC))
    assert before.ok and before.digests_checked == 0


def test_a_range_starting_mid_period_checks_the_digest_covering_it(hourly):
    result = _verify(hourly, start=datetime(2026, 12, 6, 21, 30, tzinfo=UTC), end=datetime(2026, 12, 6, 22, 30, tzinfo=UTC))
    assert result.ok and result.digests_checked == 2


def test_without_a_trusted_key_every_digest_is_untrusted(hourly):
    assert _kinds(_verify(hourly, trusted_key_id=None)) == {"untrusted_key"}


def _cli(env, *extra):
    return ["audit", "verify", "--tenant", "acme", "--region", "us-east-1", "--table", "t-audit",
            "--bucket", env["bucket"], *extra]


def test_cli_refuses_without_a_trusted_key(hourly, monkeypatch, capsys):
    monkeypatch.delenv("CLOAKR_SIGNING_KEY_ID", raising=False)
    assert main(_cli(hourly, "--from", "2026-12-06", "--to", "2026-12-07")) == 2
    assert "--trusted-key-id" in capsys.readouterr().err


def test_cli_uses_the_stack_signing_alias(hourly, monkeypatch):
    monkeypatch.delenv("CLOAKR_SIGNING_KEY_ID", raising=False)
    hourly["kms"].create_alias(AliasName="alias/cloakr/us-east-1/audit-signing", TargetKeyId=hourly["signing_key_id"])
    assert main(_cli(hourly, "--from", "2026-12-06T18:00:00Z", "--to", "2026-12-06T22:00:00Z")) == 0


@pytest.mark.parametrize("start, end", [("garbage", "2026-12-07"), ("2026-12-07", "2026-12-06"),
                                        ("2026-12-06", "2026-12-06")])
def test_cli_rejects_bad_ranges(hourly, capsys, start, end):
    assert main(_cli(hourly, "--from", start, "--to", end, "--trusted-key-id", hourly["signing_key_id"])) == 2
    err = capsys.readouterr().err
    assert "--from" in err and "Traceback" not in err


def test_cli_compares_offsets_as_times(hourly, capsys):
    key = hourly["signing_key_id"]
    # 20:30+02:00 is 18:30 UTC: the 18:00 digest covers it (as text it would sort after every digest of the day).
    assert main(_cli(hourly, "--from", "2026-12-06T20:30:00+02:00", "--to", "2026-12-06T22:00:00Z",
                     "--trusted-key-id", key, "--json")) == 0
    assert '"digests_checked": 4' in capsys.readouterr().out


def test_cli_names_missing_options(monkeypatch, capsys):
    for name in ("CLOAKR_AUDIT_TABLE", "CLOAKR_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["audit", "verify", "--tenant", "acme", "--region", "us-east-1", "--from", "2026-12-06",
                 "--to", "2026-12-07", "--trusted-key-id", "k"]) == 2
    err = capsys.readouterr().err
    assert "--table" in err and "--bucket" in err and "Traceback" not in err


def test_a_forged_genesis_after_the_range_does_not_excuse_it(env):
    """Only a trusted, validly signed first digest shows the trail began later; an unsigned one proves nothing."""
    import json

    body = {"tenant_id": "acme", "period_start": "2026-12-06T10:00:00+00:00", "period_end": "2026-12-06T11:00:00+00:00",
            "records": [], "previous_digest_key": None, "signature": "00", "signing_key_id": env["signing_key_id"]}
    env["s3"].put_object(Bucket=env["bucket"], Key="digests/acme/2026-12-06T10:00:00+00:00.json", Body=json.dumps(body))
    result = _verify(env, start=datetime(2026, 12, 5, tzinfo=UTC), end=datetime(2026, 12, 6, tzinfo=UTC))
    assert _kinds(result) == {"missing_digest"} and result.trail_start is None


def test_a_range_before_the_signed_first_digest_says_why_nothing_was_expected(hourly):
    result = _verify(hourly, start=datetime(2026, 12, 1, tzinfo=UTC), end=datetime(2026, 12, 2, tzinfo=UTC))
    assert result.ok and result.trail_start == "2026-12-06T18:00:00+00:00"


def test_another_tenants_digest_copied_in_is_misplaced(hourly):
    s3, bucket = hourly["s3"], hourly["bucket"]
    source = "digests/acme/2026-12-06T19:00:00+00:00.json"
    s3.copy_object(Bucket=bucket, Key="digests/other/2026-12-06T19:00:00+00:00.json", CopySource={"Bucket": bucket, "Key": source})
    result = verify_chain(audit_table=hourly["audit_table"], kms=hourly["kms"], s3=s3, bucket=bucket, tenant_id="other",
                          start=FIRST, end=datetime(2026, 12, 6, 20, tzinfo=UTC), trusted_key_id=hourly["signing_key_id"], now=NOW)
    assert "misplaced_digest" in _kinds(result)

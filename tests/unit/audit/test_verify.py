"""Tamper evidence: each attack on records or digests is reported; an untouched trail verifies clean."""

import json

import pytest

from cloakr.audit.digest import write_digest
from cloakr.audit.trail import AuditEvent, AuditTrail, record_of
from cloakr.audit.verify import verify_chain

DAYS = ["2023-11-14T00:00:00", "2023-11-15T00:00:00", "2023-11-16T00:00:00", "2023-11-17T00:00:00"]


@pytest.fixture
def trail(env):
    audit = AuditTrail(env["audit_table"])
    events = [AuditEvent(tenant_id="acme", action="redact", category="data_access", created_at=1_699_920_000 + d * 86400 + i)
              for d in range(3) for i in range(2)]
    for event in events:
        audit.record(event)
    previous = None
    for start, end in zip(DAYS, DAYS[1:]):
        previous = write_digest(**env, tenant_id="acme", start=start, end=end, previous=previous)
    return env, events


def _verify(env):
    return verify_chain(audit_table=env["audit_table"], kms=env["kms"], s3=env["s3"], bucket=env["bucket"],
                        tenant_id="acme", start=DAYS[0], end=DAYS[-1], trusted_key_id=env["signing_key_id"])


def _kinds(env):
    return {p["kind"] for p in _verify(env).problems}


def _item(env, event):
    return env["audit_table"].get_item(Key={"pk": "TENANT#acme", "sk": f"EVENT#{record_of(event)['timestamp']}#{event.audit_id}"})["Item"]


def _digest(env, day):
    key = f"digests/acme/{DAYS[day]}.json"
    return key, json.loads(env["s3"].get_object(Bucket=env["bucket"], Key=key)["Body"].read())


def _put_digest(env, key, body):
    env["s3"].put_object(Bucket=env["bucket"], Key=key, Body=json.dumps(body).encode())


def test_untouched_trail_verifies(trail):
    result = _verify(trail[0])
    assert result.ok and result.digests_checked == 3 and result.records_checked == 6


def test_altered_record_field(trail):
    env, events = trail
    item = _item(env, events[1])
    record = json.loads(item["record"])
    record["outcome"] = "failure"
    env["audit_table"].put_item(Item={**item, "record": json.dumps(record)})
    assert _kinds(env) == {"altered_record"}


def test_deleted_record(trail):
    env, events = trail
    env["audit_table"].delete_item(Key={"pk": "TENANT#acme", "sk": _item(env, events[2])["sk"]})
    assert "missing_record" in _kinds(env)


def test_forged_record(trail):
    env, _ = trail
    AuditTrail(env["audit_table"]).record(AuditEvent(tenant_id="acme", action="redact", category="data_access",
                                                     created_at=1_699_920_000 + 100))
    assert _kinds(env) == {"extra_record"}


def test_reordered_by_changing_timestamps(trail):
    env, events = trail
    first, second = _item(env, events[0]), _item(env, events[1])
    env["audit_table"].delete_item(Key={"pk": "TENANT#acme", "sk": first["sk"]})
    env["audit_table"].put_item(Item={**first, "sk": second["sk"] + "z"})
    assert "reordered_records" in _kinds(env)


def test_altered_digest(trail):
    env, _ = trail
    key, body = _digest(env, 1)
    body["records"] = body["records"][:1]
    _put_digest(env, key, body)
    assert {"bad_signature", "altered_digest"} <= _kinds(env)


def test_digest_deleted_from_the_middle(trail):
    env, _ = trail
    env["s3"].delete_object(Bucket=env["bucket"], Key=f"digests/acme/{DAYS[1]}.json")
    assert "broken_chain" in _kinds(env)


def test_swapped_signatures(trail):
    env, _ = trail
    (k0, b0), (k1, b1) = _digest(env, 0), _digest(env, 1)
    b0["signature"], b1["signature"] = b1["signature"], b0["signature"]
    _put_digest(env, k0, b0)
    _put_digest(env, k1, b1)
    assert "bad_signature" in _kinds(env)


def test_signed_with_another_key(trail):
    env, _ = trail
    other = env["kms"].create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    key, body = _digest(env, 2)
    env["s3"].delete_object(Bucket=env["bucket"], Key=key)
    write_digest(**{**env, "signing_key_id": other}, tenant_id="acme", start=DAYS[2], end=DAYS[3],
                 previous={"key": _digest(env, 1)[0], "signature": _digest(env, 1)[1]["signature"]})
    result = verify_chain(audit_table=env["audit_table"], kms=env["kms"], s3=env["s3"], bucket=env["bucket"],
                          tenant_id="acme", start=DAYS[0], end=DAYS[-1], trusted_key_id=env["signing_key_id"])
    assert {p["kind"] for p in result.problems} == {"untrusted_key"}


def test_cli_verify_exits_non_zero_on_tamper(trail, capsys, monkeypatch):
    from cloakr.cli.main import main

    env, events = trail
    monkeypatch.setenv("CLOAKR_SIGNING_KEY_ID", env["signing_key_id"])  # the trusted key comes from the deployment
    argv = ["audit", "verify", "--tenant", "acme", "--from", DAYS[0], "--to", DAYS[-1], "--region", "us-east-1",
            "--table", "t-audit", "--bucket", env["bucket"], "--json"]
    assert main(argv) == 0
    env["audit_table"].delete_item(Key={"pk": "TENANT#acme", "sk": _item(env, events[0])["sk"]})
    assert main(argv) == 1
    assert '"missing_record"' in capsys.readouterr().out

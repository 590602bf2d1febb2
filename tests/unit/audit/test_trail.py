"""Audit trail: seed-shaped records, verifiable hash, idempotent retries, fail-closed writes."""

import hashlib
import json

import boto3
import pytest
from moto import mock_aws

from cloakr.audit.trail import AuditEvent, AuditTrail, AuditWriteError, canonical, record_of
from cloakr.tables import create_tables


@pytest.fixture
def audit_table():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        names = create_tables(client, prefix="t")
        yield boto3.resource("dynamodb", region_name="us-east-1").Table(names["audit"])


def _event(**kw):
    return AuditEvent(tenant_id="acme", action="redact", category="data_access", pii_types=["EMAIL", "SSN", "EMAIL"],
                      redacted_count=3, **kw)


def test_record_hash_is_sha256_of_canonical_json_without_hash():
    record = record_of(_event())
    assert record["hash"] == "sha256:" + hashlib.sha256(canonical(record)).hexdigest()
    assert record["pii_redaction"] == {"detected": ["EMAIL", "SSN"], "redacted_count": 3, "counts": {}}
    record["outcome"] = "failure"
    assert record["hash"] != "sha256:" + hashlib.sha256(canonical(record)).hexdigest()


def test_unknown_category_is_refused():
    with pytest.raises(ValueError):
        record_of(AuditEvent(tenant_id="acme", action="x", category="misc"))


def test_write_is_keyed_and_a_retry_is_not_duplicated(audit_table):
    trail = AuditTrail(audit_table)
    event = _event()
    assert trail.record(event) == event.audit_id
    assert trail.record(event) == event.audit_id
    items = audit_table.scan()["Items"]
    assert len(items) == 1
    item = items[0]
    assert item["pk"] == "TENANT#acme" and item["sk"].startswith("EVENT#") and item["sk"].endswith(event.audit_id)
    stored = json.loads(item["record"])
    assert stored["hash"] == record_of(event)["hash"]
    assert int(item["expires_at"]) == int(event.created_at + 365 * 86400)


def test_failed_write_raises_audit_write_error(audit_table):
    trail = AuditTrail(boto3.resource("dynamodb", region_name="us-east-1").Table("missing-table"))
    with pytest.raises(AuditWriteError):
        trail.record(_event())

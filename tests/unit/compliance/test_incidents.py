"""Incidents: thresholds crossed once per window, events that the SDK understands, automatic and lifted blocks."""

from __future__ import annotations

import json

import boto3
import pytest

from cloakr import constants as c
from cloakr.compliance.incidents import SIGNALS, IncidentMonitor, list_incidents
from cloakr.gateway import authorizer
from cloakr.gateway.app import resolve
from cloakr.gateway.services import services as built
from cloakr.sdk.incidents import SecurityIncident
from tests.conftest import make_api_event


@pytest.fixture
def bus(services, monkeypatch):
    """The default bus with a rule copying incidents to a queue, so tests read what EventBridge delivered."""
    monkeypatch.setenv(c.ENV_EVENT_BUS, "default")
    built.cache_clear()
    sqs = boto3.client("sqs", region_name="eu-central-1")
    url = sqs.create_queue(QueueName="incidents")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name="eu-central-1")
    events.put_rule(Name="incidents", EventPattern=json.dumps({"source": ["cloakr"], "detail-type": ["security_incident"]}))
    events.put_targets(Rule="incidents", Targets=[{"Id": "q", "Arn": arn}])

    def delivered() -> list[SecurityIncident]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [SecurityIncident.model_validate(json.loads(m["Body"])["detail"]) for m in messages]

    yield delivered
    built.cache_clear()


def monitor(services, clock) -> IncidentMonitor:
    s = built()
    return IncidentMonitor(s.tables[c.TABLE_SUBJECTS], s.audit, s.events, s.event_bus, s.region, clock=clock)


def audit_actions(services) -> list[str]:
    items = services.table("audit").query(KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": f"TENANT#{services.tenant.tenant_id}"})["Items"]
    return [json.loads(i["record"])["action"] for i in items]


def test_a_burst_raises_one_medium_then_one_high_incident_and_blocks_the_key(services, bus):
    signal = SIGNALS["auth_failures"]
    m = monitor(services, clock=lambda: 1_000_000.0)
    raised = [m.observe("auth_failures", tenant_id=services.tenant.tenant_id, key_id="k1") for _ in range(signal.high + 3)]
    incidents = [i for i in raised if i]
    assert [i.severity for i in incidents] == ["medium", "high"]
    assert raised.index(incidents[0]) == signal.medium - 1 and raised.index(incidents[1]) == signal.high - 1
    assert incidents[1].action_taken == "key_blocked"
    assert built().is_key_blocked(services.tenant.tenant_id, "k1")
    delivered = bus()
    assert {(d.kind, d.severity, d.key_id, d.tenant_id) for d in delivered} == {
        ("auth_failures", "medium", "k1", services.tenant.tenant_id), ("auth_failures", "high", "k1", services.tenant.tenant_id)}
    assert audit_actions(services).count("security_incident.auth_failures") == 2


def test_a_new_window_starts_counting_again(services, bus):
    now = [1_000_000.0]
    m = monitor(services, clock=lambda: now[0])
    assert m.observe("key_wrong_region", tenant_id=None, key_id="kx") is not None  # first sighting is an incident
    assert m.observe("key_wrong_region", tenant_id=None, key_id="kx") is None
    now[0] += SIGNALS["key_wrong_region"].window_seconds
    assert m.observe("key_wrong_region", tenant_id=None, key_id="kx") is not None


def test_pii_spike_is_relative_to_the_previous_window(services, bus):
    signal = SIGNALS["pii_spike"]
    now = [3600.0 * 1000]
    m = monitor(services, clock=lambda: now[0])
    tenant = services.tenant.tenant_id
    assert m.observe("pii_spike", tenant_id=tenant, user_id="u1", count=signal.medium).severity == "medium"
    now[0] += signal.window_seconds
    # The same volume again is the user's normal now: 10x the previous hour is needed.
    assert m.observe("pii_spike", tenant_id=tenant, user_id="u1", count=signal.medium) is None
    spike = m.observe("pii_spike", tenant_id=tenant, user_id="u1", count=signal.medium * 9)
    assert spike is not None and spike.severity == "medium" and spike.user_id == "u1"


def redact_as(services, user):
    return resolve(services.event("POST", "/v1/redact", {"text": "hi"}, headers={"X-Cloakr-User": user}), None)


@pytest.mark.parametrize("lift_by", ["id", "stored key"])
def test_high_pii_volume_blocks_the_user_until_an_admin_lifts_it(services, bus, lift_by):
    tenant = services.tenant.tenant_id
    key = built().user_key(tenant, "u9@example.com")
    incident = monitor(services, clock=lambda: 7200.0).observe("pii_spike", tenant_id=tenant, user_id=key, count=SIGNALS["pii_spike"].high)
    assert incident.severity == "high" and incident.action_taken == "user_blocked"
    refused = redact_as(services, "u9@example.com")
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"]["code"] == "user_blocked"
    # The incident names the user by their key only: an admin may lift the block by it, or by the id they know.
    named = incident.user_id if lift_by == "stored key" else "u9%40example.com"
    lifted = resolve(services.event("DELETE", f"/v1/users/{named}/block"), None)
    assert lifted["statusCode"] == 200 and json.loads(lifted["body"])["blocked"] is False
    assert redact_as(services, "u9@example.com")["statusCode"] == 200
    assert resolve(services.event("DELETE", f"/v1/users/{named}/block"), None)["statusCode"] == 404
    assert {"user.unblock", "security_incident.pii_spike"} <= set(audit_actions(services))


def test_redaction_volume_feeds_the_spike_signal(services, bus, monkeypatch):
    monkeypatch.setitem(SIGNALS, "pii_spike", SIGNALS["pii_spike"].__class__("pii_spike", 3600, 3, 1000, "USER"))
    text = "Mail a@example.com, b@example.com and c@example.com"
    response = resolve(services.event("POST", "/v1/redact", {"text": text}, headers={"X-Cloakr-User": "u2"}), None)
    assert response["statusCode"] == 200
    [incident] = bus()
    assert (incident.kind, incident.user_id, incident.severity) == ("pii_spike", built().user_key(services.tenant.tenant_id, "u2"), "medium")
    listed = json.loads(resolve(services.event("GET", "/v1/incidents"), None)["body"])["incidents"]
    assert [(i["kind"], i["count"]) for i in listed] == [("pii_spike", 3)]
    assert "example.com" not in json.dumps(listed)


def test_refused_keys_raise_an_incident_and_a_blocked_key_is_refused(services, bus):
    store = built().tenants
    record, key = store.create_key(services.tenant.tenant_id, ["redact:write"])
    for _ in range(SIGNALS["auth_failures"].high):
        # The key lacks keys:admin: each call is a refusal of this tenant's key.
        decision = authorizer.authorize(make_api_event("GET", "/v1/keys", headers={"Authorization": f"Bearer {key}"}))
        assert decision["context"]["error_code"] == "forbidden"
    authorizer.clear_cache()
    decision = authorizer.authorize(make_api_event("POST", "/v1/redact", headers={"Authorization": f"Bearer {key}"}))
    assert decision["context"]["error_code"] == "key_blocked"
    assert resolve(services.event("DELETE", f"/v1/keys/{record.key_id}/block"), None)["statusCode"] == 200
    authorizer.clear_cache()
    decision = authorizer.authorize(make_api_event("POST", "/v1/redact", headers={"Authorization": f"Bearer {key}"}))
    assert decision["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert {d.action_taken for d in bus()} == {"alerted", "key_blocked"}


def test_another_tenants_key_cannot_be_unblocked(services, bus):
    other = built().tenants.create_tenant("Other")
    record, _ = built().tenants.create_key(other.tenant_id, ["redact:write"])
    assert resolve(services.event("DELETE", f"/v1/keys/{record.key_id}/block"), None)["statusCode"] == 404


def test_admins_block_users_by_hand(services, bus):
    response = resolve(services.event("PUT", "/v1/users/u5/block", {"reason": "fraud_review"}), None)
    assert response["statusCode"] == 200
    assert resolve(services.event("POST", "/v1/redact", {"text": "x"}, headers={"X-Cloakr-User": "u5"}), None)["statusCode"] == 403
    assert resolve(services.event("PUT", "/v1/users/u6/block", {"reason": "Has Spaces"}), None)["statusCode"] == 400


def test_monitoring_failures_never_fail_the_request(services, bus, monkeypatch):
    s = built()
    broken = IncidentMonitor(None, s.audit, s.events, s.event_bus, s.region)
    assert broken.observe("auth_failures", tenant_id="t", key_id="k") is None


def test_incident_listing_validates_dates(services, bus):
    response = resolve(services.event("GET", "/v1/incidents", query={"start": "yesterday"}), None)
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"]["code"] == "validation_error"
    assert list_incidents(services.table("subjects"), services.tenant.tenant_id, "2020-01-01", "2020-01-02") == []

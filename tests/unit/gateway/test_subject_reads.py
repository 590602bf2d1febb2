"""Reads never create subject items; the audit listing's ``user_id`` filter finds the pseudonymous records;
consent timestamps must be plausible; a caller's conversation id is never stored as given."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cloakr.compliance import subjects
from cloakr.gateway.services import services as built

from tests.unit.audit.audit_api_helpers import call


def subject_items(services) -> list[dict]:
    return [i for i in services.table("subjects").scan()["Items"] if "#USER#" in i["pk"] and "#SIGNAL#" not in i["pk"]]


def test_export_and_erasure_of_an_unknown_user_create_nothing(services):
    assert call(services, "GET", "/v1/users/nobody%40example.com/export")[0] == 200
    assert call(services, "DELETE", "/v1/users/nobody%40example.com")[0] == 200
    left = subject_items(services)
    assert len(left) == 1 and left[0]["sk"].startswith(subjects.ERASURE_PREFIX)  # the erasure receipt only


def test_a_read_after_erasure_does_not_recreate_the_pseudonym(services):
    call(services, "PUT", "/v1/users/u1/consent", {"consent_type": "ai_processing", "granted": True})
    assert subjects.user_ref(built(), services.tenant.tenant_id, "u1", create=False) is not None
    call(services, "DELETE", "/v1/users/u1")
    call(services, "GET", "/v1/users/u1/export")
    assert subjects.user_ref(built(), services.tenant.tenant_id, "u1", create=False) is None


def test_the_user_filter_matches_pseudonymous_records(services):
    call(services, "POST", "/v1/redact", {"text": "mail a@example.com"}, headers={"X-Cloakr-User": "zoe@example.com"})
    call(services, "POST", "/v1/redact", {"text": "hi"}, headers={"X-Cloakr-User": "yan@example.com"})
    status, body = call(services, "GET", "/v1/audit/events", query={"user_id": "zoe@example.com", "action": "redact"})
    assert status == 200 and len(body["events"]) == 1 and body["events"][0]["user_id"].startswith(subjects.REF_PREFIX)
    status, body = call(services, "GET", "/v1/audit/events", query={"user_id": "never-seen"})
    assert status == 200 and body["events"] == []
    assert subjects.user_ref(built(), services.tenant.tenant_id, "never-seen", create=False) is None


@pytest.mark.parametrize("stamp", ["2099-01-01T00:00:00+00:00", "0001-01-01T00:00:00+01:00", "in an hour"])
def test_implausible_consent_timestamps_are_refused(services, stamp):
    # Computed in the test, not at collection: parallel workers must collect the same test ids.
    stamp = (datetime.now(UTC) + timedelta(hours=1)).isoformat() if stamp == "in an hour" else stamp
    status, body = call(services, "PUT", "/v1/users/u2/consent", {"consent_type": "a", "granted": True, "timestamp": stamp})
    assert status == 400 and body["error"]["message"].startswith("timestamp: ") and stamp not in body["error"]["message"]


def test_a_recent_consent_timestamp_is_kept(services):
    stamp = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    status, body = call(services, "PUT", "/v1/users/u2/consent", {"consent_type": "a", "granted": True, "timestamp": stamp.isoformat()})
    assert status == 200 and datetime.fromisoformat(body["timestamp"]) == stamp


def test_a_conversation_id_is_not_recorded_as_given(services, echo_requests):
    headers = {"X-Cloakr-Conversation-Id": "4111111111111111"}
    status, _ = call(services, "POST", "/v1/chat/completions",
                     {"model": "cloakr-echo", "messages": [{"role": "user", "content": "hi"}]}, headers=headers)
    assert status == 200
    # The whole id: four of its digits turn up by chance in hashes and blobs of a run now and then.
    assert "4111111111111111" not in json.dumps(services.table("audit").scan()["Items"], default=str)
    assert "4111111111111111" not in json.dumps(services.table("vault").scan()["Items"], default=str)

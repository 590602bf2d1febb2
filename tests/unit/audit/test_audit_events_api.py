"""GET /v1/audit/events and GET /v1/audit/verify through the resolver, on moto."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cloakr.audit import events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.audit.audit_api_helpers import BASE_TIME, built, call, seed, sign_period


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


def _pages(services, **query: str) -> list[dict]:
    pages, token = [], None
    while True:
        status, body = call(services, "GET", "/v1/audit/events", query={**query, **({"next_token": token} if token else {})})
        assert status == 200, body
        pages.append(body)
        token = body["next_token"]
        if not token:
            return pages


def test_250_records_in_pages_of_100_newest_first_each_once(services):
    ids = seed(services, 250)
    pages = _pages(services, limit="100")
    assert [len(p["events"]) for p in pages] == [100, 100, 50]
    listed = [e["audit_id"] for p in pages for e in p["events"]]
    assert listed == list(reversed(ids))
    stamps = [e["timestamp"] for p in pages for e in p["events"]]
    assert stamps == sorted(stamps, reverse=True)


def test_default_limit_is_100_and_limit_is_validated(services):
    seed(services, 120)
    status, body = call(services, "GET", "/v1/audit/events")
    assert status == 200 and len(body["events"]) == 100 and body["next_token"]
    for bad in ("0", "1001", "ten", "-5"):
        status, body = call(services, "GET", "/v1/audit/events", query={"limit": bad})
        assert status == 400 and body["error"]["code"] == "validation_error"


def test_queries_the_key_range_in_bounded_pages_not_a_scan(services, monkeypatch):
    seed(services, 30)
    calls = []
    real = built().tables["audit"]
    spy_query = real.query

    def query(**kwargs):
        calls.append(kwargs)
        return spy_query(**kwargs)

    monkeypatch.setattr(real, "query", query)
    monkeypatch.setattr(real, "scan", lambda **_: pytest.fail("listing must not scan"))
    status, body = call(services, "GET", "/v1/audit/events", query={"limit": "10"})
    assert status == 200 and len(body["events"]) == 10
    assert calls and all(c["Limit"] <= 10 and "KeyConditionExpression" in c and c["ScanIndexForward"] is False for c in calls)


def test_filters_by_time_action_category_and_user(services):
    seed(services, 40)
    window = {"start": _iso(BASE_TIME + 10 * 60), "end": _iso(BASE_TIME + 20 * 60)}
    events_ = [e for p in _pages(services, **window) for e in p["events"]]
    assert len(events_) == 10  # start inclusive, end exclusive
    assert all(window["start"] <= e["timestamp"].replace(".000", "") < window["end"] for e in events_)
    for name, value in (("action", "redact"), ("category", "admin"), ("user_id", "user-3")):
        found = [e for p in _pages(services, **{name: value}) for e in p["events"]]
        assert found and all(e[name] == value for e in found)
        assert len(found) == sum(1 for i in range(40) if value in (("redact", "chat.completions", "keys.list")[i % 3],
                                                                     ("data_access", "admin", "compliance", "authentication")[i % 4],
                                                                     f"user-{i % 5}"))
    combined = [e for p in _pages(services, action="redact", category="data_access") for e in p["events"]]
    assert {(e["action"], e["category"]) for e in combined} == {("redact", "data_access")}


def test_filters_on_a_sparse_match_still_reach_every_record(services, monkeypatch):
    monkeypatch.setattr(events, "MAX_EXAMINED", 7)  # a call stops early and hands out a token to go on from
    seed(services, 30)
    pages = _pages(services, user_id="user-0", limit="100")
    assert len(pages) > 1
    assert sum(len(p["events"]) for p in pages) == 6


@pytest.mark.parametrize("query", [{"start": "yesterday"}, {"end": "2026-13-01"}, {"start": "2026-11-02", "end": "2026-11-01"},
                                   {"category": "everything"}, {"action": "x" * 300}, {"start": "0001-01-01T00:00:00+01:00"}])
def test_bad_filters_are_400_validation_errors_without_echo(services, query):
    status, body = call(services, "GET", "/v1/audit/events", query=query)
    assert status == 400 and body["error"]["code"] == "validation_error"
    assert all(v not in body["error"]["message"] for v in query.values() if len(v) > 3)


@pytest.mark.parametrize("token", ["not base64!", base64.urlsafe_b64encode(b"[1, 2]").decode(),
                                   base64.urlsafe_b64encode(b'{"pk": "x"}').decode(), "e30="])
def test_a_malformed_token_is_400(services, token):
    status, body = call(services, "GET", "/v1/audit/events", query={"next_token": token})
    assert status == 400 and body["error"]["code"] == "validation_error"


def _token(pk: str, sk: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"pk": pk, "sk": sk}).encode()).decode()


def test_a_token_is_bound_to_the_tenant(services):
    other = services.tenant.tenant_id[:-1] + ("0" if services.tenant.tenant_id[-1] != "0" else "1")
    seed(services, 5, tenant_id=other)
    seed(services, 5)
    status, body = call(services, "GET", "/v1/audit/events", query={"limit": "2"}, tenant_id=other)
    assert status == 200 and body["next_token"]
    # The other tenant's own token, replayed by our tenant: refused, not used to read the other partition.
    status, refused = call(services, "GET", "/v1/audit/events", query={"next_token": body["next_token"]})
    assert status == 400 and refused["error"]["code"] == "validation_error"
    forged = _token(f"TENANT#{other}", "EVENT#2026-09-21T14:20:00.000+00:00#zz")
    status, refused = call(services, "GET", "/v1/audit/events", query={"next_token": forged})
    assert status == 400
    # Our tenant's listing never shows the other tenant's records.
    mine = [e for p in _pages(services) for e in p["events"]]
    assert {e["tenant_id"] for e in mine} == {services.tenant.tenant_id}
    # Besides the seeded records, only the records of the listing calls above (refusals included).
    assert len([e for e in mine if e["action"] != "audit.events.read"]) == 5


def test_a_token_outside_the_range_or_not_an_event_is_400(services):
    pk = f"TENANT#{services.tenant.tenant_id}"
    for sk in ("EXPORT#exp_00000000000000000000", "EVENT#2020-01-01T00:00:00.000+00:00#x"):
        status, body = call(services, "GET", "/v1/audit/events",
                            query={"next_token": _token(pk, sk), "start": "2026-01-01"})
        assert status == 400 and body["error"]["code"] == "validation_error"


def test_verify_answers_the_chain_result_for_the_callers_tenant(services):
    seed(services, 3)
    sign_period(services)
    status, body = call(services, "GET", "/v1/audit/verify", query={"start": "2026-09-21T14:00:00Z", "end": "2026-09-21T15:00:00Z"})
    assert status == 200, body
    assert body["ok"] is True and body["digests_checked"] == 1 and body["records_checked"] == 3 and body["problems"] == []
    seed(services, 1, start=BASE_TIME + 5)  # a record the digest never signed
    status, body = call(services, "GET", "/v1/audit/verify", query={"start": "2026-09-21T14:00:00Z", "end": "2026-09-21T15:00:00Z"})
    assert status == 200 and body["ok"] is False and [p["kind"] for p in body["problems"]] == ["extra_record"]


def test_verify_trusts_only_the_stacks_signing_key(services, monkeypatch):
    seed(services, 1)
    s = built()
    calls = {}

    def fake_verify(**kwargs):
        calls.update(kwargs)
        from cloakr.audit.verify import VerifyResult
        return VerifyResult()

    monkeypatch.setattr("cloakr.gateway.routes.audit.verify_chain", fake_verify)
    status, body = call(services, "GET", "/v1/audit/verify")
    assert status == 200 and body["ok"] is True
    assert calls["trusted_key_id"] == s.signing_key_id and calls["tenant_id"] == services.tenant.tenant_id
    status, body = call(services, "GET", "/v1/audit/verify", query={"start": "2026-01-01", "end": "2026-12-31"})
    assert status == 400 and body["error"]["code"] == "validation_error"


VALUES = st.one_of(st.text(max_size=30), st.sampled_from(["2026-01-01", "2026-01-01T00:00:00Z", "0", "1000", "admin", "e30=",
                                                           "9999-12-31", "0001-01-01", "2026-01-01T00:00:00-23:59"]))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=st.dictionaries(st.sampled_from(["start", "end", "action", "category", "user_id", "limit", "next_token"]),
                             VALUES, max_size=5), route=st.sampled_from(["/v1/audit/events", "/v1/audit/verify"]))
def test_any_query_gets_an_answer_or_a_4xx(services, query, route):
    status, body = call(services, "GET", route, query=query or None)
    assert status == 200 or (400 <= status < 500 and set(body["error"]) == {"code", "message"}), (query, body)


@pytest.mark.parametrize("end", ["0001-01-01", "9999-12-31"])
def test_verify_refuses_dates_at_the_edges_of_the_calendar(services, end):
    status, body = call(services, "GET", "/v1/audit/verify", query={"end": end})
    assert status == 400 and body["error"]["code"] == "validation_error"

"""Property-based bad input: whatever arrives, the gateway answers with a documented status and JSON error shape,
never a 5xx, a stack trace or a request value echoed back.

``HYPOTHESIS_PROFILE=verify`` (``make verify``) runs many more examples than the default ``make test`` profile.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloakr.gateway import authorizer
from cloakr.gateway.app import resolve
from cloakr.gateway.scopes import PUBLIC_ROUTES, ROUTE_SCOPES
from cloakr.local.server import handle
from tests.conftest import make_api_event

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("verify", max_examples=1500, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROUTES = sorted({*ROUTE_SCOPES, *PUBLIC_ROUTES})
# Characters that make trouble: controls, combining marks, bidi overrides, zero-width, surrogate-adjacent, full-width.
NASTY = st.sampled_from(["\x00", "\u0301", "\u202e", "\u200b", "\ufeff", "\uffff", "１２３", "\U0001f600", "\\", '"', "{", "[", "%s", "\r\n"])
TEXT = st.lists(st.one_of(st.text(max_size=20), NASTY), max_size=8).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=25,
)
FIELDS = ["text", "texts", "mode", "entities", "rules", "model", "messages", "stream", "tools", "scopes", "name",
          "expires_in_days", "grace_period_hours", "period", "standards", "format", "plaintext", "ciphertext",
          "purpose", "reason", "day_of_month", "hour_utc", "user", "consent_type", "granted", "start_date", "end_date"]
BODIES = st.one_of(
    st.none(),
    TEXT,
    JSON_VALUES.map(json.dumps),
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=6).map(json.dumps),
    st.integers(min_value=1, max_value=400).map(lambda depth: "[" * depth + "]" * depth),  # deep nesting
)
CHAT = '{"model": "cloakr-echo", "messages": [{"role": "user", "content": "hi"}], "%s": %s}'
NESTINGS = st.sampled_from([("[", "]"), ('{"a": ', "}"), ('[{"a": ', "}]")])


def assert_documented(response: dict) -> None:
    status = response["statusCode"]
    assert status < 500, response
    body = response.get("body") or ""
    assert "Traceback" not in body and 'File "' not in body
    if status >= 400:
        error = json.loads(body)["error"]
        assert set(error) == {"code", "message"} and error["code"] and error["message"]


@given(route=st.sampled_from(ROUTES), method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), body=BODIES,
       segment=TEXT, query=st.dictionaries(TEXT, TEXT, max_size=3), content_type=st.sampled_from(["application/json", "text/plain", ""]))
@settings(parent=settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "default")))
def test_any_request_gets_a_documented_answer(services, route, method, body, segment, query, content_type):
    path = route[1].replace("{key_id}", segment or "x").replace("{user_id}", segment or "x") \
        .replace("{report_id}", segment or "x").replace("{schedule_id}", segment or "x").replace("{export_id}", segment or "x")
    event = services.event(method, path, body, headers={"Content-Type": content_type} if content_type else {},
                           query={k: v for k, v in query.items() if k} or None)
    response = resolve(event, None)
    assert_documented(response)
    if body and len(body) > 12 and response["statusCode"] >= 400:
        assert body not in response["body"]  # errors never echo what was sent


@given(field=st.sampled_from(["metadata", "response_format", "tools", "stop", "unknown"]), depth=st.integers(1, 1200), nesting=NESTINGS)
@settings(parent=settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "default")))
def test_chat_answers_any_nesting_in_any_field(services, field, depth, nesting):
    """Every field of a chat request is walked (tokenized): nesting too deep to walk is a 400, not a crash."""
    opening, closing = nesting
    response = resolve(services.event("POST", "/v1/chat/completions", CHAT % (field, opening * depth + '"x"' + closing * depth)), None)
    assert_documented(response)


@given(value=st.one_of(st.none(), TEXT, st.text(alphabet="ck_euc1_abcdef0123456789-", max_size=80)),
       user=st.one_of(st.none(), TEXT), route=st.sampled_from(ROUTES))
def test_the_authorizer_decides_on_any_header(services, value, user, route):
    headers = {k: v for k, v in (("Authorization", value), ("X-Cloakr-User", user)) if v is not None}
    decision = authorizer.authorize({**make_api_event(route[0], route[1], headers=headers), "methodArn": "arn:aws:execute-api:eu-central-1:1:a/prod/GET/v1"})
    effect = decision["policyDocument"]["Statement"][0]["Effect"]
    assert effect in ("Allow", "Deny")
    if effect == "Deny":
        assert decision["context"]["error_code"] in {"unauthorized", "forbidden", "wrong_region", "user_blocked", "key_blocked"}


@given(raw=st.binary(max_size=2000), path=st.sampled_from([r[1] for r in ROUTES]), header=TEXT)
def test_the_local_server_survives_raw_bytes(services, raw, path, header):
    status, headers, data = handle("POST", path, {"Authorization": f"Bearer {services.admin_key}", "X-Cloakr-User": header[:64]}, raw)
    assert status < 500, data
    if status >= 400:
        assert set(json.loads(data)["error"]) == {"code", "message"}

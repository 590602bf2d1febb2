"""The authorizer's decisions: each check has a test that fails if the check is removed."""

from __future__ import annotations

import time

import pytest

from cloakr.gateway import authorizer
from cloakr.gateway.services import services as built
from cloakr.tenants.blocks import block_user
from cloakr.tenants.cache import TtlCache
from cloakr.tenants.keys import new_key
from tests.conftest import make_api_event

ARN = "arn:aws:execute-api:eu-central-1:123456789012:api1/prod/POST/v1/redact"


def decide(key: str | None, method: str = "POST", path: str = "/v1/redact", **headers: str):
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    event = make_api_event(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    event["methodArn"] = ARN
    return authorizer.authorize(event)


def allowed(decision) -> bool:
    return decision["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_valid_key_is_allowed_with_its_context_and_only_its_routes(services):
    _, key = built().tenants.create_key(services.tenant.tenant_id, ["redact:write"])
    decision = decide(key)
    assert allowed(decision)
    assert decision["context"]["tenant_id"] == services.tenant.tenant_id and decision["context"]["scopes"] == "redact:write"
    resources = decision["policyDocument"]["Statement"][0]["Resource"]
    assert "arn:aws:execute-api:eu-central-1:123456789012:api1/prod/POST/v1/redact" in resources
    assert not any("/v1/keys" in r or "/v1/chat" in r for r in resources)


def test_missing_malformed_and_unknown_keys_are_refused(services):
    assert decide(None)["context"]["error_code"] == "unauthorized"
    assert decide("not-a-key")["context"]["error_code"] == "unauthorized"
    _, forged = new_key("eu-central-1")  # right shape, never stored
    assert not allowed(decide(forged))


def test_scope_is_needed_per_route(services):
    _, key = built().tenants.create_key(services.tenant.tenant_id, ["redact:write"])
    denied = decide(key, "POST", "/v1/chat/completions")
    assert not allowed(denied) and denied["context"]["error_code"] == "forbidden" and "chat:write" in denied["context"]["message"]


def test_expired_and_revoked_keys_are_refused(services):
    store = built().tenants
    _, expired = store.create_key(services.tenant.tenant_id, ["redact:write"], expires_at=int(time.time()) - 1)
    record, revoked = store.create_key(services.tenant.tenant_id, ["redact:write"])
    assert allowed(decide(revoked))
    store.revoke_key(services.tenant.tenant_id, record.key_id)
    authorizer.clear_cache()
    assert not allowed(decide(expired)) and not allowed(decide(revoked))


def test_a_key_of_another_region_names_its_home(services):
    _, key = new_key("ap-south-1")
    denied = decide(key)
    assert denied["context"]["error_code"] == "wrong_region" and "ap-south-1" in denied["context"]["message"]


@pytest.mark.parametrize("how", ["subjects", "tenant_list"])
def test_the_decision_does_not_depend_on_the_end_user(services, how):
    """API Gateway caches a decision per key and route, not per end user: a decision on X-Cloakr-User would be
    applied to every user of the key. Blocked users are refused by the functions (``Services.admit``)."""
    tenant_id = services.tenant.tenant_id
    if how == "subjects":
        block_user(services.table("subjects"), tenant_id, built().user_key(tenant_id, "user-7"), "admin")
    else:
        built().tenants.update_tenant(tenant_id, blocked_users={"user-7"})
    decisions = [decide(services.admin_key, **({"X_Cloakr_User": u} if u else {})) for u in ("user-7", "user-8", None)]
    assert all(allowed(d) for d in decisions)
    assert decisions[0] == decisions[1] == decisions[2]
    assert "user_id" not in decisions[0]["context"]
    assert services.table("audit").scan()["Items"] == []  # nothing refused, nothing audited as a denial


def test_a_denied_route_leaves_the_keys_other_routes_alone(services):
    """A denial is cached by API Gateway for its route only (method and resource path are identity sources), and
    the key's allowed routes are still allowed on their own."""
    _, key = built().tenants.create_key(services.tenant.tenant_id, ["redact:write"])
    assert not allowed(decide(key, "POST", "/v1/chat/completions"))
    assert allowed(decide(key, "POST", "/v1/redact"))


def test_decisions_are_cached_until_they_expire():
    now = [100.0]
    cache = TtlCache(seconds=30, clock=lambda: now[0])
    loads = []
    assert cache.get("k", lambda: loads.append(1) or "first") == "first"
    assert cache.get("k", lambda: loads.append(1) or "second") == "first"
    now[0] += 31
    assert cache.get("k", lambda: loads.append(1) or "third") == "third"
    assert len(loads) == 2


def test_cache_stays_bounded():
    cache = TtlCache(seconds=30, max_entries=3, clock=lambda: 0.0)
    for i in range(10):
        cache.get(i, lambda i=i: i)
    assert len(cache._items) <= 3


def test_refusing_a_real_key_is_audited_for_its_tenant(services):
    import json

    _, key = built().tenants.create_key(services.tenant.tenant_id, ["redact:write"])
    decide(key, "GET", "/v1/keys")
    records = [json.loads(i["record"]) for i in services.table("audit").scan()["Items"]]
    assert [(r["action"], r["category"], r["outcome"]) for r in records] == [("auth.denied", "authentication", "forbidden")]
    assert key not in json.dumps(records)


def test_a_real_key_id_with_a_wrong_secret_is_audited_for_its_tenant(services):
    import json

    _, key = built().tenants.create_key(services.tenant.tenant_id, ["redact:write"])
    prefix, secret = "_".join(key.split("_")[:3]), "_".join(key.split("_")[3:])  # ck_<region>_<key id>_<secret>
    guessed = f"{prefix}_{'A' * len(secret)}"
    assert not allowed(decide(guessed))
    records = [json.loads(i["record"]) for i in services.table("audit").scan()["Items"]]
    assert [(r["tenant_id"], r["action"], r["outcome"]) for r in records] == [
        (services.tenant.tenant_id, "auth.denied", "unauthorized")]
    assert secret not in json.dumps(records) and guessed not in json.dumps(records)
    _, unknown = new_key("eu-central-1")  # an id no tenant was issued: refused, nowhere to audit it
    assert not allowed(decide(unknown))
    assert len(services.table("audit").scan()["Items"]) == 1

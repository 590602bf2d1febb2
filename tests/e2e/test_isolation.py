"""Isolation, route by route, from the OpenAPI document: no key, a revoked, expired, wrong-scope or other-region key
is refused on every route; tenant B's key cannot read, change or guess its way into tenant A's data.

``docs/isolation.md`` is the route x check table this file proves; a test fails when it is out of date or when a
route has no tenant probe.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from cloakr.constants import SCOPES
from cloakr.gateway.app import build_app
from cloakr.gateway.openapi import document
from cloakr.gateway.scopes import PUBLIC_ROUTES
from cloakr.gateway.services import services
from tests.e2e.test_users_api import users_probe

DOC = Path(__file__).resolve().parents[2] / "docs" / "isolation.md"
SPEC = document(build_app())
ROUTES = sorted((m.upper(), p) for p, ops in SPEC["paths"].items() for m in ops if (m.upper(), p) not in PUBLIC_ROUTES)
KEY_CHECKS = ("no key", "malformed key", "revoked key", "expired key", "wrong scope", "other region")
EXPECTED = {"no key": (401, "unauthorized"), "malformed key": (401, "unauthorized"), "revoked key": (401, "unauthorized"),
            "expired key": (401, "unauthorized"), "wrong scope": (403, "forbidden"), "other region": (403, "wrong_region")}


def _path(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # any id: refusals come before the route looks at it


def _other_region_key() -> str:
    return f"ck_use1_{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"


@pytest.fixture(scope="module")
def keys(request):
    gateway = request.getfixturevalue("local_gateway")
    return gateway


def _key_for(check: str, gateway: Any, route: tuple[str, str]) -> str | None:
    scope = SPEC["paths"][route[1]][route[0].lower()]["x-cloakr-scope"]
    if check == "no key":
        return None
    if check == "malformed key":
        return "ck_euc1_not-a-key"
    if check == "revoked key":
        return gateway.revoked_key
    if check == "expired key":
        return gateway.expired_key
    if check == "wrong scope":
        return gateway.redact_only_key if scope != "redact:write" else gateway.models_only_key
    return _other_region_key()


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_bad_key_is_refused_on_every_route(local_gateway, route):
    method, path = route
    refused = {}
    with httpx.Client(base_url=local_gateway.base_url, timeout=30) as http:
        for check in KEY_CHECKS:
            key = _key_for(check, local_gateway, route)
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            response = http.request(method, _path(path), headers=headers, json={} if method in ("POST", "PUT") else None)
            refused[check] = (response.status_code, response.json()["error"]["code"])
    assert refused == EXPECTED


# --- tenant isolation probes: tenant A owns something; tenant B tries to reach it -----------------------------

def _tenant_b(gateway) -> str:
    store = services().tenants
    tenant = store.create_tenant("Tenant B", profiles=["gdpr"])
    return store.create_key(tenant.tenant_id, list(SCOPES))[1]


Probe = Callable[[httpx.Client, dict[str, str], dict[str, str]], None]


def _keys_probe(http, a, b):
    created = http.post("/v1/keys", headers=a, json={"scopes": ["redact:write"]}).json()
    assert created["key_id"] not in {k["key_id"] for k in http.get("/v1/keys", headers=b).json()["keys"]}
    assert http.post(f"/v1/keys/{created['key_id']}/rotate", headers=b, json={}).status_code == 404
    assert http.delete(f"/v1/keys/{created['key_id']}", headers=b).status_code == 404
    assert http.delete(f"/v1/keys/{created['key_id']}/block", headers=b).status_code == 404


def _reports_probe(http, a, b):
    report = http.post("/v1/reports", headers=a, json={"period": "last_30_days"}).json()
    assert http.get(f"/v1/reports/{report['report_id']}", headers=b).status_code == 404
    schedule = http.post("/v1/reports/schedules", headers=a, json={}).json()
    assert schedule["schedule_id"] not in {s["schedule_id"] for s in http.get("/v1/reports/schedules", headers=b).json()["schedules"]}
    assert http.delete(f"/v1/reports/schedules/{schedule['schedule_id']}", headers=b).status_code == 404


def _incidents_probe(http, a, b):
    assert http.put("/v1/users/probe-user/block", headers=a, json={}).status_code == 200
    assert http.delete("/v1/users/probe-user/block", headers=b).status_code == 404  # B has no such block
    assert http.post("/v1/redact", headers={**a, "X-Cloakr-User": "probe-user"}, json={"text": "x"}).status_code == 403
    assert http.post("/v1/redact", headers={**b, "X-Cloakr-User": "probe-user"}, json={"text": "x"}).status_code == 200
    assert http.delete("/v1/users/probe-user/block", headers=a).status_code == 200


def _consents_probe(http, a, b):
    try:
        assert http.put("/v1/consents/required", headers=a, json={"consent_types": ["probe_consent"]}).status_code == 200
        assert http.get("/v1/consents/required", headers=b).json() == {"consent_types": []}
        refused = http.post("/v1/redact", headers={**a, "X-Cloakr-User": "probe-user"}, json={"text": "x"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "consent_required"
        assert http.post("/v1/redact", headers={**b, "X-Cloakr-User": "probe-user"}, json={"text": "x"}).status_code == 200
        assert http.put("/v1/consents/required", headers=b, json={"consent_types": []}).status_code == 200
        assert http.get("/v1/consents/required", headers=a).json() == {"consent_types": ["probe_consent"]}
    finally:  # A is the tenant the other e2e tests share
        assert http.put("/v1/consents/required", headers=a, json={"consent_types": []}).status_code == 200


def _crypto_probe(http, a, b):
    sealed = http.post("/v1/encrypt", headers=a, json={"plaintext": "aGVsbG8="}).json()
    refused = http.post("/v1/decrypt", headers=b, json={"ciphertext": sealed["ciphertext"]})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "decryption_failed"


def _chat_probe(http, a, b):
    conversation = {"X-Cloakr-Conversation-Id": "shared-name"}
    http.post("/v1/chat/completions", headers={**a, **conversation},
              json={"model": "cloakr-echo", "messages": [{"role": "user", "content": "mail jane@a.example"}]})
    # B uses the same conversation id and repeats A's placeholder: it must not get A's original back.
    answer = http.post("/v1/chat/completions", headers={**b, **conversation},
                       json={"model": "cloakr-echo", "messages": [{"role": "user", "content": "what is [EMAIL_1]?"}]})
    assert "jane@a.example" not in answer.text


def _audit_probe(http, a, b):
    http.post("/v1/redact", headers=a, json={"text": "x"})
    mine = {e["audit_id"] for e in http.get("/v1/audit/events", headers=a, params={"limit": 1000}).json()["events"]}
    theirs = {e["audit_id"] for e in http.get("/v1/audit/events", headers=b, params={"limit": 1000}).json()["events"]}
    assert mine and not mine & theirs
    a_tenant = http.get("/v1/audit/events", headers=a).json()["events"][0]["tenant_id"]
    verified = http.get("/v1/audit/verify", headers=b)
    assert verified.status_code == 200 and a_tenant not in verified.text
    today = datetime.now(timezone.utc).date().isoformat()
    export = http.post("/v1/audit/exports", headers=a, json={"start_date": today, "end_date": today, "format": "json"}).json()
    assert http.get(f"/v1/audit/exports/{export['export_id']}", headers=b).status_code == 404


def _stateless(http, a, b):
    """The route keeps nothing per tenant that another could read (it computes from the request only)."""


# Every route -> the probe that covers it (routes sharing a resource share a probe).
PROBES: dict[tuple[str, str], tuple[str, Probe]] = {
    ("GET", "/v1/keys"): ("keys of A not listed for B", _keys_probe),
    ("POST", "/v1/keys"): ("keys of A not listed for B", _keys_probe),
    ("POST", "/v1/keys/{key_id}/rotate"): ("A's key id answers 404 to B", _keys_probe),
    ("DELETE", "/v1/keys/{key_id}"): ("A's key id answers 404 to B", _keys_probe),
    ("DELETE", "/v1/keys/{key_id}/block"): ("A's key id answers 404 to B", _keys_probe),
    ("POST", "/v1/reports"): ("A's report id answers 404 to B", _reports_probe),
    ("GET", "/v1/reports/{report_id}"): ("A's report id answers 404 to B", _reports_probe),
    ("POST", "/v1/reports/schedules"): ("A's schedules not listed for B", _reports_probe),
    ("GET", "/v1/reports/schedules"): ("A's schedules not listed for B", _reports_probe),
    ("DELETE", "/v1/reports/schedules/{schedule_id}"): ("A's schedule id answers 404 to B", _reports_probe),
    ("PUT", "/v1/users/{user_id}/block"): ("A's block does not apply to B's user of the same id", _incidents_probe),
    ("DELETE", "/v1/users/{user_id}/block"): ("B cannot lift A's block", _incidents_probe),
    ("GET", "/v1/incidents"): ("incidents are read by tenant partition", _incidents_probe),
    ("GET", "/v1/consents/required"): ("B reads its own setting, not A's", _consents_probe),
    ("PUT", "/v1/consents/required"): ("A's setting binds A's users only; B's change leaves it", _consents_probe),
    ("POST", "/v1/encrypt"): ("A's ciphertext does not decrypt for B", _crypto_probe),
    ("POST", "/v1/decrypt"): ("A's ciphertext does not decrypt for B", _crypto_probe),
    ("POST", "/v1/chat/completions"): ("same conversation id: B never gets A's originals", _chat_probe),
    ("GET", "/v1/audit/events"): ("B lists only its own records", _audit_probe),
    ("GET", "/v1/audit/verify"): ("B verifies only its own chain", _audit_probe),
    ("POST", "/v1/audit/exports"): ("A's export id answers 404 to B", _audit_probe),
    ("GET", "/v1/audit/exports/{export_id}"): ("A's export id answers 404 to B", _audit_probe),
    ("PUT", "/v1/users/{user_id}/consent"): ("B's user of the same id has none of A's consents", users_probe),
    ("GET", "/v1/users/{user_id}/export"): ("B's export of the same id holds none of A's data", users_probe),
    ("DELETE", "/v1/users/{user_id}"): ("B's erasure of the same id leaves A's subject intact", users_probe),
    ("POST", "/v1/redact"): ("stateless", _stateless),
    ("POST", "/v1/classify"): ("stateless", _stateless),
    ("GET", "/v1/models"): ("stateless (region and tenant settings)", _stateless),
    ("GET", "/v1/models/{model_id}"): ("stateless (region and tenant settings)", _stateless),
    ("GET", "/v1/openapi.json"): ("stateless", _stateless),
}


def test_every_route_has_a_tenant_probe():
    assert sorted(set(ROUTES) - set(PROBES)) == [], "add a tenant-isolation probe for these routes"


@pytest.mark.parametrize("probe", sorted({p for _, p in PROBES.values()}, key=lambda p: p.__name__), ids=lambda p: p.__name__)
def test_tenant_b_cannot_reach_tenant_a(local_gateway, probe):
    a = {"Authorization": f"Bearer {local_gateway.admin_key}"}
    b = {"Authorization": f"Bearer {_tenant_b(local_gateway)}"}
    with httpx.Client(base_url=local_gateway.base_url, timeout=30) as http:
        probe(http, a, b)


def isolation_markdown() -> str:
    lines = ["# Isolation", "", "<!-- Generated from the OpenAPI document by tests/e2e/test_isolation.py; do not edit. -->", "",
             "Every route refuses each bad key (checked against the local gateway in `make test`), and each route's tenant "
             "probe shows tenant B cannot reach tenant A's data.", "",
             "| Route | Scope | " + " | ".join(KEY_CHECKS) + " | Tenant probe |", "|---" * (len(KEY_CHECKS) + 3) + "|"]
    for method, path in ROUTES:
        scope = SPEC["paths"][path][method.lower()]["x-cloakr-scope"]
        cells = " | ".join(f"{EXPECTED[c][0]} `{EXPECTED[c][1]}`" for c in KEY_CHECKS)
        lines.append(f"| {method} `{path}` | `{scope}` | {cells} | {PROBES.get((method, path), ('MISSING',))[0]} |")
    return "\n".join(lines) + "\n"


def test_the_isolation_table_is_current():
    assert DOC.read_text() == isolation_markdown(), "run: python -c 'from tests.e2e.test_isolation import isolation_markdown as m; print(m(), end=\"\")' > docs/isolation.md"

"""Key management over HTTP: least privilege, rotation with grace, revocation, tenant isolation."""

from __future__ import annotations

import httpx
import pytest

from cloakr.gateway import authorizer
from cloakr.gateway.services import services

pytestmark = pytest.mark.e2e


def call(gw, method, path, key, **kwargs):
    return httpx.request(method, gw.base_url + path, headers={"Authorization": f"Bearer {key}"}, timeout=10, **kwargs)


def test_create_list_rotate_revoke(local_gateway):
    created = call(local_gateway, "POST", "/v1/keys", local_gateway.admin_key, json={"scopes": ["redact:write"], "name": "ci"}).json()
    assert created["key"].startswith("ck_euc1_") and created["scopes"] == ["redact:write"]
    listed = call(local_gateway, "GET", "/v1/keys", local_gateway.admin_key).json()["keys"]
    entry = next(k for k in listed if k["key_id"] == created["key_id"])
    assert entry["status"] == "active" and "key" not in entry and "key_hash" not in entry

    rotated = call(local_gateway, "POST", f"/v1/keys/{created['key_id']}/rotate", local_gateway.admin_key, json={"grace_period_hours": 0}).json()
    assert rotated["key_id"] != created["key_id"] and rotated["scopes"] == ["redact:write"]
    authorizer.clear_cache()
    assert call(local_gateway, "POST", "/v1/redact", created["key"], json={"text": "x"}).status_code == 401
    assert call(local_gateway, "POST", "/v1/redact", rotated["key"], json={"text": "x"}).status_code == 200

    assert call(local_gateway, "DELETE", f"/v1/keys/{rotated['key_id']}", local_gateway.admin_key).json()["status"] == "revoked"
    authorizer.clear_cache()
    assert call(local_gateway, "POST", "/v1/redact", rotated["key"], json={"text": "x"}).status_code == 401


def test_rotation_grace_keeps_the_old_key_working(local_gateway):
    created = call(local_gateway, "POST", "/v1/keys", local_gateway.admin_key, json={"scopes": ["redact:write"]}).json()
    call(local_gateway, "POST", f"/v1/keys/{created['key_id']}/rotate", local_gateway.admin_key, json={"grace_period_hours": 2})
    authorizer.clear_cache()
    assert call(local_gateway, "POST", "/v1/redact", created["key"], json={"text": "x"}).status_code == 200


def test_a_key_cannot_grant_more_than_it_holds(local_gateway):
    limited = call(local_gateway, "POST", "/v1/keys", local_gateway.admin_key, json={"scopes": ["keys:admin", "redact:write"]}).json()
    response = call(local_gateway, "POST", "/v1/keys", limited["key"], json={"scopes": ["audit:export"]})
    assert response.status_code == 403 and "audit:export" in response.json()["error"]["message"]
    assert call(local_gateway, "POST", "/v1/keys", local_gateway.admin_key, json={"scopes": ["root"]}).status_code == 400
    assert call(local_gateway, "POST", "/v1/keys", local_gateway.admin_key, json={"scopes": []}).status_code == 400


def test_another_tenant_cannot_touch_these_keys(local_gateway):
    store = services().tenants
    other = store.create_tenant("Other tenant")
    _, other_admin = store.create_key(other.tenant_id, ["keys:admin"])
    victim = call(local_gateway, "POST", "/v1/keys", local_gateway.admin_key, json={"scopes": ["redact:write"]}).json()
    assert call(local_gateway, "DELETE", f"/v1/keys/{victim['key_id']}", other_admin).status_code == 404
    assert call(local_gateway, "POST", f"/v1/keys/{victim['key_id']}/rotate", other_admin, json={}).status_code == 404
    listed = call(local_gateway, "GET", "/v1/keys", other_admin).json()["keys"]
    assert victim["key_id"] not in {k["key_id"] for k in listed}
    authorizer.clear_cache()
    assert call(local_gateway, "POST", "/v1/redact", victim["key"], json={"text": "x"}).status_code == 200

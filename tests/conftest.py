"""Fixtures shared by every test tree."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from cloakr.constants import SCOPES


def make_api_event(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                   base64: bool = False, authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the stage sends it to a function."""
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers or {}, "multiValueHeaders": {},
        "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
        "stageVariables": None, "isBase64Encoded": base64,
        "requestContext": {
            "requestId": "test-request", "stage": "prod", "resourcePath": path, "httpMethod": method,
            "path": "/prod" + path, "identity": {"sourceIp": "127.0.0.1"}, "authorizer": authorizer or {},
        },
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
    }


@pytest.fixture
def api_event() -> Callable[..., dict[str, Any]]:
    return make_api_event



@dataclass
class LocalGateway:
    base_url: str
    region: str
    tenant_id: str
    admin_key: str
    redact_only_key: str
    revoked_key: str
    expired_key: str


@pytest.fixture(scope="session")
def local_gateway():
    from cloakr.gateway import authorizer
    from cloakr.gateway.services import services
    from cloakr.local.backend import start_backend
    from cloakr.local.server import serve

    saved = dict(os.environ)
    services.cache_clear()
    backend = start_backend("eu-central-1", isolated=True)
    store = services().tenants
    tenant = store.create_tenant("E2E tenant", profiles=["gdpr"])
    _, admin = store.create_key(tenant.tenant_id, SCOPES)
    _, redact_only = store.create_key(tenant.tenant_id, ["redact:write"])
    revoked_record, revoked = store.create_key(tenant.tenant_id, ["redact:write"])
    store.revoke_key(tenant.tenant_id, revoked_record.key_id)
    _, expired = store.create_key(tenant.tenant_id, ["redact:write"], expires_at=1)
    httpd = serve("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield LocalGateway(f"http://127.0.0.1:{httpd.server_address[1]}", "eu-central-1", tenant.tenant_id, admin, redact_only, revoked, expired)
    httpd.shutdown()
    httpd.server_close()
    backend.stop()
    services.cache_clear()
    authorizer.clear_cache()
    os.environ.clear()
    os.environ.update(saved)

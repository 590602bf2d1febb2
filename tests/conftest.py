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
                   base64: bool = False, authorizer: dict[str, Any] | None = None,
                   query: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the stage sends it to a function."""
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers or {}, "multiValueHeaders": {},
        "queryStringParameters": query, "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None, "pathParameters": None,
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
class MotoServices:
    """A region's AWS side in moto (tables, data and signing keys, bucket) with the env vars the stack sets, and a
    tenant holding an admin key (every scope). ``event()`` builds an API Gateway event as the authorizer passes it on."""

    tables: dict[str, str]
    data_key_id: str
    signing_key_id: str
    bucket: str
    tenant: Any
    admin_key: str
    context: dict[str, str]

    def event(self, method: str, path: str, body: Any = None, *, scopes: Any = None, tenant_id: str | None = None,
              **kwargs: Any) -> dict[str, Any]:
        context = {**self.context, **({"scopes": ",".join(scopes)} if scopes is not None else {}),
                   **({"tenant_id": tenant_id} if tenant_id else {})}
        return make_api_event(method, path, body, authorizer=context, **kwargs)

    def table(self, role: str) -> Any:
        import boto3

        return boto3.resource("dynamodb", region_name=self.tenant.region).Table(self.tables[role])


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch):
    """moto-backed services for ``cloakr.gateway.services.services()`` in eu-central-1 (see ``MotoServices``)."""
    import boto3
    from moto import mock_aws

    from cloakr import constants as c
    from cloakr.gateway import authorizer
    from cloakr.gateway.services import services as built
    from cloakr.local.backend import create_incident_and_schedule_targets, create_keys_and_bucket
    from cloakr.tables import create_tables

    env_names = {c.TABLE_AUDIT: c.ENV_AUDIT_TABLE, c.TABLE_TENANTS: c.ENV_TENANTS_TABLE,
                 c.TABLE_VAULT: c.ENV_VAULT_TABLE, c.TABLE_SUBJECTS: c.ENV_SUBJECTS_TABLE}
    for name in (c.ENV_AWS_ENDPOINT, c.ENV_REGION_CONFIG, c.ENV_UPSTREAM_URL, "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv(c.ENV_REGION, "eu-central-1")
    with mock_aws():
        names = create_tables(boto3.client("dynamodb", region_name="eu-central-1"), prefix="test")
        for role, name in names.items():
            monkeypatch.setenv(env_names[role], name)
        data_key, signing_key, bucket = create_keys_and_bucket("eu-central-1")
        for name, value in create_incident_and_schedule_targets("eu-central-1").items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv(c.ENV_DATA_KEY_ID, data_key)
        monkeypatch.setenv(c.ENV_SIGNING_KEY_ID, signing_key)
        monkeypatch.setenv(c.ENV_BUCKET, bucket)
        built.cache_clear()
        authorizer.clear_cache()
        _drop_buffered_metrics()  # resolve() buffers metrics too: a CLI test's stdout must not get 100 of them
        store = built().tenants
        tenant = store.create_tenant("Test tenant", profiles=["gdpr"])
        key, plaintext = store.create_key(tenant.tenant_id, SCOPES, name="admin")
        context = {"tenant_id": tenant.tenant_id, "key_id": key.key_id, "scopes": ",".join(SCOPES),
                   "region": "eu-central-1", "user_id": ""}
        yield MotoServices(names, data_key, signing_key, bucket, tenant, plaintext, context)
        built.cache_clear()
        authorizer.clear_cache()



@dataclass
class LocalGateway:
    base_url: str
    region: str
    tenant_id: str
    admin_key: str
    redact_only_key: str
    revoked_key: str
    expired_key: str
    models_only_key: str = ""


@pytest.fixture(scope="session")
def _gateway_session():
    """The in-process gateway and the environment it runs in. The environment is put back as soon as the
    gateway is up, and ``local_gateway`` lends it only to the tests that call the gateway: otherwise its
    endpoint, table and key variables would leak into unrelated tests and make them depend on test order."""
    from cloakr.gateway import authorizer
    from cloakr.gateway.services import services
    from cloakr.local.backend import start_backend
    from cloakr.local.server import serve

    saved = dict(os.environ)
    services.cache_clear()
    authorizer.clear_cache()
    backend = start_backend("eu-central-1", isolated=True)
    store = services().tenants
    tenant = store.create_tenant("E2E tenant", profiles=["gdpr"])
    _, admin = store.create_key(tenant.tenant_id, SCOPES)
    _, redact_only = store.create_key(tenant.tenant_id, ["redact:write"])
    revoked_record, revoked = store.create_key(tenant.tenant_id, ["redact:write"])
    store.revoke_key(tenant.tenant_id, revoked_record.key_id)
    _, expired = store.create_key(tenant.tenant_id, ["redact:write"], expires_at=1)
    _, models_only = store.create_key(tenant.tenant_id, ["models:read"])
    httpd = serve("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    gateway_env = dict(os.environ)
    _replace_environ(saved)
    services.cache_clear()
    yield LocalGateway(f"http://127.0.0.1:{httpd.server_address[1]}", "eu-central-1", tenant.tenant_id, admin, redact_only, revoked, expired, models_only), gateway_env
    httpd.shutdown()
    httpd.server_close()
    backend.stop()
    services.cache_clear()
    authorizer.clear_cache()
    _replace_environ(saved)


def _replace_environ(values: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(values)


@pytest.fixture
def local_gateway(_gateway_session, monkeypatch: pytest.MonkeyPatch):
    """The gateway on 127.0.0.1 (moto backend, one tenant and its keys), with its environment for this test only."""
    from cloakr.gateway.services import services

    gateway, gateway_env = _gateway_session
    for name in set(os.environ) - set(gateway_env):
        monkeypatch.delenv(name)
    for name, value in gateway_env.items():
        monkeypatch.setenv(name, value)
    services.cache_clear()
    _drop_buffered_metrics()
    yield gateway
    services.cache_clear()


def _drop_buffered_metrics() -> None:
    """The in-process gateway is not a Lambda handler, so nothing flushes its metrics after each request; Powertools
    prints them by itself once 100 are buffered, into whatever stdout a test is reading (a CLI's --json output).
    Starting each test with an empty buffer keeps that print out of it; tests that check metrics flush them."""
    import contextlib
    import io
    import warnings

    from cloakr.observability import metrics

    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "No application metrics to publish": nothing to drop
        metrics.flush_metrics(raise_on_empty_metrics=False)


@pytest.fixture
def echo_requests(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every request the built-in ``cloakr-echo`` model receives (a deep copy), in order: what left the gateway."""
    import json

    from cloakr.upstream import EchoProvider

    seen: list[dict[str, Any]] = []
    original = EchoProvider.complete

    def record(self, request):
        seen.append(json.loads(json.dumps(request)))
        return original(self, request)

    monkeypatch.setattr(EchoProvider, "complete", record)
    return seen

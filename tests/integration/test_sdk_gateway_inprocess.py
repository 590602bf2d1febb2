"""The SDK against the real gateway resolver, in-process: each httpx request becomes an API Gateway proxy event for
``cloakr.gateway.app.resolve`` and its answer becomes the httpx response. Nothing of the gateway is mocked; only the
HTTP hop is replaced (the local-gateway e2e tests cover that hop)."""

from __future__ import annotations

import base64

import httpx
import pytest

from cloakr.sdk import Client
from cloakr.sdk.errors import ValidationError
from tests.conftest import make_api_event


def _gateway(request: httpx.Request, tenant_id: str) -> httpx.Response:
    from cloakr.gateway.app import resolve

    event = make_api_event(request.method, request.url.path, request.content.decode() or None,
                           dict(request.headers), authorizer={"tenant_id": tenant_id, "key_id": "k1",
                                                              "scopes": "redact:write", "region": "eu-central-1"})
    answer = resolve(event, None)
    body = answer.get("body") or ""
    content = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    return httpx.Response(answer["statusCode"], headers=answer.get("headers") or {}, content=content)


@pytest.fixture
def client(services) -> Client:
    return Client(api_key="ck_euc1_k1_secret", base_url="http://gateway.test", max_retries=0,
                  http_client=httpx.Client(transport=httpx.MockTransport(lambda r: _gateway(r, services.tenant.tenant_id))))


def test_health(client: Client) -> None:
    health = client.health()
    assert health.status == "ok"


def test_redact_single_and_batch_parse_into_models(client: Client) -> None:
    single = client.redact("Write to ana.silva@example.com today")
    assert "ana.silva@example.com" not in single.text and single.counts.get("EMAIL") == 1
    assert [f.type for f in single.findings] == ["EMAIL"]
    batch = client.redact(["mail ana.silva@example.com", "nothing here"])
    assert batch.results is not None and len(batch.results) == 2
    assert "ana.silva@example.com" not in batch.results[0].text and batch.results[1].counts == {}


def test_gateway_validation_errors_map_to_validation_error(client: Client) -> None:
    with pytest.raises(ValidationError) as caught:
        client.redact("x", rules=[{"type": "custom_pattern", "name": "BAD", "pattern": "("}])
    assert caught.value.status == 400 and caught.value.code

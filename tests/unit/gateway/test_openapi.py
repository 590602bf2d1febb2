"""The OpenAPI document is complete (every route, its scope, every body), and docs/api.md is generated from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloakr.gateway.app import build_app, resolve
from cloakr.gateway.openapi import document, markdown
from cloakr.gateway.scopes import PUBLIC_ROUTES, ROUTE_SCOPES

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"


@pytest.fixture(scope="module")
def spec():
    return document(build_app())


def operations(spec):
    return {(method.upper(), path): op for path, ops in spec["paths"].items() for method, op in ops.items()}


def test_every_route_is_documented_with_the_scope_the_authorizer_enforces(spec):
    ops = operations(spec)
    assert set(ROUTE_SCOPES) | PUBLIC_ROUTES == set(ops)
    for key, op in ops.items():
        if key in PUBLIC_ROUTES:
            assert op["security"] == []
        else:
            assert op["x-cloakr-scope"] == ROUTE_SCOPES[key] and op["security"] == [{"apiKey": []}]
            assert {"400", "401", "403", "404", "429", "503"} <= set(op["responses"])


def test_every_post_and_put_documents_its_body(spec):
    missing = [key for key, op in operations(spec).items() if key[0] in ("POST", "PUT") and "requestBody" not in op]
    assert missing == [], "add the route's body model to its module's REQUEST_MODELS"
    refs = json.dumps(spec)
    for name in spec["components"]["schemas"]:
        assert f"#/components/schemas/{name}" in refs or name == "Error"


def test_the_served_document_is_the_same(services, spec):
    served = resolve(services.event("GET", "/v1/openapi.json"), None)
    assert served["statusCode"] == 200 and json.loads(served["body"])["paths"].keys() == spec["paths"].keys()


def test_api_reference_is_current(spec):
    assert DOC.read_text() == markdown(spec), "run: python -m cloakr.gateway.openapi --markdown > docs/api.md"

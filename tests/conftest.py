"""Fixtures shared by every test tree."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest


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

"""API key -> allow or deny, for the API Gateway REQUEST authorizer and the local gateway alike.

API Gateway caches a decision per ``Authorization`` header (60 s), so the policy lists every route the key's
scopes allow, not only the one being called; a revoked key stops working within that cache time. Denials carry a
stable ``error_code`` and a message in the context (wrong region names the key's home region).
"""

from __future__ import annotations

import re
import time
from typing import Any

from cloakr.gateway.scopes import ROUTE_SCOPES, scope_for
from cloakr.gateway.services import services
from cloakr.gateway.settings import region
from cloakr.observability import logger, metrics
from cloakr.tenants.keys import parse_key

_CACHE_SECONDS = 30
_cache: dict[str, tuple[float, Any]] = {}


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


def _deny(principal: str, code: str, message: str) -> dict[str, Any]:
    metrics.add_metric(name="AuthorizerDenied", unit="Count", value=1)
    logger.info("authorization denied", extra={"error_code": code})
    return {
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]},
        "context": {"error_code": code, "message": message},
    }


def _resource_arns(method_arn: str, scopes: frozenset[str]) -> list[str]:
    # arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>
    base = "/".join(method_arn.split("/", 2)[:2])
    return [
        f"{base}/{method}{re.sub(r'{[^/]+}', '*', path)}"
        for (method, path), scope in ROUTE_SCOPES.items() if scope in scopes
    ]


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    header = _header(event, "authorization") or ""
    token = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
    if not token:
        return _deny("anonymous", "unauthorized", "Send your API key as 'Authorization: Bearer <key>'.")
    parsed = parse_key(token)
    if parsed is None:
        return _deny("anonymous", "unauthorized", "The API key is not valid.")
    if parsed.region != region():
        return _deny(parsed.key_id, "wrong_region",
                     f"This key belongs to {parsed.region}; call the Cloakr endpoint in {parsed.region}, not {region()}.")
    cached = _cache.get(token)
    now = time.time()
    if cached and cached[0] > now:
        key = cached[1]
    else:
        key = services().tenants.find_key(token)
        _cache[token] = (now + _CACHE_SECONDS, key)
    if key is None or not key.usable(now):
        return _deny(parsed.key_id, "unauthorized", "The API key is not valid, has expired or was revoked.")
    method, path = event.get("httpMethod", ""), event.get("path", "")
    needed = scope_for(method, path)
    if needed is not None and needed not in key.scopes:
        return _deny(key.key_id, "forbidden", f"This key lacks the '{needed}' scope.")
    user = _header(event, "x-cloakr-user")
    return {
        "principalId": key.key_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _resource_arns(event.get("methodArn", "*/*"), key.scopes) or ["*"]}
        ]},
        "context": {"tenant_id": key.tenant_id, "key_id": key.key_id, "scopes": ",".join(sorted(key.scopes)),
                    "region": key.region, "user_id": user or ""},
    }


def clear_cache() -> None:
    _cache.clear()

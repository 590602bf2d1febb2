"""API key -> allow or deny, for the API Gateway REQUEST authorizer and the local gateway alike.

API Gateway caches a decision per API key and route (``Authorization`` header, HTTP method and resource path; 60 s,
``stacks/constructs/gateway_api.py``), so a decision may depend on nothing else: the key, its tenant and the route's
scope. A denial (``Resource: "*"``) is thereby remembered for that route only. The allow policy still lists every
route the key's scopes allow. Key records are also cached in-process for ``cloakr.tenants.cache.CACHE_SECONDS``
(30 s): a revoked or expired key stops working within at most 90 s (60 s at API Gateway plus 30 s in a warm
authorizer). End users (``X-Cloakr-User`` or a body's ``user``) are not decided on here: the header cannot be part of
API Gateway's cache key (a request without it would be refused before the authorizer runs), so a decision on it
would be applied to other users of the key. The functions refuse blocked end users on every request instead
(``Services.admit``: 403 ``user_blocked`` and the ``blocked_prompts`` incident signal), and the context carries no
end user. Denials carry a stable ``error_code`` and a message in the context (wrong region names the key's home
region and endpoint).
"""

from __future__ import annotations

import re
import time
from typing import Any

from cloakr.audit.trail import AuditEvent, AuditWriteError
from cloakr.gateway.context import header
from cloakr.gateway.scopes import ROUTE_SCOPES, scope_for
from cloakr.gateway.services import clear_caches, services
from cloakr.gateway.settings import region
from cloakr.observability import logger, metrics
from cloakr.tenants.cache import TtlCache
from cloakr.tenants.keys import hash_key, parse_key

_keys = TtlCache()
_owners = TtlCache()


# Which incident signal each refusal feeds; a missing or malformed key is noise, not a signal about anyone.
_SIGNAL_OF_DENIAL = {"unauthorized": "auth_failures", "forbidden": "auth_failures", "key_blocked": "auth_failures",
                     "wrong_region": "key_wrong_region"}


def _deny(principal: str, code: str, message: str, tenant_id: str | None = None) -> dict[str, Any]:
    metrics.add_metric(name="AuthorizerDenied", unit="Count", value=1)
    logger.info("authorization denied", extra={"error_code": code, "tenant_id": tenant_id})
    if principal != "anonymous" and code in _SIGNAL_OF_DENIAL:
        services().incidents.observe(_SIGNAL_OF_DENIAL[code], tenant_id=tenant_id, key_id=principal)
    # Without a tenant there is no trail to write to: a missing, malformed or unknown key (an id no tenant was
    # issued) is counted in the AuthorizerDenied metric and logged, not audited.
    if tenant_id:
        # A refusal of a real key is an authentication event of its tenant. The request is refused either way, so
        # an audit outage is logged rather than turned into an error.
        try:
            # No end-user id: the authorizer holds no pseudonym key, and raw ids may be e-mail addresses.
            services().audit.record(AuditEvent(tenant_id=tenant_id, action="auth.denied", category="authentication",
                                               session_id=principal, outcome=code))
        except AuditWriteError:
            logger.error("audit record of a denial not written", extra={"error_code": code, "tenant_id": tenant_id})
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
    value = header(event, "authorization") or ""
    token = value[7:].strip() if value.lower().startswith("bearer ") else value.strip()
    if not token:
        return _deny("anonymous", "unauthorized", "Send your API key as 'Authorization: Bearer <key>'.")
    parsed = parse_key(token)
    if parsed is None:
        return _deny("anonymous", "unauthorized", "The API key is not valid.")
    if parsed.region != region():
        return _deny(parsed.key_id, "wrong_region",
                     f"This key belongs to {parsed.region}; call the Cloakr endpoint in {parsed.region} "
                     f"(the execute-api.{parsed.region}.amazonaws.com API of your {parsed.region} stack), not {region()}.")
    now = time.time()
    # Cached by hash, so no plaintext key is held in memory beyond this call.
    key = _keys.get(hash_key(token), lambda: services().tenants.find_key(token))
    if key is None:
        # A real key id with a wrong secret is an authentication event of the key's tenant (keys issued before the
        # id-to-tenant pointer existed have none, and are refused unattributed).
        owner = _owners.get(parsed.key_id, lambda: services().tenants.key_owner(parsed.key_id))
        return _deny(parsed.key_id, "unauthorized", "The API key is not valid, has expired or was revoked.", owner)
    if not key.usable(now):
        return _deny(key.key_id, "unauthorized", "The API key is not valid, has expired or was revoked.", key.tenant_id)
    if services().is_key_blocked(key.tenant_id, key.key_id):
        return _deny(key.key_id, "key_blocked", "This API key is blocked after a security incident; an admin of the tenant can lift the block.", key.tenant_id)
    method, path = event.get("httpMethod", ""), event.get("path", "")
    needed = scope_for(method, path)
    if needed is not None and needed not in key.scopes:
        return _deny(key.key_id, "forbidden", f"This key lacks the '{needed}' scope.", key.tenant_id)
    return {
        "principalId": key.key_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _resource_arns(event.get("methodArn", "*/*"), key.scopes) or ["*"]}
        ]},
        "context": {"tenant_id": key.tenant_id, "key_id": key.key_id, "scopes": ",".join(sorted(key.scopes)),
                    "region": key.region},
    }


def clear_cache() -> None:
    """Forget cached keys, tenants and blocks (tests, and operators who need a revocation to apply at once)."""
    _keys.clear()
    _owners.clear()
    clear_caches()

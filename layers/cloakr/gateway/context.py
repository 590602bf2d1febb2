"""Who is calling: the principal the authorizer established, read from the request context.

The resolver checks scopes again (defence in depth): a function invoked without the authorizer (misconfigured
route, direct invoke) refuses instead of serving anonymous callers. The end user is read from the live
``X-Cloakr-User`` header, not the authorizer context, because API Gateway caches the context per API key and route, for every end user of that key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cloakr.gateway.errors import ForbiddenError, UnauthorizedError, ValidationError

USER_HEADER = "x-cloakr-user"
MAX_USER_ID = 256


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    key_id: str
    scopes: frozenset[str]
    region: str
    user_id: str | None


def header(event: dict[str, Any], name: str) -> str | None:
    """A request header by case-insensitive ``name`` (API Gateway keeps the client's spelling)."""
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


def current_principal(event: dict[str, Any]) -> Principal:
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    if not context.get("tenant_id"):
        raise UnauthorizedError("A valid API key is required.")
    user = header(event, USER_HEADER) or context.get("user_id") or None
    if user is not None and len(user) > MAX_USER_ID:
        raise ValidationError(f"X-Cloakr-User is longer than {MAX_USER_ID} characters.")
    return Principal(
        tenant_id=context["tenant_id"], key_id=context.get("key_id", ""),
        scopes=frozenset(s for s in context.get("scopes", "").split(",") if s),
        region=context.get("region", ""), user_id=user,
    )


def require_scope(event: dict[str, Any], scope: str) -> Principal:
    principal = current_principal(event)
    if scope not in principal.scopes:
        raise ForbiddenError(f"This key lacks the '{scope}' scope.")
    return principal


def user_from_path(segment: str) -> str:
    """The end-user id of a path segment. REST APIs pass the path still percent-encoded, and ids are often e-mail
    addresses (``a%40b.example``); decoded, it is the id the same user's requests carry in ``X-Cloakr-User``."""
    try:
        user_id = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        raise ValidationError("The user id is not valid percent-encoded UTF-8.") from None
    if not user_id or len(user_id) > MAX_USER_ID:
        raise ValidationError(f"The user id must be 1 to {MAX_USER_ID} characters.")
    return user_id

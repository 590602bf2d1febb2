"""PII engines per configuration, built once and reused across requests (construction compiles patterns)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Sequence

from cloakr.gateway.errors import ValidationError
from cloakr.gateway.settings import region
from cloakr.pii.engine import PIIEngine
from cloakr.pii.rules import RuleError


@lru_cache(maxsize=64)
def _cached(region_name: str, entities: tuple[str, ...] | None, rules_json: str | None, hash_key: bytes | None) -> PIIEngine:
    rules = json.loads(rules_json) if rules_json else None
    return PIIEngine(region=region_name, entities=list(entities) if entities is not None else None, rules=rules, hash_key=hash_key)


def engine_for(entities: Sequence[str] | None = None, rules: Sequence[dict[str, Any]] | None = None,
               hash_key: bytes | None = None) -> PIIEngine:
    """An engine for this region with the tenant's (and request's) rules; ``hash_key`` is the tenant's HMAC key."""
    try:
        return _cached(
            region(),
            tuple(entities) if entities is not None else None,
            json.dumps(list(rules), sort_keys=True, default=str) if rules else None,
            hash_key,
        )
    except RuleError as exc:
        raise ValidationError(str(exc)) from None
    except ValueError as exc:
        raise ValidationError(str(exc)) from None

"""``POST /v1/redact``: redact one text or a batch; the response carries types, offsets and scores, not values."""

from __future__ import annotations

import time
from typing import Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cloakr.constants import MAX_BODY_BYTES
from cloakr.audit.trail import AuditEvent
from cloakr.compliance.profiles import policy_for
from cloakr.gateway.context import current_principal
from cloakr.gateway.engines import engine_for
from cloakr.gateway.errors import DetectionFailedError, ValidationError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services
from cloakr.observability import logger, metrics
from cloakr.pii.engine import DetectionError
from cloakr.pii.tokens import TokenMap

router = Router()
MAX_TEXTS = 100


class RedactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"text": "Mail jane.doe@example.com, card 4111 1111 1111 1111"},
        {"texts": ["Call +49 30 1234567", "No PII here"], "mode": "tokenize"}]})

    text: str | None = Field(default=None, max_length=MAX_BODY_BYTES)
    texts: list[str] | None = Field(default=None, max_length=MAX_TEXTS)
    mode: Literal["replace", "mask", "hash", "tokenize", "remove"] = Field(default="replace", description=(
        "replace: `[EMAIL]`; mask: letters and digits starred, the last 4 of cards and accounts shown when at least "
        "as many stay hidden; hash: `[EMAIL:<12 hex>]`, a keyed HMAC of the normalised value, stable per tenant; "
        "tokenize: `[EMAIL_1]`, one placeholder per value across the batch, never one that occurs in the texts; "
        "remove: the value and the gap it leaves"))
    entities: list[str] | None = None
    rules: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def one_of_text_or_texts(self) -> "RedactRequest":
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        return self


@router.post("/v1/redact")
def redact() -> dict[str, Any]:
    started = time.perf_counter()
    principal = current_principal(router.current_event.raw_event)
    request = parse_body(router.current_event.raw_event, RedactRequest)
    tenant = services().admit(principal)
    policy = policy_for(tenant.profiles)  # HIPAA/PCI: types that stay on, modes that are refused
    if refusal := policy.mode_refusal(request.mode):
        raise ValidationError(refusal, code="mode_not_allowed")
    engine = engine_for(entities=policy.entities(request.entities), rules=[*tenant.rules, *(request.rules or [])], hash_key=tenant.hash_key)
    if request.mode == "hash" and not engine.hash_key:
        raise ValidationError("mode 'hash' needs the tenant's hash key, which this tenant has not configured.")
    texts = [request.text] if request.text is not None else list(request.texts or [])
    # One map for a batch: a value gets the same placeholder in every text, and no placeholder repeats text the
    # caller wrote in another (the map itself holds raw values and is not returned).
    tokens = TokenMap() if request.mode == "tokenize" else None
    if tokens is not None:
        for t in texts:
            tokens.reserve(t)
    try:
        results = [engine.redact(t, mode=request.mode, token_map=tokens) for t in texts]
    except DetectionError:
        raise DetectionFailedError("Detection failed; the text was not processed. Retry later.") from None
    counts: dict[str, int] = {}
    for result in results:
        for entity_type, n in result.counts.items():
            counts[entity_type] = counts.get(entity_type, 0) + n
    services().record(AuditEvent(
        tenant_id=principal.tenant_id, action="redact", category="data_access", user_id=principal.user_id,
        processing_time_ms=(time.perf_counter() - started) * 1000, pii_types=list(counts), pii_counts=dict(counts),
        redacted_count=sum(counts.values()), compliance_flags=sorted(tenant.profiles), retention_days=tenant.retention_days,
    ))
    if phi := policy.phi_access(tenant.tenant_id, principal.user_id, counts, action="redact"):
        services().record(phi)
    logger.info("redacted", extra={"tenant_id": tenant.tenant_id, "texts": len(texts), "entity_counts": counts, "mode": request.mode})
    metrics.add_metric(name="EntitiesRedacted", unit="Count", value=sum(counts.values()))
    items = [
        {"text": r.text, "findings": [f.to_dict() for f in r.findings], "counts": r.counts}
        for r in results
    ]
    body: dict[str, Any] = {"mode": request.mode, "counts": counts}
    if request.text is not None:
        body.update(items[0])
    else:
        body["results"] = items
    return body


# Body models for the OpenAPI document (cloakr.gateway.openapi).
REQUEST_MODELS = {("POST", "/v1/redact"): RedactRequest}

"""``POST /v1/classify``: the data classification level of a text, the entity counts behind it and its controls.

The text is run through the tenant's engine (its rules, its HIPAA/PCI always-on types); the answer and the audit
record carry entity types and counts, never values.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from cloakr.audit.trail import AuditEvent
from cloakr.compliance.classify import classify
from cloakr.compliance.profiles import policy_for
from cloakr.constants import MAX_BODY_BYTES
from cloakr.gateway.context import current_principal
from cloakr.gateway.engines import engine_for
from cloakr.gateway.errors import DetectionFailedError, ValidationError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services
from cloakr.observability import logger
from cloakr.pii.engine import DetectionError
from cloakr.pii.entities import ALL_ENTITY_TYPES
from cloakr.tenants.store import Tenant

router = Router()


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"text": "Card 4111 1111 1111 1111, mail jane.doe@example.com"}]})
    text: str = Field(max_length=MAX_BODY_BYTES)
    entities: list[str] | None = Field(default=None, max_length=len(ALL_ENTITY_TYPES))


def _checked_entities(entities: list[str] | None) -> list[str] | None:
    """The requested types, or 400 naming the positions of unknown ones and the allowed types. Checked here
    because the engine's own error names the unknown values, which are caller text."""
    unknown = [str(i) for i, name in enumerate(entities or []) if name not in ALL_ENTITY_TYPES]
    if unknown:
        raise ValidationError(f"'entities' items at positions {', '.join(unknown)} are not entity types; "
                              f"allowed: {', '.join(sorted(ALL_ENTITY_TYPES))}.")
    return entities


def _counts(text: str, entities: list[str] | None, tenant: Tenant) -> dict[str, int]:
    """Finding counts per type with the tenant's rules and profile policy (HIPAA/PCI types stay on)."""
    engine = engine_for(entities=policy_for(tenant.profiles).entities(_checked_entities(entities)), rules=tenant.rules)
    try:
        return dict(Counter(finding.type for finding in engine.detect(text)))
    except DetectionError:
        raise DetectionFailedError("Detection failed; the text was not classified. Retry later.") from None


@router.post("/v1/classify")
def classify_text() -> dict[str, Any]:
    started = time.perf_counter()
    event = router.current_event.raw_event
    principal, request = current_principal(event), parse_body(event, ClassifyRequest)
    tenant = services().admit(principal)
    counts = _counts(request.text, request.entities, tenant)
    result = classify(request.text, counts)
    services().record(AuditEvent(
        tenant_id=tenant.tenant_id, action="classify", category="data_access", user_id=principal.user_id,
        processing_time_ms=(time.perf_counter() - started) * 1000, pii_types=list(result.entity_counts), pii_counts=result.entity_counts,
        compliance_flags=sorted({*tenant.profiles, f"level:{result.level}"}), retention_days=tenant.retention_days,
    ))
    phi = policy_for(tenant.profiles).phi_access(tenant.tenant_id, principal.user_id, counts, action="classify")
    if phi is not None:
        services().record(phi)
    logger.info("classified", extra={"tenant_id": tenant.tenant_id, "level": result.level, "entity_counts": result.entity_counts})
    return result.to_dict()


REQUEST_MODELS = {("POST", "/v1/classify"): ClassifyRequest}

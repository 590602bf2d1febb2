"""Consent enforcement of the caller's tenant: the consent types every end user must have granted (``users:admin``).

While the list is not empty, the routes that process end-user content (chat, redact, classify, encrypt) admit a
request only for a named end user who granted each type (``cloakr.compliance.subjects.require_consents``: 403
``consent_required``, 400 ``user_required``); an empty list turns enforcement off. A change is audited before it takes
effect (no record, no change); the record names the change, not the types or any end user. It applies in this
process at once and in the others when their cache expires (``cloakr.tenants.cache.CACHE_SECONDS``, 30 s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler.api_gateway import Router
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field

from cloakr.audit.trail import AuditEvent
from cloakr.compliance import subjects
from cloakr.compliance.subject_keys import SubjectsUnavailableError
from cloakr.constants import TABLE_TENANTS
from cloakr.gateway.context import Principal, require_scope
from cloakr.gateway.errors import UnauthorizedError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services

router = Router()
SCOPE = "users:admin"
PATH = "/v1/consents/required"
#: More would be a configuration mistake: every content request checks each type of its end user.
MAX_REQUIRED_CONSENTS = 20
T = TypeVar("T")

ConsentType = Annotated[str, Field(pattern=subjects.CONSENT_TYPE_PATTERN)]


class RequiredConsentsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"consent_types": ["ai_processing"]}, {"consent_types": []}]})
    consent_types: list[ConsentType] = Field(
        max_length=MAX_REQUIRED_CONSENTS,
        description="Consent types (codes such as ai_processing, as recorded by PUT /v1/users/{user_id}/consent) "
                    "every end user must have granted; an empty list turns enforcement off")


def _guarded(operation: Callable[[], T]) -> T:
    """A tenants-table step; its failure is a retryable 503 (nothing changed), a missing tenant profile a 401."""
    try:
        return operation()
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise UnauthorizedError("The API key's tenant does not exist in this region.") from None
        raise SubjectsUnavailableError("The tenant's settings are unavailable; nothing was changed. Retry later.") from None
    except BotoCoreError:
        raise SubjectsUnavailableError("The tenant's settings are unavailable; nothing was changed. Retry later.") from None


def _audit(principal: Principal, action: str) -> None:
    """A tenant-wide setting: the record names no end user (the caller's ``X-Cloakr-User`` is not the subject)."""
    services().record(AuditEvent(tenant_id=principal.tenant_id, action=action, category="compliance"))


def _view(types: Any) -> dict[str, Any]:
    return {"consent_types": sorted(types)}


@router.get(PATH)
def get_required_consents() -> dict[str, Any]:
    principal = require_scope(router.current_event.raw_event, SCOPE)
    _audit(principal, "consents.required.read")
    table = services().tables[TABLE_TENANTS]
    return _view(_guarded(lambda: subjects.required_consents(table, principal.tenant_id)))


@router.put(PATH)
def set_required_consents() -> dict[str, Any]:
    principal = require_scope(router.current_event.raw_event, SCOPE)
    request = parse_body(router.current_event.raw_event, RequiredConsentsRequest)
    types = set(request.consent_types)
    _audit(principal, "consents.required.set" if types else "consents.required.clear")
    table = services().tables[TABLE_TENANTS]
    _guarded(lambda: subjects.set_required_consents(table, principal.tenant_id, types))
    subjects.clear_cache()  # enforcement changes for every user of the tenant, in this process now
    return _view(types)


REQUEST_MODELS = {("PUT", PATH): RequiredConsentsRequest}

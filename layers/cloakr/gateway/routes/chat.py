"""``POST /v1/chat/completions`` (OpenAI wire format, ``stream`` included) and ``GET /v1/models``.

Every message part is tokenized before anything leaves; only the redacted request reaches the model; the answer
comes back with originals restored and a count of what was redacted (header and ``cloakr`` field). Any failure
before the upstream call means nothing was sent (fail closed).

The upstream is called once, without streaming; ``stream: true`` answers are cut into SSE chunks *after*
restoration, so a placeholder can never be split across chunks (Lambda buffers the SSE body whole anyway).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Literal
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from cloakr.audit.trail import AuditEvent
from cloakr.compliance.profiles import policy_for, untokenized_findings
from cloakr.compliance.subject_keys import KEY_PREFIX
from cloakr.constants import TABLE_VAULT
from cloakr.crypto.byok import tenant_cipher
from cloakr.gateway.context import current_principal, header
from cloakr.gateway.conversation import Conversation, as_sent
from cloakr.gateway.engines import engine_for
from cloakr.gateway.errors import ApiError, DetectionFailedError, ForbiddenError, NotFoundError, ValidationError
from cloakr.gateway.requests import parse_body
from cloakr.gateway.services import services
from cloakr.gateway.settings import region, region_config
from cloakr.gateway.vault import CONVERSATION_HEADER, TokenVault, conversation_id
from cloakr.observability import logger, metrics
from cloakr.pii.engine import DetectionError
from cloakr.pii.tokens import TokenMap
from cloakr.tenants.store import Tenant
from cloakr.upstream import UpstreamError, provider_for

router = Router()
STREAM_PIECE = 24  # characters per streamed content delta


class ToolFunction(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(max_length=256)
    # A JSON document in a string, as OpenAI sends it; an object here would reach the upstream unredacted.
    arguments: str


class ToolFunctionDefinition(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(max_length=256)
    description: str | None = None
    parameters: dict[str, Any] | None = None


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="allow")
    function: ToolFunction


class ContentPart(BaseModel):
    """One part of a message's content; a text part's text must be a string (providers join parts' texts)."""
    model_config = ConfigDict(extra="allow")
    type: str = Field(max_length=64)
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None
    name: str | None = Field(default=None, max_length=256)
    tool_calls: list[ToolCall] | None = None


class ToolDefinition(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(default="function", max_length=64)
    function: ToolFunctionDefinition


class NamedTool(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(max_length=256)


class ToolChoice(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(default="function", max_length=64)
    function: NamedTool


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "cloakr-echo", "messages": [{"role": "user", "content": "Write to jane.doe@example.com"}]},
        {"model": "cloakr-echo", "messages": [{"role": "user", "content": "Hello"}], "stream": True}]})
    model: str = Field(min_length=1, max_length=200)
    messages: list[Message] = Field(min_length=1, max_length=1000)
    stream: bool = Field(default=False, strict=True)
    stream_options: dict[str, Any] | None = None
    user: str | None = Field(default=None, max_length=256)
    # Typed so a malformed value is a 400 here, not an error inside a provider after the request left.
    tools: list[ToolDefinition] | None = Field(default=None, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | ToolChoice | None = None
    stop: str | list[str] | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    # One answer per request: several choices would each need their own restore, and no provider here returns them.
    n: Literal[1] | None = None


def _available(tenant: Tenant) -> list[Any]:
    """The models this tenant may call here: the region's allowed routings, narrowed by the tenant's list."""
    config = region_config()
    return [m for m in config.models
            if m.routing in config.allowed_routings and (not tenant.allowed_models or m.id in tenant.allowed_models)]


def _route(model_id: str, tenant: Tenant):
    config = region_config()
    route = config.model(model_id)
    if route is None:
        # The id is not echoed: it is caller text like any other.
        raise ValidationError("Unknown model; GET /v1/models lists the models available here.", code="model_not_found")
    if route.routing not in config.allowed_routings:
        raise ForbiddenError(
            f"Model {route.id} routes '{route.routing}', outside this region's allowed routings "
            f"({', '.join(config.allowed_routings)}); models allowed here: {', '.join(m.id for m in _available(tenant))}.",
            code="model_not_allowed_in_region")
    if route not in _available(tenant):
        raise ForbiddenError(f"Model {route.id} is not enabled for this tenant; allowed: {', '.join(m.id for m in _available(tenant))}.",
                             code="model_not_allowed")
    return route


def _redactions_header(counts: dict[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(counts.items()))


def _sse(response: dict[str, Any], include_usage: bool = False) -> str:
    """The completed, restored answer as Chat Completions stream chunks (restoration happens before chunking,
    so a placeholder is never split across chunks); with ``include_usage``, OpenAI's last chunk: no choices, the usage."""
    base = {"id": response["id"], "object": "chat.completion.chunk", "created": response["created"], "model": response["model"]}
    events = []
    for choice in response["choices"]:
        message = choice["message"]
        events.append({**base, "choices": [{"index": choice["index"], "delta": {"role": "assistant"}, "finish_reason": None}]})
        content = message.get("content") or ""
        for start in range(0, len(content), STREAM_PIECE):
            events.append({**base, "choices": [{"index": choice["index"], "delta": {"content": content[start:start + STREAM_PIECE]}, "finish_reason": None}]})
        if message.get("tool_calls"):
            calls = [{**call, "index": i} for i, call in enumerate(message["tool_calls"])]
            events.append({**base, "choices": [{"index": choice["index"], "delta": {"tool_calls": calls}, "finish_reason": None}]})
        events.append({**base, "choices": [{"index": choice["index"], "delta": {}, "finish_reason": choice.get("finish_reason")}],
                       "cloakr": response.get("cloakr")})
    if include_usage:
        events.append({**base, "choices": [], "usage": response.get("usage")})
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"


# The answer's two shapes, for the OpenAPI document (a Response return hides them from Powertools).
COMPLETION_RESPONSES = {200: {
    "description": "The completion in the OpenAI format, originals restored; with `stream: true` the same answer as "
                   "server-sent events (`data: {chunk}` lines, then `data: [DONE]`)",
    "content": {"application/json": {"schema": {"type": "object"}},
                # OpenAPI 3.1: an event stream's schema describes one event.
                "text/event-stream": {"schema": {"type": "object", "required": ["data"], "properties": {
                    "data": {"type": "string", "description": "a `chat.completion.chunk` as JSON, or `[DONE]`"}}}}},
}}


@router.post("/v1/chat/completions", responses=COMPLETION_RESPONSES)
def chat_completions():  # returns a Response (JSON or text/event-stream)
    started = time.perf_counter()
    event = router.current_event.raw_event
    principal = current_principal(event)
    request = parse_body(event, ChatRequest)
    tenant = services().admit(principal, request.user)
    route = _route(request.model, tenant)
    raw = request.model_dump(exclude_none=True)
    if request.user:
        # OpenAI's end-user id may be an e-mail address: the model sees a stable keyed pseudonym instead (part of the
        # user's stored key, which no one without the tenant's secret can recompute from a guessed id).
        raw["user"] = "cloakr-" + services().user_key(tenant.tenant_id, request.user).removeprefix(KEY_PREFIX)[:16]
    raw.pop("stream_options", None)  # the upstream is called without streaming; usage is streamed from its answer
    vault = TokenVault(services().tables[TABLE_VAULT], tenant_cipher(services()))  # the tenant's BYOK key, if any
    named_conversation = header(event, CONVERSATION_HEADER)
    conversation_key = conversation_id(tenant.tenant_id, named_conversation, raw["messages"])
    user_id = principal.user_id or request.user
    owner = services().user_key(tenant.tenant_id, user_id) if user_id else None  # how the vault names the user
    # A stored map is shared only by requests that name the same end user or the same conversation. Without either,
    # two strangers whose chats open alike would derive one conversation id and get each other's values restored:
    # such a request numbers its placeholders afresh from the history it sends (stable, as every turn resends it).
    stored = bool(user_id or named_conversation)
    tokens = vault.load(tenant.tenant_id, owner, conversation_key) if stored else TokenMap()
    known = len(tokens)
    # Texts this end user's conversation resends every turn are detected once (per warm function): the scope is
    # the conversation and its user, so nothing is shared across conversations or users.
    scope = hashlib.sha256(f"{user_id or ''}\0{conversation_key}".encode()).hexdigest()[:32]
    conversation = Conversation(engine_for(rules=tenant.rules), tokens, scope=scope)
    policy = policy_for(tenant.profiles)
    try:
        redacted = conversation.redact_request(raw)
        stray = untokenized_findings(as_sent(redacted), policy.never_forward, engine_for)
    except DetectionError:
        raise DetectionFailedError("Detection failed; nothing was sent to the model. Retry later.") from None
    if stray:  # HIPAA/PCI data where the gateway forwards text as sent (object keys, ids): never forwarded
        raise ValidationError(f"The request carries {', '.join(sorted(stray))} in an object key or an id, which the gateway "
                              "forwards as sent and this tenant's compliance profile never forwards; move it into a value or "
                              "remove it.", code="regulated_data_not_allowed")
    if stored and len(tokens) != known:
        vault.save(tenant.tenant_id, owner, conversation_key, tokens, tenant.retention_days)
    # The audit record is written before anything leaves: no record, no forwarding.
    services().record(AuditEvent(
        tenant_id=tenant.tenant_id, action="chat.completions", category="data_access", user_id=user_id,
        session_id=conversation_key, model=request.model,
        token_count=sum(len(str(m.get("content") or "").split()) for m in raw["messages"]),
        processing_time_ms=(time.perf_counter() - started) * 1000, pii_types=list(conversation.counts), pii_counts=dict(conversation.counts),
        redacted_count=sum(conversation.counts.values()), compliance_flags=sorted(tenant.profiles),
        retention_days=tenant.retention_days,
    ))
    if phi := policy.phi_access(tenant.tenant_id, user_id, conversation.counts, action="chat.completions", session_id=conversation_key):
        services().record(phi)
    upstream_started = time.perf_counter()
    try:
        answer = provider_for(route, region()).complete(redacted)
    except UpstreamError as exc:
        error = ApiError(exc.message, code=exc.code, status=exc.status)
        error.retryable = exc.retryable
        raise error from None
    upstream_ms = (time.perf_counter() - upstream_started) * 1000
    restored = conversation.restore_response(answer)
    restored["cloakr"] = {"redactions": conversation.counts}
    metrics.add_metric(name="EntitiesRedacted", unit="Count", value=sum(conversation.counts.values()))
    metrics.add_metric(name="UpstreamLatency", unit="Milliseconds", value=upstream_ms)
    logger.info("chat completed", extra={"tenant_id": tenant.tenant_id, "model": request.model, "entity_counts": conversation.counts,
                                         "latency_ms": round((time.perf_counter() - started) * 1000, 1)})
    headers = {"X-Cloakr-Redactions": _redactions_header(conversation.counts)}
    if request.stream:
        include_usage = bool((request.stream_options or {}).get("include_usage"))
        return Response(200, "text/event-stream", _sse(restored, include_usage), headers=headers)
    return Response(200, "application/json", json.dumps(restored), headers=headers)


def _model_object(model: Any) -> dict[str, Any]:
    # OpenAI's Model object; ``created`` is not known for configured models (0, as OpenAI-compatible proxies send).
    return {"id": model.id, "object": "model", "created": 0, "owned_by": model.provider, "routing": model.routing}


@router.get("/v1/models")
def models() -> dict[str, Any]:
    principal = current_principal(router.current_event.raw_event)
    tenant = services().admit(principal, consent=False)  # listing models processes no personal data
    services().record(AuditEvent(tenant_id=tenant.tenant_id, action="models.list", category="data_access", user_id=principal.user_id))
    return {"object": "list", "data": [_model_object(m) for m in _available(tenant)]}


@router.get("/v1/models/<model_id>")
def model(model_id: str) -> dict[str, Any]:
    """One model this tenant may use here (``openai`` client: ``models.retrieve``); any other id is a 404 that does
    not repeat it."""
    principal = current_principal(router.current_event.raw_event)
    tenant = services().admit(principal, consent=False)
    services().record(AuditEvent(tenant_id=tenant.tenant_id, action="models.read", category="data_access", user_id=principal.user_id))
    found = next((m for m in _available(tenant) if m.id == unquote(model_id)), None)
    if found is None:
        raise NotFoundError("No such model here; GET /v1/models lists the models available to this key.", code="model_not_found")
    return _model_object(found)


REQUEST_MODELS = {("POST", "/v1/chat/completions"): ChatRequest}

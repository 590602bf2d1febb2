"""Typed request and response models of the gateway's JSON API.

Responses allow unknown fields (``extra="allow"``) so that a gateway newer than the SDK never breaks a caller;
requests forbid them so a typo in a keyword fails here, before a round trip. Field names follow the wire format.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from cloakr.sdk import errors

#: At most this many problems are named in one message; a list of bytes would otherwise give one line per byte.
MAX_PROBLEMS = 5


class Response(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def describe_problems(exc: PydanticValidationError) -> str:
    """``field: problem`` for each distinct problem, without the input values.

    pydantic's own message quotes ``input_value=...``, which for a request is the text being redacted: a caller who
    logs the exception would log the personal data the SDK exists to protect. List positions are folded (``texts[]``)
    so one bad element type is reported once, not once per element.
    """
    seen: dict[str, int] = {}
    for problem in exc.errors(include_input=False, include_url=False):
        where = ".".join("[]" if isinstance(part, int) else str(part) for part in problem["loc"]).replace(".[]", "[]")
        line = f"{where or 'request'}: {problem['msg']}"
        seen[line] = seen.get(line, 0) + 1
    lines = [f"{line} ({count} items)" if count > 1 else line for line, count in seen.items()]
    extra = f"; and {len(lines) - MAX_PROBLEMS} more" if len(lines) > MAX_PROBLEMS else ""
    return "invalid request: " + "; ".join(lines[:MAX_PROBLEMS]) + extra


class Request(BaseModel):
    """A request body, checked before sending. A bad argument raises :class:`cloakr.sdk.errors.ValidationError`
    (a ``CloakrError``) naming the field and the problem, never the value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except PydanticValidationError as exc:
            raise errors.ValidationError(describe_problems(exc), code="invalid_request") from None

    def wire(self) -> dict[str, Any]:
        """The JSON body: unset optional fields are left out so the gateway applies its own defaults."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


RedactionMode = Literal["replace", "mask", "hash", "tokenize", "remove"]


# --- detection -------------------------------------------------------------------------------------------------
class Finding(Response):
    type: str
    start: int
    end: int
    score: float = 1.0


class RedactRequest(Request):
    text: str | None = None
    texts: list[str] | None = None
    mode: RedactionMode = "replace"
    entities: list[str] | None = None
    rules: list[dict[str, Any]] | None = None


class RedactResult(Response):
    """One redacted text. ``counts`` maps entity type to how many were redacted."""

    text: str
    findings: list[Finding] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)


class RedactResponse(Response):
    """One text: ``text``, ``findings``, ``counts``. A batch: ``results`` (one :class:`RedactResult` per text) and the
    summed ``counts``. ``texts`` and nested ``findings`` are read from older gateways."""

    mode: str | None = None
    text: str | None = None
    texts: list[str] | None = None
    findings: list[Finding] | list[list[Finding]] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    results: list[RedactResult] | None = None


class ClassifyRequest(Request):
    text: str
    entities: list[str] | None = None


class Classification(Response):
    """``level``: PUBLIC, INTERNAL, CONFIDENTIAL, PII, PHI or PCI; ``entity_counts``: type -> count (never values);
    ``controls``: what the level requires, most restricted first."""

    level: str
    controls: list[str] = Field(default_factory=list)
    entity_counts: dict[str, int] = Field(default_factory=dict)


# --- chat (OpenAI Chat Completions wire format) ---------------------------------------------------------------
class FunctionCall(Response):
    name: str | None = None
    arguments: str | None = None


class ToolCall(Response):
    id: str | None = None
    type: str = "function"
    function: FunctionCall
    index: int | None = None


class ChatMessage(Response):
    role: str
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None


class ChatRequest(Request):
    model: str
    messages: list[dict[str, Any]]
    stream: bool = False
    user: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    conversation_id: str | None = None
    metadata: dict[str, Any] | None = None


class Choice(Response):
    index: int = 0
    message: ChatMessage
    finish_reason: str | None = None


class Usage(Response):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(Response):
    id: str
    object: str = "chat.completion"
    created: int | None = None
    model: str
    choices: list[Choice]
    usage: Usage | None = None

    @property
    def text(self) -> str:
        """The first choice's text: what most callers want."""
        content = self.choices[0].message.content if self.choices else None
        return content if isinstance(content, str) else ""


class ChunkDelta(Response):
    role: str | None = None
    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class ChunkChoice(Response):
    index: int = 0
    delta: ChunkDelta = Field(default_factory=ChunkDelta)
    finish_reason: str | None = None


class ChatCompletionChunk(Response):
    id: str
    object: str = "chat.completion.chunk"
    created: int | None = None
    model: str | None = None
    choices: list[ChunkChoice] = Field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c.delta.content or "" for c in self.choices)


class Model(Response):
    id: str
    object: str = "model"
    created: int = 0
    owned_by: str | None = None
    routing: str | None = None
    provider: str | None = None


class Health(Response):
    status: str
    region: str | None = None
    version: str | None = None


# --- keys ---------------------------------------------------------------------------------------------------------
class CreateKeyRequest(Request):
    name: str | None = None
    scopes: list[str]
    expires_in_days: int | None = None
    user_id: str | None = None


class ApiKey(Response):
    """An API key's metadata. ``key`` (the secret) is present only in the answer that created or rotated it."""

    id: str = Field(validation_alias="key_id", serialization_alias="id")
    key: str | None = None
    name: str | None = None
    scopes: list[str] = Field(default_factory=list)
    status: str | None = None
    created_at: str | None = None
    expires_at: str | None = None
    revoked_at: str | None = None

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- audit --------------------------------------------------------------------------------------------------------
class AuditExportRequest(Request):
    start_date: str
    end_date: str
    format: Literal["csv", "json"] = "json"
    include_details: bool = False


class AuditExport(Response):
    """``status``: pending, running (an unfinished export continues on each poll), complete or failed (``message``
    says what to do). ``download_url`` is a presigned link valid ``expires_in`` seconds, set once complete."""

    id: str = Field(validation_alias="export_id", serialization_alias="id")
    status: str
    format: str | None = None
    download_url: str | None = None
    expires_in: int | None = None
    record_count: int | None = None
    byte_size: int | None = None
    include_details: bool | None = None
    start: str | None = None
    end: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    expires_at: str | None = None
    message: str | None = None

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PiiRedaction(Response):
    detected: list[str] = Field(default_factory=list)
    redacted_count: int = 0


class AuditEvent(Response):
    audit_id: str
    timestamp: str
    tenant_id: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    action: str | None = None
    category: str | None = None
    model: str | None = None
    outcome: str | None = None
    pii_redaction: PiiRedaction | None = None
    hash: str | None = None


class AuditPage(Response):
    events: list[AuditEvent] = Field(default_factory=list)
    next_token: str | None = None


class AuditVerification(Response):
    ok: bool
    digests_checked: int = 0
    records_checked: int = 0
    problems: list[dict[str, Any]] = Field(default_factory=list)
    #: The range checked (the gateway's defaults filled in).
    start: str | None = None
    end: str | None = None


# --- data subjects --------------------------------------------------------------------------------------------------
class ConsentRequest(Request):
    consent_type: str
    granted: bool
    timestamp: datetime | None = None
    source: str | None = None


class Consent(Response):
    """``timestamp``: when the user decided; ``recorded_at``: when the gateway stored it; ``source``: a code."""

    user_id: str | None = None
    consent_type: str
    granted: bool
    timestamp: str | None = None
    recorded_at: str | None = None
    source: str | None = None


class RequiredConsentsRequest(Request):
    consent_types: list[str]


class RequiredConsents(Response):
    """The consent types every end user of the tenant must have granted; empty: no consent is enforced."""

    consent_types: list[str] = Field(default_factory=list)


class Erasure(Response):
    """``deleted`` counts what went, per kind (``vault_items``, ``consents``, ``blocks``...)."""

    user_id: str
    status: str | None = None
    deleted: dict[str, int] = Field(default_factory=dict)


# --- encryption -----------------------------------------------------------------------------------------------------
class EncryptResult(Response):
    ciphertext: str


class DecryptResult(Response):
    plaintext: str


# --- reports --------------------------------------------------------------------------------------------------------
class ReportRequest(Request):
    period: str
    standards: list[str] | None = None
    format: Literal["json", "csv", "pdf"] = "json"


class ComplianceReport(Response):
    """``status``: complete, or expired (the stored copy is gone: ``message`` says to generate it again, and there is
    no ``download_url``)."""

    id: str = Field(validation_alias="report_id", serialization_alias="id")
    status: str | None = None
    format: str | None = None
    period: str | None = None
    standards: list[str] | None = None
    created_at: str | None = None
    download_url: str | None = None
    expires_in: int | None = None
    message: str | None = None

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ScheduleRequest(Request):
    standards: list[str] | None = None
    format: Literal["json", "csv", "pdf"] = "pdf"
    day_of_month: int = Field(default=1, ge=1, le=28)
    hour_utc: int = Field(default=6, ge=0, le=23)


class ReportSchedule(Response):
    id: str = Field(validation_alias="schedule_id", serialization_alias="id")
    expression: str | None = None
    state: str | None = None
    standards: list[str] | None = None
    format: str | None = None

"""Every gateway endpoint, written once for both clients.

Each method builds a :class:`~cloakr.sdk._core.Call` (request spec + parser) and hands it to ``self._execute``:
``Client._execute`` returns the parsed value, ``AsyncClient._execute`` returns an awaitable of it. Only methods whose
I/O pattern differs (streams, pagination, downloads) are written per client.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from cloakr.sdk import models as m
from cloakr.sdk._core import Call, Options, Sleep, identity, segment, spec
from cloakr.sdk.errors import APITimeoutError, CloakrError, ValidationError
from cloakr.sdk.incidents import (
    IncidentHandlers,
    SecurityIncident,
    SubscriptionConfirmation,
)


def _day(value: date | datetime | str) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode("utf-8") if isinstance(data, str) else data).decode("ascii")


def _chat_body(model: str, messages: Sequence[Mapping[str, Any]], stream: bool, extra: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(messages, (str, bytes)) or not all(isinstance(msg, Mapping) for msg in messages):
        raise ValidationError("invalid request: messages must be a list of objects with 'role' and 'content'",
                              code="invalid_request")
    known = set(m.ChatRequest.model_fields)
    typed = m.ChatRequest(model=model, messages=[dict(msg) for msg in messages], stream=stream,
                          **{k: v for k, v in extra.items() if k in known}).wire()
    # Provider options the model list does not name (top_p, seed, response_format...) pass through untouched.
    typed.update({k: v for k, v in extra.items() if k not in known and v is not None})
    return typed


def _texts(text: Any) -> list[Any]:
    """A batch as a list. Bytes are refused by name: ``list(b"...")`` would be one integer per byte."""
    if isinstance(text, (bytes, bytearray, memoryview)) or not isinstance(text, Iterable):
        raise ValidationError(f"invalid request: text must be a str or a list of str, not {type(text).__name__}",
                              code="invalid_request")
    return list(text)


def _nothing(_: Any) -> None:
    """The parser of routes whose answer the SDK does not surface. The call must still be *returned* from the
    method: for ``AsyncClient`` it is the coroutine that sends the request."""


def _models(data: Any) -> list[m.Model]:
    return [m.Model.model_validate(item) for item in data.get("data", [])]


def _keys(data: Any) -> list[m.ApiKey]:
    items = data.get("keys", data.get("data", [])) if isinstance(data, Mapping) else data
    return [m.ApiKey.model_validate(item) for item in items]


class ApiMethods:
    """The endpoint methods shared by :class:`~cloakr.sdk.Client` and :class:`~cloakr.sdk.AsyncClient`."""

    _options: Options

    def __init__(self, webhook_secret: str | None = None) -> None:
        self._incidents = IncidentHandlers(webhook_secret=webhook_secret)

    def _execute(self, call: Call[Any]) -> Any:  # pragma: no cover - provided by the concrete clients
        raise TypeError("use cloakr.Client or cloakr.AsyncClient")

    @property
    def base_url(self) -> str:
        return self._options.base_url

    @property
    def region(self) -> str | None:
        return self._options.region

    # --- detection --------------------------------------------------------------------------------------------
    def redact(self, text: str | Sequence[str], *, mode: m.RedactionMode = "replace",
               entities: Iterable[str] | None = None, rules: Sequence[Mapping[str, Any]] | None = None,
               idempotency_key: str | None = None) -> m.RedactResponse:
        """Redact one text (``str``) or a batch (list of ``str``) on the gateway, with the tenant's rules."""
        single = isinstance(text, str)
        body = m.RedactRequest(text=text if single else None, texts=None if single else _texts(text), mode=mode,
                               entities=list(entities) if entities is not None else None,
                               rules=[dict(r) for r in rules] if rules is not None else None).wire()
        return self._execute(Call(spec("POST", "/v1/redact", body=body, idempotency_key=idempotency_key),
                                  m.RedactResponse.model_validate))

    def classify(self, text: str, *, entities: Iterable[str] | None = None) -> m.Classification:
        body = m.ClassifyRequest(text=text, entities=list(entities) if entities is not None else None).wire()
        return self._execute(Call(spec("POST", "/v1/classify", body=body), m.Classification.model_validate))

    # --- chat and models --------------------------------------------------------------------------------------
    def chat(self, *, model: str, messages: Sequence[Mapping[str, Any]], idempotency_key: str | None = None,
             **options: Any) -> m.ChatCompletion:
        """OpenAI Chat Completions through Cloakr; ``options`` are the wire fields (``user``, ``tools``...)."""
        body = _chat_body(model, messages, False, options)
        return self._execute(Call(spec("POST", "/v1/chat/completions", body=body, idempotency_key=idempotency_key),
                                  m.ChatCompletion.model_validate))

    def _chat_stream_spec(self, model: str, messages: Sequence[Mapping[str, Any]], options: Mapping[str, Any],
                          idempotency_key: str | None):
        return spec("POST", "/v1/chat/completions", body=_chat_body(model, messages, True, options), stream=True,
                    idempotency_key=idempotency_key)

    def models(self) -> list[m.Model]:
        return self._execute(Call(spec("GET", "/v1/models"), _models))

    def model(self, model_id: str) -> m.Model:
        """One model this key's tenant may use here; ``NotFoundError`` for any other id."""
        return self._execute(Call(spec("GET", f"/v1/models/{segment(model_id)}"), m.Model.model_validate))

    def health(self) -> m.Health:
        return self._execute(Call(spec("GET", "/v1/health", auth=False), m.Health.model_validate))

    # --- API keys ---------------------------------------------------------------------------------------------
    def create_api_key(self, *, scopes: Sequence[str], name: str | None = None, expires_in_days: int | None = None,
                       idempotency_key: str | None = None) -> m.ApiKey:
        """A new key with exactly ``scopes`` (least privilege). ``.key`` holds the secret; it is never shown again."""
        body = m.CreateKeyRequest(name=name, scopes=list(scopes), expires_in_days=expires_in_days).wire()
        return self._execute(Call(spec("POST", "/v1/keys", body=body, idempotency_key=idempotency_key),
                                  m.ApiKey.model_validate))

    def list_api_keys(self) -> list[m.ApiKey]:
        return self._execute(Call(spec("GET", "/v1/keys"), _keys))

    def rotate_api_key(self, key_id: str, *, grace_period_hours: int | None = None,
                       idempotency_key: str | None = None) -> m.ApiKey:
        """A replacement key; the old one keeps working for the grace period so deployments can roll over."""
        body = {"grace_period_hours": grace_period_hours} if grace_period_hours is not None else {}
        return self._execute(Call(spec("POST", f"/v1/keys/{segment(key_id)}/rotate", body=body,
                                       idempotency_key=idempotency_key), m.ApiKey.model_validate))

    def revoke_api_key(self, key_id: str) -> None:
        return self._execute(Call(spec("DELETE", f"/v1/keys/{segment(key_id)}"), _nothing))

    # --- audit ------------------------------------------------------------------------------------------------
    def export_audit_logs(self, *, start_date: date | str, end_date: date | str, format: str = "json",
                          include_details: bool = False, idempotency_key: str | None = None) -> m.AuditExport:
        body = m.AuditExportRequest(start_date=_day(start_date), end_date=_day(end_date), format=format,
                                    include_details=include_details).wire()
        return self._execute(Call(spec("POST", "/v1/audit/exports", body=body, idempotency_key=idempotency_key),
                                  m.AuditExport.model_validate))

    def get_audit_export(self, export_id: str) -> m.AuditExport:
        return self._execute(Call(spec("GET", f"/v1/audit/exports/{segment(export_id)}"),
                                  m.AuditExport.model_validate))

    @staticmethod
    def _audit_page(filters: Mapping[str, Any], next_token: str | None) -> Call[m.AuditPage]:
        return Call(spec("GET", "/v1/audit/events", params={**filters, "next_token": next_token}),
                    m.AuditPage.model_validate)

    @staticmethod
    def _audit_filters(start: datetime | date | str | None, end: datetime | date | str | None, action: str | None,
                       user_id: str | None, category: str | None, page_size: int | None) -> dict[str, Any]:
        return {"start": _day(start) if start else None, "end": _day(end) if end else None, "action": action,
                "user_id": user_id, "category": category, "limit": page_size}

    def _export_url_flow(self, export_id: str, wait: float, poll_interval: float) -> Generator[Any, Any, str]:
        """Poll the export until it has a download URL: yields Calls to execute and Sleeps, returns the URL.

        Raises at once if the export failed (waiting longer would not help) and ``APITimeoutError`` after ``wait``.
        """
        deadline = time.monotonic() + wait
        while True:
            export: m.AuditExport = yield Call(spec("GET", f"/v1/audit/exports/{segment(export_id)}"),
                                               m.AuditExport.model_validate)
            if export.status.lower() in ("failed", "error", "expired"):
                reason = f": {export.message}" if export.message else ""
                raise CloakrError(f"audit export {export.id} is {export.status}{reason}")
            if export.download_url:
                return export.download_url
            if time.monotonic() >= deadline:
                raise APITimeoutError(f"audit export {export_id} not ready after {wait:.0f}s (status {export.status})")
            yield Sleep(poll_interval)

    def verify_audit(self, *, start: datetime | date | str | None = None,
                     end: datetime | date | str | None = None) -> m.AuditVerification:
        params = {"start": _day(start) if start else None, "end": _day(end) if end else None}
        return self._execute(Call(spec("GET", "/v1/audit/verify", params=params), m.AuditVerification.model_validate))

    # --- data subjects ----------------------------------------------------------------------------------------
    def delete_user_data(self, user_id: str) -> m.Erasure:
        """GDPR/DPDP/CCPA erasure of one subject; the gateway keeps only a record that the erasure happened."""
        return self._execute(Call(spec("DELETE", f"/v1/users/{segment(user_id)}"), m.Erasure.model_validate))

    def export_user_data(self, user_id: str, *, format: str = "json") -> dict[str, Any]:
        return self._execute(Call(spec("GET", f"/v1/users/{segment(user_id)}/export", params={"format": format}),
                                  identity))

    def update_consent(self, user_id: str, *, consent_type: str, granted: bool,
                       timestamp: datetime | None = None, source: str | None = None) -> m.Consent:
        """Record one consent decision (kept with its history); ``source`` is a code like ``web_form``."""
        body = m.ConsentRequest(consent_type=consent_type, granted=granted, timestamp=timestamp, source=source).wire()
        return self._execute(Call(spec("PUT", f"/v1/users/{segment(user_id)}/consent", body=body),
                                  m.Consent.model_validate))

    def required_consents(self) -> m.RequiredConsents:
        """The consent types the tenant requires of every end user before content is processed (empty: none)."""
        return self._execute(Call(spec("GET", "/v1/consents/required"), m.RequiredConsents.model_validate))

    def set_required_consents(self, consent_types: Iterable[str]) -> m.RequiredConsents:
        """Require these consent types of every end user from now on; an empty list turns enforcement off."""
        # Validated as given: a lone str is refused, not split into one-letter codes.
        body = m.RequiredConsentsRequest(consent_types=consent_types).wire()
        return self._execute(Call(spec("PUT", "/v1/consents/required", body=body), m.RequiredConsents.model_validate))

    # --- encryption -------------------------------------------------------------------------------------------
    def encrypt(self, plaintext: bytes | str, *, purpose: str | None = None) -> str:
        """Server-side envelope encryption with the tenant's key; returns the opaque base64 ciphertext."""
        body = {"plaintext": _b64(plaintext), **({"purpose": purpose} if purpose else {})}
        return self._execute(Call(spec("POST", "/v1/encrypt", body=body),
                                  lambda data: m.EncryptResult.model_validate(data).ciphertext))

    def decrypt(self, ciphertext: str, *, purpose: str | None = None) -> bytes:
        body = {"ciphertext": ciphertext, **({"purpose": purpose} if purpose else {})}
        return self._execute(Call(spec("POST", "/v1/decrypt", body=body),
                                  lambda data: base64.b64decode(m.DecryptResult.model_validate(data).plaintext)))

    # --- reports ----------------------------------------------------------------------------------------------
    def generate_compliance_report(self, *, period: str, standards: Sequence[str] | None = None,
                                   format: str = "json", idempotency_key: str | None = None) -> m.ComplianceReport:
        body = m.ReportRequest(period=period, standards=list(standards) if standards else None, format=format).wire()
        return self._execute(Call(spec("POST", "/v1/reports", body=body, idempotency_key=idempotency_key),
                                  m.ComplianceReport.model_validate))

    def get_compliance_report(self, report_id: str) -> m.ComplianceReport:
        """A stored report with a fresh five-minute download link."""
        return self._execute(Call(spec("GET", f"/v1/reports/{segment(report_id)}"), m.ComplianceReport.model_validate))

    def schedule_compliance_report(self, *, standards: Sequence[str] | None = None, format: str = "pdf",
                                   day_of_month: int = 1, hour_utc: int = 6,
                                   idempotency_key: str | None = None) -> m.ReportSchedule:
        """A monthly report of the previous month, made on ``day_of_month`` at ``hour_utc`` (EventBridge Scheduler)."""
        body = m.ScheduleRequest(standards=list(standards) if standards else None, format=format,
                                 day_of_month=day_of_month, hour_utc=hour_utc).wire()
        return self._execute(Call(spec("POST", "/v1/reports/schedules", body=body, idempotency_key=idempotency_key),
                                  m.ReportSchedule.model_validate))

    def list_report_schedules(self) -> list[m.ReportSchedule]:
        return self._execute(Call(spec("GET", "/v1/reports/schedules"),
                                  lambda data: [m.ReportSchedule.model_validate(s) for s in data["schedules"]]))

    def delete_report_schedule(self, schedule_id: str) -> None:
        return self._execute(Call(spec("DELETE", f"/v1/reports/schedules/{segment(schedule_id)}"), _nothing))

    # --- incidents --------------------------------------------------------------------------------------------
    def list_incidents(self, *, start: datetime | date | str | None = None,
                       end: datetime | date | str | None = None) -> list[SecurityIncident]:
        """The tenant's incidents (default: the last 30 days), oldest first."""
        params = {"start": _day(start) if start else None, "end": _day(end) if end else None}
        return self._execute(Call(spec("GET", "/v1/incidents", params=params),
                                  lambda data: [SecurityIncident.model_validate(i) for i in data["incidents"]]))

    def block_user(self, user_id: str, *, reason: str = "admin") -> None:
        return self._execute(Call(spec("PUT", f"/v1/users/{segment(user_id)}/block", body={"reason": reason}), _nothing))

    def unblock_user(self, user_id: str) -> None:
        """Lift a block set by an admin or by a high-severity incident; ``user_id`` is the id or the incident's
        ``user_id`` (the stored key)."""
        return self._execute(Call(spec("DELETE", f"/v1/users/{segment(user_id)}/block"), _nothing))

    def unblock_api_key(self, key_id: str) -> None:
        """Lift the block a high-severity incident put on a key (after checking the key is not leaked)."""
        return self._execute(Call(spec("DELETE", f"/v1/keys/{segment(key_id)}/block"), _nothing))

    def on(self, event: str, callback: Callable[[SecurityIncident], Any] | None = None) -> Any:
        """Register ``callback`` for ``"security_incident"``; usable as a decorator. See :meth:`handle_webhook`."""
        return self._incidents.on(event, callback)

    def handle_webhook(self, body: bytes | str | Mapping[str, Any],
                       headers: Mapping[str, str] | None = None) -> SecurityIncident | SubscriptionConfirmation:
        """Feed one webhook delivery (EventBridge API destination or SNS HTTPS) to the registered callbacks."""
        return self._incidents.handle(body, headers)

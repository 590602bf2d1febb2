"""``client.on("security_incident", callback)``: receiving Cloakr's incident events in an application.

Cloakr raises incidents as EventBridge events (source ``cloakr``, detail-type ``security_incident``) and SNS
alerts in the stack's region. An application subscribes a webhook to either:

* an **EventBridge API destination** (rule on ``detail-type = security_incident`` → HTTPS endpoint; the connection's
  API-key authorization sends a shared secret header, checked here with a constant-time compare), or
* an **SNS HTTPS subscription** to the incident topic (every message's RSA signature is verified against the
  certificate SNS names, fetched only from ``https://sns.<region>.amazonaws.com/...pem``).

The web framework hands the raw body and headers to :meth:`IncidentHandlers.handle`, which authenticates the
delivery, unwraps SNS/EventBridge envelopes and calls each registered callback with a :class:`SecurityIncident`.
Pushing beats polling here: high-severity incidents block keys at once, and the app should know at once too.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from cloakr.sdk.errors import IncidentEventError

EVENT_SECURITY_INCIDENT = "security_incident"
EVENTS = frozenset({EVENT_SECURITY_INCIDENT})
#: Header carrying the shared secret configured on the EventBridge connection (API_KEY authorization).
SECRET_HEADER = "x-cloakr-webhook-secret"
_SNS_CERT_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_SNS_SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}


class SecurityIncident(BaseModel):
    """One incident as Cloakr describes it; never carries raw PII, only ids, counts and types."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    incident_id: str | None = Field(default=None, validation_alias=AliasChoices("incident_id", "id"))
    kind: str | None = Field(default=None, validation_alias=AliasChoices("kind", "type"))
    severity: str = "medium"
    tenant_id: str | None = None
    key_id: str | None = None
    #: The end user's stored key (``ux-`` and 40 hex digits), never the id sent; ``unblock_user`` accepts it.
    user_id: str | None = None
    region: str | None = None
    detected_at: str | None = None
    action_taken: str | None = None
    #: How many signals (refusals, entities, blocked prompts) crossed the threshold, and when their window began
    #: (epoch seconds).
    count: int | None = None
    window_start: int | None = None
    #: The EventBridge event id, when delivered through EventBridge (useful to de-duplicate redeliveries).
    event_id: str | None = None
    #: Where a webhook delivery came from: ``eventbridge`` or ``sns``; None for ``list_incidents`` results.
    delivered_via: str | None = None


class SubscriptionConfirmation(BaseModel):
    """An SNS subscription handshake: visit ``subscribe_url`` (after checking ``topic_arn``) to start deliveries."""

    topic_arn: str
    subscribe_url: str


def _fetch_cert(url: str) -> bytes:
    import httpx

    response = httpx.get(url, timeout=10.0)
    response.raise_for_status()
    return response.content


def verify_sns_signature(message: Mapping[str, Any], fetch_cert: Callable[[str], bytes] = _fetch_cert) -> None:
    """Check an SNS message's signature (versions 1 and 2); raise :class:`IncidentEventError` if it is not genuine."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    fields = _SNS_SIGNED_FIELDS.get(str(message.get("Type")))
    cert_url = str(message.get("SigningCertURL", ""))
    parsed = urlparse(cert_url)
    if fields is None or parsed.scheme != "https" or not _SNS_CERT_HOST.match(parsed.hostname or "") \
            or not parsed.path.endswith(".pem"):
        raise IncidentEventError("SNS message has an unknown type or a signing certificate URL outside AWS SNS")
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise IncidentEventError("SNS message has an unsupported SignatureVersion")
    signed = "".join(f"{name}\n{message[name]}\n" for name in fields if name in message).encode("utf-8")
    try:
        certificate = x509.load_pem_x509_certificate(fetch_cert(cert_url))
        certificate.public_key().verify(base64.b64decode(str(message.get("Signature", ""))), signed,  # type: ignore[union-attr, call-arg]
                                        padding.PKCS1v15(), algorithm)  # type: ignore[call-arg, arg-type]
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise IncidentEventError("SNS message signature does not verify") from exc


def _json(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    try:
        data = json.loads(body)
    except ValueError:
        raise IncidentEventError("webhook body is not JSON") from None
    if not isinstance(data, Mapping):
        raise IncidentEventError("webhook body is not a JSON object")
    return data


def parse_incident(event: Mapping[str, Any], delivered_via: str = "eventbridge") -> SecurityIncident:
    """The incident in an EventBridge event, or in a bare incident document (what SNS carries as its Message)."""
    if "detail-type" in event:
        if str(event["detail-type"]).lower().replace(" ", "_") not in (EVENT_SECURITY_INCIDENT,
                                                                       "cloakr_security_incident"):
            raise IncidentEventError(f"not a security incident event: detail-type {event['detail-type']!r}")
        detail = event.get("detail")
        if not isinstance(detail, Mapping):
            raise IncidentEventError("EventBridge event has no detail object")
        data = {"region": event.get("region"), "detected_at": event.get("time"), "event_id": event.get("id"), **detail}
    else:
        data = dict(event)
    return SecurityIncident.model_validate({**data, "delivered_via": delivered_via})


class IncidentHandlers:
    """Callbacks by event name, plus the webhook authentication settings."""

    def __init__(self, webhook_secret: str | None = None, verify_sns: bool = True,
                 fetch_cert: Callable[[str], bytes] = _fetch_cert) -> None:
        self._callbacks: dict[str, list[Callable[[SecurityIncident], Any]]] = {name: [] for name in EVENTS}
        self.webhook_secret = webhook_secret
        self.verify_sns = verify_sns
        self._fetch_cert = fetch_cert

    def on(self, event: str, callback: Callable[[SecurityIncident], Any] | None = None):
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; supported: {', '.join(sorted(EVENTS))}")
        if callback is None:
            return lambda fn: self.on(event, fn)
        self._callbacks[event].append(callback)
        return callback

    def handle(self, body: bytes | str | Mapping[str, Any],
               headers: Mapping[str, str] | None = None) -> SecurityIncident | SubscriptionConfirmation:
        """Authenticate and dispatch one delivery; raises :class:`IncidentEventError` for anything not genuine."""
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        data = _json(body)
        if "Type" in data and "TopicArn" in data:  # SNS envelope
            if self.verify_sns:
                verify_sns_signature(data, self._fetch_cert)
            if data["Type"] == "SubscriptionConfirmation":
                return SubscriptionConfirmation(topic_arn=data["TopicArn"], subscribe_url=data["SubscribeURL"])
            if data["Type"] != "Notification":
                raise IncidentEventError(f"unexpected SNS message type {data['Type']!r}")
            incident = parse_incident(_json(data.get("Message", "")), delivered_via="sns")
        else:
            if self.webhook_secret is None:
                raise IncidentEventError("set webhook_secret to accept EventBridge deliveries (shared secret header)")
            if not hmac.compare_digest(str(lowered.get(SECRET_HEADER, "")).encode(), self.webhook_secret.encode()):
                raise IncidentEventError("webhook secret header is missing or wrong")
            incident = parse_incident(data)
        for callback in self._callbacks[EVENT_SECURITY_INCIDENT]:
            callback(incident)
        return incident

"""Incident webhooks: EventBridge API-destination deliveries (shared secret) and signed SNS notifications."""

from __future__ import annotations

import base64
import datetime as dt
import json

import httpx
import pytest
from cloakr.sdk import Client, SecurityIncident, SubscriptionConfirmation
from cloakr.sdk.errors import IncidentEventError
from cloakr.sdk.incidents import IncidentHandlers
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.unit.sdk.conftest import Script

CERT_URL = "https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-abc.pem"
INCIDENT = {"incident_id": "inc-1", "type": "auth_failure_burst", "severity": "high", "tenant_id": "t1",
            "key_id": "k1", "action_taken": "key_blocked"}
EVENT = {"version": "0", "id": "ev-1", "detail-type": "security_incident", "source": "cloakr",
         "time": "2026-11-25T04:00:00Z", "region": "eu-central-1", "detail": INCIDENT}


@pytest.fixture(scope="module")
def signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


def sns_message(key, message_type: str = "Notification", version: str = "2", **fields: str) -> dict:
    msg = {"Type": message_type, "MessageId": "m1", "TopicArn": "arn:aws:sns:eu-central-1:1:cloakr-incidents",
           "Message": json.dumps(EVENT), "Timestamp": "2026-11-25T04:00:01Z", "SignatureVersion": version,
           "SigningCertURL": CERT_URL, **fields}
    if message_type == "SubscriptionConfirmation":
        msg.update(Token="tok", SubscribeURL="https://sns.eu-central-1.amazonaws.com/?Action=ConfirmSubscription")
    order = {"Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")}.get(
        message_type, ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"))
    signed = "".join(f"{k}\n{msg[k]}\n" for k in order if k in msg).encode()
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    msg["Signature"] = base64.b64encode(key.sign(signed, padding.PKCS1v15(), algorithm)).decode()
    return msg


def handlers(pem: bytes, **kwargs) -> tuple[IncidentHandlers, list[SecurityIncident]]:
    seen: list[SecurityIncident] = []
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return pem

    h = IncidentHandlers(fetch_cert=fetch, **kwargs)
    h.on("security_incident", seen.append)
    return h, seen


def test_eventbridge_delivery_with_the_shared_secret_reaches_the_callback() -> None:
    client = Client(api_key="ck_euc1_k_s", base_url="http://gw.test", webhook_secret="s3cret")
    seen = []

    @client.on("security_incident")
    def record(incident: SecurityIncident) -> None:
        seen.append(incident)

    result = client.handle_webhook(json.dumps(EVENT).encode(), {"X-Cloakr-Webhook-Secret": "s3cret"})
    assert seen == [result]
    assert (result.incident_id, result.kind, result.severity, result.region, result.action_taken) == \
        ("inc-1", "auth_failure_burst", "high", "eu-central-1", "key_blocked")
    assert result.delivered_via == "eventbridge"


@pytest.mark.parametrize("headers", [{}, {"X-Cloakr-Webhook-Secret": "guess"}])
def test_eventbridge_delivery_without_the_right_secret_is_refused(headers: dict) -> None:
    h, seen = handlers(b"", webhook_secret="s3cret")
    with pytest.raises(IncidentEventError):
        h.handle(EVENT, headers)
    assert seen == []


def test_eventbridge_needs_a_configured_secret() -> None:
    h, _ = handlers(b"")
    with pytest.raises(IncidentEventError, match="webhook_secret"):
        h.handle(EVENT, {"X-Cloakr-Webhook-Secret": ""})


def test_other_event_types_are_refused() -> None:
    h, seen = handlers(b"", webhook_secret="s")
    with pytest.raises(IncidentEventError, match="detail-type"):
        h.handle({**EVENT, "detail-type": "report_ready"}, {"x-cloakr-webhook-secret": "s"})
    with pytest.raises(IncidentEventError):
        h.handle(b"not json", {"x-cloakr-webhook-secret": "s"})
    assert seen == []


@pytest.mark.parametrize("version", ["1", "2"])
def test_signed_sns_notification_is_verified_and_unwrapped(signer, version: str) -> None:
    key, pem = signer
    h, seen = handlers(pem)
    incident = h.handle(json.dumps(sns_message(key, version=version)))
    assert seen == [incident] and incident.delivered_via == "sns" and incident.tenant_id == "t1"


def test_tampered_sns_message_is_refused(signer) -> None:
    key, pem = signer
    h, seen = handlers(pem)
    msg = sns_message(key)
    msg["Message"] = json.dumps({**EVENT, "detail": {**INCIDENT, "severity": "low"}})
    with pytest.raises(IncidentEventError, match="signature"):
        h.handle(msg)
    assert seen == []


@pytest.mark.parametrize("url", ["http://sns.eu-central-1.amazonaws.com/c.pem",
                                 "https://sns.eu-central-1.amazonaws.com.evil.test/c.pem",
                                 "https://evil.test/c.pem"])
def test_signing_certificates_only_come_from_sns(signer, url: str) -> None:
    key, pem = signer
    h, _ = handlers(pem)
    with pytest.raises(IncidentEventError, match="certificate URL"):
        h.handle(sns_message(key, SigningCertURL=url))


def test_subscription_confirmation_is_returned_not_followed(signer) -> None:
    key, pem = signer
    h, seen = handlers(pem)
    result = h.handle(sns_message(key, "SubscriptionConfirmation"))
    assert isinstance(result, SubscriptionConfirmation) and "ConfirmSubscription" in result.subscribe_url
    assert seen == []


def test_unknown_event_names_are_refused() -> None:
    with pytest.raises(ValueError, match="security_incident"):
        IncidentHandlers().on("security_incidnet", print)


def test_listed_incidents_carry_counts_and_no_delivery_channel() -> None:
    item = {"incident_id": "i1", "kind": "auth_failures", "severity": "high", "tenant_id": "t1", "key_id": "k1",
            "region": "eu-central-1", "count": 50, "window_start": 1764043200, "action_taken": "key_blocked",
            "detected_at": "2026-11-25T04:00:00+00:00"}
    script = Script(httpx.Response(200, json={"incidents": [item], "start": "a", "end": "b"}))
    [incident] = script.client().list_incidents(start="2026-11-24", end="2026-11-26")
    assert (incident.kind, incident.count, incident.window_start) == ("auth_failures", 50, 1764043200)
    assert incident.delivered_via is None
    assert dict(script.requests[0].url.params) == {"start": "2026-11-24", "end": "2026-11-26"}

"""Encryption, classification and the PCI profile over HTTP, through the SDK and a fake OpenAI-compatible upstream."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from cloakr.config.regions import default_regions
from cloakr.constants import ENV_REGION_CONFIG, ENV_UPSTREAM_URL, SCOPES
from cloakr.gateway.services import services
from cloakr.sdk import Client, decrypt_local, encrypt_local
from cloakr.sdk.crypto import generate_key
from cloakr.sdk.errors import ValidationError

pytestmark = pytest.mark.e2e
PAN = "4111 1111 1111 1111"


def _client(gateway, key=None) -> Client:
    return Client(api_key=key or gateway.admin_key, base_url=gateway.base_url, max_retries=0)


def _tenant_key(profiles) -> str:
    store = services().tenants
    tenant = store.create_tenant(f"{'+'.join(profiles) or 'plain'} tenant", profiles=profiles)
    return store.create_key(tenant.tenant_id, SCOPES)[1]


def test_sdk_encrypt_decrypt_round_trip_and_binding(local_gateway):
    with _client(local_gateway) as client:
        sealed = client.encrypt("Jane Doe, SSN 123-45-6789", purpose="hr")
        assert "Jane" not in sealed
        assert client.decrypt(sealed, purpose="hr") == b"Jane Doe, SSN 123-45-6789"
        assert client.decrypt(client.encrypt(b"\x00\xffbytes")) == b"\x00\xffbytes"
        with pytest.raises(ValidationError) as wrong_purpose:
            client.decrypt(sealed, purpose="payroll")
    with _client(local_gateway, _tenant_key([])) as other, pytest.raises(ValidationError) as wrong_tenant:
        other.decrypt(sealed, purpose="hr")
    assert wrong_purpose.value.code == wrong_tenant.value.code == "decryption_failed"
    assert wrong_purpose.value.message == wrong_tenant.value.message


def test_sdk_classify(local_gateway):
    with _client(local_gateway) as client:
        result = client.classify("Patient Jane Doe, MRN: 00123456, was diagnosed with asthma")
        assert result.level == "PHI" and result.entity_counts["MEDICAL_RECORD_NUMBER"] == 1
        assert any("minimum necessary" in c for c in result.controls)
        assert client.classify("Lunch at noon?").level == "PUBLIC"


def test_client_side_envelope_never_needs_the_gateway():
    key = generate_key()
    envelope = encrypt_local("card " + PAN, key, aad="order-9")
    assert envelope.startswith("ckl1.") and decrypt_local(envelope, key, aad="order-9") == ("card " + PAN).encode()


class _Recorder(BaseHTTPRequestHandler):
    """An OpenAI-compatible model that keeps every body it is sent and answers with the last message."""

    bodies: ClassVar[list[dict]] = []

    def do_POST(self):
        sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append(sent)
        reply = json.dumps({"id": "r", "object": "chat.completion", "created": 0, "model": sent["model"], "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": sent["messages"][-1]["content"]}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        return


@pytest.fixture
def model(monkeypatch, local_gateway):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Recorder.bodies = []
    config = json.loads(default_regions()[local_gateway.region].to_json())
    config["models"].append({"id": "recorded", "provider": "openai", "routing": "in-region", "upstream_id": "recorded"})
    monkeypatch.setenv(ENV_REGION_CONFIG, json.dumps(config))
    monkeypatch.setenv(ENV_UPSTREAM_URL, f"http://127.0.0.1:{server.server_address[1]}")
    yield _Recorder
    server.shutdown()
    server.server_close()


def test_pci_tenant_pan_never_reaches_the_model_even_when_entities_are_narrowed(local_gateway, model):
    with _client(local_gateway, _tenant_key(["pci"])) as client:
        reply = client.chat(model="recorded", messages=[{"role": "user", "content": f"Refund card {PAN}, cvv 123"}],
                            entities=["EMAIL"], metadata={"ticket": "T-1"})
        assert reply.text == f"Refund card {PAN}, cvv 123"
        with pytest.raises(ValidationError) as refused:
            client.chat(model="recorded", messages=[{"role": "user", "content": "hi"}], metadata={PAN: "card"})
        # in a metadata value it is tokenized, as in the messages
        client.chat(model="recorded", messages=[{"role": "user", "content": "hi"}], metadata={"card": PAN})
    assert refused.value.code == "regulated_data_not_allowed"
    sent = json.dumps(model.bodies)
    assert len(model.bodies) == 2 and "4111" not in sent and "[CREDIT_DEBIT_CARD_NUMBER_1]" in sent
    assert model.bodies[1]["metadata"]["card"].startswith("[CREDIT_DEBIT_CARD_NUMBER_")

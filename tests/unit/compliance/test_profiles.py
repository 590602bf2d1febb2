"""The HIPAA/PCI policy: always-on types, refused modes, PHI access records, card data where text goes as sent."""

from __future__ import annotations

import json

import pytest
from cloakr.compliance.profiles import policy_for, untokenized_findings
from cloakr.gateway.app import resolve
from cloakr.gateway.conversation import as_sent
from cloakr.gateway.services import services as built
from cloakr.pii import PIIEngine
from cloakr.pii.entities import ENTITY_TYPES, PCI_TYPES, PHI_TYPES


def test_no_profile_changes_nothing():
    policy = policy_for(["gdpr"])
    assert policy.entities(None) is None and policy.entities(["EMAIL"]) == ["EMAIL"]
    assert policy.mode_refusal("mask") is None and policy.phi_access("t1", None, {"MEDICAL_RECORD_NUMBER": 1}, action="redact") is None
    assert not policy.never_forward


def test_hipaa_keeps_phi_types_on_refuses_mask_and_audits_phi():
    policy = policy_for(["hipaa"])
    assert set(policy.entities(["EMAIL"])) == {"EMAIL"} | PHI_TYPES
    assert policy.entities(None) is None  # everything is on already
    assert "HIPAA" in policy.mode_refusal("mask") and policy.mode_refusal("tokenize") is None
    event = policy.phi_access("t1", "u1", {"MEDICAL_RECORD_NUMBER": 2, "EMAIL": 1, "DATE_OF_BIRTH": 0}, action="redact")
    assert (event.category, event.action, event.user_id) == ("compliance", "phi_access", "u1")
    assert event.pii_types == ["MEDICAL_RECORD_NUMBER"] and event.pii_counts == {"MEDICAL_RECORD_NUMBER": 2} and event.redacted_count == 2
    assert event.compliance_flags == ["hipaa", "source:redact"]
    assert policy.phi_access("t1", None, {"EMAIL": 3}, action="redact") is None


def test_pci_keeps_card_types_on_and_never_forwards_them():
    policy = policy_for(["pci"])
    assert set(policy.entities([])) == PCI_TYPES >= {"CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY"}
    assert policy.never_forward == PCI_TYPES and policy.mode_refusal("mask") is None
    both = policy_for(["pci", "hipaa"])
    assert both.never_forward == PCI_TYPES | PHI_TYPES and both.mode_refusal("mask")


def test_pci_mask_shows_at_most_the_last_four_pan_digits_and_nothing_of_cvv_or_expiry():
    assert ENTITY_TYPES["CREDIT_DEBIT_CARD_NUMBER"].mask_keep_last <= 4
    assert all(ENTITY_TYPES[t].mask_keep_last == 0 for t in PCI_TYPES - {"CREDIT_DEBIT_CARD_NUMBER"})
    engine = PIIEngine(entities=policy_for(["pci"]).entities(["EMAIL"]))
    masked = engine.redact("card 5500 0000 0000 0004 exp 12/27 cvv 987", mode="mask").text
    digits = "".join(ch for ch in masked if ch.isdigit())
    assert digits == "0004", masked


def test_untokenized_findings_scan_only_what_goes_as_sent():
    built = []

    def engine_for(entities):
        built.append(entities)
        return PIIEngine(entities=entities)

    request = {"model": "m", "messages": [{"role": "user", "content": "4111 1111 1111 1111", "id": "5500 0000 0000 0004"}],
               "metadata": {"5500 0000 0000 0004": "note", "order": {"note": "paid with 4111111111111111"}},
               "tools": [{"function": {"description": "charges 4111111111111111"}}],
               "response_format": {"type": "json_schema", "json_schema": {"schema": {"properties": {"4111111111111111": {}}}}},
               "extra": [{"image_url": {"url": "https://x.example/4111111111111111"}, "data": "4111111111111111"}]}
    texts = as_sent(request)
    # keys and ids, not the values the walk tokenizes, nor binary payloads and image URLs (checked on their own)
    assert "4111 1111 1111 1111" not in texts and "paid with 4111111111111111" not in texts and "charges 4111111111111111" not in texts
    assert {"5500 0000 0000 0004", "4111111111111111", "json_schema", "user"} <= set(texts)
    assert "https://x.example/4111111111111111" not in texts and texts.count("4111111111111111") == 1
    assert untokenized_findings(texts, PCI_TYPES, engine_for) == {"CREDIT_DEBIT_CARD_NUMBER": 3}
    assert built == [sorted(PCI_TYPES)]
    assert untokenized_findings(as_sent({"messages": [{"role": "user", "content": "4111 1111 1111 1111"}]}), PCI_TYPES, engine_for) == {}
    assert untokenized_findings(texts, frozenset(), engine_for) == {} and len(built) == 2


# --- the policy applied by the routes ----------------------------------------------------------------------------
def _tenant(profiles):
    return built().tenants.create_tenant(f"{'+'.join(profiles)} tenant", profiles=profiles).tenant_id


def _redact(services, tenant_id, body):
    response = resolve(services.event("POST", "/v1/redact", body, tenant_id=tenant_id), None)
    return response["statusCode"], json.loads(response["body"])


def _audit(services, tenant_id):
    return [json.loads(i["record"]) for i in services.table("audit").scan()["Items"] if i["pk"] == f"TENANT#{tenant_id}"]


def test_hipaa_redact_refuses_mask_keeps_phi_on_and_records_phi_access(services):
    tenant_id = _tenant(["hipaa"])
    status, body = _redact(services, tenant_id, {"text": "MRN: 00123456", "mode": "mask"})
    assert (status, body["error"]["code"]) == (400, "mode_not_allowed")
    status, body = _redact(services, tenant_id, {"text": "Patient MRN: 00123456, mail jane@example.com", "entities": ["EMAIL"]})
    assert status == 200 and "00123456" not in body["text"]
    assert body["counts"] == {"EMAIL": 1, "MEDICAL_RECORD_NUMBER": 1}
    phi = [r for r in _audit(services, tenant_id) if r["action"] == "phi_access"]
    assert len(phi) == 1 and phi[0]["category"] == "compliance"
    assert phi[0]["pii_redaction"]["counts"] == {"MEDICAL_RECORD_NUMBER": 1}
    assert "00123456" not in json.dumps(_audit(services, tenant_id))
    _redact(services, tenant_id, {"text": "mail jane@example.com"})
    assert len([r for r in _audit(services, tenant_id) if r["action"] == "phi_access"]) == 1  # no PHI, no record


def test_pci_redact_detects_card_data_whatever_entities_says(services):
    tenant_id = _tenant(["pci"])
    status, body = _redact(services, tenant_id, {"text": "card 4111 1111 1111 1111 exp 12/27 cvv 123", "entities": ["EMAIL"]})
    assert status == 200 and "4111" not in body["text"] and "123" not in body["text"].replace("[", "")
    status, body = _redact(services, tenant_id, {"text": "card 5500 0000 0000 0004", "entities": [], "mode": "mask"})
    assert status == 200 and "".join(ch for ch in body["text"] if ch.isdigit()) == "0004"
    # the same narrowing on a tenant without the profile does let the card through: the profile is what changed
    status, body = _redact(services, services.tenant.tenant_id, {"text": "card 4111 1111 1111 1111", "entities": ["EMAIL"]})
    assert status == 200 and "4111 1111 1111 1111" in body["text"]


class FakeUpstream:
    """Stands in for the model: records exactly what left the gateway and echoes the last message."""

    def __init__(self):
        self.received = []

    def complete(self, request):
        self.received.append(request)
        content = request["messages"][-1]["content"]
        return {"id": "fake", "object": "chat.completion", "created": 1, "model": request["model"],
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": f"Got: {content}"}}]}


@pytest.fixture
def upstream(monkeypatch):
    from cloakr.gateway.routes import chat

    fake = FakeUpstream()
    monkeypatch.setattr(chat, "provider_for", lambda route, region: fake)
    return fake


def _chat(services, tenant_id, body):
    response = resolve(services.event("POST", "/v1/chat/completions", body, tenant_id=tenant_id), None)
    return response["statusCode"], json.loads(response["body"])


PAN = "4111 1111 1111 1111"


def test_pci_chat_never_forwards_the_pan_even_when_the_request_narrows_entities(services, upstream):
    tenant_id = _tenant(["pci"])
    message = {"role": "user", "content": f"Charge {PAN}, exp 12/27, cvv 123"}
    status, body = _chat(services, tenant_id, {"model": "cloakr-echo", "messages": [message], "entities": ["EMAIL"],
                                               "cloakr": {"entities": []}})
    assert status == 200 and body["choices"][0]["message"]["content"] == f"Got: Charge {PAN}, exp 12/27, cvv 123"
    forwarded = json.dumps(upstream.received)
    assert len(upstream.received) == 1 and "4111" not in forwarded and "1111 1111" not in forwarded
    assert "CREDIT_DEBIT_CARD_NUMBER_1" in forwarded


def test_tool_definitions_are_tokenized_like_messages(services, upstream):
    tools = [{"type": "function", "function": {"name": "pay", "description": f"uses {PAN}"}}]
    for tenant_id in (_tenant(["pci"]), services.tenant.tenant_id):
        status, _ = _chat(services, tenant_id, {"model": "cloakr-echo", "messages": [{"role": "user", "content": "hi"}], "tools": tools})
        assert status == 200
    assert "4111" not in json.dumps(upstream.received) and "CREDIT_DEBIT_CARD_NUMBER_1" in json.dumps(upstream.received)


# Text the model or the provider may store, beside the messages: tokenized like the messages for every tenant.
BESIDE_MESSAGES = [
    {"metadata": {"note": f"paid with {PAN}"}},
    {"response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "string", "description": f"card {PAN}"}}}},
    {"a_field_this_gateway_does_not_know": [{"text": f"card {PAN}"}]},
]


@pytest.mark.parametrize("field", BESIDE_MESSAGES, ids=lambda f: next(iter(f)))
def test_text_beside_the_messages_is_tokenized_for_every_tenant(services, upstream, field):
    for tenant_id in (_tenant(["pci"]), services.tenant.tenant_id):
        status, body = _chat(services, tenant_id, {"model": "cloakr-echo", "messages": [{"role": "user", "content": f"hi, {PAN}"}], **field})
        assert status == 200 and body["choices"][0]["message"]["content"] == f"Got: hi, {PAN}"
    forwarded = json.dumps(upstream.received)
    assert len(upstream.received) == 2 and "4111" not in forwarded
    # one value, one placeholder, in the message and in the other field alike
    assert forwarded.count("CREDIT_DEBIT_CARD_NUMBER_1") == 4 and "CREDIT_DEBIT_CARD_NUMBER_2" not in forwarded
    assert upstream.received[1]["model"] == "cloakr-echo" and upstream.received[1]["messages"][0]["role"] == "user"


@pytest.mark.parametrize("field", [{"metadata": {PAN: "the card used"}}, {"response_format": {
    "type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object", "properties": {PAN: {"type": "string"}}}}}}])
def test_pci_chat_refuses_card_data_where_text_goes_as_sent(services, upstream, field):
    tenant_id = _tenant(["pci"])
    status, body = _chat(services, tenant_id, {"model": "cloakr-echo", "messages": [{"role": "user", "content": "hi"}], **field})
    assert (status, body["error"]["code"]) == (400, "regulated_data_not_allowed") and PAN not in json.dumps(body)
    assert upstream.received == []
    # without the profile an object key is forwarded as sent (keys name a schema's properties, a model answers in them)
    status, _ = _chat(services, services.tenant.tenant_id, {"model": "cloakr-echo", "messages": [{"role": "user", "content": "hi"}], **field})
    assert status == 200 and PAN in json.dumps(upstream.received)


def test_hipaa_chat_records_phi_access(services, upstream):
    tenant_id = _tenant(["hipaa"])
    status, _ = _chat(services, tenant_id, {"model": "cloakr-echo", "messages": [{"role": "user", "content": "Patient MRN: 00123456"}]})
    assert status == 200 and "00123456" not in json.dumps(upstream.received)
    phi = [r for r in _audit(services, tenant_id) if r["action"] == "phi_access"]
    assert len(phi) == 1 and phi[0]["pii_redaction"]["counts"] == {"MEDICAL_RECORD_NUMBER": 1} and phi[0]["session_id"]


def _deep(pairs, leaf):
    value = leaf
    for _ in range(pairs):
        value = {"a": [value]}
    return value


def test_chat_refuses_a_body_nested_too_deeply_and_sends_nothing(services, upstream):
    status, body = _chat(services, services.tenant.tenant_id, {"model": "cloakr-echo", "messages": [{"role": "user", "content": "hi"}],
                                                               "metadata": _deep(400, f"card {PAN}")})
    assert (status, body["error"]["code"]) == (400, "validation_error") and upstream.received == []


def test_tool_call_arguments_too_deep_to_walk_are_redacted_as_text(services, upstream, monkeypatch):
    arguments = json.dumps(_deep(300, f"card {PAN}"))
    call = {"id": "c1", "type": "function", "function": {"name": "pay", "arguments": arguments}}
    status, _ = _chat(services, services.tenant.tenant_id, {"model": "cloakr-echo", "messages": [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [call]}, {"role": "user", "content": "ok"}]})
    sent = upstream.received[-1]["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert status == 200 and PAN not in sent and sent.count("[CREDIT_DEBIT_CARD_NUMBER_1]") == 1
    assert json.loads(sent) == json.loads(arguments.replace(PAN, "[CREDIT_DEBIT_CARD_NUMBER_1]"))
    # and a model answering with such arguments gets its placeholders restored the same way
    answer = {"id": "a", "object": "chat.completion", "created": 1, "model": "cloakr-echo", "choices": [{"index": 0, "finish_reason": "tool_calls",
              "message": {"role": "assistant", "content": None, "tool_calls": [{**call, "function": {"name": "pay", "arguments": sent}}]}}]}
    monkeypatch.setattr(upstream, "complete", lambda request: answer)
    status, body = _chat(services, services.tenant.tenant_id, {"model": "cloakr-echo", "messages": [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [call]}, {"role": "user", "content": "ok"}]})
    assert status == 200 and json.loads(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]) == json.loads(arguments)

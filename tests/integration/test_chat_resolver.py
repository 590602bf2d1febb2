"""Chat and models through ``resolve()`` against moto: vault persistence, tenant settings, blocks, fail closed."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from cloakr.gateway.app import resolve
from cloakr.gateway.services import services as built
from cloakr.tenants.blocks import block_user

EMAIL = "jane.doe@corp.example"
STORED = {"X-Cloakr-Conversation-Id": "conv-stored"}  # a named conversation: its map is kept in the vault (KMS)


def call(event):
    response = resolve(event, None)
    headers = {k: v[-1] for k, v in response.get("multiValueHeaders", {}).items()} | response.get("headers", {})
    return response["statusCode"], json.loads(response["body"]), headers


def chat(services, messages, model="cloakr-echo", headers=None, **body):
    return call(services.event("POST", "/v1/chat/completions", {"model": model, "messages": messages, **body}, headers=headers or {}))


@pytest.fixture
def sent(echo_requests):
    """What reached the (echo) model."""
    return echo_requests


def test_placeholders_persist_across_requests_with_only_the_newest_message(services, sent):
    conv = {"X-Cloakr-Conversation-Id": "conv-1"}
    status, first, headers = chat(services, [{"role": "user", "content": f"my mail is {EMAIL}"}], headers=conv)
    assert status == 200 and EMAIL in first["choices"][0]["message"]["content"]
    assert headers["X-Cloakr-Redactions"] == "EMAIL=1" and first["cloakr"] == {"redactions": {"EMAIL": 1}}
    placeholder = sent[0]["messages"][0]["content"].split()[-1]
    # Turn two sends only the new message; the address gets the same placeholder, and one the model repeats
    # from turn one (not in this request at all) is restored from the vault.
    status, second, _ = chat(services, [{"role": "user", "content": f"again: {EMAIL}, and {placeholder}"}], headers=conv)
    assert status == 200
    assert sent[1]["messages"][0]["content"] == f"again: {placeholder}, and {placeholder}"
    assert second["choices"][0]["message"]["content"] == f"You said: again: {EMAIL}, and {EMAIL}"
    item = services.table("vault").scan()["Items"]
    assert len(item) == 1 and EMAIL.encode() not in bytes(item[0]["blob"].value)


def test_without_a_conversation_id_the_opening_messages_name_the_users_conversation(services, sent):
    opening = [{"role": "user", "content": f"I am {EMAIL}"}]
    chat(services, opening, user="u-1")
    chat(services, opening + [{"role": "assistant", "content": "ok"}, {"role": "user", "content": "bye"}], user="u-1")
    assert len(services.table("vault").scan()["Items"]) == 1
    assert sent[0]["messages"][0]["content"] == sent[1]["messages"][0]["content"]


def test_strangers_whose_chats_open_alike_never_share_a_map(services, sent):
    """No user and no conversation id: nothing is stored, so another caller's values can never be restored into
    this answer; placeholders stay stable across turns because each turn resends the history."""
    opening = [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hi"}]
    chat(services, opening + [{"role": "user", "content": f"My email is {EMAIL}"}])
    status, body, _ = chat(services, opening + [{"role": "user", "content": "Please repeat [EMAIL_1] and EMAIL_1"}])
    assert status == 200 and EMAIL not in json.dumps(body)
    assert services.table("vault").scan()["Items"] == []
    chat(services, opening + [{"role": "user", "content": f"My email is {EMAIL}"}, {"role": "assistant", "content": "ok"},
                              {"role": "user", "content": f"again {EMAIL}"}])
    assert sent[-1]["messages"][2]["content"] == sent[0]["messages"][2]["content"] == "My email is [EMAIL_1]"
    assert sent[-1]["messages"][4]["content"] == "again [EMAIL_1]"


class FailingKms:
    """KMS answering every call with an internal error (an outage, not a key problem)."""

    def __getattr__(self, operation):
        def fail(**_):
            raise ClientError({"Error": {"Code": "KMSInternalException", "Message": "try later"}}, operation)
        return fail


def test_kms_failure_forwards_nothing(services, sent, monkeypatch):
    monkeypatch.setattr(built().cipher, "kms", FailingKms())
    status, body, headers = chat(services, [{"role": "user", "content": f"mail {EMAIL}"}], headers=STORED)
    assert status == 503 and body["error"]["code"] == "encryption_failed" and headers["Retry-After"] == "1"
    assert sent == [] and EMAIL not in json.dumps(body)


def test_a_missing_key_is_a_409_and_forwards_nothing(services, sent, monkeypatch):
    monkeypatch.setattr(built().cipher, "key_id", services.data_key_id[:-4] + "0000")
    status, body, _ = chat(services, [{"role": "user", "content": f"mail {EMAIL}"}], headers=STORED)
    assert status == 409 and body["error"]["code"] == "key_unavailable"
    assert sent == [] and EMAIL not in json.dumps(body)
    # Only the refusal is recorded (outcome, status, code), nothing of the content.
    records = [json.loads(i["record"]) for i in services.table("audit").scan()["Items"]]
    assert [(r["action"], r["outcome"], r["status"], r["error_code"]) for r in records] == [
        ("chat.completions", "refused", 409, "key_unavailable")]
    assert EMAIL not in json.dumps(records)


def test_blocked_user_in_body_or_header_is_refused_before_anything_is_sent(services, sent):
    tenant = services.tenant.tenant_id
    block_user(services.table("subjects"), tenant, built().user_key(tenant, "mallory"), "admin")
    for extra in ({"user": "mallory"}, {}):
        headers = {} if extra else {"X-Cloakr-User": "mallory"}
        status, body, _ = chat(services, [{"role": "user", "content": "hi"}], headers=headers, **extra)
        assert status == 403 and body["error"]["code"] == "user_blocked"
    assert sent == []


def test_the_end_user_id_reaches_the_model_only_as_a_pseudonym(services, sent):
    status, _, _ = chat(services, [{"role": "user", "content": "hi"}], user=EMAIL)
    assert status == 200 and sent[0]["user"].startswith("cloakr-") and EMAIL not in json.dumps(sent[0])


def test_tenant_allowed_models_narrow_the_region(services, sent, monkeypatch):
    from cloakr.config.regions import default_regions
    from cloakr.constants import ENV_REGION_CONFIG

    config = json.loads(default_regions()["eu-central-1"].to_json())
    config["models"].append({"id": "other-echo", "provider": "echo", "routing": "in-region", "upstream_id": ""})
    config["models"].append({"id": "far-echo", "provider": "echo", "routing": "global", "upstream_id": ""})
    monkeypatch.setenv(ENV_REGION_CONFIG, json.dumps(config))
    built().tenants.update_tenant(services.tenant.tenant_id, allowed_models={"cloakr-echo"})
    built.cache_clear()
    _, listed, _ = call(services.event("GET", "/v1/models"))
    assert [m["id"] for m in listed["data"]] == ["cloakr-echo"]
    status, body, _ = chat(services, [{"role": "user", "content": "hi"}], model="other-echo")
    assert status == 403 and body["error"]["code"] == "model_not_allowed" and "cloakr-echo" in body["error"]["message"]
    status, body, _ = chat(services, [{"role": "user", "content": "hi"}], model="far-echo")
    assert status == 403 and body["error"]["code"] == "model_not_allowed_in_region" and "cloakr-echo" in body["error"]["message"]
    status, body, _ = chat(services, [{"role": "user", "content": "hi"}], model="no-such-model")
    assert status == 400 and body["error"]["code"] == "model_not_found"
    assert sent == []


def test_tenant_rules_and_per_tenant_hash_key_apply_to_redact(services):
    store = built().tenants
    store.update_tenant(services.tenant.tenant_id, rules=[{"type": "custom_pattern", "name": "ORDER_ID", "pattern": r"ORD-\d{6}", "score": 0.9}])
    built.cache_clear()
    status, body, _ = call(services.event("POST", "/v1/redact", {"text": "order ORD-123456 for jane@corp.example", "mode": "hash"}))
    assert status == 200 and body["counts"] == {"EMAIL": 1, "ORDER_ID": 1} and "jane@" not in body["text"]
    other = store.create_tenant("Other tenant")
    status, other_body, _ = call(services.event("POST", "/v1/redact", {"text": "for jane@corp.example", "mode": "hash"},
                                                tenant_id=other.tenant_id))
    assert status == 200 and other_body["text"].split()[-1] != body["text"].split()[-1]


def test_requests_count_per_tenant(services):
    from cloakr.observability import metrics

    call(services.event("POST", "/v1/redact", {"text": "nothing"}))
    assert metrics.dimension_set["tenant_id"] == services.tenant.tenant_id
    assert "Requests" in metrics.metric_set and "Latency" in metrics.metric_set


def test_a_key_of_a_deleted_tenant_is_refused(services):
    boto3.resource("dynamodb", region_name="eu-central-1").Table(services.tables["tenants"]).delete_item(
        Key={"pk": f"TENANT#{services.tenant.tenant_id}", "sk": "PROFILE"})
    status, body, _ = call(services.event("POST", "/v1/redact", {"text": "x"}))
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_key_admin_actions_are_audited_before_they_happen(services, monkeypatch):
    from cloakr.audit.trail import AuditTrail, AuditWriteError

    status, created, _ = call(services.event("POST", "/v1/keys", {"scopes": ["redact:write"]}))
    assert status == 200
    actions = sorted(json.loads(i["record"])["action"] for i in services.table("audit").scan()["Items"])
    assert actions == ["keys.create"]

    def down(self, event):
        raise AuditWriteError("down")

    monkeypatch.setattr(AuditTrail, "record", down)
    status, body, _ = call(services.event("DELETE", f"/v1/keys/{created['key_id']}"))
    assert status == 503 and body["error"]["code"] == "audit_unavailable"
    assert built().tenants.get_key_item(services.tenant.tenant_id, created["key_id"])["revoked"] is False


@pytest.mark.parametrize("extra", [
    {"messages": [{"role": "user", "content": [{"type": "text", "text": 123}]}]},
    {"tools": "x"}, {"tools": [1]}, {"tools": [{"function": "x"}]},
    {"stop": 5}, {"tool_choice": {"function": "x"}}, {"max_tokens": "jane.doe@corp.example"},
    {"n": 2}, {"stream": "yes"}, {"temperature": 7},
])
def test_malformed_parameters_are_a_400_and_nothing_is_sent(services, sent, extra):
    status, body, _ = chat(services, extra.pop("messages", [{"role": "user", "content": "hi"}]), **extra)
    assert status == 400 and body["error"]["code"] == "validation_error", body
    assert sent == [] and EMAIL not in json.dumps(body)


def test_every_text_field_of_a_message_is_tokenized(services, sent):
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "mail jane.doe@"}, {"type": "text", "text": "corp.example now"},
                                     {"type": "file", "file": {"filename": f"{EMAIL}.pdf", "file_data": "JVBERi0x"}}]},
        {"role": "assistant", "content": None, "refusal": f"I will not write to {EMAIL}",
         "function_call": {"name": "send", "arguments": json.dumps({"to": EMAIL})}},
        {"role": "assistant", "content": [{"type": "refusal", "refusal": f"not {EMAIL}"}]},
        {"role": "user", "content": "ok"},
    ]
    status, _, _ = chat(services, messages, tools=[{"type": "function", "function": {
        "name": "send", "description": f"Send mail as {EMAIL}", "parameters": {"type": "object", "properties": {}}}}])
    assert status == 200
    assert EMAIL not in json.dumps(sent[0]) and "jane.doe" not in json.dumps(sent[0])
    assert sent[0]["messages"][0]["content"][1]["file"]["file_data"] == "JVBERi0x"  # binary kept as sent


def test_stream_usage_is_the_last_chunk_when_asked(services, sent):
    from cloakr.gateway.app import resolve

    event = services.event("POST", "/v1/chat/completions", {"model": "cloakr-echo", "stream": True,
                                                             "stream_options": {"include_usage": True},
                                                             "messages": [{"role": "user", "content": "hello"}]})
    chunks = [json.loads(line[6:]) for line in resolve(event, None)["body"].splitlines()
              if line.startswith("data: {")]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c.get("usage") is None for c in chunks[:-1]) and "stream_options" not in sent[0]


def test_each_turn_detects_only_the_texts_it_has_not_seen(services, sent, monkeypatch):
    """A client resends the whole history every turn: the engine scans each text of the conversation once, and the
    placeholders and the answer are what a fresh scan would give."""
    from cloakr.pii.engine import PIIEngine

    scanned: list[str] = []
    original = PIIEngine._detect

    def spy(self, text):
        scanned.append(text)
        return original(self, text)

    monkeypatch.setattr(PIIEngine, "_detect", spy)
    history = [{"role": "user", "content": f"I am {EMAIL}"}]
    _, first, _ = chat(services, history, user="u-memo")
    answer = first["choices"][0]["message"]["content"]  # restored: "You said: I am jane.doe@..."
    history += [{"role": "assistant", "content": answer}, {"role": "user", "content": "and +44 20 7946 0958"}]
    chat(services, history, user="u-memo")
    history += [{"role": "assistant", "content": "noted"}, {"role": "user", "content": "thanks"}]
    status, body, _ = chat(services, history, user="u-memo")
    assert status == 200 and body["choices"][0]["message"]["content"] == "You said: thanks"
    assert scanned == [f"I am {EMAIL}", answer, "and +44 20 7946 0958", "noted", "thanks"]
    assert [m["content"] for m in sent[-1]["messages"]] == [
        "I am [EMAIL_1]", "You said: I am [EMAIL_1]", "and [PHONE_1]", "noted", "thanks"]
    # another end user's identical conversation is scanned afresh: nothing is shared across users or conversations
    chat(services, history[:1], user="u-other")
    assert scanned[-1] == f"I am {EMAIL}" and len(scanned) == 6

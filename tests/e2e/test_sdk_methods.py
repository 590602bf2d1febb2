"""Every public method of the SDK against the real local gateway (no mocks of Cloakr), with both clients.

Each scenario is a coroutine run twice, once with ``Client`` and once with ``AsyncClient`` (``connect`` is
parametrised): ``done()`` awaits what the async client returns and passes the sync client's values through, and
``drain()`` reads an iterator or an async iterator. Scenarios assert round trips (encrypt then decrypt, consent set
then exported, a report created then downloaded, a user blocked, refused and unblocked) and the SDK exception each
refusal maps to.

The last tests keep this file and ``docs/sdk.md`` in step with the public classes: a public method that this file
never uses on a client object (a variable named ``client``, ``*_client``, ``redactor`` or ``stream``) or that the
page never documents fails the suite.
"""

from __future__ import annotations

import ast
import csv
import inspect
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import cloakr
import pypdf
import pytest
from cloakr.gateway import authorizer
from cloakr.sdk import (
    AsyncChatStream,
    AsyncClient,
    ChatStream,
    Client,
    LocalCryptoError,
    Redactor,
    SecurityIncident,
    decrypt_local,
    encrypt_local,
    generate_key,
)
from cloakr.sdk.errors import (
    AuthenticationError,
    IncidentEventError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "sdk.md"
#: The public classes whose every method must be used here and documented in docs/sdk.md.
CLASSES = (Client, AsyncClient, ChatStream, AsyncChatStream, Redactor)
#: Variables this file holds those objects in; only calls on them count as "used here".
RECEIVER = re.compile(r"^(?:\w+_)?client$|^redactor$|^stream$")
WEBHOOK_SECRET = "e2e-webhook-secret"
#: Refusals of one key within five minutes that raise a high-severity incident and block it (``auth_failures``).
AUTH_FAILURES_TO_BLOCK = 50


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def done(value: Any) -> Any:
    """The result of a call on either client: awaited for the async client, as it is for the sync one."""
    return await value if inspect.isawaitable(value) else value


async def drain(value: Any) -> list[Any]:
    """Every item of what a call returned: an iterator (sync), an async iterator, or an awaitable of either."""
    value = await done(value)
    if hasattr(value, "__aiter__"):
        return [item async for item in value]
    return list(value)


async def refused(error: type[Exception], call: Any) -> Any:
    """The exception a call on either client raised; fails unless it is an ``error``."""
    with pytest.raises(error) as raised:
        await done(call())
    return raised.value


@pytest.fixture(params=[Client, AsyncClient], ids=["sync", "async"])
async def connect(request: pytest.FixtureRequest, local_gateway):
    """``connect(key=None, **options)``: a client of this run's kind on the local gateway (the admin key by default),
    closed after the test. No retries, so each refusal is seen as the gateway gave it."""
    opened: list[Client | AsyncClient] = []

    def open_client(key: str | None = None, **options: Any) -> Client | AsyncClient:
        client = request.param(api_key=key or local_gateway.admin_key, base_url=local_gateway.base_url,
                               max_retries=0, **options)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await client.aclose() if isinstance(client, AsyncClient) else client.close()


def unique_user() -> str:
    # E-mail-like, so the SDK's path escaping and the gateway's decoding are exercised too.
    return f"sdk+{uuid.uuid4().hex[:12]}@example.com"


def say(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# --- connection, detection, chat ------------------------------------------------------------------------------------
async def test_connection_health_and_models(connect, local_gateway) -> None:
    client = connect()
    assert client.base_url == local_gateway.base_url and client.region == local_gateway.region
    health = await done(client.health())
    assert (health.status, health.region, health.version) == ("ok", local_gateway.region, cloakr.__version__)
    assert "cloakr-echo" in {model.id for model in await done(client.models())}
    assert (await done(client.model("cloakr-echo"))).id == "cloakr-echo"
    await refused(NotFoundError, lambda: client.model("no-such-model"))
    revoked_client = connect(local_gateway.revoked_key)
    error = await refused(AuthenticationError, revoked_client.models)
    assert error.status == 401 and error.code == "unauthorized"


async def test_redact_and_classify_answer_types_and_counts_never_values(connect) -> None:
    client = connect()
    one = await done(client.redact("Mail ana.silva@example.com today", mode="replace"))
    assert "ana.silva@example.com" not in one.text and one.counts == {"EMAIL": 1}
    assert [(f.type, f.start) for f in one.findings] == [("EMAIL", 5)]
    batch = await done(client.redact(["Call +49 30 901820", "nothing personal"], mode="mask"))
    assert [r.counts for r in batch.results] == [{"PHONE": 1}, {}] and batch.counts == {"PHONE": 1}
    assert batch.mode == "mask" and batch.text is None
    assert "901820" not in batch.results[0].text
    level = await done(client.classify("Mail ana.silva@example.com or ben.ortiz@example.org"))
    assert level.level == "PII" and level.entity_counts == {"EMAIL": 2} and level.controls
    error = await refused(ValidationError, lambda: client.redact("x", rules=[{"type": "no_such_rule"}]))
    assert error.status == 400


async def test_chat_and_chat_stream_restore_what_the_model_saw_as_placeholders(connect, echo_requests) -> None:
    client = connect()
    answer = await done(client.chat(model="cloakr-echo", messages=say("Write to ana.silva@example.com")))
    assert "ana.silva@example.com" in answer.text and answer.model_extra["cloakr"]["redactions"] == {"EMAIL": 1}
    assert "ana.silva@example.com" not in json.dumps(echo_requests[-1])
    stream = await done(client.chat_stream(model="cloakr-echo", messages=say("Call me on +1 415 555 0100")))
    assert stream.headers["x-cloakr-redactions"] == "PHONE=1"
    assert "+1 415 555 0100" in "".join(chunk.text for chunk in await drain(stream))
    await stream.aclose() if isinstance(stream, AsyncChatStream) else stream.close()


async def test_local_redactor_then_chat_then_restore(connect, echo_requests) -> None:
    client = connect()
    redactor = Redactor(rules=[{"type": "custom_pattern", "name": "EMPLOYEE_ID", "pattern": "EMP-\\d{6}"}])
    assert [f.type for f in redactor.detect("EMP-123456 asked")] == ["EMPLOYEE_ID"]
    assert redactor.redact_result("EMP-123456 asked").counts == {"EMPLOYEE_ID": 1}
    messages = redactor.redact_messages(say("Is EMP-123456 on call?"))
    answer = await done(client.chat(model="cloakr-echo", messages=messages))
    assert "EMP-123456" not in json.dumps(echo_requests[-1])
    assert redactor.restore(answer.text) == "You said: Is EMP-123456 on call?"
    assert redactor.redact("EMP-123456") in answer.text  # the same value keeps its placeholder


async def test_redact_messages_covers_content_parts_and_tool_arguments_as_the_gateway_does(connect,
                                                                                             echo_requests) -> None:
    client = connect()
    redactor = Redactor()
    messages = redactor.redact_messages([
        {"role": "user", "content": [{"type": "text", "text": "mail ana.silva@example.com"}]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "t1", "type": "function", "function": {
            "name": "send", "arguments": json.dumps({"to": "ana.silva@example.com"})}}]},
        {"role": "tool", "tool_call_id": "t1", "content": "sent"},
        {"role": "user", "content": "did it arrive?"},
    ])
    assert "ana.silva@example.com" not in json.dumps(messages)
    await done(client.chat(model="cloakr-echo", messages=messages))
    assert "ana.silva@example.com" not in json.dumps(echo_requests[-1])


def test_a_request_still_in_progress_is_retried_until_it_has_an_answer(local_gateway, monkeypatch) -> None:
    """The gateway answers 409 ``request_in_progress`` (Retry-After: 1) while the first request with the same
    Idempotency-Key runs; the SDK waits and gets the first request's answer instead of giving up."""
    import threading

    from cloakr.upstream import EchoProvider

    started, release = threading.Event(), threading.Event()
    original = EchoProvider.complete

    def slow(self, request):
        started.set()
        release.wait(10)
        return original(self, request)

    monkeypatch.setattr(EchoProvider, "complete", slow)
    key, answers = f"in-progress-{uuid.uuid4().hex}", []
    options = {"api_key": local_gateway.admin_key, "base_url": local_gateway.base_url}
    first = threading.Thread(target=lambda: answers.append(Client(max_retries=0, **options).chat(
        model="cloakr-echo", messages=say("first"), idempotency_key=key)))
    first.start()
    assert started.wait(10)
    threading.Timer(0.5, release.set).start()
    with Client(max_retries=5, **options) as client:
        second = client.chat(model="cloakr-echo", messages=say("first"), idempotency_key=key)
    first.join(10)
    assert answers and second.id == answers[0].id


# --- keys -------------------------------------------------------------------------------------------------------------
async def test_key_create_list_rotate_revoke(connect) -> None:
    client = connect()
    key = await done(client.create_api_key(scopes=["redact:write"], name="sdk e2e", expires_in_days=1))
    assert key.key.startswith("ck_euc1_") and key.scopes == ["redact:write"] and key.status == "active"
    assert key.name == "sdk e2e" and key.expires_at
    listed = {k.id: k for k in await done(client.list_api_keys())}
    assert listed[key.id].status == "active" and listed[key.id].key is None  # the secret is shown once
    old_client = connect(key.key)
    assert (await done(old_client.redact("hello"))).text == "hello"
    error = await refused(PermissionDeniedError, old_client.list_api_keys)
    assert (error.status, error.code) == (403, "forbidden")

    new = await done(client.rotate_api_key(key.id, grace_period_hours=0))
    assert new.id != key.id and new.key != key.key and new.scopes == ["redact:write"]
    authorizer.clear_cache()  # the authorizer caches key records for 30 s
    await refused(AuthenticationError, lambda: old_client.redact("hello"))
    new_client = connect(new.key)
    assert (await done(new_client.redact("hello"))).text == "hello"

    assert await done(client.revoke_api_key(new.id)) is None
    statuses = {k.id: k.status for k in await done(client.list_api_keys())}
    assert (statuses[key.id], statuses[new.id]) == ("expired", "revoked")
    authorizer.clear_cache()
    await refused(AuthenticationError, lambda: new_client.redact("hello"))
    await refused(NotFoundError, lambda: client.rotate_api_key("k_" + uuid.uuid4().hex[:12]))
    await refused(ValidationError, lambda: client.create_api_key(scopes=["no:such-scope"]))


async def test_a_key_cannot_grant_scopes_it_lacks(connect) -> None:
    client = connect()
    keys_admin = await done(client.create_api_key(scopes=["keys:admin"]))
    keys_client = connect(keys_admin.key)
    error = await refused(PermissionDeniedError, lambda: keys_client.create_api_key(scopes=["audit:export"]))
    assert error.code == "forbidden" and "audit:export" in error.message
    await done(client.revoke_api_key(keys_admin.id))


# --- encryption -------------------------------------------------------------------------------------------------------
async def test_encrypt_then_decrypt_round_trips_and_purposes_do_not_mix(connect) -> None:
    client = connect()
    secret = bytes(range(256))
    ciphertext = await done(client.encrypt(secret, purpose="backups"))
    assert isinstance(ciphertext, str) and secret not in ciphertext.encode()
    assert await done(client.decrypt(ciphertext, purpose="backups")) == secret
    assert await done(client.decrypt(await done(client.encrypt("Ana Silva")))) == b"Ana Silva"
    error = await refused(ValidationError, lambda: client.decrypt(ciphertext, purpose="other"))
    assert (error.status, error.code) == (400, "decryption_failed")


def test_local_encryption_never_calls_the_gateway() -> None:
    key = generate_key()
    envelope = encrypt_local("Ana Silva", key, aad="record-7")
    assert envelope.startswith("ckl1.") and "Ana" not in envelope
    assert decrypt_local(envelope, key, aad="record-7") == b"Ana Silva"
    with pytest.raises(LocalCryptoError):
        decrypt_local(envelope, key, aad="record-8")
    with pytest.raises(LocalCryptoError):
        decrypt_local(envelope, generate_key(), aad="record-7")


# --- data subjects ----------------------------------------------------------------------------------------------------
async def test_consent_set_then_read_back_then_erased(connect) -> None:
    client = connect()
    user = unique_user()
    decided = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    granted = await done(client.update_consent(user, consent_type="ai_processing", granted=True, timestamp=decided,
                                               source="web_form"))
    assert (granted.user_id, granted.consent_type, granted.granted, granted.source) == (user, "ai_processing", True,
                                                                                      "web_form")
    assert datetime.fromisoformat(granted.timestamp) == decided and granted.recorded_at
    withdrawn = await done(client.update_consent(user, consent_type="ai_processing", granted=False))
    assert withdrawn.granted is False and withdrawn.source is None

    export = await done(client.export_user_data(user))
    assert export["user_id"] == user
    assert [(e["consent_type"], e["granted"]) for e in export["consents"]] == [("ai_processing", False)]
    assert sorted((e["granted"], e.get("source")) for e in export["consent_history"]) == [(False, None),
                                                                                          (True, "web_form")]
    erasure = await done(client.delete_user_data(user))
    assert erasure.user_id == user and erasure.status == "erased" and erasure.deleted["consents"] == 3
    after = await done(client.export_user_data(user))
    assert after["consents"] == [] and after["consent_history"] == [] and len(after["erasures"]) == 1
    await refused(ValidationError, lambda: client.update_consent(user, consent_type="Not Valid", granted=True))
    await refused(ValidationError, lambda: client.export_user_data(user, format="xml"))


async def test_required_consents_set_enforced_then_cleared(connect) -> None:
    client = connect()
    user = unique_user()
    assert (await done(client.required_consents())).consent_types == []
    try:
        setting = await done(client.set_required_consents(["marketing", "ai_processing", "marketing"]))
        assert setting.consent_types == ["ai_processing", "marketing"]
        assert (await done(client.required_consents())).consent_types == ["ai_processing", "marketing"]
        error = await refused(PermissionDeniedError, lambda: client.chat(model="cloakr-echo", messages=say("hi"), user=user))
        assert (error.status, error.code) == (403, "consent_required")
        error = await refused(ValidationError, lambda: client.chat(model="cloakr-echo", messages=say("hi")))
        assert (error.status, error.code) == (400, "user_required")
        await refused(ValidationError, lambda: client.set_required_consents(["Not Valid"]))
        await refused(ValidationError, lambda: client.set_required_consents("ai_processing"))  # a str, not a list
        assert (await done(client.required_consents())).consent_types == ["ai_processing", "marketing"]
        redact_key = await done(client.create_api_key(scopes=["redact:write"]))
        redact_client = connect(redact_key.key)
        assert (await refused(PermissionDeniedError, redact_client.required_consents)).code == "forbidden"
        await done(client.revoke_api_key(redact_key.id))
    finally:
        assert (await done(client.set_required_consents([]))).consent_types == []
    assert "hi" in (await done(client.chat(model="cloakr-echo", messages=say("hi"), user=user))).text


# --- audit ------------------------------------------------------------------------------------------------------------
async def test_audit_events_paginate_and_the_chain_verifies(connect) -> None:
    client = connect()
    for text in ("first", "second", "third"):
        await done(client.redact(text))
    today = datetime.now(UTC).date()
    events = await drain(client.list_audit_events(start=today, action="redact", page_size=2))
    assert len(events) >= 3 and len({e.audit_id for e in events}) == len(events)
    assert all(e.action == "redact" and e.category == "data_access" for e in events)
    verification = await done(client.verify_audit(start=today - timedelta(days=1)))
    assert verification.ok is True and verification.problems == [] and verification.start < verification.end
    await refused(ValidationError, lambda: client.verify_audit(start=today - timedelta(days=90)))


async def test_audit_export_created_polled_and_downloaded(connect, tmp_path) -> None:
    client = connect()
    await done(client.redact("Mail ana.silva@example.com"))
    today = date.today().isoformat()
    export = await done(client.export_audit_logs(start_date=today, end_date=today, format="csv"))
    assert export.status in ("pending", "running", "complete") and export.format == "csv"
    assert export.start.startswith(today) and export.include_details is False and export.created_at
    again = await done(client.get_audit_export(export.id))
    assert again.id == export.id
    seen: list[int] = []
    path = await done(client.download_audit_logs(export.id, tmp_path / "audit.csv", poll_interval=0.1,
                                                 progress=lambda done_bytes, _total: seen.append(done_bytes)))
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert rows and "redact" in {row["action"] for row in rows} and seen[-1] == path.stat().st_size
    assert "ana.silva@example.com" not in path.read_text()
    await refused(NotFoundError, lambda: client.get_audit_export("exp_" + uuid.uuid4().hex[:12]))


# --- reports ----------------------------------------------------------------------------------------------------------
async def test_report_created_fetched_and_downloaded(connect, tmp_path) -> None:
    client = connect()
    report = await done(client.generate_compliance_report(period="last_30_days", standards=["GDPR"], format="pdf"))
    assert report.status == "complete" and report.format == "pdf" and report.standards == ["GDPR"]
    fetched = await done(client.get_compliance_report(report.id))
    assert fetched.id == report.id and fetched.download_url and fetched.expires_in == 300
    assert fetched.created_at and fetched.period == report.period
    path = await done(client.download_compliance_report(report.id, tmp_path / "report.pdf"))
    assert path.read_bytes().startswith(b"%PDF")
    assert "Cloakr compliance report" in pypdf.PdfReader(path).pages[0].extract_text()
    await refused(NotFoundError, lambda: client.get_compliance_report("rpt_" + uuid.uuid4().hex[:20]))
    await refused(ValidationError, lambda: client.generate_compliance_report(period="someday"))


async def test_report_schedule_created_listed_and_deleted(connect) -> None:
    client = connect()
    schedule = await done(client.schedule_compliance_report(standards=["GDPR"], format="csv", day_of_month=3,
                                                            hour_utc=7))
    assert schedule.expression == "cron(0 7 3 * ? *)" and schedule.format == "csv" and schedule.state == "ENABLED"
    assert schedule.id in {s.id for s in await done(client.list_report_schedules())}
    assert await done(client.delete_report_schedule(schedule.id)) is None
    assert schedule.id not in {s.id for s in await done(client.list_report_schedules())}
    await refused(NotFoundError, lambda: client.delete_report_schedule(schedule.id))


# --- incidents and blocks ---------------------------------------------------------------------------------------------
async def test_blocked_user_is_refused_then_unblocked(connect) -> None:
    client = connect()
    user = unique_user()
    assert await done(client.block_user(user, reason="abuse")) is None
    error = await refused(PermissionDeniedError, lambda: client.chat(model="cloakr-echo", messages=say("hi"), user=user))
    assert (error.status, error.code) == (403, "user_blocked")
    header_client = connect(default_headers={"X-Cloakr-User": user})
    assert (await refused(PermissionDeniedError, lambda: header_client.redact("hi"))).code == "user_blocked"
    assert await done(client.unblock_user(user)) is None
    authorizer.clear_cache()
    assert "hi" in (await done(client.chat(model="cloakr-echo", messages=say("hi"), user=user))).text
    assert (await done(header_client.redact("hi"))).text == "hi"
    assert (await refused(NotFoundError, lambda: client.unblock_user(user))).status == 404


async def test_auth_failure_burst_blocks_the_key_raises_an_incident_and_an_admin_unblocks_it(connect) -> None:
    client = connect(webhook_secret=WEBHOOK_SECRET)
    key = await done(client.create_api_key(scopes=["models:read"], name="leaked"))
    leaked_client = connect(key.key)
    codes = {(await refused(PermissionDeniedError, leaked_client.list_api_keys)).code
             for _ in range(AUTH_FAILURES_TO_BLOCK)}
    assert codes == {"forbidden"}
    authorizer.clear_cache()  # the block applies to other processes once their 30 s block cache expires
    assert (await refused(PermissionDeniedError, leaked_client.models)).code == "key_blocked"

    incidents = [i for i in await done(client.list_incidents(start=datetime.now(UTC) - timedelta(hours=1)))
                 if i.key_id == key.id]
    assert {(i.kind, i.severity, i.count) for i in incidents} == {("auth_failures", "medium", 10),
                                                                  ("auth_failures", "high", AUTH_FAILURES_TO_BLOCK)}
    high = next(i for i in incidents if i.severity == "high")
    assert high.action_taken == "key_blocked" and high.incident_id and high.delivered_via is None

    received: list[SecurityIncident] = []
    client.on("security_incident", received.append)
    delivery = {"version": "0", "id": "e2e", "detail-type": "security_incident", "source": "cloakr",
                "region": "eu-central-1", "time": high.detected_at, "detail": high.model_dump(exclude_none=True)}
    client.handle_webhook(json.dumps(delivery), {"X-Cloakr-Webhook-Secret": WEBHOOK_SECRET})
    assert [(i.incident_id, i.action_taken, i.delivered_via) for i in received] == [(high.incident_id, "key_blocked",
                                                                                     "eventbridge")]
    with pytest.raises(IncidentEventError):
        client.handle_webhook(json.dumps(delivery), {"X-Cloakr-Webhook-Secret": "wrong"})

    assert await done(client.unblock_api_key(key.id)) is None
    assert "cloakr-echo" in {model.id for model in await done(leaked_client.models())}
    await refused(NotFoundError, lambda: client.unblock_api_key(key.id))  # no longer blocked
    await refused(NotFoundError, lambda: client.unblock_api_key("k_" + uuid.uuid4().hex[:12]))  # no such key
    await done(client.revoke_api_key(key.id))


# --- docs and tests cannot drift --------------------------------------------------------------------------------------
def public_members(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls) if not name.startswith("_")}


def used_here() -> set[str]:
    """Attribute names this file reads on a client, redactor or stream variable (calls and properties)."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and RECEIVER.match(node.value.id)}


def documented(name: str, member: Any) -> bool:
    """A method is documented as ```name(`` (or ```client.name(``, ```await client.name(``), a property as
    ```name```."""
    text = DOCS.read_text(encoding="utf-8")
    suffix = r"`" if isinstance(member, property) else r"\("
    return re.search(rf"`(?:await )?(?:[\w.]+\.)?{re.escape(name)}{suffix}", text) is not None


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_public_method_is_used_in_this_file(cls: type) -> None:
    missing = sorted(public_members(cls) - used_here())
    assert not missing, f"{cls.__name__} methods no test here calls: {missing}"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_every_public_method_is_documented(cls: type) -> None:
    missing = sorted(name for name in public_members(cls) if not documented(name, getattr(cls, name)))
    assert not missing, f"{cls.__name__} methods docs/sdk.md does not document: {missing}"


def test_every_exported_name_is_documented() -> None:
    import cloakr.sdk

    text = DOCS.read_text(encoding="utf-8")
    missing = sorted(name for name in cloakr.sdk.__all__ if f"`{name}" not in text)
    assert not missing, f"cloakr.sdk exports docs/sdk.md does not mention: {missing}"

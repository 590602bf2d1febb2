"""Client behaviour over a scripted transport: retries, back-off, Retry-After, idempotency, errors, parsing."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from cloakr.sdk import errors
from cloakr.sdk.models import ChatCompletion

from tests.unit.sdk.conftest import Script, error

COMPLETION = {"id": "c1", "model": "cloakr-echo", "created": 1,
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello Ana"},
                           "finish_reason": "stop"}]}


def test_5xx_is_retried_with_the_same_idempotency_key_then_succeeds() -> None:
    script = Script(error(503, "upstream_unavailable"), error(500, "internal"), httpx.Response(200, json=COMPLETION))
    result = script.client().chat(model="cloakr-echo", messages=[{"role": "user", "content": "hi"}])
    assert isinstance(result, ChatCompletion) and result.text == "Hello Ana"
    keys = {r.headers["idempotency-key"] for r in script.requests}
    assert len(script.requests) == 3 and len(keys) == 1
    assert len(script.sleeps) == 2


def test_retry_after_is_honoured() -> None:
    script = Script(error(429, "rate_limited", **{"Retry-After": "4"}), httpx.Response(200, json={"data": []}))
    assert script.client().models() == []
    assert script.sleeps and script.sleeps[0] >= 4.0


def test_retry_after_longer_than_the_cap_raises_at_once() -> None:
    script = Script(error(429, "rate_limited", **{"Retry-After": "3600"}))
    with pytest.raises(errors.RateLimitError) as caught:
        script.client().models()
    assert caught.value.retry_after == 3600.0 and script.sleeps == []


def test_retries_are_bounded_and_end_in_the_mapped_error() -> None:
    script = Script(*[error(502, "bad_gateway")] * 3)
    with pytest.raises(errors.ServerError):
        script.client(max_retries=2).health()
    assert len(script.requests) == 3 and len(script.sleeps) == 2


def test_client_errors_are_not_retried() -> None:
    script = Script(error(403, "wrong_region", "this key belongs to eu-central-1: https://api.eu-central-1..."))
    with pytest.raises(errors.ResidencyError, match="eu-central-1"):
        script.client().redact("hi")
    assert len(script.requests) == 1


def test_post_without_idempotency_key_is_not_retried_on_5xx_but_is_on_429() -> None:
    from cloakr.sdk._core import RequestSpec, exchange, resolve_options
    from cloakr.sdk.transport import run_sync

    options = resolve_options(api_key="k", base_url="http://gateway.test")
    unsafe = RequestSpec("POST", "/v1/keys", json={})
    script = Script(error(500, "internal"))
    with pytest.raises(errors.ServerError):
        run_sync(exchange(options, unsafe), httpx.Client(transport=httpx.MockTransport(script)), script.sleep)
    assert len(script.requests) == 1
    script = Script(error(429, "rate_limited"), httpx.Response(201, json={}))
    response = run_sync(exchange(options, unsafe), httpx.Client(transport=httpx.MockTransport(script)), script.sleep)
    assert response.status_code == 201 and len(script.requests) == 2


def test_connection_errors_are_retried_then_reported() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(200, json={"status": "ok"}))
    assert script.client().health().status == "ok"
    script = Script(*[httpx.ConnectError("refused")] * 2)
    with pytest.raises(errors.APIConnectionError):
        script.client(max_retries=1).health()


def test_timeouts_become_api_timeout_error() -> None:
    script = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(errors.APITimeoutError):
        script.client(max_retries=0).models()


def test_redact_batch_and_options_on_the_wire() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert body == {"texts": ["a", "b"], "mode": "mask", "entities": ["EMAIL"],
                        "rules": [{"type": "email", "domains": ["corp.example"]}]}
        # The gateway's batch answer (routes/redact.py): one result per text and the summed counts.
        return httpx.Response(200, json={"mode": "mask", "counts": {"EMAIL": 1}, "results": [
            {"text": "a", "findings": [], "counts": {}},
            {"text": "****", "findings": [{"type": "EMAIL", "start": 0, "end": 4, "score": 0.9}], "counts": {"EMAIL": 1}},
        ]})

    script = Script(answer)
    result = script.client().redact(["a", "b"], mode="mask", entities=["EMAIL"],
                                    rules=[{"type": "email", "domains": ["corp.example"]}])
    assert [r.text for r in result.results] == ["a", "****"] and result.counts == {"EMAIL": 1}
    assert result.results[1].findings[0].type == "EMAIL" and result.mode == "mask"


def test_unknown_request_fields_fail_before_a_round_trip() -> None:
    from cloakr.sdk.errors import ValidationError

    script = Script()
    with pytest.raises(ValidationError, match="mode"):
        script.client().redact("x", mode="shred")  # type: ignore[arg-type]
    assert script.requests == []


def test_chat_passes_provider_options_through() -> None:
    script = Script(lambda r: httpx.Response(200, json={**COMPLETION, "echo": json.loads(r.content)}))
    result = script.client().chat(model="m", messages=[{"role": "user", "content": "x"}], user="u1", seed=7)
    assert result.model_extra["echo"]["seed"] == 7 and result.model_extra["echo"]["user"] == "u1"


def _sse(*events: dict | str) -> httpx.Response:
    body = "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events)
    return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream",
                                                               "x-cloakr-redacted": "NAME=1"})


def _chunk(text: str) -> dict:
    return {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text}}]}


def test_chat_stream_yields_chunks_until_done() -> None:
    script = Script(_sse(_chunk("Hel"), _chunk("lo"), "[DONE]"))
    with script.client().chat_stream(model="m", messages=[{"role": "user", "content": "x"}]) as stream:
        assert stream.headers["x-cloakr-redacted"] == "NAME=1"
        assert "".join(c.text for c in stream) == "Hello"
    assert json.loads(script.requests[0].content)["stream"] is True
    assert script.requests[0].headers["accept"] == "text/event-stream"


def test_chat_stream_refusal_raises_at_the_call() -> None:
    script = Script(error(401, "invalid_api_key"))
    with pytest.raises(errors.AuthenticationError):
        script.client().chat_stream(model="m", messages=[])


def test_audit_events_paginate_lazily() -> None:
    def page(events: list[str], token: str | None):
        return httpx.Response(200, json={"events": [{"audit_id": a, "timestamp": "2026-01-01T00:00:00Z"}
                                                    for a in events], "next_token": token})

    script = Script(page(["a1", "a2"], "t2"), page(["a3"], None))
    events = script.client().list_audit_events(action="chat", page_size=2)
    assert next(events).audit_id == "a1" and len(script.requests) == 1
    assert [e.audit_id for e in events] == ["a2", "a3"]
    assert script.requests[1].url.params["next_token"] == "t2"
    assert script.requests[1].url.params["action"] == "chat"


def test_download_waits_for_the_export_then_streams_without_the_api_key(tmp_path) -> None:
    pending = httpx.Response(200, json={"export_id": "e1", "status": "RUNNING"})
    ready = httpx.Response(200, json={"export_id": "e1", "status": "COMPLETE",
                                      "download_url": "https://bucket.s3.test/exports/e1.csv?X-Amz-Signature=s"})
    script = Script(pending, ready, httpx.Response(200, content=b"a,b\n1,2\n"))
    seen: list[tuple[int, int | None]] = []
    path = script.client().download_audit_logs("e1", tmp_path / "audit.csv", poll_interval=1.5,
                                               progress=lambda d, t: seen.append((d, t)))
    assert path.read_bytes() == b"a,b\n1,2\n" and not (tmp_path / "audit.csv.part").exists()
    assert script.sleeps == [1.5] and seen[-1][0] == 8
    assert "authorization" not in script.requests[-1].headers


def test_failed_export_is_not_waited_for(tmp_path) -> None:
    script = Script(httpx.Response(200, json={"export_id": "e1", "status": "FAILED"}))
    with pytest.raises(errors.CloakrError, match="FAILED"):
        script.client().download_audit_logs("e1", tmp_path / "x")


def test_a_failed_export_says_why() -> None:
    script = Script(httpx.Response(200, json={"export_id": "e1", "status": "failed", "message": "start a new export"}))
    with pytest.raises(errors.CloakrError, match="failed: start a new export"):
        script.client().download_audit_logs("e1", "unused")


def test_verify_sends_start_and_end_and_reads_the_counts() -> None:
    script = Script(httpx.Response(200, json={"ok": True, "digests_checked": 3, "records_checked": 40, "problems": []}))
    result = script.client().verify_audit(start="2026-11-01", end="2026-11-02")
    assert dict(script.requests[0].url.params) == {"start": "2026-11-01", "end": "2026-11-02"}
    assert result.ok and result.digests_checked == 3 and result.records_checked == 40


def test_revoke_accepts_an_empty_204() -> None:
    script = Script(httpx.Response(204))
    assert script.client().revoke_api_key("k/1") is None
    assert script.requests[0].url.raw_path == b"/v1/keys/k%2F1" and script.requests[0].method == "DELETE"


def test_async_client_shares_the_behaviour() -> None:
    async def scenario():
        script = Script(error(503, "busy"), httpx.Response(200, json={"data": [{"id": "cloakr-echo"}]}),
                        _sse(_chunk("Hi"), "[DONE]"))
        async with script.async_client() as client:
            models = await client.models()
            stream = await client.chat_stream(model="m", messages=[])
            text = "".join([c.text async for c in stream])
        return script, models, text

    script, models, text = asyncio.run(scenario())
    assert [m.id for m in models] == ["cloakr-echo"] and text == "Hi" and len(script.sleeps) == 1


def test_async_errors_map_the_same_way() -> None:
    async def scenario():
        async with Script(error(422, "unknown_field", "field 'x' is not allowed")).async_client() as client:
            await client.classify("text")

    with pytest.raises(errors.ValidationError, match="field 'x'"):
        asyncio.run(scenario())


@pytest.mark.parametrize(("method", "args", "wire"), [
    ("revoke_api_key", ("k1",), ("DELETE", "/v1/keys/k1")),
    ("delete_report_schedule", ("s1",), ("DELETE", "/v1/reports/schedules/s1")),
    ("block_user", ("u1",), ("PUT", "/v1/users/u1/block")),
    ("unblock_user", ("u1",), ("DELETE", "/v1/users/u1/block")),
    ("unblock_api_key", ("k1",), ("DELETE", "/v1/keys/k1/block")),
])
def test_async_methods_without_a_result_still_send_their_request(method: str, args: tuple, wire: tuple) -> None:
    # These return None; the async client must still hand back the awaitable that sends them (it once did not).
    async def scenario():
        script = Script(httpx.Response(200, json={"ok": True}))
        async with script.async_client() as client:
            assert await getattr(client, method)(*args) is None
        return script

    script = asyncio.run(scenario())
    assert [(r.method, r.url.path) for r in script.requests] == [wire]


def test_async_report_download_streams_the_fresh_link(tmp_path) -> None:
    link = "https://bucket.s3.test/reports/r1.pdf?X-Amz-Signature=s"

    async def scenario():
        script = Script(httpx.Response(200, json={"report_id": "r1", "status": "complete", "download_url": link}),
                        httpx.Response(200, content=b"%PDF-1.7 report"))
        async with script.async_client() as client:
            path = await client.download_compliance_report("r1", tmp_path / "r.pdf")
        return script, path

    script, path = asyncio.run(scenario())
    assert path.read_bytes() == b"%PDF-1.7 report"
    assert str(script.requests[1].url) == link and "authorization" not in script.requests[1].headers


def test_a_report_without_a_link_is_refused_before_any_download(tmp_path) -> None:
    script = Script(httpx.Response(200, json={"report_id": "r1", "status": "expired",
                                              "message": "The report's download copy has expired; generate it again."}))
    with pytest.raises(errors.CloakrError, match="r1 has no download link .status expired.: The report's download"):
        script.client().download_compliance_report("r1", tmp_path / "r.pdf")
    assert len(script.requests) == 1 and not list(tmp_path.iterdir())

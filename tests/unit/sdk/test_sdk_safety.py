"""What the SDK must never do with a caller's secrets and data: put the API key or the text being redacted into an
exception, seal an int as zero bytes, give up on a retryable 409, let the environment beat an explicit argument, or
return a truncated stream or a half-read body as a result."""

from __future__ import annotations

import json

import httpx
import pytest
from cloakr.sdk import _core, encrypt_local, errors, generate_key
from cloakr.sdk.redactor import Redactor

from tests.unit.sdk.conftest import Script, error

KEY = "ck_euc1_k1_secretvalue"
PII = "Patient Ana Silva, SSN 123-45-6789, ana.silva@example.com"


# --- 1: the API key -------------------------------------------------------------------------------------------------
def test_surrounding_whitespace_is_stripped_from_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _core.resolve_options(api_key=f" {KEY}\n", base_url="http://x").api_key == KEY
    monkeypatch.setenv("CLOAKR_API_KEY", f"{KEY}\r\n")
    request = _core.build_request(_core.resolve_options(base_url="http://x"), _core.spec("GET", "/v1/models"))
    assert request.headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("bad", [f"{KEY[:8]}\n{KEY[8:]}", f"{KEY}é", f"{KEY[:8]} {KEY[8:]}", "ck_\x00x"])
def test_an_unsendable_key_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(errors.AuthenticationError) as raised:
        _core.resolve_options(api_key=bad, base_url="http://x")
    assert "secretvalue" not in str(raised.value) and raised.value.code == "invalid_api_key"


def test_transport_errors_never_quote_header_values() -> None:
    leaky = httpx.LocalProtocolError(f"Illegal header value b'Bearer {KEY}\\n'")
    script = Script(leaky)
    with pytest.raises(errors.CloakrError) as raised:
        script.client(default_headers={"X-Team": "a"}).models()
    assert "secretvalue" not in str(raised.value) and not isinstance(raised.value, errors.APIConnectionError)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert len(script.requests) == 1  # an unencodable request is not retried
    refused = httpx.ConnectError(f"refused {KEY}")
    refused.__context__ = ConnectionRefusedError(111, "Connection refused")
    message = str(_core.transport_error(refused))
    assert "secretvalue" not in message and "Connection refused" in message


# --- 2: request validation ------------------------------------------------------------------------------------------
def test_request_validation_names_the_field_not_the_value() -> None:
    script = Script()
    client = script.client()
    with pytest.raises(errors.ValidationError) as raised:
        client.classify([PII])  # type: ignore[arg-type]
    assert "text" in str(raised.value) and "Ana" not in str(raised.value) and "123-45" not in str(raised.value)
    with pytest.raises(errors.ValidationError, match="bytes") as raised:
        client.redact(PII.encode())  # type: ignore[arg-type]
    assert "Ana" not in str(raised.value)
    with pytest.raises(errors.ValidationError) as raised:
        client.redact([PII, 7, 8, 9])  # type: ignore[list-item]
    assert str(raised.value).count("texts[]") == 1 and "Ana" not in str(raised.value)
    assert script.requests == []


# --- 3: client-side crypto inputs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{"plaintext": 1234}, {"plaintext": "x", "aad": 42}, {"plaintext": None}])
def test_encrypt_local_refuses_what_is_not_text_or_bytes(kwargs: dict) -> None:
    plaintext = kwargs.pop("plaintext")
    with pytest.raises(TypeError):
        encrypt_local(plaintext, generate_key(), **kwargs)


# --- 4: 409 request_in_progress -------------------------------------------------------------------------------------
def test_request_in_progress_409_is_retried_after_retry_after() -> None:
    script = Script(error(409, "request_in_progress", **{"Retry-After": "2"}), httpx.Response(200, json={"counts": {}}))
    assert script.client().redact("x", idempotency_key="k1").counts == {}
    assert script.sleeps and script.sleeps[0] >= 2.0 and len(script.requests) == 2
    assert script.requests[0].headers["idempotency-key"] == script.requests[1].headers["idempotency-key"] == "k1"


def test_other_409s_are_final() -> None:
    script = Script(error(409, "key_unavailable"))
    with pytest.raises(errors.ConflictError):
        script.client().redact("x")
    assert len(script.requests) == 1


# --- 5: explicit region beats the environment -----------------------------------------------------------------------
def test_explicit_region_beats_the_base_url_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOAKR_BASE_URL", "http://env.test")
    options = _core.resolve_options(api_key=KEY, region="ap-south-1")
    assert (options.region, options.base_url) == ("ap-south-1", "https://api.ap-south-1.cloakr.example")
    assert _core.resolve_options(api_key=KEY, region="ap-south-1", base_url="http://arg.test").base_url == "http://arg.test"
    assert _core.resolve_options(api_key=KEY).base_url == "http://env.test"


# --- 8 and 11: the Redactor -----------------------------------------------------------------------------------------
def test_hash_mode_takes_a_key_and_refuses_to_run_without_one() -> None:
    with pytest.raises(ValueError, match="hash_key"):
        Redactor(mode="hash")
    first, second = Redactor(mode="hash", hash_key="s3cret"), Redactor(mode="hash", hash_key=b"s3cret")
    text = "mail ana@example.com"
    assert first.redact(text) == second.redact(text) and "ana@example.com" not in first.redact(text)
    assert Redactor(mode="hash", hash_key="other").redact(text) != first.redact(text)


def test_redact_messages_covers_content_parts_and_tool_arguments() -> None:
    redactor = Redactor()
    arguments = json.dumps({"to": "ana@example.com", "n": 1})
    [user, assistant, raw] = redactor.redact_messages([
        {"role": "user", "content": [{"type": "text", "text": "mail ana@example.com"}, {"type": "image_url"}]},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "send", "arguments": arguments}}]},
        {"role": "assistant", "tool_calls": [{"function": {"name": "x", "arguments": "to ana@example.com {"}}]},
    ])
    assert "ana@example.com" not in json.dumps([user, assistant, raw])
    placeholder = user["content"][0]["text"].removeprefix("mail ")
    call_args = json.loads(assistant["tool_calls"][0]["function"]["arguments"])
    assert call_args == {"to": placeholder, "n": 1} and user["content"][1] == {"type": "image_url"}
    assert assistant["tool_calls"][0]["id"] == "t1" and placeholder in raw["tool_calls"][0]["function"]["arguments"]


# --- 12: truncated streams and unexpected bodies --------------------------------------------------------------------
def _sse(*events: str) -> httpx.Response:
    body = "".join(f"data: {event}\n\n" for event in events)
    return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})


def test_a_stream_without_done_is_an_error() -> None:
    chunk = json.dumps({"id": "c1", "choices": [{"index": 0, "delta": {"content": "Hel"}}]})
    script = Script(_sse(chunk))
    with pytest.raises(errors.APIConnectionError, match="DONE"):
        list(script.client().chat_stream(model="m", messages=[]))
    assert len(list(Script(_sse(chunk, "[DONE]")).client().chat_stream(model="m", messages=[]))) == 1


def test_an_error_event_of_any_shape_is_a_cloakr_error() -> None:
    with pytest.raises(errors.ServerError):
        list(_core.decode_lines(["event: error", 'data: {"error": "string err"}', ""], _core.SSEDecoder()))


def test_a_success_with_an_unexpected_body_is_a_cloakr_error() -> None:
    for body in ({"keys": "nope"}, [1, 2], {"keys": [{"name": PII}]}):
        with pytest.raises(errors.APIError, match="unexpected shape") as raised:
            Script(httpx.Response(200, json=body)).client().list_api_keys()
        assert "Ana" not in str(raised.value)
    with pytest.raises(errors.APIError, match="unexpected shape"):
        Script(httpx.Response(200, json={"data": None})).client().models()

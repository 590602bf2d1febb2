"""Providers: credentials from Secrets Manager, the echo model, Bedrock Converse mapping, upstream failures."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from cloakr.constants import ENV_AWS_ENDPOINT, ENV_UPSTREAM_KEY, ENV_UPSTREAM_SECRET_ARN, ENV_UPSTREAM_URL
from cloakr.upstream import BedrockProvider, EchoProvider, OpenAICompatibleProvider, UpstreamError, _secret, upstream_settings

REQUEST = {"model": "m", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello [EMAIL_1]"}]}


@pytest.mark.parametrize("secret, expected", [
    (json.dumps({"url": "https://llm.example/v1", "api_key": "sk-secret"}), ("https://llm.example/v1", "sk-secret")),
    ("sk-bare", ("https://env.example/v1", "sk-bare")),
])
def test_upstream_settings_prefer_the_secret(monkeypatch, secret, expected):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv(ENV_UPSTREAM_URL, "https://env.example/v1")
    monkeypatch.setenv(ENV_UPSTREAM_KEY, "sk-env")
    monkeypatch.delenv(ENV_AWS_ENDPOINT, raising=False)  # moto intercepts in-process calls only
    _secret.cache_clear()
    with mock_aws():
        arn = boto3.client("secretsmanager", region_name="eu-central-1").create_secret(Name="up", SecretString=secret)["ARN"]
        monkeypatch.setenv(ENV_UPSTREAM_SECRET_ARN, arn)
        assert upstream_settings("eu-central-1") == expected
        monkeypatch.setenv(ENV_UPSTREAM_SECRET_ARN, arn + "-missing")
        with pytest.raises(UpstreamError) as caught:
            upstream_settings("eu-central-1")
        assert caught.value.code == "upstream_not_configured"
    _secret.cache_clear()


def test_echo_repeats_the_prompt_and_calls_the_first_tool():
    answer = EchoProvider().complete(REQUEST)
    assert answer["choices"][0]["message"]["content"] == "You said: hello [EMAIL_1]"
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    call = EchoProvider().complete({**REQUEST, "tools": tools})["choices"][0]
    assert call["finish_reason"] == "tool_calls"
    assert json.loads(call["message"]["tool_calls"][0]["function"]["arguments"]) == {"input": "hello [EMAIL_1]"}


def test_bedrock_converse_gets_system_and_messages_and_maps_the_answer():
    client = boto3.client("bedrock-runtime", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("converse", {
            "output": {"message": {"role": "assistant", "content": [{"text": "hi [EMAIL_1]"}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7}, "metrics": {"latencyMs": 1},
        }, {"modelId": "eu.model", "system": [{"text": "be brief"}],
            "messages": [{"role": "user", "content": [{"text": "hello [EMAIL_1]"}]}]})
        answer = BedrockProvider("eu.model", "eu-central-1", client=client).complete(REQUEST)
    assert answer["choices"][0]["message"]["content"] == "hi [EMAIL_1]" and answer["usage"]["total_tokens"] == 7
    with Stubber(client) as stub:
        stub.add_client_error("converse", "ThrottlingException", "prompt text could be here")
        with pytest.raises(UpstreamError) as caught:
            BedrockProvider("eu.model", "eu-central-1", client=client).complete(REQUEST)
    assert caught.value.code == "upstream_unavailable" and "prompt" not in caught.value.message


class Broken(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        data = b'{"error": "echoing hello [EMAIL_1]"}'
        self.send_response(500)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        return


def test_openai_compatible_errors_are_stable_and_carry_no_upstream_text():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(UpstreamError) as caught:
            OpenAICompatibleProvider(f"http://127.0.0.1:{server.server_address[1]}", "k").complete(REQUEST)
        assert caught.value.code == "upstream_error" and "EMAIL" not in caught.value.message
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(UpstreamError) as caught:
        OpenAICompatibleProvider(f"http://127.0.0.1:{server.server_address[1]}", "k", timeout=2).complete(REQUEST)
    assert caught.value.code == "upstream_error" and caught.value.status == 502


class Slow(Broken):
    def do_POST(self):
        release.wait(5)


release = threading.Event()


def test_a_slow_upstream_is_a_retryable_timeout():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(UpstreamError) as caught:
            OpenAICompatibleProvider(f"http://127.0.0.1:{server.server_address[1]}", "k", timeout=0.2).complete(REQUEST)
        assert caught.value.code == "upstream_timeout" and caught.value.status == 504
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_httpx_is_traced_on_first_upstream_call_not_imported_at_start_up(monkeypatch):
    """Every function imports the shared tracer; only chat calls an HTTPS model, so only its first upstream call
    imports httpx and has X-Ray patch it."""
    import os
    import subprocess
    import sys

    import cloakr.upstream as upstream
    from cloakr.observability import tracer

    # As in Lambda: Powertools enables tracing (and patches what it is told to) only there.
    env = {**{k: v for k, v in os.environ.items() if k != "POWERTOOLS_TRACE_DISABLED"}, "LAMBDA_TASK_ROOT": os.getcwd()}
    started = subprocess.run([sys.executable, "-c", "import sys, cloakr.observability, cloakr.upstream; print('httpx' in sys.modules)"],
                             capture_output=True, text=True, check=True, env=env)
    assert started.stdout.strip() == "False"
    patched: list[tuple[str, ...]] = []
    monkeypatch.setattr(tracer, "patch", lambda modules: patched.append(tuple(modules)))
    upstream._traced_httpx.cache_clear()
    try:
        with pytest.raises(UpstreamError):
            OpenAICompatibleProvider("http://127.0.0.1:9", "k", timeout=1).complete(REQUEST)
        assert patched == [("httpx",)]
    finally:
        upstream._traced_httpx.cache_clear()

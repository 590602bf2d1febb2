"""Chat Completions <-> Bedrock Converse: roles, system prompts, tool calls and results, inference settings, errors."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from cloakr.upstream import BedrockProvider, UpstreamError
from cloakr.upstream.bedrock import from_converse, to_converse

WEATHER = {"type": "function", "function": {"name": "weather", "description": "Weather for a city",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def test_a_tool_round_trip_becomes_tool_use_and_tool_result_blocks():
    request = {"model": "m", "tools": [WEATHER], "tool_choice": "required", "max_tokens": 200, "temperature": 0.2, "stop": "END",
               "messages": [
                   {"role": "system", "content": "be brief"},
                   {"role": "user", "content": "Weather for [LOCATION_1]?"},
                   {"role": "assistant", "content": None, "tool_calls": [
                       {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "[LOCATION_1]"}'}}]},
                   {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
                   {"role": "user", "content": [{"type": "text", "text": "And tomorrow?"}]},
               ]}
    call = to_converse(request, "eu.model")
    assert call["system"] == [{"text": "be brief"}]
    assert [t["role"] for t in call["messages"]] == ["user", "assistant", "user"]
    assert call["messages"][1]["content"] == [{"toolUse": {"toolUseId": "call_1", "name": "weather", "input": {"city": "[LOCATION_1]"}}}]
    # The tool result and the next user text share one user turn: Converse needs alternating roles.
    assert call["messages"][2]["content"] == [{"toolResult": {"toolUseId": "call_1", "content": [{"text": "sunny"}]}}, {"text": "And tomorrow?"}]
    assert call["inferenceConfig"] == {"maxTokens": 200, "temperature": 0.2, "stopSequences": ["END"]}
    spec = call["toolConfig"]["tools"][0]["toolSpec"]
    assert spec["name"] == "weather" and spec["inputSchema"]["json"]["properties"]["city"] == {"type": "string"}
    assert call["toolConfig"]["toolChoice"] == {"any": {}}


def test_conversations_start_with_a_user_turn_and_odd_arguments_survive():
    call = to_converse({"messages": [
        {"role": "assistant", "content": "Hello", "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "not json"}}]},
    ], "tools": [WEATHER], "tool_choice": "none"}, "m")
    assert call["messages"][0]["role"] == "user" and call["messages"][1]["role"] == "assistant"
    assert call["messages"][1]["content"][1]["toolUse"]["input"] == {"input": "not json"}
    assert "toolConfig" not in call


def test_tool_use_answers_become_openai_tool_calls():
    message, finish, prompt, completion = from_converse({
        "output": {"message": {"role": "assistant", "content": [
            {"text": "Checking."}, {"toolUse": {"toolUseId": "tu1", "name": "weather", "input": {"city": "[LOCATION_1]"}}}]}},
        "stopReason": "tool_use", "usage": {"inputTokens": 12, "outputTokens": 5}})
    assert finish == "tool_calls" and (prompt, completion) == (12, 5)
    assert message["content"] == "Checking."
    assert message["tool_calls"] == [{"id": "tu1", "type": "function",
                                      "function": {"name": "weather", "arguments": json.dumps({"city": "[LOCATION_1]"})}}]


@pytest.mark.parametrize("reason, finish", [("end_turn", "stop"), ("max_tokens", "length"), ("guardrail_intervened", "content_filter")])
def test_stop_reasons(reason, finish):
    assert from_converse({"output": {"message": {"content": [{"text": "x"}]}}, "stopReason": reason})[1] == finish


@pytest.mark.parametrize("code, status, retryable", [
    ("ThrottlingException", 429, True), ("ServiceUnavailableException", 503, True),
    ("ValidationException", 400, False), ("AccessDeniedException", 403, False),
])
def test_bedrock_errors_keep_the_code_and_drop_the_message(code, status, retryable):
    client = boto3.client("bedrock-runtime", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("converse", code, "the prompt [NAME_1] could be quoted here")
        with pytest.raises(UpstreamError) as caught:
            BedrockProvider("m", "eu-central-1", client=client).complete({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    error = caught.value
    assert (error.status, error.retryable) == (status, retryable) and code in error.message and "NAME_1" not in error.message


def test_the_provider_sends_what_to_converse_builds():
    client = boto3.client("bedrock-runtime", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    request = {"model": "cloakr-model", "tools": [WEATHER], "messages": [{"role": "user", "content": "Weather in [LOCATION_1]?"}]}
    with Stubber(client) as stub:
        stub.add_response("converse", {
            "output": {"message": {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t", "name": "weather", "input": {}}}]}},
            "stopReason": "tool_use", "usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}, "metrics": {"latencyMs": 1},
        }, to_converse(request, "eu.model"))
        answer = BedrockProvider("eu.model", "eu-central-1", client=client).complete(request)
    assert answer["model"] == "cloakr-model" and answer["choices"][0]["finish_reason"] == "tool_calls"
    assert answer["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "weather"

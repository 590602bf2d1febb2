"""OpenAI Chat Completions <-> Amazon Bedrock Converse, both ways, tool calls included.

Converse differs from Chat Completions in ways that matter for a proxy: system prompts are a separate list; roles
must alternate user/assistant and start with a user turn; a tool call is a ``toolUse`` block in an assistant turn
and its result a ``toolResult`` block in the *next user* turn; tool arguments are JSON objects, not strings; and
stop reasons have their own names. Getting any of these wrong makes Bedrock refuse the request, so each has a rule
here and a test.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloakr.upstream.errors import UpstreamError

STOP_REASONS = {
    "end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
    "content_filtered": "content_filter", "guardrail_intervened": "content_filter",
}
# Bedrock error codes that mean "try again later" (429/503 to the caller) rather than "this request is wrong".
RETRYABLE = {"ThrottlingException": 429, "ServiceUnavailableException": 503, "ModelNotReadyException": 503,
             "InternalServerException": 502, "ModelTimeoutException": 504}
CLIENT_ERRORS = {"ValidationException": 400, "AccessDeniedException": 403, "ResourceNotFoundException": 404,
                 "ModelErrorException": 502}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict) and part.get("type", "text") == "text")
    return ""


def _arguments(raw: Any) -> dict[str, Any]:
    """OpenAI sends tool arguments as a JSON string; Converse wants the object. Non-JSON becomes ``{"input": raw}``."""
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {"input": raw}
    return value if isinstance(value, dict) else {"input": value}


def _blocks(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    role = message.get("role")
    if role == "tool":
        result = {"toolUseId": message.get("tool_call_id") or "call", "content": [{"text": _text(message.get("content")) or " "}]}
        return "user", [{"toolResult": result}]
    blocks: list[dict[str, Any]] = []
    text = _text(message.get("content"))
    if text:
        blocks.append({"text": text})
    if role == "assistant":
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            blocks.append({"toolUse": {"toolUseId": call.get("id") or "call", "name": function.get("name") or "tool",
                                       "input": _arguments(function.get("arguments"))}})
        return "assistant", blocks or [{"text": " "}]
    return "user", blocks or [{"text": " "}]


def to_converse(request: dict[str, Any], model_id: str) -> dict[str, Any]:
    """The Converse call for a (redacted) Chat Completions request."""
    system = [{"text": _text(m.get("content"))} for m in request.get("messages", [])
              if m.get("role") in ("system", "developer") and _text(m.get("content"))]
    turns: list[dict[str, Any]] = []
    for message in request.get("messages", []):
        if message.get("role") in ("system", "developer"):
            continue
        role, blocks = _blocks(message)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)  # Converse needs alternating roles: merge consecutive turns
        else:
            turns.append({"role": role, "content": blocks})
    if turns and turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": [{"text": " "}]})
    call: dict[str, Any] = {"modelId": model_id, "messages": turns}
    if system:
        call["system"] = system
    inference = {key: request[name] for name, key in (("max_tokens", "maxTokens"), ("max_completion_tokens", "maxTokens"),
                                                      ("temperature", "temperature"), ("top_p", "topP")) if request.get(name) is not None}
    stop = request.get("stop")
    if stop:
        inference["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    if inference:
        call["inferenceConfig"] = inference
    tools = [t.get("function") or {} for t in request.get("tools") or [] if t.get("type", "function") == "function"]
    if tools:
        call["toolConfig"] = {"tools": [{"toolSpec": {
            "name": t.get("name") or "tool", "description": t.get("description") or t.get("name") or "tool",
            "inputSchema": {"json": t.get("parameters") or {"type": "object", "properties": {}}},
        }} for t in tools]}
        choice = request.get("tool_choice")
        if choice == "required":
            call["toolConfig"]["toolChoice"] = {"any": {}}
        elif isinstance(choice, dict) and choice.get("function", {}).get("name"):
            call["toolConfig"]["toolChoice"] = {"tool": {"name": choice["function"]["name"]}}
        elif choice == "none":
            del call["toolConfig"]  # Converse has no "none": offer no tools
    return call


def from_converse(result: dict[str, Any]) -> tuple[dict[str, Any], str, int, int]:
    """(message, finish_reason, prompt tokens, completion tokens) from a Converse result."""
    content = result.get("output", {}).get("message", {}).get("content", [])
    text = "".join(block.get("text", "") for block in content if "text" in block)
    calls = [{"id": block["toolUse"].get("toolUseId"), "type": "function",
              "function": {"name": block["toolUse"].get("name"), "arguments": json.dumps(block["toolUse"].get("input", {}))}}
             for block in content if "toolUse" in block]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    elif message["content"] is None:
        message["content"] = ""
    usage = result.get("usage", {})
    finish = STOP_REASONS.get(result.get("stopReason", "end_turn"), "stop")
    return message, finish, int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0))


def converse(client: Any, call: dict[str, Any]) -> dict[str, Any]:
    """Call Converse; failures become ``UpstreamError`` with Bedrock's error code but never its message (which
    can quote the prompt)."""
    try:
        return client.converse(**call)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Error")
        if code in RETRYABLE:
            raise UpstreamError("upstream_unavailable", f"Amazon Bedrock is busy or unavailable ({code}); retry later.", RETRYABLE[code]) from None
        status = CLIENT_ERRORS.get(code, 502)
        raise UpstreamError("upstream_refused" if status < 500 else "upstream_error",
                            f"Amazon Bedrock refused the request ({code}).", status) from None
    except BotoCoreError as exc:
        raise UpstreamError("upstream_error", f"Amazon Bedrock could not be reached ({type(exc).__name__}); retry later.", 502) from None

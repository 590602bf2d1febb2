"""Model providers behind one interface: an OpenAI Chat Completions request in, an OpenAI response out.

Only redacted requests ever reach a provider. Provider failures become ``UpstreamError`` with a stable code and
no upstream text (an upstream error body can echo the prompt).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from functools import cache, lru_cache
from types import ModuleType
from typing import Any, Protocol

from cloakr.constants import ENV_AWS_ENDPOINT, ENV_UPSTREAM_KEY, ENV_UPSTREAM_SECRET_ARN, ENV_UPSTREAM_URL
from cloakr.upstream.errors import UpstreamError

__all__ = ["BedrockProvider", "EchoProvider", "OpenAICompatibleProvider", "Provider", "UpstreamError", "provider_for"]


class Provider(Protocol):
    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        ...


def _response(model: str, message: dict[str, Any], finish: str, prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens},
    }


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


class EchoProvider:
    """``cloakr-echo``: an offline model for local use and tests. It repeats what it was sent (redacted), so a
    caller can see exactly what would have left the gateway, and calls the first tool when tools are offered."""

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        messages = request.get("messages", [])
        last_user = next((_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
        prompt_tokens = sum(len(_text_of(m.get("content")).split()) for m in messages)
        tools = request.get("tools") or []
        if tools and messages and messages[-1].get("role") == "user":
            name = tools[0].get("function", {}).get("name", "tool")
            call = {"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                    "function": {"name": name, "arguments": json.dumps({"input": last_user})}}
            return _response(request["model"], {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls", prompt_tokens, 1)
        content = f"You said: {last_user}"
        return _response(request["model"], {"role": "assistant", "content": content}, "stop", prompt_tokens, len(content.split()))


@cache
def _traced_httpx() -> ModuleType:
    """httpx, with X-Ray tracing its calls. Imported and patched on the first upstream call rather than at start-up,
    so the functions that never call an HTTPS model (all but chat) do not pay for it in their cold start."""
    import httpx

    from cloakr.observability import tracer

    tracer.patch(("httpx",))
    return httpx


class OpenAICompatibleProvider:
    """Any OpenAI-compatible HTTPS endpoint (``CLOAKR_UPSTREAM_URL``, key in ``CLOAKR_UPSTREAM_KEY``)."""

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 25.0, upstream_model: str | None = None) -> None:
        self.base_url, self.api_key, self.timeout, self.upstream_model = base_url.rstrip("/"), api_key, timeout, upstream_model

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        httpx = _traced_httpx()
        body = {**request, "stream": False}
        if self.upstream_model:
            body["model"] = self.upstream_model
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException:
            raise UpstreamError("upstream_timeout", "The model did not answer in time; retry later.", 504) from None
        except httpx.HTTPError:
            raise UpstreamError("upstream_error", "The model could not be reached; retry later.") from None
        if response.status_code >= 400:
            raise UpstreamError("upstream_error", f"The model answered with HTTP {response.status_code}.")
        try:
            data = response.json()
        except ValueError:
            raise UpstreamError("upstream_error", "The model's answer was not valid JSON.") from None
        if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
            raise UpstreamError("upstream_error", "The model's answer was not a chat completion.")
        return data


class BedrockProvider:
    """Amazon Bedrock Converse in the stack's own region."""

    def __init__(self, model_id: str, region: str, client: Any = None) -> None:
        import boto3

        self.model_id, self.client = model_id, client or boto3.client("bedrock-runtime", region_name=region)

    def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        from cloakr.upstream.bedrock import converse, from_converse, to_converse

        message, finish, prompt_tokens, completion_tokens = from_converse(converse(self.client, to_converse(request, self.model_id)))
        return _response(request["model"], message, finish, prompt_tokens, completion_tokens)


@lru_cache(maxsize=4)
def _secret(arn: str, region: str) -> dict[str, str]:
    """The upstream secret: JSON ``{"url": ..., "api_key": ...}`` (either may be absent) or the bare API key.
    Read once per process; rotating it means a new function version or a cold start."""
    import boto3

    client = boto3.client("secretsmanager", region_name=region, endpoint_url=os.environ.get(ENV_AWS_ENDPOINT) or None)
    try:
        value = client.get_secret_value(SecretId=arn)["SecretString"]
    except Exception:  # noqa: BLE001 - any failure means no credentials; the message must not carry the secret
        raise UpstreamError("upstream_not_configured", "The upstream credentials could not be read.", 503) from None
    try:
        parsed = json.loads(value)
    except ValueError:
        return {"api_key": value}
    return {k: str(v) for k, v in parsed.items() if k in ("url", "api_key")} if isinstance(parsed, dict) else {"api_key": value}


def upstream_settings(region: str) -> tuple[str | None, str | None]:
    """(base URL, API key) for OpenAI-compatible models: the secret's values, else the environment's."""
    arn = os.environ.get(ENV_UPSTREAM_SECRET_ARN)
    secret = _secret(arn, region) if arn else {}
    return secret.get("url") or os.environ.get(ENV_UPSTREAM_URL), secret.get("api_key") or os.environ.get(ENV_UPSTREAM_KEY)


def provider_for(route: Any, region: str) -> Provider:
    if route.provider == "echo":
        return EchoProvider()
    if route.provider == "bedrock":
        return BedrockProvider(route.upstream_id or route.id, region)
    url, key = upstream_settings(region)
    if not url:
        raise UpstreamError("upstream_not_configured", "No upstream URL is configured for this model.", 503)
    return OpenAICompatibleProvider(url, key, upstream_model=route.upstream_id or None)

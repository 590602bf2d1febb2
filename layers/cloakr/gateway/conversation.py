"""Tokenize every part of a chat request with one TokenMap, and restore the answer.

Numbering placeholders by first appearance over the messages in order gives a value the same placeholder in every
message; starting from the conversation's stored map (``cloakr.gateway.vault``) keeps it the same on every turn,
even when a client sends only the newest message. Tool-call arguments are JSON: their string keys and values are
redacted inside the parsed object so it stays valid JSON. Every text of the request is shown to the map first
(``TokenMap.reserve``), so no placeholder handed out in one message is text the user wrote in another.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable
from urllib.parse import unquote

from cloakr.gateway.errors import ValidationError
from cloakr.pii.engine import PIIEngine
from cloakr.pii.tokens import TokenMap


def map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """``value`` (parsed JSON) with ``fn`` applied to every string, object keys included (a tool may key its
    arguments by an e-mail address); structure unchanged."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {fn(k): map_strings(v, fn) for k, v in value.items()}
    return value


def _texts(message: dict[str, Any]) -> list[str]:
    """Every string of a message that is tokenized: content (or its text parts), name, tool-call arguments."""
    content = message.get("content")
    texts = [content] if isinstance(content, str) else [
        part["text"] for part in content or [] if isinstance(part, dict) and isinstance(part.get("text"), str)
    ] if isinstance(content, list) else []
    if isinstance(message.get("name"), str):
        texts.append(message["name"])
    for call in message.get("tool_calls") or []:
        if isinstance(call, dict) and isinstance(call.get("function"), dict) and isinstance(call["function"].get("arguments"), str):
            texts.append(call["function"]["arguments"])
    return texts


class Conversation:
    def __init__(self, engine: PIIEngine, tokens: TokenMap | None = None) -> None:
        self.engine = engine
        self.tokens = tokens if tokens is not None else TokenMap()
        self.counts: dict[str, int] = {}

    def _text(self, text: str) -> str:
        result = self.engine.redact(text, mode="tokenize", token_map=self.tokens)
        for entity_type, n in result.counts.items():
            self.counts[entity_type] = self.counts.get(entity_type, 0) + n
        return result.text

    def _arguments(self, arguments: str) -> str:
        try:
            parsed = json.loads(arguments)
        except ValueError:
            return self._text(arguments)
        return json.dumps(map_strings(parsed, self._text))

    def _content(self, content: Any) -> Any:
        if isinstance(content, str):
            return self._text(content)
        if isinstance(content, list):
            for part in content:
                self._check_image_url(part)
            return [{**part, "text": self._text(part["text"])} if isinstance(part, dict) and isinstance(part.get("text"), str) else part
                    for part in content]
        return content

    def _check_image_url(self, part: Any) -> None:
        """An image's URL goes to the model as it is (a placeholder would break the fetch), so one that carries
        personal data (an e-mail or a name in its path or query) is refused rather than forwarded. Inline images
        (``data:`` URLs) carry no text to detect."""
        image = part.get("image_url") if isinstance(part, dict) else None
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str) or url.startswith("data:"):
            return
        # The URL's parts as words: whole, the URL finding would cover (and outrank) an e-mail inside it.
        words = re.sub(r"[/?&=#:+]", " ", unquote(url)).replace("www.", "www ")
        if self.engine.detect(words):
            raise ValidationError("An image URL holds personal data; send the image inline (a data: URL) or a URL "
                                  "without personal data.", code="pii_in_image_url")

    def _name(self, name: str) -> str:
        """A participant name is a person's name by definition: always replaced, by its placeholder without the
        brackets (OpenAI allows only letters, digits, "_" and "-" there)."""
        self.counts["NAME"] = self.counts.get("NAME", 0) + 1
        return self.tokens.placeholder("NAME", name)[1:-1]

    def redact_request(self, request: dict[str, Any]) -> dict[str, Any]:
        for message in request["messages"]:
            for text in _texts(message):
                self.tokens.reserve(text)
        messages = []
        for message in request["messages"]:
            out = {**message, "content": self._content(message.get("content"))}
            if isinstance(message.get("name"), str) and message["name"] and message.get("role") != "tool":
                out["name"] = self._name(message["name"])
            if isinstance(message.get("tool_calls"), list):
                out["tool_calls"] = [
                    {**call, "function": {**call["function"], "arguments": self._arguments(call["function"].get("arguments", ""))}}
                    if isinstance(call, dict) and isinstance(call.get("function"), dict) else call
                    for call in message["tool_calls"]
                ]
            messages.append(out)
        return {**request, "messages": messages}

    def restore_response(self, response: dict[str, Any]) -> dict[str, Any]:
        choices = []
        for choice in response.get("choices", []):
            message = dict(choice.get("message") or {})
            if isinstance(message.get("content"), str):
                message["content"] = self.tokens.restore(message["content"])
            if isinstance(message.get("tool_calls"), list):
                calls = []
                for call in message["tool_calls"]:
                    function = dict(call.get("function") or {})
                    try:
                        function["arguments"] = json.dumps(map_strings(json.loads(function.get("arguments", "")), self.tokens.restore))
                    except ValueError:
                        function["arguments"] = self.tokens.restore(function.get("arguments", ""))
                    calls.append({**call, "function": function})
                message["tool_calls"] = calls
            choices.append({**choice, "message": message})
        return {**response, "choices": choices}

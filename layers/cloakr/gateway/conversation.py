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

from cloakr.constants import MAX_JSON_DEPTH, MAX_JSON_STRINGS
from cloakr.gateway.errors import ValidationError
from cloakr.gateway.requests import json_shape
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


# Keys whose values are structure or binary, not text: kept as sent (an image URL is checked, not rewritten).
_STRUCTURAL = frozenset({"role", "type", "id", "tool_call_id", "detail", "format", "file_id", "file_data", "data",
                         "image_url", "input_audio"})
# Request fields that carry no text for the model: its id (one of the region's), the end user's id (a pseudonym by
# now) and the messages, walked on their own. Every other field (tools, ``prediction``, ``stop``, ``metadata``,
# ``response_format`` schemas, fields this gateway does not know) is tokenized like the messages: an upstream may
# store or log any of them, and a string the engine finds nothing in is sent unchanged.
_NOT_TEXT = frozenset({"model", "user", "messages"})
# Values under these structural keys are kept unscanned by ``as_sent``: binary payloads, and image URLs, which
# ``_check_image_url`` refuses when they hold personal data.
_UNSCANNED = frozenset({"data", "file_data", "input_audio", "image_url"})


def _strings(value: Any, key: str | None = None) -> list[str]:
    """Every string the walk in ``Conversation._walk`` tokenizes, for reserving look-alikes first."""
    if key in _STRUCTURAL:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in (k, *_strings(v, k))]
    if isinstance(value, list):
        return [text for v in value for text in _strings(v, key)]
    return []


def as_sent(value: Any, key: str | None = None) -> list[str]:
    """The strings of a redacted request that ``Conversation._walk`` forwards unchanged: object keys (a schema's
    property names, ``metadata``'s keys) and values under structural keys (ids, types, formats), binary payloads and
    image URLs excepted. A compliance profile that never forwards a type scans these (``untokenized_findings``)."""
    if key in _UNSCANNED:
        return []
    if key in _STRUCTURAL:
        return _strings(value)  # everything under it
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in (k, *as_sent(v, k))]
    if isinstance(value, list):
        return [text for v in value for text in as_sent(v, key)]
    return []


def _merge_text_parts(content: list[Any]) -> list[Any]:
    """Adjacent text parts as one: providers join them, so a value split across two parts ("mail jane.doe@" +
    "example.com") must be detected whole."""
    merged: list[Any] = []
    for part in content:
        if (isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str) and merged
                and isinstance(merged[-1], dict) and merged[-1].get("type") == "text" and isinstance(merged[-1].get("text"), str)):
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + part["text"]}
        else:
            merged.append(part)
    return merged


class Conversation:
    def __init__(self, engine: PIIEngine, tokens: TokenMap | None = None, scope: str | None = None) -> None:
        """``scope``: the conversation's id; the engine then detects each text of it once, however many turns
        resend it (``PIIEngine.detect``)."""
        self.engine = engine
        self.tokens = tokens if tokens is not None else TokenMap()
        self.scope = scope
        self.counts: dict[str, int] = {}

    def _text(self, text: str) -> str:
        result = self.engine.redact(text, mode="tokenize", token_map=self.tokens, scope=self.scope)
        for entity_type, n in result.counts.items():
            self.counts[entity_type] = self.counts.get(entity_type, 0) + n
        return result.text

    def _arguments(self, arguments: str) -> str:
        try:
            parsed = json.loads(arguments)
        except (ValueError, RecursionError):
            return self._text(arguments)
        depth, strings = json_shape(parsed)
        if depth > MAX_JSON_DEPTH or strings > MAX_JSON_STRINGS:
            return self._text(arguments)  # too deep or too many strings to walk: redacted as one text
        return json.dumps(map_strings(parsed, self._text))

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

    def _walk(self, value: Any, key: str | None = None) -> Any:
        """Every string in a message (or a text-bearing request field) tokenized, whatever field holds it:
        content and its parts, refusals, file names, legacy ``function_call`` and tool-call arguments (as JSON)."""
        if key in _STRUCTURAL:
            if key == "image_url":
                self._check_image_url({"image_url": value})
            return value
        if isinstance(value, str):
            return self._arguments(value) if key == "arguments" else self._text(value)
        if isinstance(value, dict):
            if isinstance(value.get("content"), list):
                value = {**value, "content": _merge_text_parts(value["content"])}
            return {k: self._walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, key) for v in value]
        return value

    def redact_request(self, request: dict[str, Any]) -> dict[str, Any]:
        fields = [f for f in request if f not in _NOT_TEXT]
        for text in _strings([request["messages"], *(request[f] for f in fields)]):
            self.tokens.reserve(text)
        messages = []
        for message in request["messages"]:
            name = message.get("name")
            out = self._walk({k: v for k, v in message.items() if k != "name"})
            if isinstance(name, str) and name:
                out["name"] = self._name(name) if message.get("role") != "tool" else name
            messages.append(out)
        return {**request, "messages": messages, **{f: self._walk(request[f], f) for f in fields}}

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
                    except (ValueError, RecursionError):
                        function["arguments"] = self.tokens.restore(function.get("arguments", ""))
                    calls.append({**call, "function": function})
                message["tool_calls"] = calls
            choices.append({**choice, "message": message})
        return {**response, "choices": choices}

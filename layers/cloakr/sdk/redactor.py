"""``Redactor``: the PII engine in-process, for redacting before anything leaves the application.

Same rule format as the gateway's tenant rules (``custom_pattern``, ``email`` with domains, ``phone`` with country
codes), same engine, no network. One ``Redactor`` is one conversation: it keeps a ``TokenMap`` so a value gets the
same placeholder in every message and ``restore`` can put originals back into a model's answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloakr.pii import Finding, RedactionResult, TokenMap


def _map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """``value`` (parsed JSON) with ``fn`` applied to every string value; keys and structure unchanged."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    return value


# The memo scope of a Redactor's engine (``PIIEngine.detect``): the engine is the Redactor's own, so one scope
# serves; a history resent every turn (``redact_messages``) is scanned once, not once per turn.
_SCOPE = "redactor"


class Redactor:
    """Detect, redact and restore locally.

    >>> r = Redactor(rules=[{"type": "custom_pattern", "name": "EMPLOYEE_ID", "pattern": "EMP-\\\\d{6}"}])
    >>> safe = r.redact("EMP-123456 asked")        # doctest: +SKIP
    >>> r.restore(model_answer_about(safe))          # doctest: +SKIP

    ``mode="tokenize"`` (the default) uses reversible, conversation-stable placeholders such as ``[NAME_1]``; other
    modes (``replace``, ``mask``, ``hash``, ``remove``) are one-way and ``restore`` refuses them. ``mode="hash"``
    needs ``hash_key`` (bytes or text, kept secret: the HMAC key that stops a dictionary attack on the digests; use
    the same key wherever digests must match). Bad rules, an unknown mode or a missing hash key raise a
    ``ValueError`` (bad rules: ``cloakr.pii.rules.RuleError``) from the constructor, before any text is processed.
    """

    def __init__(self, rules: Sequence[Mapping[str, Any]] | None = None, *, region: str | None = None,
                 entities: Iterable[str] | None = None, mode: str = "tokenize", min_score: float = 0.5,
                 token_map: TokenMap | None = None, hash_key: bytes | str | None = None) -> None:
        from cloakr.pii import PIIEngine, TokenMap
        from cloakr.pii.engine import MODES

        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        key = hash_key.encode("utf-8") if isinstance(hash_key, str) else hash_key
        if mode == "hash" and not key:
            raise ValueError("mode 'hash' needs hash_key= (a secret; the same key gives the same digests)")
        self.mode = mode
        self._engine = PIIEngine(region=region, entities=list(entities) if entities is not None else None,
                                 rules=[dict(r) for r in rules] if rules else None, min_score=min_score,
                                 hash_key=bytes(key) if key else None)
        self.token_map = token_map if token_map is not None else (TokenMap() if mode == "tokenize" else None)

    def detect(self, text: str) -> list[Finding]:
        """Where the entities are (type, offsets, score); the values themselves are not returned."""
        return self._engine.detect(text, _SCOPE)

    def redact_result(self, text: str) -> RedactionResult:
        """The full result: redacted text, findings and counts per type."""
        return self._engine.redact(text, mode=self.mode, token_map=self.token_map, scope=_SCOPE)

    def redact(self, text: str) -> str:
        return self.redact_result(text).text

    def redact_messages(self, messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """OpenAI-style messages redacted as the gateway does it: string ``content``, the ``text`` of list-form
        content parts, and the string values inside tool-call ``arguments`` (kept valid JSON). Placeholders stay
        stable across all of them. Anything left out here would leave the application unredacted."""
        out = []
        for msg in messages:
            redacted = {**msg, "content": self._content(msg.get("content"))} if "content" in msg else dict(msg)
            if isinstance(msg.get("tool_calls"), list):
                redacted["tool_calls"] = [self._tool_call(call) for call in msg["tool_calls"]]
            out.append(redacted)
        return out

    def _content(self, content: Any) -> Any:
        if isinstance(content, str):
            return self.redact(content)
        if isinstance(content, list):
            return [{**part, "text": self.redact(part["text"])}
                    if isinstance(part, Mapping) and isinstance(part.get("text"), str) else part for part in content]
        return content

    def _tool_call(self, call: Any) -> Any:
        if not (isinstance(call, Mapping) and isinstance(call.get("function"), Mapping)):
            return call
        arguments = call["function"].get("arguments")
        if not isinstance(arguments, str):
            return call
        return {**call, "function": {**call["function"], "arguments": self._arguments(arguments)}}

    def _arguments(self, arguments: str) -> str:
        """JSON arguments keep their structure (string values redacted); anything else is redacted as text."""
        try:
            return json.dumps(_map_strings(json.loads(arguments), self.redact))
        except (ValueError, RecursionError):
            return self.redact(arguments)

    def restore(self, text: str) -> str:
        """Put the originals back into text that contains this conversation's placeholders."""
        if self.token_map is None:
            raise ValueError(f"mode {self.mode!r} is one-way; use mode='tokenize' to restore")
        return self.token_map.restore(text)

"""``Redactor``: the PII engine in-process, for redacting before anything leaves the application.

Same rule format as the gateway's tenant rules (``custom_pattern``, ``email`` with domains, ``phone`` with country
codes), same engine, no network. One ``Redactor`` is one conversation: it keeps a ``TokenMap`` so a value gets the
same placeholder in every message and ``restore`` can put originals back into a model's answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloakr.pii import Finding, RedactionResult, TokenMap


class Redactor:
    """Detect, redact and restore locally.

    >>> r = Redactor(rules=[{"type": "custom_pattern", "name": "EMPLOYEE_ID", "pattern": "EMP-\\\\d{6}"}])
    >>> safe = r.redact("EMP-123456 asked")        # doctest: +SKIP
    >>> r.restore(model_answer_about(safe))          # doctest: +SKIP

    ``mode="tokenize"`` (the default) uses reversible, conversation-stable placeholders such as ``[NAME_1]``; other
    modes (``replace``, ``mask``, ``hash``, ``remove``) are one-way and ``restore`` refuses them. Bad rules raise
    ``cloakr.pii.rules.RuleError`` (a ``ValueError``) from the constructor, before any text is processed.
    """

    def __init__(self, rules: Sequence[Mapping[str, Any]] | None = None, *, region: str | None = None,
                 entities: Iterable[str] | None = None, mode: str = "tokenize", min_score: float = 0.5,
                 token_map: TokenMap | None = None) -> None:
        from cloakr.pii import PIIEngine, TokenMap

        self.mode = mode
        self._engine = PIIEngine(region=region, entities=list(entities) if entities is not None else None,
                                 rules=[dict(r) for r in rules] if rules else None, min_score=min_score)
        self.token_map = token_map if token_map is not None else (TokenMap() if mode == "tokenize" else None)

    def detect(self, text: str) -> list[Finding]:
        """Where the entities are (type, offsets, score); the values themselves are not returned."""
        return self._engine.detect(text)

    def redact_result(self, text: str) -> RedactionResult:
        """The full result: redacted text, findings and counts per type."""
        return self._engine.redact(text, mode=self.mode, token_map=self.token_map)

    def redact(self, text: str) -> str:
        return self.redact_result(text).text

    def redact_messages(self, messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """OpenAI-style messages with every string ``content`` redacted; placeholders stay stable across them."""
        return [{**msg, "content": self.redact(msg["content"])} if isinstance(msg.get("content"), str) else dict(msg)
                for msg in messages]

    def restore(self, text: str) -> str:
        """Put the originals back into text that contains this conversation's placeholders."""
        if self.token_map is None:
            raise ValueError(f"mode {self.mode!r} is one-way; use mode='tokenize' to restore")
        return self.token_map.restore(text)

"""Reversible placeholders that stay the same for a value across every message of a conversation.

LiteLLM's users saw one entity get different placeholders in different messages, and answers unmasked with
another request's map. A ``TokenMap`` belongs to exactly one conversation, is stored (encrypted) with it, and
keys values by a normalised form, so ``Jane.Doe@x.com`` and ``jane.doe@x.com`` share ``[EMAIL_1]``.
"""

from __future__ import annotations

import re
from typing import Any

_DIGITS_ONLY = frozenset(
    {
        "CREDIT_DEBIT_CARD_NUMBER", "PHONE", "US_SOCIAL_SECURITY_NUMBER", "US_BANK_ACCOUNT_NUMBER",
        "US_BANK_ROUTING_NUMBER", "IN_AADHAAR", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
        "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_NATIONAL_PROVIDER_IDENTIFIER",
    }
)
# What a model may turn "[NAME_1]" into: case changes, brackets swapped or dropped, a space or hyphen for "_".
_LOOSE = re.compile(r"[\[<{(]?\b([A-Za-z][A-Za-z_]*?)[_ -](\d+)\b[\]>})]?")


def normalise(entity_type: str, value: str) -> str:
    if entity_type in _DIGITS_ONLY:
        return "".join(ch for ch in value if ch.isdigit()) or value
    return " ".join(value.split()).casefold()


class TokenMap:
    """Placeholder <-> original for one conversation."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counters: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._originals)

    def placeholder(self, entity_type: str, value: str, avoid: str = "") -> str:
        """The conversation's placeholder for ``value``; a new one never appears in ``avoid`` (the input text)."""
        key = (entity_type, normalise(entity_type, value))
        existing = self._by_key.get(key)
        if existing is not None:
            return existing
        number = self._counters.get(entity_type, 0)
        while True:
            number += 1
            candidate = f"[{entity_type}_{number}]"
            if candidate not in avoid and f"{entity_type}_{number}" not in avoid:
                break
        self._counters[entity_type] = number
        self._by_key[key] = candidate
        self._originals[candidate] = value
        return candidate

    def original(self, placeholder: str) -> str | None:
        return self._originals.get(placeholder)

    def restore(self, text: str) -> str:
        """Put originals back, also where the model reformatted a placeholder; unknown look-alikes stay as they are."""
        if not self._originals:
            return text
        canonical = {p[1:-1].upper(): value for p, value in self._originals.items()}

        def swap(match: re.Match[str]) -> str:
            key = f"{match.group(1).upper().replace(' ', '_').replace('-', '_')}_{match.group(2)}"
            value = canonical.get(key)
            if value is None:
                return match.group(0)
            whole = match.group(0)
            # Keep surrounding punctuation that is not part of the placeholder ("(NAME_1)" -> "(Jane)" only if opened).
            opened = whole[0] in "[<{(" and whole[-1] in "]>})"
            if opened or (whole[0] not in "[<{(" and whole[-1] not in "]>})"):
                return value
            return whole[0] + value if whole[0] in "[<{(" else value + whole[-1]

        return _LOOSE.sub(swap, text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": [[t, k, p] for (t, k), p in self._by_key.items()],
            "originals": dict(self._originals),
            "counters": dict(self._counters),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TokenMap":
        token_map = cls()
        token_map._by_key = {(t, k): p for t, k, p in data.get("entries", [])}
        token_map._originals = dict(data.get("originals", {}))
        token_map._counters = {k: int(v) for k, v in data.get("counters", {}).items()}
        return token_map

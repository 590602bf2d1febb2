"""Reversible placeholders that stay the same for a value across every message of a conversation.

LiteLLM's users saw one entity get different placeholders in different messages, and answers unmasked with
another request's map. A ``TokenMap`` belongs to exactly one conversation, is stored (encrypted) with it, and
keys values by a normalised form, so ``Jane.Doe@x.com`` and ``jane.doe@x.com`` share ``[EMAIL_1]``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterator

from cloakr.pii.normalize import ASCII_NON_DIGITS, INVISIBLE

_DIGITS_ONLY = frozenset(
    {
        "CREDIT_DEBIT_CARD_NUMBER", "PHONE", "US_SOCIAL_SECURITY_NUMBER", "US_BANK_ACCOUNT_NUMBER",
        "US_BANK_ROUTING_NUMBER", "IN_AADHAAR", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
        "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_NATIONAL_PROVIDER_IDENTIFIER",
    }
)
# What a model may turn "[NAME_1]" into: case changes, brackets swapped or dropped, spaces inside the brackets, a
# space or hyphen for "_". Labels may hold digits (tenant rule names such as EMP2_ID). A form with neither bracket
# must keep the "_" ("NAME_1") or be upper case ("NAME-1"): ordinary prose ("Email 1", "name-1") is not a placeholder.
_LOOSE = re.compile(r"(?:([\[<{(]) ?)?\b([A-Za-z][A-Za-z0-9_]*?)([_ -])(\d+)\b(?: ?([\]>})]))?")


# The same look-alikes found from their number: every placeholder ends in a separator and digits, which prose has
# far fewer of than word starts, and a digit-led pattern lets sre skip to the next digit in C (``_LOOSE``'s optional
# leading bracket made it try every position: about 0.4 ms per 4 KB, for every message of every chat request).
_NUMBER = re.compile(r"\d(?<=[A-Za-z0-9_][_ -]\d)\d*\b")
_INNER_NUMBER = re.compile(r"_\d+$")
_LABEL_STRING = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_LABEL_CHARS = frozenset(_LABEL_STRING)


# One look-alike as ``_LOOSE`` reads it: its span, then its five groups (opening bracket, label, separator, number,
# closing bracket; a bracket None when absent).
_Lookalike = tuple[int, int, "str | None", str, str, str, "str | None"]


def _lookalikes(text: str) -> Iterator[_Lookalike]:
    """Every ``_LOOSE`` match of ``text`` in order, as ``finditer`` gives them, found from their numbers.

    A match's label starts at a word boundary, so it is the whole run of label characters before its separator
    (there is no boundary inside a run), and its first character must be an ASCII letter; the lazy label stops at
    the first separator followed by a number that ends at a boundary, so a run ending in such a number ("a_11" of
    "a_11-12") was matched at that number already. An opening bracket (and a space) may stand right before the
    label, a closing one (after a space) right after the number: opening and closing brackets are different
    characters, so consecutive look-alikes never share one. tests/unit/pii/test_placeholders.py compares this
    with ``_LOOSE``, span and groups, which is also what it costs less than: one C-level pass over the digits
    instead of ``_LOOSE`` tried at every position (3.2M instructions on a 4 KB answer full of placeholders)."""
    size = len(text)
    for match in _NUMBER.finditer(text):
        separator_at = match.start() - 1
        # The run of label characters before the separator: ``rstrip`` finds it in C within the 64 characters
        # before; only a longer run is followed on character by character.
        before = text[max(0, separator_at - 64):separator_at]
        start = separator_at - len(before) + len(before.rstrip(_LABEL_STRING))
        while start > 0 and text[start - 1] in _LABEL_CHARS:
            start -= 1
        label = text[start:separator_at]
        if not label or not label[0].isascii() or not label[0].isalpha():
            continue
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # no word boundary before the label
        separator = text[separator_at]
        if separator != "_" and _INNER_NUMBER.search(label):
            continue  # "a_11-12": the look-alike is "a_11" (found at its own digits), as the lazy label takes it
        first, opening = start, None
        if start >= 1 and text[start - 1] in "[<{(":
            first, opening = start - 1, text[start - 1]
        elif start >= 2 and text[start - 1] == " " and text[start - 2] in "[<{(":
            first, opening = start - 2, text[start - 2]
        end = last = match.end()
        closing = None
        if end < size and text[end] in "]>})":
            last, closing = end + 1, text[end]
        elif end + 1 < size and text[end] == " " and text[end + 1] in "]>})":
            last, closing = end + 2, text[end + 1]
        yield first, last, opening, label, separator, match.group(), closing


def lookalike_keys(text: str) -> set[str]:
    """The canonical keys of every placeholder look-alike in ``text``: the forms ``restore`` reads."""
    keys: set[str] = set()
    for _, _, opening, label, separator, number, closing in _lookalikes(text):
        key = _canonical(opening, label, separator, number, closing)
        if key is not None:
            keys.add(key)
    return keys


def _canonical(opening: str | None, label: str, separator: str, number: str, closing: str | None) -> str | None:
    """The canonical placeholder (without brackets) a loose form stands for, or None if it is not one."""
    if opening is None and closing is None and not (separator == "_" or (separator == "-" and label.isupper())):
        return None
    return f"{label.upper()}_{number}"


def normalise(entity_type: str, value: str, country: str | None = None) -> str:
    """The form a value is keyed by (placeholders, hashes): the same value written with full-width or other-script
    digits, invisible characters, other spacing or case is one value. With the region's ``country``, a phone number
    is keyed by its country code and national number, so "+1 415 555 2671" and "(415) 555-2671" are one number."""
    value = _visible(value)
    if entity_type == "PHONE" and country:
        number = _phone_number(value, country)
        if number is not None:
            return number
    if entity_type in _DIGITS_ONLY:
        return _decimal_digits(value) or value
    return " ".join(value.split()).casefold()


def _visible(value: str) -> str:
    """NFKC without invisible characters; ASCII as it is (NFKC leaves it so, and no invisible character is ASCII)."""
    if value.isascii():
        return value
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch not in INVISIBLE)


def _decimal_digits(value: str) -> str:
    """The values of the decimal digits of any script, as ASCII; one ``translate`` in C for ASCII text."""
    if value.isascii():
        return value.translate(ASCII_NON_DIGITS)
    return "".join(str(unicodedata.decimal(ch)) for ch in value if ch.isdecimal())


def _phone_number(value: str, country: str) -> str | None:
    from cloakr.pii.recognizers.phone import _phonenumbers

    phonenumbers = _phonenumbers()
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        return None
    return f"{number.country_code}{number.national_number}"


class TokenMap:
    """Placeholder <-> original for one conversation."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        # Placeholders the conversation's own text already holds in a form ``restore`` would read ("[EMAIL_1]",
        # "{email_1}", "[Email 1]"): never handed out, or the answer would get a value where the user wrote text.
        self._reserved: set[str] = set()
        self._scanned: set[str] = set()  # texts reserved in this process; not stored with the map

    def __len__(self) -> int:
        return len(self._originals)

    def reserve(self, text: str) -> None:
        """Record the placeholder look-alikes in ``text`` (a message of the conversation) so none is handed out.
        Call it for every message before tokenizing any: a later message's literal "[EMAIL_1]" counts too. A text
        already shown to this map is not scanned again (the chat route reserves every message, then the engine
        reserves each text it tokenizes)."""
        if text in self._scanned:
            return
        self._scanned.add(text)
        self._reserved |= lookalike_keys(text)

    def placeholder(self, entity_type: str, value: str, country: str | None = None) -> str:
        """The conversation's placeholder for ``value`` (keyed by ``normalise`` with the region's ``country``); a new
        one is never among the look-alikes ``reserve`` recorded, in any form ``restore`` would read."""
        key = (entity_type, normalise(entity_type, value, country))
        existing = self._by_key.get(key)
        if existing is not None:
            return existing
        number = self._counters.get(entity_type, 0)
        while True:
            number += 1
            candidate = f"[{entity_type}_{number}]"
            if f"{entity_type}_{number}".upper() not in self._reserved:
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
        out: list[str] = []
        done = 0
        for first, last, opening, label, separator, number, closing in _lookalikes(text):
            key = _canonical(opening, label, separator, number, closing)
            value = canonical.get(key) if key is not None else None
            if value is None:
                continue  # not a placeholder of this conversation: the text stays as written
            # A bracket on one side only is the text's own punctuation ("(see NAME_1" keeps its "(").
            if (opening is None) != (closing is None):
                value = opening + value if opening is not None else value + closing  # type: ignore[operator]
            out.append(text[done:first])
            out.append(value)
            done = last
        out.append(text[done:])
        return "".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": [[t, k, p] for (t, k), p in self._by_key.items()],
            "originals": dict(self._originals),
            "counters": dict(self._counters),
            "reserved": sorted(self._reserved),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TokenMap":
        token_map = cls()
        token_map._by_key = {(t, k): p for t, k, p in data.get("entries", [])}
        token_map._originals = dict(data.get("originals", {}))
        token_map._counters = {k: int(v) for k, v in data.get("counters", {}).items()}
        token_map._reserved = {str(k) for k in data.get("reserved", [])}
        return token_map

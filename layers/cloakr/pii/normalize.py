"""A matching copy of the text with evasions undone, and a map back to the caller's offsets.

Zero-width characters inside a number, full-width digits and look-alike letters are the cheapest ways to slip PII
past a regex; a URL writes the "@" of an e-mail address as "%40" ("?email=jane.doe%40example.com"). The engine
matches on the normalised copy and reports spans in the original string.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

# Characters that render as nothing: soft hyphen, joiners, direction marks and embeddings, invisible operators,
# variation selectors, the combining grapheme joiner, Hangul fillers. Dropped from the matching copy.
_INVISIBLE_RANGES = (
    "\u00ad", "\u034f", "\u115f-\u1160", "\u17b4-\u17b5", "\u180b-\u180f", "\u200b-\u200f", "\u202a-\u202e",
    "\u2060-\u2064", "\u2066-\u206f", "\u3164", "\ufe00-\ufe0f", "\ufeff", "\uffa0",
)
_INVISIBLE_CLASS = "".join(_INVISIBLE_RANGES)
INVISIBLE = frozenset(
    chr(code) for part in _INVISIBLE_RANGES
    for code in (range(ord(part[0]), ord(part[2]) + 1) if len(part) == 3 else (ord(part),))
)
# ``text.translate(ASCII_NON_DIGITS)``: the digits of an ASCII text, in C (a per-character loop costs more than the
# lookup it does).
ASCII_NON_DIGITS = str.maketrans("", "", "".join(chr(i) for i in range(128) if not "0" <= chr(i) <= "9"))
# Spaces other than U+0020 (no-break, narrow no-break, figure, thin, ideographic ...): read as a plain space, so
# "4111\u00a01111 ..." is the card it looks like. One character for one, so offsets keep their places.
_SPACES_CLASS = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(f"[{_SPACES_CLASS}]")
# Letters that render like ASCII ones (Cyrillic and Greek); enough to stop e-mail and key look-alikes.
_HOMOGLYPHS = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0458\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425"
    "\u03bf\u039f\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u03a1\u03a4\u03a7\u03a5",
    "aeopcxyijABEKMHOPCTXoOABEZHIKMNPTXY",
)
# One of those characters, or a decimal digit of another script (Arabic-Indic, Devanagari, Bengali, ...), read as
# its value. All are non-ASCII: the pattern starts with that one class, which sre tests in its C loop, and only a
# non-ASCII character is then looked at again (an alternation of the two kinds costs three times as much).
_NEEDS_WORK = re.compile(f"[^\\x00-\\x7f](?<=[{_INVISIBLE_CLASS}{_SPACES_CLASS}\uff01-\uff5e\u0370-\u03ff\u0400-\u04ff\\d])")
# The Latin-1 characters among them (no-break space and soft hyphen): a text of Latin-1 characters only (Western
# European prose) needs no work unless it holds one, which ``str.__contains__`` answers at memchr speed where the
# regex pays some 30 ns a character.
_LATIN1_WORK = tuple(ch for ch in map(chr, range(0x80, 0x100)) if _NEEDS_WORK.match(ch))


def latin1_bytes(text: str) -> bytes | None:
    """The text as Latin-1 bytes, one per character (offsets kept), when every character is below U+0100: a copy in
    C, on which ``bytes.translate`` and byte patterns work at C speed; None for any other text (it raises at once)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def needs_work(text: str) -> bool:
    """``_NEEDS_WORK.search(text)``, without a regex pass over ASCII and Latin-1 texts."""
    if text.isascii():
        return False
    if latin1_bytes(text) is not None:
        return any(ch in text for ch in _LATIN1_WORK)
    return _NEEDS_WORK.search(text) is not None


# An "@" as a URL encodes it: read as "@" (its two digits dropped from the matching copy).
PERCENT_AT = "%40"


class Shadow:
    """``text`` for matching; ``span(start, end)`` maps a match in it back to the original string.

    Every character that changes is one ``_NEEDS_WORK`` matches, and all but the invisible ones become exactly one
    character: the copy is built from the untouched stretches between them (slices, in C) and only the deletions
    are recorded, so a 4 KB text with one no-break space costs a few slices, not a Python step per character.
    """

    __slots__ = ("text", "_cuts", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        # Positions in ``text`` where one more character of the original was dropped before them; None: unchanged.
        self._cuts: list[int] | None = None
        work, encoded = needs_work(original), PERCENT_AT in original
        if not work and not encoded:
            self.text = original
            return
        # Where the copy differs: one character (``_NEEDS_WORK``, all non-ASCII) or a "%40" (ASCII), in order.
        changes = [match.start() for match in _NEEDS_WORK.finditer(original)] if work else []
        if encoded:
            changes = sorted(changes + occurrences(original, PERCENT_AT))  # "%40" cannot overlap itself
        out: list[str] = []
        cuts: list[int] = []
        cursor = dropped = 0
        for at in changes:
            out.append(original[cursor:at])
            if original.startswith(PERCENT_AT, at):
                out.append("@")
                cursor = at + len(PERCENT_AT)
                for digit in (at + 1, at + 2):  # dropped, each before the character that follows "@"
                    cuts.append(digit - dropped)
                    dropped += 1
                continue
            cursor = at + 1
            ch = _matching_char(original[at])
            if ch:
                out.append(ch)
            else:
                cuts.append(at - dropped)
                dropped += 1
        out.append(original[cursor:])
        self.text = "".join(out)
        self._cuts = cuts

    def span(self, start: int, end: int) -> tuple[int, int]:
        cuts = self._cuts
        if not cuts:
            return start, end
        last = end - 1
        return start + bisect.bisect_right(cuts, start), last + bisect.bisect_right(cuts, last) + 1


def occurrences(text: str, literal: str) -> list[int]:
    """Every position of ``literal`` in ``text``, overlapping ones included: ``str.find`` runs at memchr speed
    where a regex search pays per character."""
    found: list[int] = []
    at = text.find(literal)
    while at >= 0:
        found.append(at)
        at = text.find(literal, at + 1)
    return found


def _matching_char(ch: str) -> str:
    """What one character ``_NEEDS_WORK`` found reads as in the matching copy ("" for an invisible one)."""
    if ch in INVISIBLE:
        return ""
    if _SPACES.match(ch):
        return " "
    if "\uff01" <= ch <= "\uff5e":
        return unicodedata.normalize("NFKC", ch)
    if ch.isdecimal() and not ch.isascii():
        return str(unicodedata.decimal(ch))
    return ch.translate(_HOMOGLYPHS)

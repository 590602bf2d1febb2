"""A matching copy of the text with evasions undone, and a map back to the caller's offsets.

Zero-width characters inside a number, full-width digits and look-alike letters are the cheapest ways to slip PII
past a regex. The engine matches on the normalised copy and reports spans in the original string.
"""

from __future__ import annotations

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
# ``[^\x00-\x7f](?<=\d)``: a decimal digit of another script (Arabic-Indic, Devanagari, Bengali, ...), read as its
# value. Both branches start with a character class, so sre skips ASCII text in C.
_NEEDS_WORK = re.compile(f"[{_INVISIBLE_CLASS}{_SPACES_CLASS}\uff01-\uff5e\u0370-\u03ff\u0400-\u04ff]|[^\\x00-\\x7f](?<=\\d)")


class Shadow:
    """``text`` for matching; ``span(start, end)`` maps a match in it back to the original string."""

    __slots__ = ("text", "_index", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        if original.isascii() or not _NEEDS_WORK.search(original):
            self.text = original
            self._index: list[int] | None = None
            return
        out: list[str] = []
        index: list[int] = []
        for i, ch in enumerate(original):
            if ch in INVISIBLE:
                continue
            if _SPACES.match(ch):
                ch = " "
            elif "\uff01" <= ch <= "\uff5e":
                ch = unicodedata.normalize("NFKC", ch)
            elif ch.isdecimal() and not ch.isascii():
                ch = str(unicodedata.decimal(ch))
            else:
                ch = ch.translate(_HOMOGLYPHS)
            out.append(ch)
            index.append(i)
        index.append(len(original))
        self.text = "".join(out)
        self._index = index

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self._index is None:
            return start, end
        return self._index[start], self._index[end - 1] + 1

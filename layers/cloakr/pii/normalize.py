"""A matching copy of the text with evasions undone, and a map back to the caller's offsets.

Zero-width characters inside a number, full-width digits and look-alike letters are the cheapest ways to slip PII
past a regex. The engine matches on the normalised copy and reports spans in the original string.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
# Letters that render like ASCII ones (Cyrillic and Greek); enough to stop e-mail and key look-alikes.
_HOMOGLYPHS = str.maketrans(
    "\u0430\u0435\u043e\u0440\u0441\u0445\u0443\u0456\u0458\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425"
    "\u03bf\u039f\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u03a1\u03a4\u03a7\u03a5",
    "aeopcxyijABEKMHOPCTXoOABEZHIKMNPTXY",
)
# ``[^\x00-\x7f](?<=\d)``: a decimal digit of another script (Arabic-Indic, Devanagari, Bengali, ...), read as its
# value. Both branches start with a character class, so sre skips ASCII text in C.
_NEEDS_WORK = re.compile(f"[{_INVISIBLE}\uff01-\uff5e\u0370-\u03ff\u0400-\u04ff]|[^\\x00-\\x7f](?<=\\d)")


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
            if ch in _INVISIBLE:
                continue
            if "\uff01" <= ch <= "\uff5e":
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

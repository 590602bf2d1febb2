"""Regex forms that let sre skip ahead in C, and scanning a regex only where a match can start (near a cue, an
anchor or digits: ``context.TextIndex`` says where).

sre can jump straight to the next candidate position (a C loop over a character set) only when a pattern *begins*
with a character or class. Most identifier patterns begin with a boundary guard, ``\\b`` or ``(?<![\\d-])``, and
then sre tries the whole pattern at every position of the text. Moving the guard one character to the right
(``\\d(?<![\\d-]\\d)...``) matches exactly the same strings and lets sre skip: two to four times faster on prose.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Iterator

# A leading guard: ``\b`` or a negative lookbehind over one class; then the first atom: an escape such as ``\d``,
# a bracketed class, or one literal letter or digit; then an optional counted or ``+`` quantifier.
_LEAD = re.compile(
    r"^(?P<guard>\\b|\(\?<!(?P<class>\[(?:\\.|[^\]\\])+\])\))"
    r"(?P<atom>\\[dw]|\[(?:\\.|[^\]\\])+\]|[A-Za-z0-9])"
    r"(?P<quant>\{(?P<lo>\d+)(?:,(?P<hi>\d*))?\}|\+)?"
)
_PROBE = [chr(i) for i in range(0x250)]
# The longest value a cue-gated pattern matches (a 17-digit account, a 20-character licence, a spelled-out date),
# and the longest lookahead after one.
MARGIN = 64
LOOKAHEAD = 4


def _word_chars_only(atom: str) -> bool:
    """``\\b`` before the atom means "no word character before" only when the atom itself matches word characters."""
    pattern = re.compile(atom)
    return all(ch.isalnum() or ch == "_" for ch in _PROBE if pattern.fullmatch(ch))


def lead_with_atom(regex: str) -> str:
    """The same pattern with its leading guard moved after the first character, when that is provably equivalent;
    otherwise the pattern unchanged."""
    lead = _LEAD.match(regex)
    if not lead or regex[lead.end():lead.end() + 1] in ("?", "*", "+", "{"):
        return regex  # an optional first atom ("[A-Z]?") or a lazy quantifier: nothing to move the guard after
    atom, quant = lead.group("atom"), lead.group("quant")
    if lead.group("guard") == r"\b":
        if not _word_chars_only(atom):
            return regex
        guard = r"(?<!\w[\s\S])"
    else:
        guard = rf"(?<!{lead.group('class')}[\s\S])"
    if quant is None:
        rest = ""
    elif quant == "+":
        rest = atom + "*"
    else:
        low = int(lead.group("lo"))
        if low < 1:
            return regex
        high = lead.group("hi")
        if high is None:
            rest = f"{atom}{{{low - 1}}}"
        elif high == "":
            rest = f"{atom}{{{low - 1},}}"
        else:
            rest = f"{atom}{{{low - 1},{int(high) - 1}}}"
    return f"{atom}{guard}{rest}{regex[lead.end():]}"


def ascii_digits(regex: str) -> str:
    """The same pattern with ``\\d`` written as ``[0-9]``: equal on the engine's matching text (``normalize.Shadow``
    reads every decimal digit of another script as its ASCII value), and sre tests an ASCII range much faster
    than the Unicode digit category (about 40% less time for a digit row on digit-dense text). Only for patterns
    run on a ``Shadow`` text."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\" and i + 1 < len(regex):
            escape = regex[i:i + 2]
            out.append(("0-9" if in_class else "[0-9]") if escape == "\\d" else escape)
            i += 2
            continue
        out.append(ch)
        i += 1
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            for literal in ("^", "]"):  # "[^" negates; a "]" right after "[" or "[^" is a literal
                if regex[i:i + 1] == literal:
                    out.append(literal)
                    i += 1
    return "".join(out)


def fast_form(regex: str) -> str:
    """A row's pattern as the engine compiles it: guard moved after the first atom, digits as an ASCII range."""
    return ascii_digits(lead_with_atom(regex))


def scan(
    regex: re.Pattern[str], text: str, windows: list[tuple[int, int]] | None, longest: int | None = MARGIN
) -> Iterator[re.Match[str]]:
    """``regex.finditer(text)``, or only the matches that start inside ``windows`` (sorted, disjoint).

    ``longest`` bounds the length of a match: each window is scanned to its end plus that, so a match is never cut
    short, and a match touching the scan limit is matched again on the whole text so a lookahead never mistakes
    the limit for the end of the text. Lookbehinds see the text before a window (sre keeps the whole string).
    With ``longest=None`` (a match of unbounded length) a window scans on to the end of the text, unless it is a
    single position, where a match can only start there.
    """
    if windows is None:
        yield from regex.finditer(text)
        return
    size = len(text)
    resume = 0
    for lo, hi in windows:
        if hi < resume:
            continue
        if longest is None and lo == hi:
            match = regex.match(text, lo)
            if match is not None:
                resume = match.end()
                yield match
            continue
        limit = size if longest is None else min(size, hi + longest)
        for match in regex.finditer(text, max(lo, resume), limit):
            if match.start() > hi:
                break
            if match.start() < resume:
                continue
            if limit < size and match.end() + LOOKAHEAD >= limit:
                match = regex.match(text, match.start())
                if match is None:
                    continue
            resume = match.end()
            yield match
            if resume > hi:
                break  # the next match starts at or after this one's end: past the window; searching on for it
                # would read up to ``longest`` characters beyond the window (680 for an e-mail) for nothing


def scan_widened(
    pattern: re.Pattern[str] | LazyPattern, text: str, windows: list[tuple[int, int]] | None, lead: int = 0, read: int = 0
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, or its matches in each window (sorted) widened by ``lead`` characters before and
    ``read`` after: the caller's bounds on where a match starts and how far it reads, such that every match lies in
    one widened window and none found in a later window starts before one found in an earlier one. Widened windows
    may overlap: each scan resumes after the last match, as ``finditer`` does."""
    if windows is None:
        yield from pattern.finditer(text)
        return
    resume = 0
    for lo, hi in windows:
        for match in pattern.finditer(text, max(lo - lead, resume), hi + read):
            resume = match.end()
            yield match


class LazyPattern:
    """A regex compiled on first use. sre compiles in Python (milliseconds for the larger grammars), and a Lambda
    cold start should not pay for patterns that only texts with a street number, a token prefix or a title need."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.source, self.flags)

    def __getattr__(self, name: str) -> Any:
        """match, search, finditer, groupindex, ...: the compiled pattern's, kept on the instance after the first
        use (Python reaches ``__getattr__`` only after a failed lookup, which costs more than the call it makes)."""
        value = getattr(self.compiled, name)
        setattr(self, name, value)
        return value

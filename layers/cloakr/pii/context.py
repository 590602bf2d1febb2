"""Whole-word context cues near a match, the evidence that turns a bare number into an identifier.

Cues are matched as whole words or phrases (``\\bdl\\b``, never the ``lic`` inside ``duplicate``: a Presidio false
positive), in a window before the value and a shorter one after it.

A regular-expression alternation of a hundred cue phrases costs about a second per megabyte in ``re`` (it is tried
at every position). ``CueIndex`` finds each phrase's first word with ``str.find`` on a lower-cased copy (memchr
speed) and confirms the whole phrase with the same regex only where that word occurs, once per text, shared by
every recognizer. Recognizers then ask it for cue positions instead of scanning the text themselves.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

BEFORE = 48
AFTER = 24
# Characters that sre's case-insensitive matching equates with ASCII letters although they are not lower-case
# ASCII themselves: dotless i, dotted I, long s, Kelvin sign, Angstrom sign and the "st" ligatures.
_FOLDS_TO_ASCII = frozenset("\u0131\u0130\u017f\u212a\u212b\ufb05\ufb06")


@lru_cache(maxsize=None)
def cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(c).replace(r"\ ", r"[\s_-]*") for c in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])", re.IGNORECASE)


@lru_cache(maxsize=None)
def _loose_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    """``cue_pattern`` that also accepts a cue glued to a following digit ("DOB01/02/1990"): ``has_cue`` saw the
    value's start as the end of its search window, so a cue right against the value counted."""
    return re.compile(cue_pattern(cues).pattern[: -len("(?![a-z0-9])")] + "(?![a-z])", re.IGNORECASE)


@lru_cache(maxsize=None)
def _heads(cues: tuple[str, ...]) -> tuple[str, ...]:
    """The distinct first words of the phrases; every occurrence of a phrase starts with one of them."""
    return tuple(sorted({c.lower().split(" ", 1)[0] for c in cues}))


class CueIndex:
    """Cue phrase positions in one text, computed on first use per cue set and kept for the other recognizers."""

    __slots__ = ("text", "lower", "_spans")
    # Per cue set: starts, ends, and whether each occurrence is followed by a digit (whole word only when it is
    # right against the value).

    def __init__(self, text: str) -> None:
        self.text = text
        lower = text.lower()
        # A few characters lower-case to two (U+0130), and ``re.IGNORECASE`` lets a few non-ASCII letters match
        # ASCII ones (U+017F long s matches "s", U+212A Kelvin matches "k"): for such texts the regexes do all.
        exact = len(lower) == len(text) and (text.isascii() or not _FOLDS_TO_ASCII.intersection(text))
        self.lower: str | None = lower if exact else None
        self._spans: dict[tuple[str, ...], tuple[list[int], list[int], list[bool]]] = {}

    def contains(self, literals: tuple[str, ...]) -> bool:
        """Whether any of these lower-case literals occurs anywhere (a whole-text prefilter, case-insensitive).

        Without an exact lower-cased copy the answer is a conservative yes."""
        return self.lower is None or any(literal in self.lower for literal in literals)

    def spans(self, cues: tuple[str, ...]) -> tuple[list[int], list[int], list[bool]]:
        """Starts, ends and digit-gluedness of every cue occurrence, sorted by start."""
        found = self._spans.get(cues)
        if found is None:
            found = self._spans[cues] = self._find(cues)
        return found

    def _find(self, cues: tuple[str, ...]) -> tuple[list[int], list[int], list[bool]]:
        pattern = _loose_pattern(cues)
        if self.lower is None:
            matches = [m.span() for m in pattern.finditer(self.text)]
        else:
            found: set[tuple[int, int]] = set()
            for head in _heads(cues):
                at = self.lower.find(head)
                while at >= 0:
                    match = pattern.match(self.text, at)
                    if match:
                        found.add(match.span())
                    at = self.lower.find(head, at + 1)
            matches = sorted(found)
        text = self.text
        return [s for s, _ in matches], [e for _, e in matches], [e < len(text) and text[e].isdigit() for _, e in matches]

    def near(self, start: int, end: int, cues: tuple[str, ...], before: int = BEFORE, after: int = AFTER) -> bool:
        """A cue ends within ``before`` characters ahead of ``start``, or begins within ``after`` after ``end``."""
        if not cues:
            return False
        starts, ends, glued = self.spans(cues)
        if not starts:
            return False
        # Before the value: a cue lying wholly inside [start - before, start].
        i = bisect.bisect_left(starts, start - before)
        while i < len(starts) and starts[i] < start:
            if ends[i] == start or (ends[i] < start and not glued[i]):
                return True
            i += 1
        # After the value: a cue lying wholly inside [end, end + after].
        i = bisect.bisect_left(starts, end)
        while i < len(starts) and starts[i] < end + after:
            if ends[i] <= end + after and not glued[i]:
                return True
            i += 1
        return False

    def windows(self, cues: tuple[str, ...], before: int = BEFORE, after: int = AFTER, reach: int = 0) -> list[tuple[int, int]]:
        """Merged stretches of text where a value with one of these cues could start.

        A value of at most ``reach`` characters cued from before starts in ``[cue end, cue start + before]``; one
        cued from after starts in ``[cue end - after - reach, cue start]``.
        """
        starts, ends, _ = self.spans(cues)
        merged: list[tuple[int, int]] = []
        for s, e in zip(starts, ends):
            lo, hi = max(0, e - after - reach), s + before
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        return merged


def has_cue(text: str, start: int, end: int, cues: tuple[str, ...], before: int = BEFORE, after: int = AFTER) -> bool:
    """One-off check without an index (rules and callers outside the engine)."""
    if not cues:
        return False
    pattern = cue_pattern(cues)
    return bool(pattern.search(text, max(0, start - before), start) or pattern.search(text, end, end + after))

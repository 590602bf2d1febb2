"""Whole-word context cues near a match, the evidence that turns a bare number into an identifier.

Cues are matched as whole words or phrases (``\\bdl\\b``, never the ``lic`` inside ``duplicate``: a Presidio false
positive), in a window before the value and a shorter one after it.
"""

from __future__ import annotations

import re
from functools import lru_cache

BEFORE = 48
AFTER = 24


@lru_cache(maxsize=None)
def cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(c).replace(r"\ ", r"[\s_-]*") for c in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])", re.IGNORECASE)


def has_cue(text: str, start: int, end: int, cues: tuple[str, ...], before: int = BEFORE, after: int = AFTER) -> bool:
    if not cues:
        return False
    pattern = cue_pattern(cues)
    return bool(pattern.search(text, max(0, start - before), start) or pattern.search(text, end, end + after))

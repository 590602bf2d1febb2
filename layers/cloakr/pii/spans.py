"""Picking non-overlapping findings in priority order, in O(n log n).

A text full of near-matches (a long run of dashed digits, repeated street lines) yields thousands of findings;
checking each against every kept one is quadratic, and a 1 MB body would take minutes. Kept spans never overlap,
so sorted by start they are sorted by end too, and one binary search tells whether a new span touches any.
"""

from __future__ import annotations

import bisect
from typing import Iterable, Protocol, TypeVar


class Span(Protocol):
    start: int
    end: int


S = TypeVar("S", bound=Span)


def first_disjoint(ranked: Iterable[S]) -> list[S]:
    """The spans of ``ranked`` (best first) that overlap no better one, in the order given."""
    kept: list[S] = []
    starts: list[int] = []
    ends: list[int] = []
    for span in ranked:
        i = bisect.bisect_left(starts, span.end)  # kept spans starting before this one ends
        if i and ends[i - 1] > span.start:
            continue
        starts.insert(i, span.start)
        ends.insert(i, span.end)
        kept.append(span)
    return kept

"""Word lists the name and address recognizers look tokens up in: lower case, one entry a line.

Read once per process and cached: recognizers are built per engine, and an engine per request must not pay for
file reads. See ``SOURCES.md`` for where each file comes from and ``scripts/build_lexicons.py`` for how.
"""

from __future__ import annotations

import os
from functools import lru_cache

_HERE = os.path.dirname(os.path.abspath(__file__))

#: Every lexicon file shipped with the package; the self-check test holds SOURCES.md to this list.
FILES = (
    "given_census1990.txt",
    "given_curated.txt",
    "surnames_census1990.txt",
    "surnames_curated.txt",
    "common_words.txt",
    "places.txt",
    "org_words.txt",
)


@lru_cache(maxsize=None)
def load(*names: str) -> frozenset[str]:
    """The union of the named files' entries."""
    words: set[str] = set()
    for name in names:  # plain file reads: importlib.resources alone costs ~15 ms of start-up
        with open(os.path.join(_HERE, name), encoding="utf-8") as handle:
            words.update(handle.read().splitlines())
    words.discard("")
    return frozenset(words)

"""Word lists the name and address recognizers look tokens up in: lower case, one entry a line.

Read once per process and cached: recognizers are built per engine, and an engine per request must not pay for
file reads. See ``SOURCES.md`` for where each file comes from and ``scripts/build_lexicons.py`` for how.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

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
    root = resources.files(__name__)
    for name in names:
        words.update(root.joinpath(name).read_text(encoding="utf-8").splitlines())
    words.discard("")
    return frozenset(words)

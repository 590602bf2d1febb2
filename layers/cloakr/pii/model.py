"""Value types shared by every recognizer and by the engine.

Kept free of imports beyond the standard library so that recognizers, the engine, the gateway and the
evaluation harness can all depend on them without cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Protocol

if TYPE_CHECKING:
    from cloakr.pii.context import TextIndex


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected entity: ``text[start:end]`` is the value; the value itself is never stored here.

    Keeping the raw value out of the object means a Finding can be logged, audited or returned to a caller
    without leaking what it points at.
    """

    type: str
    start: int
    end: int
    score: float
    # True when a checksum or structural parse (Luhn, mod-97, Verhoeff, ipaddress, phonenumbers...) confirmed it.
    validated: bool = field(default=False, compare=False)
    # Which recognizer produced it; useful for evaluation and debugging, never shown to end users.
    source: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end, "score": round(self.score, 4)}


class Recognizer(Protocol):
    """Anything that finds entities in text. Recognizers must be pure and thread-safe."""

    name: str
    #: Entity types this recognizer can emit; the engine skips recognizers whose types are all disabled.
    entity_types: frozenset[str]

    def find(self, text: str, cues: "TextIndex | None" = None) -> Iterable[Finding]:
        """``cues``: the engine's shared index of context-cue positions in ``text`` (built on demand if None)."""
        ...

"""Detection and redaction of personal data; the public names are imported lazily to keep start-up fast."""

from __future__ import annotations

from typing import Any

from cloakr.pii.model import Finding

__all__ = ["DetectionError", "Finding", "PIIEngine", "RedactionResult", "TokenMap"]


def __getattr__(name: str) -> Any:
    if name in ("PIIEngine", "RedactionResult", "DetectionError"):
        from cloakr.pii import engine

        return getattr(engine, name)
    if name == "TokenMap":
        from cloakr.pii.tokens import TokenMap

        return TokenMap
    raise AttributeError(name)

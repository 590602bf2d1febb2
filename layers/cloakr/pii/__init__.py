"""PII detection and redaction.

The engine is exported lazily so that light users of the vocabulary (the CDK app, region config) do not
pay for compiling recognizers at import time.
"""

from __future__ import annotations

from typing import Any

from cloakr.pii.model import Finding

__all__ = ["Finding", "PIIEngine", "RedactionResult"]


def __getattr__(name: str) -> Any:
    if name in ("PIIEngine", "RedactionResult"):
        from cloakr.pii import engine

        return getattr(engine, name)
    raise AttributeError(name)

"""Cloakr: a privacy gateway for LLM traffic.

The package is shared by every Lambda function (through the layer), the local gateway, the SDK and the CLI,
so it must import quickly and pull in nothing heavy at import time.
"""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The SDK entry points, resolved on first use so `import cloakr` stays free of httpx and the PII engine.
    if name in ("Client", "AsyncClient", "Redactor"):
        from cloakr import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'cloakr' has no attribute {name!r}")

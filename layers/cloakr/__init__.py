"""Cloakr: a privacy gateway for LLM traffic.

The package is shared by every Lambda function (through the layer), the local gateway, the SDK and the CLI,
so it must import quickly and pull in nothing heavy at import time.
"""

__version__ = "0.1.0"

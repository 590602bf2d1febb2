"""Process-wide settings read from the environment the stack (or the local gateway) sets."""

from __future__ import annotations

import os

from cloakr.constants import ENV_REGION


def region() -> str:
    return os.environ.get(ENV_REGION) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1")

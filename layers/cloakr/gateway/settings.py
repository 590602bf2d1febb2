"""Process-wide settings read from the environment the stack (or the local gateway) sets."""

from __future__ import annotations

import os

from cloakr.constants import ENV_REGION


def region() -> str:
    return os.environ.get(ENV_REGION) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


def region_config():
    """This region's RegionConfig: the JSON the stack passes in, else the region files (local runs)."""
    import json

    from cloakr.config.regions import default_regions, parse_bundled
    from cloakr.constants import ENV_REGION_CONFIG

    raw = os.environ.get(ENV_REGION_CONFIG)
    if raw:
        return parse_bundled(json.loads(raw), ENV_REGION_CONFIG)
    return default_regions()[region()]

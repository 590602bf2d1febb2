"""Process-wide settings read from the environment the stack (or the local gateway) sets."""

from __future__ import annotations

import json
import os
from functools import lru_cache

from cloakr.constants import ENV_REGION


def region() -> str:
    return os.environ.get(ENV_REGION) or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


def region_config():
    """This region's RegionConfig: the JSON the stack passes in, else the region files (local runs). Parsed once
    per distinct input, not per request (reading the region files costs milliseconds)."""
    from cloakr.config.regions import ENV_REGIONS_DIR
    from cloakr.constants import ENV_REGION_CONFIG

    raw = os.environ.get(ENV_REGION_CONFIG)
    if raw:
        return _bundled(raw)
    return _from_files(os.environ.get(ENV_REGIONS_DIR))[region()]


@lru_cache(maxsize=4)
def _bundled(raw: str):
    from cloakr.config.regions import parse_bundled
    from cloakr.constants import ENV_REGION_CONFIG

    return parse_bundled(json.loads(raw), ENV_REGION_CONFIG)


@lru_cache(maxsize=4)
def _from_files(directory: str | None):
    """``directory`` only keys the cache: ``default_regions`` reads the same variable."""
    from cloakr.config.regions import default_regions

    return default_regions()

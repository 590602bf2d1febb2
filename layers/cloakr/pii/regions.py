"""What a region means to detection: the default phone country and the local identifiers switched on."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

DEFAULT_COUNTRY = "US"


@lru_cache(maxsize=None)
def _by_name(region: str) -> tuple[str, tuple[str, ...]]:
    from cloakr.config.regions import default_regions

    configs = default_regions()
    if region not in configs:
        raise ValueError(f"unknown region {region!r}; expected one of {', '.join(sorted(configs))}")
    config = configs[region]
    return config.default_country, tuple(config.local_entities)


def region_defaults(region: Any) -> tuple[str, tuple[str, ...]]:
    """``region`` may be None (global defaults), a region name, or a ``RegionConfig``."""
    if region is None:
        return DEFAULT_COUNTRY, ()
    if isinstance(region, str):
        return _by_name(region)
    return region.default_country, tuple(region.local_entities)

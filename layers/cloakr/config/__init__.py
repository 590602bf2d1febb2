"""Configuration: per-region settings shared by the CDK app and the runtime."""

from cloakr.config.regions import RegionConfig, RegionConfigError, load_region, load_regions

__all__ = ["RegionConfig", "RegionConfigError", "load_region", "load_regions"]

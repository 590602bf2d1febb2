"""``cloakr regions``: the regions Cloakr ships, with their compliance profiles and allowed routings.

Reads the same configuration the stacks are built from (``cloakr.config.regions.default_regions``), so what the
CLI says a region allows is what that region's gateway enforces.
"""

from __future__ import annotations

import argparse
from typing import Any

from cloakr.cli.main import CliError
from cloakr.cli.output import add_json_option, emit, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "regions", help="list regions and their compliance profiles",
        description="List the regions Cloakr can be deployed to: display name, compliance frameworks, allowed "
                    "model routings and models. Reads $CLOAKR_REGIONS_DIR, the checkout's regions/ or the copy "
                    "bundled with the package.")
    parser.add_argument("region", nargs="?", help="show only this region")
    add_json_option(parser)
    parser.set_defaults(func=run)


def describe(config: Any) -> dict[str, Any]:
    return {
        "region": config.region,
        "display_name": config.display_name,
        "compliance_frameworks": list(config.compliance_frameworks),
        "allowed_routings": list(config.allowed_routings),
        "default_country": config.default_country,
        "local_entities": list(config.local_entities),
        "audit_retention_days": config.audit_retention_days,
        "backup_required": config.backup_required,
        "models": [{"id": m.id, "provider": m.provider, "routing": m.routing,
                    "allowed": m.routing in config.allowed_routings} for m in config.models],
    }


def _human(regions: list[dict[str, Any]]) -> None:
    print_table(regions, ("region", "display_name", "compliance_frameworks", "allowed_routings"))
    if len(regions) == 1:
        print()
        print_table(regions[0]["models"], ("id", "provider", "routing", "allowed"))


def run(args: argparse.Namespace) -> int:
    from cloakr.config.regions import RegionConfigError, default_regions

    try:
        configs = default_regions()
    except RegionConfigError as exc:
        raise CliError(str(exc)) from None
    if args.region:
        if args.region not in configs:
            raise CliError(f"unknown region {args.region!r}; known: {', '.join(configs)}")
        configs = {args.region: configs[args.region]}
    emit(args, [describe(c) for c in configs.values()], _human)
    return 0

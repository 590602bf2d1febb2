#!/usr/bin/env python3
"""The Cloakr CDK app: one ``Cloakr-<region>`` stack per file in ``regions/``.

No account is needed to synthesize: stacks are region-bound and account-agnostic. A bad region file stops the
synth with a message naming the file and the field.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "layers"))

from cloakr.config.regions import ENV_REGIONS_DIR, RegionConfigError, load_regions  # noqa: E402
from cloakr.constants import STACK_PREFIX  # noqa: E402
from stacks.regional_stack import RegionalStack  # noqa: E402

NAG_PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks)


def build_app(app: cdk.App | None = None, regions_dir: Path | None = None) -> cdk.App:
    app = app or cdk.App()
    regions_dir = regions_dir or Path(os.environ.get(ENV_REGIONS_DIR) or ROOT / "regions")
    for config in load_regions(regions_dir).values():
        RegionalStack(
            app,
            f"{STACK_PREFIX}-{config.region}",
            config=config,
            env=cdk.Environment(region=config.region),
            description=f"Cloakr privacy gateway for {config.display_name} ({', '.join(config.compliance_frameworks)})",
        )
    for pack in NAG_PACKS:
        cdk.Validations.of(app).add_plugins(pack(app))
    return app


def prune_stale_assets(outdir: Path) -> list[str]:
    """Delete ``asset.*`` entries no manifest in ``outdir`` names any more.

    CDK never cleans ``cdk.out``: every change to the layer's source leaves another ~120 MB bundle behind. The
    bundles the current manifests name stay, so an unchanged layer is still reused from the cache.
    """
    used = {
        entry["source"]["path"]
        for manifest in outdir.glob("*.assets.json")
        for entry in json.loads(manifest.read_text()).get("files", {}).values()
    }
    stale = sorted(p for p in outdir.glob("asset.*") if p.name not in used)
    for path in stale:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return [p.name for p in stale]


if __name__ == "__main__":
    try:
        assembly = build_app().synth()
        prune_stale_assets(Path(assembly.directory))
    except RegionConfigError as exc:
        print(f"Cloakr: bad region configuration: {exc}", file=sys.stderr)
        sys.exit(1)

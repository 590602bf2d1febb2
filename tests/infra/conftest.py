"""One synthesis of the whole app per test session: every infra test reads the same five templates."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app import build_app  # noqa: E402
from cloakr.constants import STACK_PREFIX, SUPPORTED_REGIONS  # noqa: E402


@dataclass
class Synth:
    app: cdk.App
    assembly: cdk.cx_api.CloudAssembly
    templates: dict[str, Template]
    raw: dict[str, dict]
    outdir: Path


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    outdir = tmp_path_factory.mktemp("cdk.out")
    # The same feature flags as `cdk synth` (cdk.json), minus the layer's pip bundling: tests check the
    # templates, not the wheels (make synth builds those).
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=str(outdir), context={**context, "aws:cdk:bundling-stacks": []})
    build_app(app)
    assembly = app.synth()
    stacks = {s.stack_name.removeprefix(f"{STACK_PREFIX}-"): s for s in assembly.stacks}
    return Synth(
        app=app,
        assembly=assembly,
        templates={region: Template.from_json(s.template) for region, s in stacks.items()},
        raw={region: s.template for region, s in stacks.items()},
        outdir=outdir,
    )


@pytest.fixture(params=SUPPORTED_REGIONS)
def region(request: pytest.FixtureRequest) -> str:
    return request.param

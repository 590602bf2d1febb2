"""Security gates: cdk-nag packs report nothing unacknowledged, and cfn-lint passes on every template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from app import NAG_PACKS
from stacks.nag_suppressions import REASON_MIN_LENGTH, all_acknowledgements

pytestmark = pytest.mark.infra
# CDK adds an explicit DependsOn on each function's role beside the GetAtt; harmless and not ours to change.
CFN_LINT_IGNORED = ("W3005",)


def test_all_five_nag_packs_ran_and_passed(synth):
    # app.synth() raises ValidationFailed on any unacknowledged finding; the report also proves every pack ran,
    # so a pack silently dropped from NAG_PACKS is caught.
    report = json.loads((Path(synth.outdir) / "validation-report.json").read_text())
    plugins = {r["pluginName"]: r for r in report["pluginReports"]}
    assert set(plugins) == {"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321", "Serverless"}
    for name, plugin in plugins.items():
        assert plugin["conclusion"] == "success", name
        assert plugin["violations"] == [], name
        for suppressed in plugin.get("suppressedViolations", []):
            paths = {c["constructPath"].split("/", 1)[0] for c in suppressed["violatingConstructs"]}
            assert paths <= {f"Cloakr-{region}" for region in synth.templates}, suppressed["ruleName"]


def test_nag_gate_fails_on_an_unacknowledged_finding(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Unsafe", env=cdk.Environment(region="eu-central-1"))
    s3.Bucket(stack, "PlainBucket")
    for pack in NAG_PACKS:
        cdk.Validations.of(app).add_plugins(pack(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_every_acknowledgement_has_a_specific_reason():
    acknowledgements = all_acknowledgements()
    assert len(acknowledgements) > 10
    for rule_id, reason in acknowledgements:
        assert len(reason) >= REASON_MIN_LENGTH, rule_id
        assert "-" in rule_id, rule_id


def test_cfn_lint_passes(synth):
    templates = sorted(str(p) for p in Path(synth.outdir).glob("Cloakr-*.template.json"))
    assert len(templates) == 5
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--ignore-checks", *CFN_LINT_IGNORED, "--", *templates],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]

"""checkov over the five synthesized templates: zero failed checks (skips and their reasons live in .checkov.yaml).

checkov runs from its own tool venv (`make checkov-setup`, a dependency of `make test`): its pins clash with the
project's (it would downgrade boto3 and packaging), so it cannot share `.venv`. It runs offline: the variables
below and `skip-download` in the config keep it from fetching guidelines, policies or package data.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cloakr.constants import SUPPORTED_REGIONS

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".checkov.yaml"
CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))
# No guideline mapping download, no PyPI version check (checkov 3.3 reads these two; the Makefile sets the same).
OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE"}
TIMEOUT_S = 600


def run_checkov(templates: list[Path]) -> dict:
    """checkov's JSON report for ``templates`` (one cloudformation block, whatever the number of files)."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make checkov-setup` (make test does it)")
    command = [str(CHECKOV), "--config-file", str(CONFIG), "--output", "json", *(arg for t in templates for arg in ("-f", str(t)))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT,
                          env={**os.environ, **OFFLINE_ENV}, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov exited {done.returncode} without a JSON report:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    reports = report if isinstance(report, list) else [report]
    assert [r["check_type"] for r in reports] == ["cloudformation"], reports
    return reports[0]


def describe(failed: list[dict]) -> str:
    return "\n".join(f"{c['check_id']} {c['resource']} in {Path(c['file_path']).name}: {c['check_name']}" for c in failed)


def test_checkov_finds_no_failed_check(synth) -> None:
    templates = sorted(synth.outdir.glob("*.template.json"))
    assert len(templates) == len(SUPPORTED_REGIONS)
    report = run_checkov(templates)
    summary = report["summary"]
    failed = report["results"]["failed_checks"]
    assert not failed, f"{len(failed)} checkov failures (fix the construct or skip with a reason in .checkov.yaml):\n{describe(failed)}"
    assert summary["failed"] == 0 and summary["parsing_errors"] == 0, summary
    assert summary["passed"] > 0 and summary["resource_count"] > 0, summary


def test_every_skip_has_a_reason() -> None:
    """Each skipped check id is preceded by a comment that says why it does not apply."""
    lines = CONFIG.read_text().splitlines()
    start = lines.index("skip-check:")
    for number, line in enumerate(lines[start + 1:], start + 1):
        if line.strip().startswith("- "):
            assert lines[number - 1].strip().startswith("#"), f"{line.strip()} in .checkov.yaml has no reason above it"

"""A bad region file stops the synth with a message naming the file and the field, not a stack trace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from cloakr.config.regions import ENV_REGIONS_DIR

from .conftest import ROOT

pytestmark = pytest.mark.infra


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("rate_limit = 1500", 'rate_limit = "lots"', "rate_limit"),
        ('email = "security-eu@example.com"', 'email = "not-an-address"', "email"),
    ],
)
def test_bad_region_file_fails_synth_naming_file_and_field(tmp_path, old, new, field):
    regions = tmp_path / "regions"
    shutil.copytree(ROOT / "regions", regions)
    bad = regions / "eu-central-1.toml"
    assert old in bad.read_text()
    bad.write_text(bad.read_text().replace(old, new))
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, ENV_REGIONS_DIR: str(regions), "CDK_OUTDIR": str(tmp_path / "out")},
    )
    assert result.returncode == 1
    assert "eu-central-1.toml" in result.stderr and field in result.stderr
    assert "Traceback" not in result.stderr

from __future__ import annotations

import json

import pytest

from cloakr.cli.main import main
from cloakr.config import regions


def test_bundled_snapshot_matches_the_region_files() -> None:
    """The package ships regions.json for installs without a checkout; it must say what regions/*.toml say.
    Regenerate with: python -c 'from cloakr.config.regions import *; BUNDLED_REGIONS.write_text(bundle_regions(checkout_regions_dir()))'"""
    assert regions.BUNDLED_REGIONS.read_text(encoding="utf-8") == regions.bundle_regions(regions.checkout_regions_dir())


def test_snapshot_parses_to_the_same_configs() -> None:
    data = json.loads(regions.BUNDLED_REGIONS.read_text(encoding="utf-8"))
    from_toml = regions.load_regions(regions.checkout_regions_dir())
    assert {name: regions.parse_bundled(item, "snapshot") for name, item in data.items()} == from_toml


def test_regions_dir_from_environment_wins(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = regions.checkout_regions_dir() / "eu-central-1.toml"
    (tmp_path / "eu-central-1.toml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(regions.ENV_REGIONS_DIR, str(tmp_path))
    assert list(regions.default_regions()) == ["eu-central-1"]


def test_regions_json_lists_every_region_with_its_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "--json"]) == 0
    listed = {r["region"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"us-east-1", "us-west-2", "eu-central-1", "ap-southeast-1", "ap-south-1"}
    eu = listed["eu-central-1"]
    assert "GDPR" in eu["compliance_frameworks"] and eu["display_name"] == "Europe (Frankfurt)"
    assert all(m["allowed"] == (m["routing"] in eu["allowed_routings"]) for m in eu["models"])
    assert "global" not in listed["ap-south-1"]["allowed_routings"]


def test_regions_human_output_for_one_region(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert "US East (N. Virginia)" in out and "HIPAA" in out and "cloakr-echo" in out
    assert "eu-central-1" not in out


def test_unknown_region_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regions", "mars-1"]) == 2
    assert "unknown region" in capsys.readouterr().err

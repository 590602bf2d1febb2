"""The Lambda layer ships exactly the runtime dependencies the package declares."""

from __future__ import annotations

import tomllib

from .conftest import ROOT


def test_layer_requirements_match_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    shipped = [
        line.strip()
        for line in (ROOT / "layers" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(shipped) == sorted(declared)

"""Stale bundles are removed from cdk.out; the ones the current manifests name are kept."""

from __future__ import annotations

import json

from app import prune_stale_assets


def test_prune_keeps_named_assets_and_removes_the_rest(tmp_path):
    (tmp_path / "asset.current").mkdir()
    (tmp_path / "asset.current" / "handler.py").write_text("x")
    (tmp_path / "asset.old").mkdir()
    (tmp_path / "asset.old.zip").write_text("zip")
    (tmp_path / "Cloakr-x.template.json").write_text("{}")
    manifest = {"files": {"h": {"source": {"path": "asset.current", "packaging": "zip"}}}}
    (tmp_path / "Cloakr-x.assets.json").write_text(json.dumps(manifest))

    assert prune_stale_assets(tmp_path) == ["asset.old", "asset.old.zip"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Cloakr-x.assets.json", "Cloakr-x.template.json", "asset.current"]
    assert (tmp_path / "asset.current" / "handler.py").read_text() == "x"

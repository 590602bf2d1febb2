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


def test_layer_bytecode_is_for_the_runtime_and_kept_whatever_the_timestamps(tmp_path, monkeypatch):
    import importlib.util
    import sys

    from stacks.constructs import shared_layer

    assert "--no-compile" in shared_layer.pip_command(tmp_path)  # the build machine's bytecode is useless in Lambda
    # Only an interpreter of the runtime's version compiles the layer.
    monkeypatch.setenv(shared_layer.ENV_LAYER_PYTHON, sys.executable)
    assert shared_layer.runtime_python() is None  # the tests run 3.11 (or another version), not the runtime's 3.13
    fake = tmp_path / "python3.13"
    fake.write_text("#!/bin/sh\necho 3.13\n")
    fake.chmod(0o755)
    monkeypatch.setenv(shared_layer.ENV_LAYER_PYTHON, str(fake))
    assert shared_layer.runtime_python() == str(fake)
    # The pyc files are unchecked-hash ones (PEP 552 flags = 1): the asset zip's timestamps cannot invalidate them.
    package = tmp_path / "layer" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 1\n")
    shared_layer.compile_bytecode(sys.executable, tmp_path / "layer")
    pyc = package / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc"
    header = pyc.read_bytes()[:8]
    assert header[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(header[4:8], "little") == 1


def test_a_layer_without_bytecode_is_built_only_when_asked_for(monkeypatch, capsys):
    import pytest

    from stacks.constructs import shared_layer

    monkeypatch.setattr(shared_layer, "runtime_python", lambda: None)
    monkeypatch.delenv(shared_layer.ENV_LAYER_WITHOUT_BYTECODE, raising=False)
    with pytest.raises(RuntimeError, match="python3.13 on PATH") as refused:
        shared_layer.bytecode_python()
    assert shared_layer.ENV_LAYER_WITHOUT_BYTECODE in str(refused.value)
    monkeypatch.setenv(shared_layer.ENV_LAYER_WITHOUT_BYTECODE, "1")
    assert shared_layer.bytecode_python() is None
    assert "ships without bytecode" in capsys.readouterr().err
    monkeypatch.setattr(shared_layer, "runtime_python", lambda: "/opt/python3.13")
    assert shared_layer.bytecode_python() == "/opt/python3.13"


def test_a_python_313_that_pyenv_installed_is_found_off_path(tmp_path, monkeypatch):
    from stacks.constructs import shared_layer

    interpreter = tmp_path / "versions" / "3.13.5" / "bin" / "python3.13"
    interpreter.parent.mkdir(parents=True)
    interpreter.write_text("#!/bin/sh\necho 3.13\n")
    interpreter.chmod(0o755)
    monkeypatch.delenv(shared_layer.ENV_LAYER_PYTHON, raising=False)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shared_layer.runtime_python() == str(interpreter)

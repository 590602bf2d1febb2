"""``python -m bench.instructions`` counts what it says: the tool behind the engine's instruction figures."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys

import pytest

from bench import instructions


def test_reads_callgrinds_total():
    assert instructions.collected("==1== Events    : Ir\n==1== Collected : 123456\n==1==\n") == 123456
    with pytest.raises(RuntimeError):
        instructions.collected("valgrind: command not found")


def test_child_detects_the_given_prompts(tmp_path):
    texts = tmp_path / "texts.pkl"
    texts.write_bytes(pickle.dumps(["mail jane@example.com", "call +44 20 7946 0958"]))
    run = subprocess.run([sys.executable, "-c", instructions.CHILD, str(texts), "1"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_counts_instructions_per_prompt():
    count = instructions.per_prompt("mixed", 1)
    assert 100_000 < count < 1_000_000_000

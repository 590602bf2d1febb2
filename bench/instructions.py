"""CPU instructions per 4 KB prompt for ``PIIEngine.detect``, counted by valgrind's callgrind.

Wall-clock figures on a shared machine move by a quarter from run to run; an instruction count does not (the same
code, inputs and hash seed give the same count whatever else the machine does). This is how engine changes are
compared: run it before and after, on both prompt kinds. It is not a speed figure (``make bench`` is).

Each count is the difference between two runs of the same child process, one detecting ``--texts`` prompts more
than the other, divided by that number: start-up and the warm-up pass (every prompt once, so every lazily compiled
pattern is compiled before counting) cancel out.

    python -m bench.instructions                # mixed prose and dense, 20 prompts each (about a minute)
    python -m bench.instructions --texts 5 --kind mixed
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.speed import PROMPT_BYTES, mixed_prompts, prompts

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"mixed": mixed_prompts, "dense": prompts}
# The child: warm every prompt once, then detect the first ``n`` again.
CHILD = (
    "import pickle, sys; from cloakr.pii import PIIEngine; texts = pickle.load(open(sys.argv[1], 'rb')); "
    "e = PIIEngine(); [e.detect(t) for t in texts]; [e.detect(t) for t in texts[:int(sys.argv[2])]]"
)
_COLLECTED = re.compile(r"Collected : (\d+)")


def collected(valgrind_stderr: str) -> int:
    """The instruction total callgrind prints at exit."""
    found = _COLLECTED.search(valgrind_stderr)
    if found is None:
        raise RuntimeError("callgrind printed no instruction total")
    return int(found.group(1))


def _count(texts_file: str, n: int) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", CHILD, texts_file, str(n)],
        capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return collected(run.stderr)


def per_prompt(kind: str, texts: int) -> int:
    """Instructions per prompt of this kind for ``detect``, warm."""
    sample = KINDS[kind](PROMPT_BYTES * texts)[:texts]
    with tempfile.NamedTemporaryFile(suffix=".pkl") as handle:
        pickle.dump(sample, handle)
        handle.flush()
        return (_count(handle.name, len(sample)) - _count(handle.name, 0)) // len(sample)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=20, help="prompts counted per kind")
    parser.add_argument("--kind", choices=sorted(KINDS), action="append", help="prompt kind (default: both)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    for kind in args.kind or ("mixed", "dense"):
        print(f"{kind:6} {per_prompt(kind, args.texts):>12,} instructions per 4 KB prompt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

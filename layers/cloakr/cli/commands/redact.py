"""``cloakr redact``: redact files or stdin locally with the same engine and rule format as the gateway.

One input: the redacted text goes to stdout (a filter: ``cat notes.txt | cloakr redact > safe.txt``). Several
inputs: ``--output-dir`` receives one redacted file per input, since concatenating them would lose the boundaries.
Counts per entity type go to stderr, so stdout stays exactly the redacted text. ``--mode hash`` needs the HMAC key
in ``$CLOAKR_HASH_KEY`` (a secret; the same key gives the same digests), not on the command line where ``ps`` shows it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cloakr.cli.commands.detect import redactor_from_args
from cloakr.cli.main import CliError
from cloakr.cli.output import ProgressBar, add_engine_options, iter_inputs, print_json

MODES = ("replace", "mask", "hash", "tokenize", "remove")
ENV_HASH_KEY = "CLOAKR_HASH_KEY"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("redact", help="redact personal data in files or stdin, locally",
                                   description=__doc__.split("\n\n")[1] if __doc__ else None)
    add_engine_options(parser)
    parser.add_argument("--mode", choices=MODES, default="replace", help="how to replace each value")
    parser.add_argument("--output-dir", type=Path, metavar="DIR", help="write <DIR>/<name> for each input file")
    parser.set_defaults(func=run)


def output_paths(output_dir: Path, files: Sequence[str]) -> list[Path]:
    """``<DIR>/<name>`` per input, refused (``CliError``) before anything is written when two inputs would land on
    the same file (``a/x.txt`` and ``b/x.txt``): the second would silently replace the first."""
    paths = [output_dir / Path(name if name != "-" else "stdin.txt").name for name in files or ["-"]]
    seen: dict[Path, str] = {}
    for name, path in zip(files or ["-"], paths):
        if path in seen:
            raise CliError(f"{seen[path]} and {name} would both be written to {path}; redact them separately")
        seen[path] = name
    return paths


def _prepare_output_dir(output_dir: Path) -> None:
    if output_dir.exists() and not output_dir.is_dir():
        raise CliError(f"--output-dir {output_dir} exists and is not a directory")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create --output-dir {output_dir}: {exc.strerror or type(exc).__name__}") from None


def run(args: argparse.Namespace) -> int:
    if len(args.files) > 1 and not args.output_dir and not args.json:
        raise CliError("several inputs need --output-dir (or --json)")
    args.hash_key = os.environ.get(ENV_HASH_KEY) or None
    if args.mode == "hash" and not args.hash_key:
        raise CliError(f"--mode hash needs the secret HMAC key in ${ENV_HASH_KEY}")
    targets = output_paths(args.output_dir, args.files) if args.output_dir else []
    redactor = redactor_from_args(args, mode=args.mode)
    if args.output_dir:
        _prepare_output_dir(args.output_dir)
    results = []
    with ProgressBar("redact", unit="files") as bar:
        for done, (name, text) in enumerate(iter_inputs(args.files), 1):
            result = redactor.redact_result(text)
            results.append({"file": name, "text": result.text, "counts": dict(result.counts)})
            if args.output_dir:
                targets[done - 1].write_text(result.text, encoding="utf-8", newline="")
            bar(done, len(args.files) or None)
    if args.json:
        print_json(results)
        return 0
    if not args.output_dir:
        sys.stdout.write(results[0]["text"])
    for item in results:
        counts = ", ".join(f"{t}={n}" for t, n in sorted(item["counts"].items())) or "nothing found"
        print(f"{item['file']}: {counts}", file=sys.stderr)
    return 0

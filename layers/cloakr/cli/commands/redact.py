"""``cloakr redact``: redact files or stdin locally with the same engine and rule format as the gateway.

One input: the redacted text goes to stdout (a filter: ``cat notes.txt | cloakr redact > safe.txt``). Several
inputs: ``--output-dir`` receives one redacted file per input, since concatenating them would lose the boundaries.
Counts per entity type go to stderr, so stdout stays exactly the redacted text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cloakr.cli.commands.detect import redactor_from_args
from cloakr.cli.main import CliError
from cloakr.cli.output import ProgressBar, add_engine_options, iter_inputs, print_json

MODES = ("replace", "mask", "hash", "tokenize", "remove")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("redact", help="redact personal data in files or stdin, locally",
                                   description=__doc__.split("\n\n")[1] if __doc__ else None)
    add_engine_options(parser)
    parser.add_argument("--mode", choices=MODES, default="replace", help="how to replace each value")
    parser.add_argument("--output-dir", type=Path, metavar="DIR", help="write <DIR>/<name> for each input file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if len(args.files) > 1 and not args.output_dir and not args.json:
        raise CliError("several inputs need --output-dir (or --json)")
    redactor = redactor_from_args(args, mode=args.mode)
    results = []
    with ProgressBar("redact", unit="files") as bar:
        for done, (name, text) in enumerate(iter_inputs(args.files), 1):
            result = redactor.redact_result(text)
            results.append({"file": name, "text": result.text, "counts": dict(result.counts)})
            if args.output_dir:
                args.output_dir.mkdir(parents=True, exist_ok=True)
                (args.output_dir / Path(name if name != "<stdin>" else "stdin.txt").name).write_text(
                    result.text, encoding="utf-8")
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

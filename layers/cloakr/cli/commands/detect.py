"""``cloakr detect``: report the personal data in files or stdin, locally, without sending them anywhere.

Prints where each entity is (file, line, column, type, score) and never the value itself, so the output can be
pasted into a ticket or a CI log.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, TextIO

from cloakr.cli.main import CliError
from cloakr.cli.output import ProgressBar, add_engine_options, emit, iter_inputs, load_rules, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "detect", help="list the personal data found in files or stdin (types and positions, never values)",
        description="Run the PII engine locally. With no FILE, read JSON lines {\"id\", \"text\"} on stdin and "
                    "write {\"id\", \"findings\": [{\"type\",\"start\",\"end\",\"score\"}]} per line (exit 1 if any "
                    "line was invalid). With FILEs ('-' reads plain text from stdin), list findings per file (exit 0: "
                    "nothing found; 3: entities found, so `git diff --cached | cloakr detect -` can gate a commit or "
                    "a CI step).")
    add_engine_options(parser)
    parser.set_defaults(func=run)


def redactor_from_args(args: argparse.Namespace, mode: str) -> Any:
    """The local engine configured from the shared engine options; bad rules or entity names are usage errors."""
    from cloakr.sdk.redactor import Redactor

    try:
        return Redactor(rules=load_rules(args.rules), region=args.region, entities=args.entities, mode=mode,
                        min_score=args.min_score, hash_key=getattr(args, "hash_key", None))
    except ValueError as exc:  # RuleError is a ValueError, as is an unknown entity type or region
        raise CliError(str(exc)) from None


def _reject_constant(name: str) -> Any:
    """``json.loads`` hook: NaN and Infinity are not JSON, and echoing one as an id would make the output invalid."""
    raise ValueError(f"{name} is not valid JSON")


def _plain_id(value: Any) -> bool:
    """Whether an id can be echoed back as valid JSON: ``1e400`` parses to infinity, which JSON cannot hold."""
    return value is None or isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value))


def run_json_lines(redactor: Any, source: TextIO, out: TextIO) -> int:
    """The batch contract: ``{"id", "text"}`` per input line -> ``{"id", "findings": [...]}`` per output line.

    A bad line gets ``{"id", "error": {"code", "message"}}`` and the stream goes on; the exit code is 1 if any
    line failed. Messages never repeat the text.
    """
    failed = False
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        record_id: Any = None
        try:
            try:
                record = json.loads(line, parse_constant=_reject_constant)
            except RecursionError:
                raise ValueError("nested too deeply") from None
            if not isinstance(record, dict):
                raise ValueError("each line must be a JSON object with 'id' and 'text'")
            if not _plain_id(record.get("id")):
                raise ValueError("'id' must be a string, a finite number or null")
            record_id = record.get("id")
            text = record.get("text")
            if not isinstance(text, str):
                raise ValueError("'text' must be a string")
            findings = [f.to_dict() for f in redactor.detect(text)]
            out.write(json.dumps({"id": record_id, "findings": findings}, allow_nan=False) + "\n")
        except ValueError as exc:
            failed = True
            message = f"line {number}: invalid JSON" if isinstance(exc, json.JSONDecodeError) else f"line {number}: {exc}"
            out.write(json.dumps({"id": record_id, "error": {"code": "invalid_input", "message": message}},
                                 allow_nan=False) + "\n")
        out.flush()
    return 1 if failed else 0


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def run(args: argparse.Namespace) -> int:
    redactor = redactor_from_args(args, mode="replace")
    if not args.files:
        return run_json_lines(redactor, sys.stdin, sys.stdout)
    rows: list[dict[str, Any]] = []
    with ProgressBar("detect", unit="files") as bar:
        for done, (name, text) in enumerate(iter_inputs(args.files), 1):
            for finding in redactor.detect(text):
                line, column = _position(text, finding.start)
                rows.append({"file": name, "line": line, "column": column, "type": finding.type,
                             "score": round(finding.score, 2), "start": finding.start, "end": finding.end})
            bar(done, len(args.files) or None)
    emit(args, rows, lambda r: print_table(r, ("file", "line", "column", "type", "score")) if r
         else print("no personal data found"))
    return 3 if rows else 0

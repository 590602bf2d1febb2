"""What every ``cloakr`` subcommand shares: ``--json`` output, gateway options, errors and a progress indicator.

Human output goes to stdout as aligned text; ``--json`` prints exactly one JSON document on stdout so scripts can
pipe it to ``jq``. Progress and notices go to stderr (and only when it is a terminal), so they never corrupt either.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence, TextIO

from cloakr.cli.main import CliError

if TYPE_CHECKING:
    from cloakr.sdk import Client

#: Exit code when the gateway refused or failed a request (2 stays "you typed something wrong").
EXIT_API_ERROR = 1


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout (for scripts)")


def add_gateway_options(parser: argparse.ArgumentParser) -> None:
    """``--endpoint``/``--api-key``/``--region``, falling back to the SDK's environment variables.

    The defaults stay None and the SDK reads the environment itself, so an explicit flag always wins over any
    variable: ``--region`` must not lose to ``$CLOAKR_BASE_URL`` (see ``cloakr.sdk._core.resolve_options``).
    """
    group = parser.add_argument_group("gateway")
    group.add_argument("--endpoint", default=None, metavar="URL",
                       help="gateway base URL, e.g. http://127.0.0.1:8787 (default: $CLOAKR_BASE_URL, unless "
                            "--region is given)")
    group.add_argument("--api-key", default=None, metavar="KEY",
                       help="API key (default: $CLOAKR_API_KEY); prefer the variable, flags show up in `ps`")
    group.add_argument("--region", default=None,
                       help="region whose endpoint to call when --endpoint is not given (wins over $CLOAKR_BASE_URL)")
    add_json_option(parser)


def to_jsonable(value: Any) -> Any:
    """Pydantic models, dataclasses and paths as plain JSON values."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def print_json(value: Any, out: TextIO | None = None) -> None:
    print(json.dumps(to_jsonable(value), indent=2, sort_keys=True), file=out or sys.stdout)


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], out: TextIO | None = None) -> None:
    """Left-aligned columns; lists are comma-joined so one row stays on one line."""
    out = out or sys.stdout
    cells = [[", ".join(map(str, v)) if isinstance(v := row.get(c), (list, tuple)) else ("" if v is None else str(v))
              for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip(), file=out)
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip(), file=out)


def emit(args: argparse.Namespace, value: Any, human: Callable[[Any], None]) -> None:
    """One place deciding between ``--json`` and the human rendering."""
    if getattr(args, "json", False):
        print_json(value)
    else:
        human(value)


def confirm(args: argparse.Namespace, question: str, refusal: str) -> bool:
    """Whether a destructive command may go on: ``--yes``, or a "y" typed at a terminal. Without a terminal and
    without ``--yes`` it refuses (``CliError``, exit 2) rather than act unattended by mistake."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise CliError(f"{refusal}; pass --yes to confirm")
    return input(f"{question} [y/N] ").strip().lower() == "y"


def client_from_args(args: argparse.Namespace) -> "Client":
    from cloakr.sdk import Client
    from cloakr.sdk.errors import CloakrError

    try:
        return Client(api_key=args.api_key, base_url=args.endpoint, region=args.region)
    except CloakrError as exc:
        raise CliError(str(exc)) from None


@contextlib.contextmanager
def api_errors() -> Iterator[None]:
    """Gateway refusals become one stderr line (the code and message), never a traceback."""
    from cloakr.sdk.errors import CloakrError

    try:
        yield
    except CloakrError as exc:
        raise CliError(str(exc), exit_code=EXIT_API_ERROR) from None


class ProgressBar:
    """A one-line progress indicator on stderr, drawn only on a terminal and at most ten times a second.

    Called as ``bar(done, total)``; with ``total=None`` it shows a count and a spinner, since exports and
    verifications often cannot know their size up front.
    """

    SPINNER = "|/-\\"

    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "", enabled: bool | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.unit = unit
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._ticks = 0
        self._drawn = False

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and (total is None or done < total)):
            return
        self._last = now
        self._ticks += 1
        self.stream.write("\r" + self.render(done, total))
        self.stream.flush()
        self._drawn = True

    def render(self, done: int, total: int | None) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if total:
            fraction = min(1.0, done / total)
            filled = int(fraction * 30)
            return f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {done}/{total}{unit}"
        return f"{self.label} {self.SPINNER[self._ticks % len(self.SPINNER)]} {done}{unit}"

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_writable(path: str | os.PathLike[str]) -> None:
    """Refuse (``CliError``) an output path that cannot be written, before any work is done for it: a report is
    created on the gateway, or personal data exported, only to fail at the last step otherwise."""
    target = os.path.abspath(path)
    parent = os.path.dirname(target)
    if os.path.isdir(target):
        raise CliError(f"cannot write {path}: it is a directory")
    if not os.path.isdir(parent):
        raise CliError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (os.path.exists(target) and not os.access(target, os.W_OK)):
        raise CliError(f"cannot write {path}: permission denied")


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` readable by the owner only (0600): used for files holding decrypted personal data."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file that already existed
    with open(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def iter_inputs(paths: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(name, text)`` for each path, or for stdin when there are none (or the path is ``-``).

    Files are read with ``newline=""``: the text is the file's own, CRLF included, so offsets index the file and
    a redacted file keeps its line endings.
    """
    for path in paths or ["-"]:
        if path == "-":
            yield "<stdin>", sys.stdin.read()
            continue
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                yield path, handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {path}: {exc.__class__.__name__}: {getattr(exc, 'strerror', None) or exc}")


def load_rules(path: str | None) -> list[dict[str, Any]] | None:
    """Custom rules from a JSON file: a list of rule objects in the gateway's format (see docs/sdk.md)."""
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            rules = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read rules from {path}: {exc}") from None
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise CliError(f"{path} must hold a JSON list of rule objects")
    return rules


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that run the PII engine locally (``detect``, ``redact``)."""
    parser.add_argument("files", nargs="*", metavar="FILE", help="text files to read (default: stdin; '-' is stdin)")
    parser.add_argument("--region", help="enable this region's local identifiers (e.g. IN_AADHAAR for ap-south-1)")
    parser.add_argument("--entities", type=lambda s: [e.strip() for e in s.split(",") if e.strip()],
                        metavar="TYPE,...", help="only these entity types (see docs/entities.md)")
    parser.add_argument("--rules", metavar="RULES.json", help="custom rules: a JSON list in the gateway's format")
    parser.add_argument("--min-score", type=float, default=0.5, help="drop findings scored below this (0..1)")
    add_json_option(parser)

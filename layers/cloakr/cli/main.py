"""Entry point of the ``cloakr`` CLI.

Subcommands live in ``cloakr.cli.commands``; each module's ``register(subparsers)`` adds its parser and sets
``func`` (called with the parsed namespace, returns the exit code). Errors a user can fix are reported as one
line on stderr with exit code 2, never as a stack trace.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from typing import Sequence

from cloakr import __version__
from cloakr.cli import commands


class CliError(Exception):
    """A problem the user can fix (bad input, missing option, refused request); printed without a traceback."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cloakr",
        description="Cloakr: find and redact personal data before it reaches a language model.",
    )
    parser.add_argument("--version", action="version", version=f"cloakr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"cloakr {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _broken_pipe()
    except OSError as exc:
        # A file that cannot be written, a port in use: the user's to fix, so one line and not a traceback.
        where = f": {exc.filename}" if exc.filename else ""
        print(f"cloakr {args.command}: {exc.strerror or type(exc).__name__}{where}", file=sys.stderr)
        return 2


def _broken_pipe() -> int:
    """The reader went away (``cloakr keys list --json | head``): stop quietly, as ``cat`` does. stdout is pointed
    at /dev/null so the interpreter's final flush does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by the pipe


if __name__ == "__main__":
    # Run as ``python -m cloakr.cli.main`` this module is ``__main__``, while the commands raise
    # ``cloakr.cli.main.CliError``: a second class that this copy's handler would not catch (a traceback instead of
    # one line). Running the imported module's ``main`` keeps a single CliError.
    from cloakr.cli.main import main as _imported_main

    sys.exit(_imported_main())

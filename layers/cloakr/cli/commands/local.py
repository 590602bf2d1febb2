"""``cloakr local``: the local gateway, the same as ``make run``."""

from __future__ import annotations

import argparse
import os


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("local", help="run the gateway on 127.0.0.1 with an embedded AWS backend (make run)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLOAKR_PORT", "8787")))
    parser.add_argument("--region", default=os.environ.get("CLOAKR_REGION", "eu-central-1"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cloakr.local.__main__ import main

    return main(["--port", str(args.port), "--region", args.region])

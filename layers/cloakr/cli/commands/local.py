"""``cloakr local``: the local gateway, the same as ``make run``.

The port and region are checked before the embedded AWS backend starts (which takes seconds), so a typo or a port
already in use is one line on stderr (exit 2), not a traceback after a wait.
"""

from __future__ import annotations

import argparse
import os
import socket

from cloakr.cli.main import CliError
from cloakr.constants import SUPPORTED_REGIONS


def _port(value: str) -> int:
    """An argparse type: a TCP port number (0 picks a free one)."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("local", help="run the gateway on 127.0.0.1 with an embedded AWS backend (make run)")
    parser.add_argument("--port", type=_port, default=os.environ.get("CLOAKR_PORT", "8787"),
                        help="port on 127.0.0.1 (default: $CLOAKR_PORT or 8787; 0 picks a free one)")
    parser.add_argument("--region", choices=SUPPORTED_REGIONS, default=os.environ.get("CLOAKR_REGION", "eu-central-1"),
                        metavar="REGION", help=f"one of {', '.join(SUPPORTED_REGIONS)} (default: $CLOAKR_REGION "
                                               "or eu-central-1)")
    parser.set_defaults(func=run)


def check_port_free(port: int) -> None:
    """Refuse a port something else already listens on (there is still a race; the caller handles OSError too)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no conflict
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise CliError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    if args.region not in SUPPORTED_REGIONS:  # a bad $CLOAKR_REGION default bypasses argparse's choices
        raise CliError(f"unknown region {args.region!r}; choose from {', '.join(SUPPORTED_REGIONS)}")
    check_port_free(args.port)
    from cloakr.local.__main__ import main

    return main(["--port", str(args.port), "--region", args.region])

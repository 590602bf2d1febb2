"""``cloakr incidents list|unblock-user|unblock-key``: review security incidents and lift automatic blocks."""

from __future__ import annotations

import argparse

from cloakr.cli.output import add_gateway_options, api_errors, client_from_args, emit, print_table

COLUMNS = ("detected_at", "kind", "severity", "key_id", "user_id", "action_taken")


def _list(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        incidents = client.list_incidents(start=args.start, end=args.end)
    emit(args, incidents, lambda items: print_table([i.model_dump() for i in items], COLUMNS))
    return 0


def _unblock_user(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        client.unblock_user(args.user_id)
    emit(args, {"user_id": args.user_id, "blocked": False}, lambda r: print(f"unblocked user {r['user_id']}"))
    return 0


def _unblock_key(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        client.unblock_api_key(args.key_id)
    emit(args, {"key_id": args.key_id, "blocked": False}, lambda r: print(f"unblocked key {r['key_id']}"))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("incidents", help="list security incidents, lift automatic blocks",
                                   description="Incidents need audit:read; unblocking needs users:admin or keys:admin.")
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    listing = actions.add_parser("list", help="incidents of the tenant (default: the last 30 days)")
    listing.add_argument("--from", dest="start", metavar="DATE")
    listing.add_argument("--to", dest="end", metavar="DATE")
    listing.set_defaults(func=_list)
    user = actions.add_parser("unblock-user", help="lift the block on an end user")
    user.add_argument("user_id")
    user.set_defaults(func=_unblock_user)
    key = actions.add_parser("unblock-key", help="lift the block on an API key")
    key.add_argument("key_id")
    key.set_defaults(func=_unblock_key)
    for action in (listing, user, key):
        add_gateway_options(action)

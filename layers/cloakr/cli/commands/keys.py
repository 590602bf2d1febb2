"""``cloakr keys create|list|rotate|revoke``: manage a tenant's API keys through the gateway (needs ``keys:admin``);
``cloakr keys status``: the KMS keys' lifecycle, read straight from KMS and the tenants table (operator credentials).

Each action is one ``_register_<action>`` function listed in ``ACTIONS`` (gateway-backed) or ``AWS_ACTIONS``
(AWS-backed); adding an action is adding one function to a tuple.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from cloakr.cli.main import CliError
from cloakr.cli.output import (
    add_gateway_options,
    api_errors,
    client_from_args,
    confirm,
    emit,
    print_table,
)
from cloakr.constants import SCOPES

KEY_COLUMNS = ("id", "name", "scopes", "status", "created_at", "expires_at")
KMS_COLUMNS = ("key", "tenant", "state", "rotation_enabled", "rotation_period_days", "next_rotation", "deletion_date")


def _show_secret(key: Any) -> None:
    print_table([key.model_dump()], KEY_COLUMNS)
    if key.key:
        # The secret is shown once; put it on stdout alone so `| tail -1` captures it, the warning on stderr.
        print("\nAPI key (shown once, store it in a secret manager now):", file=sys.stderr)
        print(key.key)


def _create(args: argparse.Namespace) -> int:
    if not args.scope:
        raise CliError(f"give at least one --scope (least privilege); choose from {', '.join(SCOPES)}")
    with client_from_args(args) as client, api_errors():
        key = client.create_api_key(scopes=args.scope, name=args.name, expires_in_days=args.expires_in_days)
    emit(args, key, _show_secret)
    return 0


def _list(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        keys = client.list_api_keys()
    emit(args, keys, lambda ks: print_table([k.model_dump() for k in ks], KEY_COLUMNS))
    return 0


def _rotate(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        key = client.rotate_api_key(args.key_id, grace_period_hours=args.grace_hours)
    emit(args, key, _show_secret)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    if not confirm(args, f"Revoke key {args.key_id}? Requests using it fail at once.", "revoking is immediate and cannot be undone"):
        return 1
    with client_from_args(args) as client, api_errors():
        client.revoke_api_key(args.key_id)
    emit(args, {"id": args.key_id, "status": "revoked"}, lambda r: print(f"revoked {r['id']}"))
    return 0


def _register_create(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("create", help="create a key with the given scopes; prints the secret once")
    parser.add_argument("--scope", action="append", choices=SCOPES, metavar="SCOPE",
                        help=f"repeat for each scope: {', '.join(SCOPES)}")
    parser.add_argument("--name", help="a label to recognise the key by")
    parser.add_argument("--expires-in-days", type=int, metavar="DAYS", help="expiry (default: the gateway's)")
    parser.set_defaults(func=_create)
    return parser


def _register_list(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("list", help="list the tenant's keys (never their secrets)")
    parser.set_defaults(func=_list)
    return parser


def _register_rotate(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("rotate", help="issue a replacement; the old key works during the grace period")
    parser.add_argument("key_id")
    parser.add_argument("--grace-hours", type=int, metavar="HOURS", help="how long the old key keeps working")
    parser.set_defaults(func=_rotate)
    return parser


def _register_revoke(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("revoke", help="revoke a key at once")
    parser.add_argument("key_id")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(func=_revoke)
    return parser


def _status(args: argparse.Namespace) -> int:
    from cloakr.cli.commands.admin import aws_errors, aws_from_args
    from cloakr.crypto.byok import TenantKeys, key_status

    aws = aws_from_args(args)
    with aws_errors("reading the key status"):
        stack = key_status(aws.kms, aws.stack_key)
        tenants = [{**tenant, **key_status(aws.kms, tenant["key_arn"])} for tenant in TenantKeys(aws.tenants, aws.kms).all()]
    report = {"region": aws.region, "stack_key": stack, "tenant_keys": tenants}
    rows = [{**stack, "key": stack["key_id"], "tenant": "(stack: every tenant without its own key)"}]
    rows += [{**t, "key": t["key_arn"], "tenant": f"{t['tenant_id']} {t['name']}".strip()} for t in tenants]
    emit(args, report, lambda _: print_table(rows, KMS_COLUMNS))
    return 0


def _register_status(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from cloakr.cli.commands.admin import add_aws_options

    parser = actions.add_parser("status", help="KMS key state and rotation: the stack key and each tenant's own key")
    add_aws_options(parser)
    parser.set_defaults(func=_status)
    return parser


#: Gateway-backed actions; each gets ``--endpoint``/``--api-key``/``--region``/``--json``.
ACTIONS: tuple[Callable[[argparse._SubParsersAction], argparse.ArgumentParser], ...] = (
    _register_create, _register_list, _register_rotate, _register_revoke,
)
#: AWS-backed actions (operator credentials, no gateway); each adds its own options.
AWS_ACTIONS: tuple[Callable[[argparse._SubParsersAction], argparse.ArgumentParser], ...] = (_register_status,)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("keys", help="create, list, rotate and revoke API keys",
                                   description="Manage API keys through the gateway; the key used needs keys:admin.")
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    for register_action in ACTIONS:
        add_gateway_options(register_action(actions))
    for register_action in AWS_ACTIONS:
        register_action(actions)

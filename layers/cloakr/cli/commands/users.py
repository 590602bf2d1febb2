"""``cloakr users export|erase|consent|required-consents``: data subject rights of one end user, and the consents the
tenant requires of every end user, through the gateway (``users:admin``).

``export`` writes everything the tenant holds about the user (consents, block, erasure receipts, decrypted token
maps, audit metadata) to ``--output`` or stdout. ``erase`` deletes it and cannot be undone, so it asks first unless
``--yes``; without a terminal and without ``--yes`` it refuses (exit 2) rather than erase unattended by mistake.
It is idempotent: erasing again (e.g. after a restore from backup) is safe. ``required-consents`` shows the consent
types the tenant requires before processing an end user's content, replaces them (``--set``) or turns enforcement
off (``--clear``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cloakr.cli.output import (
    add_gateway_options,
    api_errors,
    check_writable,
    client_from_args,
    confirm,
    emit,
    to_jsonable,
    write_private,
)


def _export(args: argparse.Namespace) -> int:
    """The export holds decrypted personal data: the output path is checked before it is fetched, and the file is
    written readable by its owner only (0600)."""
    if args.output:
        check_writable(args.output)
    with client_from_args(args) as client, api_errors():
        data = client.export_user_data(args.user_id)
    text = json.dumps(to_jsonable(data), indent=2, sort_keys=True)
    if not args.output:
        print(text)
        return 0
    write_private(args.output, text + "\n")
    summary = {"user_id": args.user_id, "output": args.output,
               **{name: len(data.get(name) or []) for name in ("consents", "conversations", "audit_records")}}
    emit(args, summary, lambda s: print(f"exported {s['consents']} consents, {s['conversations']} conversations and "
                                        f"{s['audit_records']} audit records to {s['output']}", file=sys.stderr))
    return 0


def _erase(args: argparse.Namespace) -> int:
    if not confirm(args, f"Erase all data of user {args.user_id}? Token maps, consents and blocks are deleted for good.",
                   "erasure is permanent"):
        return 1
    with client_from_args(args) as client, api_errors():
        erasure = client.delete_user_data(args.user_id)

    def human(result: Any) -> None:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(result.deleted.items()))
        print(f"erased {result.user_id}" + (f" ({counts})" if counts else ""))

    emit(args, erasure, human)
    return 0


def _consent(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        entry = client.update_consent(args.user_id, consent_type=args.type, granted=args.granted, source=args.source)
    emit(args, entry, lambda e: print(f"{e.consent_type} {'granted' if e.granted else 'revoked'} for {args.user_id}"))
    return 0


def _required_consents(args: argparse.Namespace) -> int:
    """Without ``--set``/``--clear`` only reads; ``--clear`` is the explicit way to turn enforcement off (an empty
    ``--set`` would be a usage error, so a shell variable that expands to nothing cannot switch it off by accident)."""
    with client_from_args(args) as client, api_errors():
        if args.set is not None:
            setting = client.set_required_consents(args.set)
        elif args.clear:
            setting = client.set_required_consents([])
        else:
            setting = client.required_consents()
    emit(args, setting, lambda s: print("required consents: " + (", ".join(s.consent_types) or "none (not enforced)")))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="export, erase and record consent of an end user; the consents every "
                                                 "user needs (GDPR/DPDP/CCPA)",
                                   description="Data subject rights through the gateway; the key used needs users:admin.")
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    export = actions.add_parser("export", help="everything held about the user, as JSON")
    export.add_argument("--output", metavar="FILE", help="write the export here (default: stdout)")
    export.set_defaults(func=_export)
    erase = actions.add_parser("erase", help="delete the user's data for good (asks first)")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.set_defaults(func=_erase)
    consent = actions.add_parser("consent", help="record that the user granted or revoked a consent")
    consent.add_argument("--type", required=True, metavar="TYPE", help="consent type, e.g. ai_processing")
    decision = consent.add_mutually_exclusive_group(required=True)
    decision.add_argument("--granted", dest="granted", action="store_true", help="the user granted it")
    decision.add_argument("--revoked", dest="granted", action="store_false", help="the user withdrew it")
    consent.add_argument("--source", help="where the decision was taken, a code such as web_form")
    consent.set_defaults(func=_consent)
    for action in (export, erase, consent):
        action.add_argument("user_id", metavar="USER", help="the tenant's end-user id (as sent in X-Cloakr-User)")
        add_gateway_options(action)
    required = actions.add_parser("required-consents", help="show or change the consents every end user must have "
                                                             "granted before content is processed")
    change = required.add_mutually_exclusive_group()
    change.add_argument("--set", nargs="+", metavar="TYPE", help="require these consent types (replaces the list)")
    change.add_argument("--clear", action="store_true", help="require none: turn consent enforcement off")
    required.set_defaults(func=_required_consents)
    add_gateway_options(required)

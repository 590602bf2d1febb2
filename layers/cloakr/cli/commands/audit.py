"""``cloakr audit verify``: check a tenant's signed digest chain against the audit table; non-zero on any problem.
``cloakr audit export``: export the caller tenant's records for a date range through the gateway (``audit:export``).

``verify`` runs with the operator's AWS credentials against the deployed region, like ``aws cloudtrail
validate-logs``. ``export`` uses the SDK: it starts the export, polls it (each poll lets the gateway continue a range
too large for one request), then downloads the file; progress goes to stderr, ``--json`` prints the export's
metadata on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cloakr import constants as c
from cloakr.audit.events import EventQueryError, parse_instant
from cloakr.audit.verify import verify_chain
from cloakr.cli.main import CliError
from cloakr.cli.output import (
    EXIT_API_ERROR,
    ProgressBar,
    add_gateway_options,
    add_json_option,
    api_errors,
    client_from_args,
    emit,
    print_table,
)

POLL_SECONDS = 1.0
# The alias the regional stack gives its digest signing key (stacks/constructs/encryption_keys.py).
SIGNING_ALIAS = "alias/cloakr/{region}/audit-signing"
UNFINISHED = ("pending", "running")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="verify and export the tamper-evident audit trail")
    actions = parser.add_subparsers(dest="audit_command", metavar="<action>", required=True)
    verify = actions.add_parser("verify", help="walk a tenant's digest chain and re-check every record")
    verify.add_argument("--tenant", required=True)
    verify.add_argument("--from", dest="start", required=True, help="ISO date or time, inclusive")
    verify.add_argument("--to", dest="end", required=True, help="ISO date or time, exclusive")
    verify.add_argument("--region", default=os.environ.get(c.ENV_REGION))
    verify.add_argument("--table", default=os.environ.get(c.ENV_AUDIT_TABLE), help="audit table name")
    verify.add_argument("--bucket", default=os.environ.get(c.ENV_BUCKET), help="digest bucket name")
    verify.add_argument("--trusted-key-id", default=os.environ.get(c.ENV_SIGNING_KEY_ID),
                        help=f"the stack's signing key (default: ${c.ENV_SIGNING_KEY_ID}, else the key behind "
                             f"{SIGNING_ALIAS.format(region='<region>')})")
    add_json_option(verify)
    verify.set_defaults(func=run_verify)
    export = actions.add_parser("export", help="export the tenant's audit records for a date range to a file")
    export.add_argument("--from", dest="start", required=True, help="ISO date or time, inclusive")
    export.add_argument("--to", dest="end", required=True, help="ISO date (whole day included) or time (exclusive)")
    export.add_argument("--format", choices=("csv", "json"), default="json", help="csv, or json (JSON Lines)")
    export.add_argument("--include-details", action="store_true",
                        help="add session, model, timing, encryption and redaction columns")
    export.add_argument("--output", required=True, metavar="FILE", help="where to save the export")
    export.add_argument("--wait", type=float, default=600.0, metavar="SECONDS", help="give up after this long")
    add_gateway_options(export)
    export.set_defaults(func=run_export)


def _wait(client: Any, export: Any, deadline: float) -> Any:
    """Poll until the export is finished; the record count so far is the progress shown."""
    with ProgressBar(f"exporting {export.id}", unit="records") as bar:
        while export.status in UNFINISHED:
            bar(export.record_count or 0)
            if time.monotonic() >= deadline:
                raise CliError(f"export {export.id} is still {export.status}; fetch it later with the SDK",
                               exit_code=EXIT_API_ERROR)
            time.sleep(POLL_SECONDS)
            export = client.get_audit_export(export.id)
    return export


def _check_writable(output: str) -> None:
    """Refuse before the export is created (and audited): a bad path found after the download would leave an
    export behind and end in a traceback."""
    path = Path(output)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise CliError(f"--output {output} is a directory; name a file")
    if not folder.is_dir():
        raise CliError(f"--output: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise CliError(f"--output {output} is not writable")


def run_export(args: argparse.Namespace) -> int:
    _check_writable(args.output)
    deadline = time.monotonic() + args.wait
    with client_from_args(args) as client, api_errors():
        export = client.export_audit_logs(start_date=args.start, end_date=args.end, format=args.format,
                                          include_details=args.include_details)
        export = _wait(client, export, deadline)
        if export.status != "complete":
            raise CliError(f"export {export.id} {export.status}: {export.message or 'no reason given'}",
                           exit_code=EXIT_API_ERROR)
        with ProgressBar(f"downloading {export.id}", unit="bytes") as bar:
            path = client.download_audit_logs(export.id, args.output, wait=max(deadline - time.monotonic(), 0.0),
                                              progress=bar)
    print(f"saved {path}", file=sys.stderr)

    def human(value: Any) -> None:
        print(f"export {value.id}: {value.status}, {value.record_count} records, {value.byte_size} bytes -> {path}")

    emit(args, export, human)
    return 0


def _range(args: argparse.Namespace) -> tuple[datetime, datetime]:
    """Both ends as UTC datetimes (a date is its UTC midnight; an offset is honoured), compared as times."""
    try:
        start = parse_instant(args.start, "--from")
        end = parse_instant(args.end, "--to")
    except EventQueryError as exc:
        raise CliError(str(exc).replace("'", "")) from None
    if start >= end:
        raise CliError("--from must be before --to")
    return start, end


def _trusted_key(args: argparse.Namespace, kms: Any) -> str:
    """Fail closed: a digest is only evidence if the stack's key signed it, so never verify without knowing that
    key. Given explicitly (or by the environment), else the key behind the stack's signing alias."""
    if args.trusted_key_id:
        return args.trusted_key_id
    alias = SIGNING_ALIAS.format(region=args.region)
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]["Arn"]
    except (ClientError, BotoCoreError, KeyError):
        raise CliError(f"no trusted signing key: pass --trusted-key-id or set {c.ENV_SIGNING_KEY_ID} "
                       f"({alias} could not be read)") from None


def run_verify(args: argparse.Namespace) -> int:
    import boto3

    missing = [option for option, value in (("--region", args.region), ("--table", args.table),
                                            ("--bucket", args.bucket)) if not value]
    if missing:
        raise CliError(f"{', '.join(missing)} required (or set {c.ENV_REGION}, {c.ENV_AUDIT_TABLE}, {c.ENV_BUCKET})")
    start, end = _range(args)
    kms = boto3.client("kms", region_name=args.region)
    trusted_key_id = _trusted_key(args, kms)
    try:
        result = verify_chain(audit_table=boto3.resource("dynamodb", region_name=args.region).Table(args.table),
                              kms=kms, s3=boto3.client("s3", region_name=args.region), bucket=args.bucket,
                              tenant_id=args.tenant, start=start, end=end, trusted_key_id=trusted_key_id)
    except (ClientError, BotoCoreError) as exc:
        raise CliError(f"the audit trail could not be read: {exc}", exit_code=EXIT_API_ERROR) from None
    summary = {"ok": result.ok, "digests_checked": result.digests_checked, "records_checked": result.records_checked,
               "problems": result.problems, "pending": result.pending, "pending_records": result.pending_records,
               "trail_start": result.trail_start,
               "start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds")}

    def human(value: dict) -> None:
        print(f"{value['digests_checked']} digests, {value['records_checked']} records checked: "
              + ("OK" if value["ok"] else f"{len(value['problems'])} problem(s)"))
        if value["problems"]:
            print_table(value["problems"], ["kind", "where"])
        if value["trail_start"]:
            print(f"the range lies before the tenant's first digest ({value['trail_start']}): none expected")
        for stretch in value["pending"]:
            print(f"pending (not digested yet): {stretch['where']}, {value['pending_records']} record(s)")

    emit(args, summary, human)
    return 0 if result.ok else 1

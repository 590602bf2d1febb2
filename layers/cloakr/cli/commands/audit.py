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
from typing import Any

from cloakr import constants as c
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
    verify.add_argument("--trusted-key-id", default=os.environ.get(c.ENV_SIGNING_KEY_ID))
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


def run_export(args: argparse.Namespace) -> int:
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


def run_verify(args: argparse.Namespace) -> int:
    import boto3

    result = verify_chain(audit_table=boto3.resource("dynamodb", region_name=args.region).Table(args.table),
                          kms=boto3.client("kms", region_name=args.region),
                          s3=boto3.client("s3", region_name=args.region), bucket=args.bucket, tenant_id=args.tenant,
                          start=args.start, end=args.end, trusted_key_id=args.trusted_key_id)
    summary = {"ok": result.ok, "digests_checked": result.digests_checked, "records_checked": result.records_checked,
               "problems": result.problems}

    def human(value: dict) -> None:
        print(f"{value['digests_checked']} digests, {value['records_checked']} records checked: "
              + ("OK" if value["ok"] else f"{len(value['problems'])} problem(s)"))
        if value["problems"]:
            print_table(value["problems"], ["kind", "where"])

    emit(args, summary, human)
    return 0 if result.ok else 1

"""``cloakr audit verify``: check a tenant's signed digest chain against the audit table; non-zero on any problem.

Runs with the operator's AWS credentials against the deployed region, like ``aws cloudtrail validate-logs``.
"""

from __future__ import annotations

import argparse
import os

from cloakr import constants as c
from cloakr.audit.verify import verify_chain
from cloakr.cli.output import add_json_option, emit, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="verify the tamper-evident audit trail")
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

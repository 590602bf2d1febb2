"""``cloakr admin``: operator tasks run straight against a region's tables and KMS keys.

``create-tenant`` bootstraps a tenant and its first admin key (printed once); ``byok`` points a tenant at its own
KMS key; ``destroy-key`` schedules that key's deletion, which crypto-shreds the tenant's encrypted data. They work
against a deployed stack (table names from the stack outputs or ``CLOAKR_TENANTS_TABLE``/``CLOAKR_AUDIT_TABLE``,
the stack key from ``CLOAKR_DATA_KEY_ID`` or its alias ``alias/cloakr/<region>/data``, AWS credentials from the
environment) or the local gateway (``--endpoint-url`` of its moto server).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cloakr.cli.main import CliError
from cloakr.cli.output import add_json_option, confirm, emit
from cloakr.constants import (
    ENV_AUDIT_TABLE,
    ENV_DATA_KEY_ID,
    ENV_TENANTS_TABLE,
    SCOPES,
    SUPPORTED_REGIONS,
)

#: KMS's allowed waiting period before a scheduled key deletion, in days.
PENDING_DAYS = range(7, 31)


def add_aws_options(parser: argparse.ArgumentParser, *, audit: bool = False) -> None:
    """``--region``/``--table``/``--stack-key``/``--endpoint-url`` (and ``--audit-table``) for commands that reach AWS."""
    parser.add_argument("--region", choices=SUPPORTED_REGIONS,
                        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
                        help="the stack's region (default $AWS_REGION)")
    parser.add_argument("--table", default=os.environ.get(ENV_TENANTS_TABLE), help=f"tenants table name (default ${ENV_TENANTS_TABLE})")
    if audit:
        parser.add_argument("--audit-table", default=os.environ.get(ENV_AUDIT_TABLE),
                            help=f"audit table name (default ${ENV_AUDIT_TABLE}); the action is recorded before it happens")
    parser.add_argument("--stack-key", default=os.environ.get(ENV_DATA_KEY_ID),
                        help=f"the stack's data key (default ${ENV_DATA_KEY_ID}, else alias/cloakr/<region>/data)")
    parser.add_argument("--endpoint-url", help="AWS endpoint override, e.g. the local gateway's moto server")
    add_json_option(parser)


@dataclass
class Aws:
    """The clients and names one admin command needs, resolved from its options."""

    region: str
    kms: Any
    tenants: Any
    audit: Any
    stack_key: str


def aws_from_args(args: argparse.Namespace) -> Aws:
    import boto3

    if args.region is None:
        raise CliError("give --region or set AWS_REGION (the stack's region)")
    if not args.table:
        raise CliError(f"give --table or set {ENV_TENANTS_TABLE} (the stack's tenants table name)")
    audit_table = getattr(args, "audit_table", None)
    if hasattr(args, "audit_table") and not audit_table:
        raise CliError(f"give --audit-table or set {ENV_AUDIT_TABLE}: key changes are recorded before they happen")
    dynamodb = boto3.resource("dynamodb", region_name=args.region, endpoint_url=args.endpoint_url)
    return Aws(args.region, boto3.client("kms", region_name=args.region, endpoint_url=args.endpoint_url),
               dynamodb.Table(args.table), dynamodb.Table(audit_table) if audit_table else None,
               args.stack_key or f"alias/cloakr/{args.region}/data")


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """AWS and validation failures as one line (exit 2), never a traceback."""
    from botocore.exceptions import BotoCoreError, ClientError

    from cloakr.crypto.byok import ByokError

    try:
        yield
    except ByokError as exc:
        raise CliError(str(exc)) from None
    except ClientError as exc:
        raise CliError(f"{what} failed ({exc.response.get('Error', {}).get('Code', 'error')})") from None
    except BotoCoreError as exc:
        raise CliError(f"{what} failed ({type(exc).__name__})") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    admin = subparsers.add_parser("admin", help="operator tasks against a region's tables")
    commands = admin.add_subparsers(dest="admin_command", metavar="<task>")
    create = commands.add_parser("create-tenant", help="create a tenant and print its first admin key (shown once)")
    create.add_argument("--region", required=True, choices=SUPPORTED_REGIONS)
    create.add_argument("--name", required=True)
    create.add_argument("--profile", default="", help="compliance profiles, comma separated: hipaa,pci,gdpr")
    create.add_argument("--retention-days", type=int, default=365)
    create.add_argument("--table", default=os.environ.get(ENV_TENANTS_TABLE), help=f"tenants table name (default ${ENV_TENANTS_TABLE})")
    create.add_argument("--endpoint-url", help="AWS endpoint override, e.g. the local gateway's moto server")
    add_json_option(create)
    create.set_defaults(func=create_tenant)
    byok = commands.add_parser("byok", help="wrap a tenant's data keys with the tenant's own KMS key (same region and account)")
    byok.add_argument("--tenant", required=True, help="tenant id (t_...)")
    byok.add_argument("--key-arn", required=True, help="the tenant's KMS key ARN (symmetric, ENCRYPT_DECRYPT, enabled)")
    add_aws_options(byok, audit=True)
    byok.set_defaults(func=bring_your_own_key)
    destroy = commands.add_parser("destroy-key", help="schedule deletion of a tenant's own KMS key (crypto-shredding)")
    destroy.add_argument("--tenant", required=True, help="tenant id (t_...)")
    destroy.add_argument("--pending-days", required=True, type=int, choices=PENDING_DAYS, metavar="7-30",
                         help="KMS waiting period; the deletion can be cancelled until then")
    destroy.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_aws_options(destroy, audit=True)
    destroy.set_defaults(func=destroy_key)
    admin.set_defaults(func=lambda args: admin.print_help() or 2)


def create_tenant(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from cloakr.tenants.store import TenantStore

    if not args.table:
        raise CliError(f"give --table or set {ENV_TENANTS_TABLE} (the stack's tenants table name)")
    if not args.name.strip():
        raise CliError("--name must not be empty")
    table = boto3.resource("dynamodb", region_name=args.region, endpoint_url=args.endpoint_url).Table(args.table)
    store = TenantStore(table, args.region)
    try:
        tenant = store.create_tenant(args.name.strip(), [p for p in args.profile.split(",") if p], args.retention_days)
        key, plaintext = store.create_key(tenant.tenant_id, SCOPES, name="first admin key")
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"the tenants table could not be written ({type(exc).__name__})") from None
    result = {"tenant_id": tenant.tenant_id, "region": tenant.region, "key_id": key.key_id, "api_key": plaintext}
    emit(args, result, lambda r: print(f"tenant {r['tenant_id']} in {r['region']}\nadmin API key (shown once): {r['api_key']}"))
    return 0


def _tenant_name(aws: Aws, tenant_id: str) -> str:
    from cloakr.tenants.store import TenantStore

    tenant = TenantStore(aws.tenants, aws.region).get_tenant(tenant_id)
    if tenant is None:
        raise CliError(f"no tenant {tenant_id} in {aws.region}")
    return tenant.name


def _record(aws: Aws, tenant_id: str, action: str) -> None:
    """Admin actions are recorded before they take effect: no record, no change."""
    from cloakr.audit.trail import AuditEvent, AuditTrail, AuditWriteError

    try:
        AuditTrail(aws.audit).record(AuditEvent(tenant_id=tenant_id, action=action, category="admin", user_id="cli"))
    except AuditWriteError:
        raise CliError("the audit record could not be written, so nothing was changed") from None


def bring_your_own_key(args: argparse.Namespace) -> int:
    from cloakr.crypto.byok import TenantKeys, check_tenant_key, describe, parse_key_arn

    aws = aws_from_args(args)
    with aws_errors("setting the tenant key"):
        name = _tenant_name(aws, args.tenant)
        stack_arn = describe(aws.kms, aws.stack_key)["Arn"]
        metadata = check_tenant_key(aws.kms, args.key_arn, region=aws.region, account=parse_key_arn(stack_arn).account,
                                    stack_key_arn=stack_arn, tenant_id=args.tenant)
        _record(aws, args.tenant, "key_byok_set")
        TenantKeys(aws.tenants, aws.kms).set_arn(args.tenant, args.key_arn)
    result = {"tenant_id": args.tenant, "name": name, "key_arn": args.key_arn, "key_state": metadata["KeyState"], "region": aws.region}
    emit(args, result, lambda r: print(f"tenant {r['tenant_id']} ({r['name']}) now wraps its data keys with {r['key_arn']}\n"
                                       "its key policy must allow the stack's redact, chat and admin roles kms:GenerateDataKey, "
                                       "kms:Decrypt and kms:DescribeKey (see docs/deploy.md)"))
    return 0


def destroy_key(args: argparse.Namespace) -> int:
    from cloakr.crypto.byok import TenantKeys, parse_key_arn

    aws = aws_from_args(args)
    with aws_errors("scheduling the key deletion"):
        name = _tenant_name(aws, args.tenant)
        arn = TenantKeys(aws.tenants, aws.kms).arn(args.tenant)
        if arn is None:
            raise CliError(f"tenant {args.tenant} uses the stack's shared data key, which also protects every other tenant; "
                           "only a tenant's own key can be destroyed (bring one with `cloakr admin byok`, then re-encrypt)")
        key = parse_key_arn(arn)
        if key.region != aws.region:
            raise CliError(f"the tenant's key is in {key.region}; run this with --region {key.region}")
        if not confirm(args, f"Schedule deletion of {arn} in {args.pending_days} days? Tenant {args.tenant} ({name}) "
                             "loses its encrypted data for good once it is deleted.",
                       "scheduling key deletion makes the tenant's encrypted data unreadable"):
            return 1
        _record(aws, args.tenant, "key_destroy_scheduled")
        deletion = aws.kms.schedule_key_deletion(KeyId=key.key_id, PendingWindowInDays=args.pending_days)["DeletionDate"]
    result = {"tenant_id": args.tenant, "key_arn": arn, "key_state": "PendingDeletion",
              "deletion_date": deletion.isoformat() if hasattr(deletion, "isoformat") else str(deletion)}
    emit(args, result, lambda r: print(f"{r['key_arn']} is scheduled for deletion on {r['deletion_date']}; tenant "
                                       f"{r['tenant_id']}'s encrypted data is unreadable from now on "
                                       "(`aws kms cancel-key-deletion` undoes this until that date)"))
    return 0

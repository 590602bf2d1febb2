"""``cloakr admin create-tenant``: bootstrap a tenant and its first admin key in a region's tables.

Works against a deployed stack (table name from the stack output or ``CLOAKR_TENANTS_TABLE``, AWS credentials from
the environment) or the local gateway (``--endpoint-url`` of its moto server). The key is printed once.
"""

from __future__ import annotations

import argparse
import os

from cloakr.cli.main import CliError
from cloakr.cli.output import add_json_option, emit
from cloakr.constants import ENV_TENANTS_TABLE, SCOPES, SUPPORTED_REGIONS


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

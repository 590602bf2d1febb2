"""``cloakr report create|get|schedule|schedules|unschedule``: compliance reports through the gateway (``reports:read``).

``create`` builds the report for a period and, with ``--output``, downloads it (progress on stderr); ``schedule``
asks for a monthly report of the previous month, made by the stack's EventBridge Scheduler.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from cloakr.cli.output import (
    ProgressBar,
    add_gateway_options,
    api_errors,
    check_writable,
    client_from_args,
    confirm,
    emit,
    print_table,
)

FORMATS = ("json", "csv", "pdf")
SCHEDULE_COLUMNS = ("id", "expression", "state", "standards", "format")


def _show_report(report: Any) -> None:
    print(f"report {report.id}: {report.status}, {report.format}, period {report.period}")
    if report.download_url:
        print(f"download (valid {report.expires_in or 300} s): {report.download_url}")


def _fetch(args: argparse.Namespace, make: Callable[[Any], Any]) -> int:
    if args.output:
        check_writable(args.output)  # before the report is created on the gateway, not after
    with client_from_args(args) as client, api_errors():
        report = make(client)
        if args.output:
            with ProgressBar(f"downloading {report.id}", unit="bytes") as bar:
                path = client.download_compliance_report(report.id, args.output, progress=bar)
            print(f"saved {path}", file=sys.stderr)
    emit(args, report, _show_report)
    return 0


def _create(args: argparse.Namespace) -> int:
    return _fetch(args, lambda client: client.generate_compliance_report(period=args.period, standards=args.standard,
                                                                         format=args.format))


def _get(args: argparse.Namespace) -> int:
    return _fetch(args, lambda client: client.get_compliance_report(args.report_id))


def _schedule(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        schedule = client.schedule_compliance_report(standards=args.standard, format=args.format,
                                                     day_of_month=args.day, hour_utc=args.hour)
    emit(args, schedule, lambda s: print_table([s.model_dump()], SCHEDULE_COLUMNS))
    return 0


def _schedules(args: argparse.Namespace) -> int:
    with client_from_args(args) as client, api_errors():
        schedules = client.list_report_schedules()
    emit(args, schedules, lambda ss: print_table([s.model_dump() for s in ss], SCHEDULE_COLUMNS))
    return 0


def _unschedule(args: argparse.Namespace) -> int:
    if not confirm(args, f"Delete report schedule {args.schedule_id}?", "deleting a schedule stops its monthly reports"):
        return 1
    with client_from_args(args) as client, api_errors():
        client.delete_report_schedule(args.schedule_id)
    emit(args, {"id": args.schedule_id, "status": "deleted"}, lambda r: print(f"deleted schedule {r['id']}"))
    return 0


def _standards(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--standard", action="append", metavar="STD",
                        help="repeat per standard: SOC2, HIPAA, PCI, GDPR, DPDP, CCPA, PDPA (default: the region's "
                             "frameworks and the tenant's profiles)")


def _register_create(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("create", help="build a report for a period")
    parser.add_argument("--period", required=True,
                        help="YYYY-MM, YYYY-Qn, YYYY, YYYY-MM-DD/YYYY-MM-DD, previous_month or last_30_days")
    _standards(parser)
    parser.add_argument("--format", choices=FORMATS, default="pdf")
    parser.add_argument("--output", metavar="FILE", help="download the report to FILE")
    parser.set_defaults(func=_create)
    return parser


def _register_get(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("get", help="a stored report and a fresh download link")
    parser.add_argument("report_id")
    parser.add_argument("--output", metavar="FILE", help="download the report to FILE")
    parser.set_defaults(func=_get)
    return parser


def _register_schedule(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("schedule", help="a monthly report of the previous month")
    _standards(parser)
    parser.add_argument("--format", choices=FORMATS, default="pdf")
    parser.add_argument("--day", type=int, default=1, choices=range(1, 29), metavar="1-28", help="day of the month")
    parser.add_argument("--hour", type=int, default=6, choices=range(24), metavar="0-23", help="hour (UTC)")
    parser.set_defaults(func=_schedule)
    return parser


def _register_schedules(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("schedules", help="list the tenant's report schedules")
    parser.set_defaults(func=_schedules)
    return parser


def _register_unschedule(actions: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = actions.add_parser("unschedule", help="delete a report schedule")
    parser.add_argument("schedule_id")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(func=_unschedule)
    return parser


ACTIONS = (_register_create, _register_get, _register_schedule, _register_schedules, _register_unschedule)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="compliance reports: create, download, schedule monthly",
                                   description="Compliance reports through the gateway; the key needs reports:read.")
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    for register_action in ACTIONS:
        add_gateway_options(register_action(actions))

"""`tongnan sanctions import --list un FILE` and `tongnan sanctions check`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.common.errors import BadInput
from services.orders.screening import lists


def _max_age() -> int:
    from services.common.settings import load
    from services.orders.settings import OrdersSettings

    return load(OrdersSettings).sanctions_max_age_days


def cmd_import(args: argparse.Namespace) -> int:
    try:
        content = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        installed = lists.install(args.list, content, data_dir=Path(args.data_dir))
    except BadInput as exc:
        print(f"error: {args.file} is not installed: {exc.detail}", file=sys.stderr)
        return 1
    print(
        f"{installed.code}: {installed.name} of {installed.published.isoformat()}, "
        f"{len(installed.parties)} entries, installed; restart the orders service to screen with it"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    today = datetime.now(UTC).date()
    max_age = args.max_age_days if args.max_age_days is not None else _max_age()
    installed = lists.load(Path(args.data_dir))
    for sl in installed:
        extract = " (an EXTRACT, not the full list)" if sl.extract else ""
        print(f"{sl.code}: {sl.name} of {sl.published.isoformat()}, {len(sl.parties)} entries{extract}; {sl.url}")
    warnings = lists.stale(installed, today, max_age)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 1 if warnings and args.strict else 0


def register(sub: Any) -> None:
    """The `sanctions` command group, on the `tongnan` parser's subparsers."""
    group = sub.add_parser("sanctions", help="the sanctions lists orders are screened against").add_subparsers(
        dest="sanctions_command", required=True
    )
    imp = group.add_parser("import", help="validate a full downloaded list and install it as the data file")
    imp.add_argument("--list", required=True, choices=sorted(lists.PARSERS), help="un: the UN SC Consolidated List")
    imp.add_argument("file", help="the downloaded list (UN: consolidated.xml)")
    imp.add_argument("--data-dir", default=str(lists.DATA_DIR), help=argparse.SUPPRESS)
    imp.set_defaults(func=cmd_import)
    check = group.add_parser("check", help="each installed list's date; a warning for a stale one")
    check.add_argument("--max-age-days", type=int, help="default: TONGNAN_ORDERS_SANCTIONS_MAX_AGE_DAYS (30)")
    check.add_argument("--strict", action="store_true", help="exit 1 when a list is stale")
    check.add_argument("--data-dir", default=str(lists.DATA_DIR), help=argparse.SUPPRESS)
    check.set_defaults(func=cmd_check)

"""Command line entry point (SPEC §8). Each command lives in its own module of this package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from okr_tui import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CHANGES = 3
EXIT_MISSING = 4
EXIT_CONFLICT = 5
EXIT_VERIFY = 6


def _add_select(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("selection")
    g.add_argument("--period", help="2024Q4, 2024-10..2024-12, 2024H2, 2024, 2024-10, 2024.10-12")
    g.add_argument(
        "--report",
        choices=["cloud", "htc", "users", "vos", "all"],
        default="all",
        help="which report (default: all = cloud, htc, users)",
    )
    g.add_argument("--vo", action="append", default=[], metavar="NAME", help="only this VO")
    g.add_argument(
        "--exclude-vo", action="append", default=[], metavar="NAME", help="leave this VO out"
    )
    g.add_argument(
        "--include-non-production",
        action="store_true",
        help="include VOs with accounting that are not production VOs",
    )
    g.add_argument("--accounting-api", choices=["auto", "dump", "legacy"])
    g.add_argument("--refresh", action="store_true", help="bypass the caches")
    g.add_argument("--demo", action="store_true", help="use the bundled demo data and workbook")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okr-tui",
        description="Review and publish the EGI Federation OKR statistics.",
    )
    parser.add_argument("--version", action="version", version=f"okr-tui {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the TUI on the demo data")
    parser.add_argument(
        "--reset", action="store_true", help="with --demo: recreate the demo workbook"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("fetch", help="fetch and print the reports")
    _add_select(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")

    p = sub.add_parser("diff", help="show what a push would change (exit 3: changes)")
    _add_select(p)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--allow-partial", action="store_true", help="leave out cells with missing data")

    p = sub.add_parser("push", help="write the reports to the spreadsheet")
    _add_select(p)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--allow-partial", action="store_true", help="leave out cells with missing data")

    p = sub.add_parser("undo", help="restore the sheet as it was before the last push")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--demo", action="store_true", help="undo the last push to the demo workbook")

    p = sub.add_parser("config", help="show or create the configuration")
    p.add_argument("action", choices=["path", "show", "init"])
    p.add_argument("--force", action="store_true", help="with init: overwrite an existing file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run okr-tui; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.reset and not args.demo:
        parser.error("--reset goes with --demo")
    try:
        if args.command is None:
            from okr_tui.tui.app import run_app

            return run_app(demo=args.demo, reset=args.reset)
        if args.command == "fetch":
            from okr_tui.cli.fetch import run_fetch

            return run_fetch(args)
        if args.command in ("diff", "push", "undo"):
            from okr_tui.cli import sheet

            return {"diff": sheet.run_diff, "push": sheet.run_push, "undo": sheet.run_undo}[
                args.command
            ](args)
        from okr_tui.cli.config_cmd import run_config

        return run_config(args)
    except KeyboardInterrupt:
        print("okr-tui: interrupted", file=sys.stderr)
        return 130

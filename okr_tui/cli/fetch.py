"""``okr-tui fetch``: fetch and print the reports (SPEC §8).

Exit codes: 0 complete; 4 some requested data is missing (the output is still printed, with
null for what is missing); 1 nothing could be fetched, or a configuration/source error; 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console

from okr_tui.cli import EXIT_ERROR, EXIT_MISSING, EXIT_OK, EXIT_USAGE
from okr_tui.cli.fetch_table import print_report
from okr_tui.config_schema import ConfigError
from okr_tui.core.periods import PeriodError
from okr_tui.core.report_json import report_csv_rows, report_to_json
from okr_tui.core.selection import Selection
from okr_tui.logs import redact
from okr_tui.services.context import AppContext
from okr_tui.sources.base import ProgressCallback, ProgressEvent, SourceError

log = logging.getLogger(__name__)
MAX_MISSING_LINES = 20


def _err(message: str, secret: str | None = None) -> None:
    print(f"okr-tui: {redact(message, [secret])}", file=sys.stderr)


def selection_from_args(ctx: AppContext, args: argparse.Namespace) -> Selection:
    """The Selection of the SELECT options. Raises PeriodError for a bad period."""
    from okr_tui.services.fetching import default_selection

    if args.report == "all":
        reports = {"cloud", "htc", "users"} | ({"vos"} if ctx.settings.vos_report else set())
    else:
        reports = {args.report}
    overrides: dict[str, object] = {
        "reports": reports,
        "vos": tuple(args.vo or ()),
        "exclude": tuple(args.exclude_vo or ()),
        "include_non_production": bool(args.include_non_production),
        "accounting_api": args.accounting_api,
        "refresh": bool(args.refresh),
    }
    if args.period:
        overrides["period"] = args.period
    return default_selection(ctx, **overrides)


@contextmanager
def _progress(stream: TextIO) -> Iterator[ProgressCallback | None]:
    """A rich progress display on ``stream`` when it is a terminal, else nothing."""
    if not stream.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    tasks: dict[str, int] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        console=Console(file=stream),
        transient=True,
    ) as bar:

        def on_event(event: ProgressEvent) -> None:
            if event.source not in tasks:
                tasks[event.source] = bar.add_task(event.source, total=event.total, note="")
            bar.update(
                tasks[event.source], completed=event.done, total=event.total, note=event.message
            )

        yield on_event


def _requested_failed(report_json: dict[str, object], selection: Selection) -> list[str]:
    """The requested parts that could not be fetched at all (null in the JSON)."""
    return [k for k in sorted(selection.reports) if report_json.get(k) is None]


def run_fetch(args: argparse.Namespace) -> int:
    """Run ``okr-tui fetch``; returns the exit code."""
    from okr_tui.services.bootstrap import load_context
    from okr_tui.services.fetching import fetch_report

    try:
        ctx = load_context(demo=bool(args.demo))
    except ConfigError as exc:
        _err(f"configuration error: {exc}")
        return EXIT_ERROR
    secret = ctx.settings.operations_api_key
    for warning in ctx.warnings:
        _err(f"warning: {warning}", secret)
    try:
        selection = selection_from_args(ctx, args)
    except PeriodError as exc:
        _err(f"bad --period: {exc}")
        return EXIT_USAGE
    try:
        with _progress(sys.stderr) as progress:
            report = asyncio.run(fetch_report(ctx, selection, progress))
    except (SourceError, ConfigError, OSError, ValueError) as exc:
        _err(f"fetch failed: {exc}", secret)
        return EXIT_ERROR
    except Exception as exc:  # never a traceback on the terminal; the log has the details
        log.exception("fetch failed")
        _err(f"fetch failed: {type(exc).__name__}: {exc} (details in {ctx.paths.log_file})", secret)
        return EXIT_ERROR

    data = report_to_json(report, include_vos="vos" in selection.reports)
    fmt = getattr(args, "format", "table")
    if fmt == "json":
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        csv.writer(sys.stdout, lineterminator="\n").writerows(report_csv_rows(report))
    else:
        width = None if sys.stdout.isatty() else 160
        print_report(report, Console(file=sys.stdout, width=width, soft_wrap=False))
    if fmt != "table":
        for warning in report.warnings:
            _err(f"warning: {warning}", secret)
    for m in report.missing[:MAX_MISSING_LINES]:
        where = f"{m.scope} {m.vo}" if m.vo else m.scope
        month = f" [{m.month}]" if m.month else ""
        _err(f"missing {where}{month}: {m.reason}", secret)
    if len(report.missing) > MAX_MISSING_LINES:
        _err(f"... and {len(report.missing) - MAX_MISSING_LINES} more missing (see the output)")
    failed = _requested_failed(data, selection)
    if failed and len(failed) == len(selection.reports):
        _err("nothing could be fetched (" + ", ".join(failed) + ")")
        return EXIT_ERROR
    return EXIT_MISSING if report.missing or failed else EXIT_OK

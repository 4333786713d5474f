"""``okr-tui diff``, ``push`` and ``undo`` (SPEC §8).

Exit codes: 0 ok / nothing to change; 1 error; 2 usage (push/undo without --yes when stdin is
not a terminal); 3 diff has changes; 4 refused, data missing; 5 the sheet changed (conflict);
6 verification after the write failed."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from okr_tui.cli import (
    EXIT_CHANGES,
    EXIT_CONFLICT,
    EXIT_ERROR,
    EXIT_MISSING,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VERIFY,
)
from okr_tui.cli.diff_view import plan_json, print_plan
from okr_tui.config_schema import ConfigError
from okr_tui.core.grid import Plan
from okr_tui.core.models import Report
from okr_tui.core.periods import PeriodError
from okr_tui.logs import redact
from okr_tui.services.context import AppContext
from okr_tui.sheets.base import (
    SheetBackend,
    SheetConflict,
    SheetError,
    SheetTarget,
    VerificationFailed,
)
from okr_tui.sources.base import SourceError

log = logging.getLogger(__name__)


class _Exit(Exception):
    """Stop the command with an exit code (the message is already printed)."""

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(code)


@dataclass
class _Planned:
    ctx: AppContext
    report: Report
    backend: SheetBackend
    target: SheetTarget
    plan: Plan


def _err(ctx: AppContext | None, message: str) -> None:
    secret = ctx.settings.operations_api_key if ctx is not None else None
    print(f"okr-tui: {redact(message, [secret])}", file=sys.stderr)


def _context(demo: bool) -> AppContext:
    from okr_tui.services.bootstrap import load_context

    try:
        ctx = load_context(demo=demo)
    except ConfigError as exc:
        _err(None, f"configuration error: {exc}")
        raise _Exit(EXIT_ERROR) from exc
    for warning in ctx.warnings:
        _err(ctx, f"warning: {warning}")
    return ctx


def _plan(args: argparse.Namespace) -> _Planned:
    """Load the context, fetch the report and plan it against the sheet."""
    from okr_tui.cli.fetch import selection_from_args
    from okr_tui.services.fetching import fetch_report
    from okr_tui.services.sheet_ops import open_backend, plan_for

    ctx = _context(bool(args.demo))
    try:
        selection = selection_from_args(ctx, args)
    except PeriodError as exc:
        _err(ctx, f"bad --period: {exc}")
        raise _Exit(EXIT_USAGE) from exc
    try:
        report = asyncio.run(fetch_report(ctx, selection))
    except (SourceError, ConfigError, OSError, ValueError) as exc:
        _err(ctx, f"fetch failed: {exc}")
        raise _Exit(EXIT_ERROR) from exc
    for warning in report.warnings:
        _err(ctx, f"warning: {warning}")
    try:
        backend = open_backend(ctx)
        target = backend.target()
        plan = plan_for(ctx, report, backend, allow_partial=bool(args.allow_partial))
    except (SheetError, OSError) as exc:
        _err(ctx, f"{exc}")
        raise _Exit(EXIT_ERROR) from exc
    for warning in plan.warnings:
        _err(ctx, f"warning: {warning}")
    if plan.left_out:
        _err(ctx, "left out (missing data): " + "; ".join(plan.left_out))
    return _Planned(ctx, report, backend, target, plan)


def _console() -> Console:
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160, soft_wrap=False)


def _report_blocked(ctx: AppContext, plan: Plan) -> int:
    _err(ctx, "refused: data is missing for: " + "; ".join(plan.blocked))
    _err(ctx, "fix the source (or use --allow-partial to write only the complete cells)")
    return EXIT_MISSING


def _run(fn: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return fn(args)
    except _Exit as stop:
        return stop.code
    except Exception as exc:  # never a traceback on the terminal; the log has the details
        log.exception("%s failed", args.command)
        _err(None, f"{args.command} failed: {type(exc).__name__}: {exc} (details in the log file)")
        return EXIT_ERROR


def run_diff(args: argparse.Namespace) -> int:
    """Show what a push would change; exit 3 when something would, 0 when nothing."""
    return _run(_diff, args)


def _diff(args: argparse.Namespace) -> int:
    p = _plan(args)
    if getattr(args, "format", "table") == "json":
        sys.stdout.write(json.dumps(plan_json(p.plan, p.target), indent=2, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        print_plan(p.plan, p.target, _console())
    for text in p.plan.confirmations:
        _err(p.ctx, f"needs confirmation before a push: {text}")
    if p.plan.blocked:
        return _report_blocked(p.ctx, p.plan)
    return EXIT_OK if p.plan.empty else EXIT_CHANGES


def _ask(prompt: str) -> str:
    try:
        return input(prompt).strip()
    except EOFError:
        return ""


def run_push(args: argparse.Namespace) -> int:
    """Write the reports: asks on a terminal (type the period label), needs --yes otherwise."""
    return _run(_push, args)


def _push(args: argparse.Namespace) -> int:
    from okr_tui.services.sheet_ops import PushRefused, push

    p = _plan(args)
    ctx, plan = p.ctx, p.plan
    if plan.blocked:
        return _report_blocked(ctx, plan)
    if plan.empty:
        print("Nothing to change: the sheet is up to date.")
        return EXIT_OK
    print_plan(plan, p.target, _console())
    for text in plan.confirmations:
        _err(ctx, f"confirm: {text}")
    if not args.yes:
        if not sys.stdin.isatty():
            _err(ctx, "refusing to push without --yes: stdin is not a terminal")
            return EXIT_USAGE
        confirms = " (this confirms the items above)" if plan.confirmations else ""
        answer = _ask(
            f"Type the period label {plan.period_label} to write {plan.cells_changed} cells "
            f"to {p.target.name}{confirms}: "
        )
        if answer != plan.period_label:
            _err(ctx, "not pushed (the answer was not the period label)")
            return EXIT_ERROR
    try:
        result = push(ctx, plan, p.report, p.backend, confirmed=True)
    except PushRefused as exc:
        _err(ctx, str(exc))
        return EXIT_MISSING if exc.reason == "missing" else EXIT_ERROR
    except SheetConflict as exc:
        _err(ctx, str(exc))
        return EXIT_CONFLICT
    except (SheetError, OSError) as exc:
        _err(ctx, f"push failed: {exc}")
        return EXIT_ERROR
    if not result.verified:
        _err(ctx, result.message)
        return EXIT_VERIFY
    print(result.message)  # names the backup
    return EXIT_OK


def run_undo(args: argparse.Namespace) -> int:
    """Restore the sheet as before the last push (only if unchanged since)."""
    return _run(_undo, args)


def _undo(args: argparse.Namespace) -> int:
    from okr_tui.services.backups import latest_backup
    from okr_tui.services.sheet_ops import open_backend, undo

    ctx = _context(bool(args.demo))
    try:
        backend = open_backend(ctx)
        target = backend.target()
    except (SheetError, OSError) as exc:
        _err(ctx, f"{exc}")
        return EXIT_ERROR
    backup = latest_backup(ctx.paths, target.location)
    if backup is None:
        _err(ctx, f"nothing to undo: no push to {target.name} is recorded")
        return EXIT_ERROR
    when = backup.meta.get("time", "?")
    what = f"{', '.join(backup.worksheets)} in {target.name} as before the push of {when}"
    if not args.yes:
        if not sys.stdin.isatty():
            _err(ctx, "refusing to undo without --yes: stdin is not a terminal")
            return EXIT_USAGE
        if _ask(f"Restore {what}? [y/N] ").casefold() not in ("y", "yes"):
            _err(ctx, "not undone")
            return EXIT_ERROR
    try:
        result = undo(ctx, backend)
    except SheetConflict as exc:
        _err(ctx, str(exc))
        return EXIT_CONFLICT
    except VerificationFailed as exc:
        _err(ctx, str(exc))
        return EXIT_VERIFY
    except (SheetError, OSError) as exc:
        _err(ctx, f"undo failed: {exc}")
        return EXIT_ERROR
    print(result.message)
    return EXIT_OK

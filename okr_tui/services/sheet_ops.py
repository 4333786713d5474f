"""Sheet services used by both front ends: open the backend, plan, push (backup, re-read,
apply, verify, log) and undo (SPEC §6). Blocking: the TUI calls them from thread workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from okr_tui.core.grid import Grid, Plan, a1
from okr_tui.core.models import REPORT_KINDS, Report
from okr_tui.core.planning import make_plan
from okr_tui.core.report_json import report_to_json
from okr_tui.services import push_log
from okr_tui.services.backups import Backup, BackupInput, latest_backup, mark, save_backup
from okr_tui.services.context import AppContext
from okr_tui.services.push_log import PushRecord
from okr_tui.services.sheet_history import SheetHistory, sheet_history, users_previous
from okr_tui.sheets.base import (
    SheetBackend,
    SheetConflict,
    SheetError,
    SheetTarget,
    VerificationFailed,
)

__all__ = [
    "PushRecord",
    "PushRefused",
    "PushResult",
    "SheetHistory",
    "UndoResult",
    "grid_differences",
    "last_push",
    "open_backend",
    "plan_for",
    "push",
    "sheet_history",
    "undo",
    "users_previous",
]

MAX_LISTED = 10


class PushRefused(SheetError):
    """The push was not attempted: ``reason`` is "missing" (exit 4) or "confirm"."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass
class PushResult:
    """What a push did."""

    worksheets: list[str]
    cells_changed: int
    verified: bool
    backup: Path | None
    message: str
    problems: list[str] = field(default_factory=list)  # cells that differ after the write


@dataclass
class UndoResult:
    """What an undo restored."""

    restored: list[str]
    backup: Path
    message: str


def open_backend(ctx: AppContext) -> SheetBackend:
    """The sheet backend of the context: the local demo workbook with ``ctx.demo``, else the
    Google spreadsheet of the settings. Raises SheetError naming what to configure."""
    if ctx.demo:
        from okr_tui.demo.workbook import ensure_demo_workbook
        from okr_tui.sheets.xlsx import XlsxBackend

        return XlsxBackend(ensure_demo_workbook(ctx.paths))
    s = ctx.settings
    if not s.spreadsheet:
        raise SheetError(
            "No spreadsheet is configured: set `spreadsheet` (key or URL) in the settings "
            "screen (F2), in config.toml (`okr-tui config path` shows where) or with "
            "OKR_TUI_SPREADSHEET. Try --demo meanwhile."
        )
    if s.auth == "service_account" and not Path(s.credentials).expanduser().is_file():
        raise SheetError(
            f"The Google service-account file {s.credentials} does not exist: set "
            "`credentials` (or OKR_TUI_CREDENTIALS) to the JSON key of the service account, "
            'or use auth = "oauth".'
        )
    from okr_tui.sheets.google import GoogleSheetsBackend

    return GoogleSheetsBackend(s, ctx.clock, ctx.paths)


def report_worksheets(ctx: AppContext, report: Report) -> dict[str, str]:
    """Report kind -> worksheet name, for every kind the report holds (or misses)."""
    missing = {m.scope for m in report.missing}
    return {
        kind: ctx.settings.worksheet(kind)
        for kind in REPORT_KINDS
        if getattr(report, kind) is not None or kind in missing
    }


def plan_for(
    ctx: AppContext, report: Report, backend: SheetBackend, allow_partial: bool = False
) -> Plan:
    """Read the affected worksheets (one read) and plan the writes of ``report``."""
    worksheets = report_worksheets(ctx, report)
    grids = backend.read(list(worksheets.values()))
    plan = make_plan(grids, report, worksheets, ctx.clock.now(), allow_partial)
    plan.warnings[:0] = list(getattr(backend, "warnings", []) or [])
    return plan


def grid_differences(
    expected: Grid | None, actual: Grid | None, limit: int = MAX_LISTED
) -> list[str]:
    """A1 names of the cells whose content or note differ (``limit`` at most); a missing
    worksheet counts as an empty one."""
    a = (expected if expected is not None else Grid("")).trimmed()
    b = (actual if actual is not None else Grid("")).trimmed()
    out: list[str] = []
    for r in range(max(a.n_rows, b.n_rows)):
        width = max(len(a.rows[r]) if r < a.n_rows else 0, len(b.rows[r]) if r < b.n_rows else 0)
        for c in range(width):
            x, y = a.get(r, c), b.get(r, c)
            if not x.same_content(y) or (x.note or None) != (y.note or None):
                out.append(a1(r, c))
                if len(out) >= limit:
                    return out
    return out


def _describe(diffs: dict[str, list[str]]) -> str:
    return "; ".join(f"{ws}: {', '.join(cells)}" for ws, cells in diffs.items())


def _record(
    ctx: AppContext, target: SheetTarget, action: str, worksheets: list[str], cells: int,
    verification: str, period: str, backup: Path,
) -> None:  # fmt: skip
    push_log.append(
        ctx.paths,
        PushRecord(
            time=ctx.clock.now().isoformat(),
            action=action,
            user=push_log.os_user(),
            identity=target.identity,
            spreadsheet=target.name,
            location=target.location,
            worksheets=worksheets,
            cells_changed=cells,
            verification=verification,
            period=period,
            backup=str(backup),
        ),
    )


def push(
    ctx: AppContext, plan: Plan, report: Report, backend: SheetBackend, confirmed: bool
) -> PushResult:
    """Write ``plan``: refuse with missing data or unconfirmed anomalies (PushRefused); re-read
    and abort when the sheet changed since the plan (SheetConflict); back up; apply in one
    step; read back and verify; append to the push log. ``verified`` False: the sheet does
    not match the plan (``problems`` says where; undo restores the backup)."""
    if plan.blocked:
        raise PushRefused("missing", "Not pushed: data is missing for " + "; ".join(plan.blocked))
    if plan.confirmations and not confirmed:
        raise PushRefused(
            "confirm", "Not pushed: please confirm first: " + "; ".join(plan.confirmations)
        )
    changed = plan.changed
    if not changed:
        return PushResult([], 0, True, None, "Nothing to change: the sheet is up to date.")
    names = [wp.worksheet for wp in changed]
    target = backend.target()
    current = backend.read(names)
    conflicts: dict[str, list[str]] = {}
    for wp in changed:
        base = None if wp.create else wp.base
        diffs = grid_differences(base, current.get(wp.worksheet))
        if diffs:
            conflicts[wp.worksheet] = diffs
    if conflicts:
        raise SheetConflict(
            "The sheet changed since the diff was made (" + _describe(conflicts) + "); "
            "nothing was written. Run diff again to see the current state."
        )
    backup = save_backup(
        ctx.paths,
        ctx.clock.now(),
        BackupInput(
            before={name: current.get(name) for name in names},
            after={wp.worksheet: wp.target for wp in changed},
            report=report_to_json(report, include_vos=report.vos is not None),
            meta={
                "applied": False,
                "period": plan.period_label,
                "spreadsheet": target.name,
                "location": target.location,
                "identity": target.identity,
                "kind": target.kind,
            },
        ),
    )
    backend.apply(changed)
    mark(backup, "meta.json", {"applied": True})
    after = backend.read(names)
    problems = {
        wp.worksheet: d
        for wp in changed
        if (d := grid_differences(wp.target, after.get(wp.worksheet)))
    }
    verification = "ok" if not problems else "failed: " + _describe(problems)
    _record(ctx, target, "push", names, plan.cells_changed, verification, plan.period_label, backup)
    if problems:
        message = (
            f"Written, but the read-back differs from the plan ({_describe(problems)}). "
            f"Run `okr-tui undo` to restore the backup {backup}."
        )
    else:
        message = (
            f"Pushed {plan.cells_changed} cells to {', '.join(names)} in {target.name} "
            f"and verified. Backup: {backup}"
        )
    flat = [f"{ws}!{c}" for ws, cells in problems.items() for c in cells]
    return PushResult(names, plan.cells_changed, not problems, backup, message, flat)


def undo(ctx: AppContext, backend: SheetBackend) -> UndoResult:
    """Restore the worksheets of the last push to this spreadsheet, only if they still equal
    what the push wrote (else SheetConflict naming the cells that differ)."""
    target = backend.target()
    backup = latest_backup(ctx.paths, target.location)
    if backup is None:
        raise SheetError(f"Nothing to undo: no push to {target.name} is recorded.")
    names = backup.worksheets
    current = backend.read(names)
    changed = _changed_since(backup, current)
    if changed:
        raise SheetConflict(
            "Not undone: the sheet changed after the push (" + _describe(changed) + "). "
            f"The cells as they were before the push are in {backup.path}/before.json "
            "(values and formulas per worksheet) if you need to restore them by hand."
        )
    backend.restore(backup.before, current)
    restored = backend.read(names)
    problems = {
        name: d
        for name in names
        if (d := grid_differences(_expected_after_undo(backup, name), restored.get(name)))
    }
    verification = "ok" if not problems else "failed: " + _describe(problems)
    cells = sum(len(grid_differences(backup.after[n], backup.before[n], 10**9)) for n in names)
    _record(
        ctx,
        target,
        "undo",
        names,
        cells,
        verification,
        str(backup.meta.get("period", "")),
        backup.path,
    )
    if problems:
        raise VerificationFailed(
            f"Undo written, but the read-back differs from the backup ({_describe(problems)}); "
            f"the backup is {backup.path}."
        )
    mark(backup.path, "undone.json", {"time": ctx.clock.now().isoformat()})
    return UndoResult(
        names, backup.path, f"Restored {', '.join(names)} in {target.name} from {backup.path}."
    )


def _expected_after_undo(backup: Backup, name: str) -> Grid | None:
    return None if name in backup.created else backup.before[name]


def _changed_since(backup: Backup, current: dict[str, Grid | None]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in backup.worksheets:
        diffs = grid_differences(backup.after.get(name), current.get(name))
        if diffs:
            out[name] = diffs
    return out


def last_push(ctx: AppContext) -> PushRecord | None:
    """The newest push-log record of a push (not an undo), or None."""
    pushes = [r for r in push_log.records(ctx.paths) if r.action == "push"]
    return pushes[-1] if pushes else None

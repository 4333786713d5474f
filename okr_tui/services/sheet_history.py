"""What the spreadsheet already says about past periods: users per VO per period (users
worksheet) and CPU/h totals per period (CPU worksheets), for comparisons and drill-down."""

from __future__ import annotations

from dataclasses import dataclass, field

from okr_tui.core.grid import CellValue, Grid
from okr_tui.core.layouts import cpu, users
from okr_tui.core.layouts.common import find_columns, scan_periods
from okr_tui.core.periods import Period, previous_in
from okr_tui.services.context import AppContext
from okr_tui.sheets.base import SheetBackend


@dataclass
class SheetHistory:
    """Past values read from the sheet, keyed by period label (in the sheet's order)."""

    users: dict[str, dict[str, int | None]] = field(default_factory=dict)  # vo_key -> label -> n
    cpu: dict[str, dict[str, int | None]] = field(default_factory=dict)  # scope -> label -> h
    warnings: list[str] = field(default_factory=list)


def _number(value: CellValue) -> int | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return int(value)
    try:
        return int(float(str(value).replace(",", "").strip()))
    except ValueError:
        return None


def users_by_period(grid: Grid, warnings: list[str] | None = None) -> dict[str, dict[str, int]]:
    """vo_key -> period label -> users, from a users worksheet grid."""
    found = users.scan(grid, grid.title, warnings if warnings is not None else [])
    cols = sorted(found.periods.items(), key=lambda kv: kv[1])
    out: dict[str, dict[str, int]] = {}
    for key, row in found.vo_rows.items():
        values = {p.label: _number(grid.get(row, c).value) for c, p in cols}
        out[key] = {label: v for label, v in values.items() if v is not None}
    return out


def users_previous(grid: Grid | None, period: Period) -> dict[str, int | None]:
    """Users per VO (vo_key) in the period column just before ``period`` (SPEC §4); an empty
    dict when the sheet has no earlier period."""
    if grid is None:
        return {}
    found = users.scan(grid, grid.title, [])
    prev = previous_in(list(found.periods.values()), period)
    if prev is None:
        return {}
    col = next(c for c, p in found.periods.items() if p == prev)
    return {key: _number(grid.get(row, col).value) for key, row in found.vo_rows.items()}


def cpu_totals(grid: Grid, warnings: list[str] | None = None) -> dict[str, int | None]:
    """Period label -> Total CPU/h, from a CPU worksheet grid (chronological)."""
    notes: list[str] = warnings if warnings is not None else []
    work = grid.copy()
    cols = find_columns(work, cpu.HEADERS, grid.title, notes)
    rows = scan_periods(grid, cols[cpu.PERIOD], grid.title, notes)
    ordered = sorted(rows.rows.items(), key=lambda kv: kv[1])
    return {p.label: _number(grid.get(r, cols[cpu.TOTAL]).value) for r, p in ordered}


def sheet_history(ctx: AppContext, backend: SheetBackend) -> SheetHistory:
    """Read the users and CPU worksheets (one read) and collect their past values."""
    names = {kind: ctx.settings.worksheet(kind) for kind in ("users", "cloud", "htc")}
    grids = backend.read(list(names.values()))
    history = SheetHistory()
    users_grid = grids.get(names["users"])
    if users_grid is not None:
        found = users_by_period(users_grid, history.warnings)
        history.users = {k: dict(v) for k, v in found.items()}
    for scope in ("cloud", "htc"):
        grid = grids.get(names[scope])
        if grid is not None:
            history.cpu[scope] = cpu_totals(grid, history.warnings)
    return history

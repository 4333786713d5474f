"""What the spreadsheet already says about past periods: users per VO per period (users
worksheet), CPU/h totals and the VOs with accounting per period (CPU worksheets), for the
preview's comparisons (SPEC §4) and the drill-down."""

from __future__ import annotations

from dataclasses import dataclass, field

from okr_tui.core.grid import CellValue, Grid
from okr_tui.core.layouts import cpu, users
from okr_tui.core.layouts.common import find_columns, scan_periods, split_list
from okr_tui.core.periods import Period, previous_in
from okr_tui.services.context import AppContext
from okr_tui.sheets.base import SheetBackend


@dataclass
class SheetHistory:
    """Past values read from the sheet, keyed by period label (in the sheet's order)."""

    users: dict[str, dict[str, int | None]] = field(default_factory=dict)  # vo_key -> label -> n
    cpu: dict[str, dict[str, int | None]] = field(default_factory=dict)  # scope -> label -> h
    # scope -> label -> the row's "VOs with accounting" (as written in the sheet)
    cpu_vos: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def previous_cpu_row(self, scope: str, period: Period) -> PreviousRow | None:
        """The CPU worksheet row of ``scope`` just before ``period`` (None: no earlier row)."""
        return _previous_row(self.cpu_vos.get(scope, {}), period)


@dataclass(frozen=True)
class PreviousRow:
    """A CPU worksheet's previous period row: its label and its VOs with accounting."""

    label: str
    vos: list[str]


@dataclass
class SheetPrevious:
    """What the sheet says about the period before the one previewed (SPEC §4): users per VO of
    the users worksheet's previous column (None: no earlier column or no worksheet) and, per
    CPU scope, the previous period row (None: the worksheet has no earlier row)."""

    users: dict[str, int | None] | None
    users_label: str | None
    cpu: dict[str, PreviousRow | None]
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


def cpu_vos_by_period(grid: Grid, warnings: list[str] | None = None) -> dict[str, list[str]]:
    """Period label -> the row's VOs with accounting, from a CPU worksheet grid (chronological).
    ``-`` and blank cells are an empty list."""
    notes: list[str] = warnings if warnings is not None else []
    cols = find_columns(grid.copy(), cpu.HEADERS, grid.title, notes)
    rows = scan_periods(grid, cols[cpu.PERIOD], grid.title, notes)
    ordered = sorted(rows.rows.items(), key=lambda kv: kv[1])
    return {p.label: split_list(grid.get(r, cols[cpu.WITH]).text()) for r, p in ordered}


def _previous_row(by_label: dict[str, list[str]], period: Period) -> PreviousRow | None:
    periods = {Period.from_label(label)[0]: label for label in by_label}
    prev = previous_in(list(periods), period)
    if prev is None:
        return None
    label = periods[prev]
    return PreviousRow(label, list(by_label[label]))


def cpu_previous_row(grid: Grid | None, period: Period) -> PreviousRow | None:
    """The row just before ``period`` of a CPU worksheet (None: no worksheet or no such row)."""
    if grid is None:
        return None
    return _previous_row(cpu_vos_by_period(grid), period)


def sheet_previous(
    ctx: AppContext, backend: SheetBackend, period: Period, scopes: list[str]
) -> SheetPrevious:
    """Read the users worksheet and the CPU worksheets of ``scopes`` (one read) and return what
    they hold for the period before ``period``."""
    names = {kind: ctx.settings.worksheet(kind) for kind in ("users", *scopes)}
    grids = backend.read(list(dict.fromkeys(names.values())))
    warnings: list[str] = []
    users_grid = grids.get(names["users"])
    users_prev: dict[str, int | None] | None = None
    users_label: str | None = None
    if users_grid is not None:
        found = users.scan(users_grid, users_grid.title, warnings)
        prev = previous_in(list(found.periods.values()), period)
        if prev is not None:
            users_label = prev.label
            users_prev = users_previous(users_grid, period)
    rows: dict[str, PreviousRow | None] = {}
    for scope in scopes:
        grid = grids.get(names[scope])
        rows[scope] = (
            None if grid is None else _previous_row(cpu_vos_by_period(grid, warnings), period)
        )
    return SheetPrevious(users_prev, users_label, rows, warnings)


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
            history.cpu_vos[scope] = cpu_vos_by_period(grid, [])
    return history

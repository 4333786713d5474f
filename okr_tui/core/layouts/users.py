"""Layout of the users worksheet, "VOs statistics (certs)" (SPEC §5.2).

Header: ``VO | <period label> … | Registered Users | Total Users``; one row per VO; formula rows
(the TOTAL row) are never overwritten but are kept covering every VO row, and a new period
column gets the neighbouring TOTAL formula translated to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from okr_tui.core.grid import Cell, Grid, Insert
from okr_tui.core.layouts.common import (
    LayoutResult,
    describe_missing,
    insert_cols,
    insert_rows,
    missing_for,
    norm_header,
    put,
)
from okr_tui.core.layouts.formulas import cover_rows, evaluate_sum, translate
from okr_tui.core.models import Report, UsersRow, sort_vos, vo_key
from okr_tui.core.periods import Period, PeriodError

VO = "VO"
REGISTERED = "Registered Users"
TOTAL = "Total Users"


@dataclass
class UsersSheet:
    """Where things are in a users worksheet."""

    vo_col: int = 0
    periods: dict[int, Period] = field(default_factory=dict)  # column -> period
    registered: int | None = None
    total: int | None = None
    vo_rows: dict[str, int] = field(default_factory=dict)  # vo_key -> row (first one)
    formula_rows: list[int] = field(default_factory=list)  # TOTAL and other formula rows

    def period_col(self, period: Period) -> int | None:
        return next((c for c, p in self.periods.items() if p == period), None)


def scan(grid: Grid, worksheet: str, warnings: list[str]) -> UsersSheet:
    """Locate the VO, period, Registered and Total columns and the VO / formula rows."""
    sheet = UsersSheet()
    header = grid.header()
    for c, text in enumerate(header):
        name = norm_header(text)
        if name == norm_header(VO):
            sheet.vo_col = c
        elif name == norm_header(REGISTERED):
            sheet.registered = c
        elif name == norm_header(TOTAL):
            sheet.total = c
        elif text:
            try:
                period, legacy = Period.from_label(text)
            except PeriodError:
                continue
            if legacy:
                warnings.append(f"{worksheet}: column label {text!r} read as {period.label}")
            sheet.periods[c] = period
    for r in range(1, grid.n_rows):
        cell = grid.get(r, sheet.vo_col)
        name = cell.text().strip()
        has_formula = any(c.is_formula for c in grid.rows[r])
        if cell.is_formula or name.casefold() == "total" or (not name and has_formula):
            sheet.formula_rows.append(r)
        elif name:
            if vo_key(name) in sheet.vo_rows:
                warnings.append(f"{worksheet}: VO {name!r} appears twice; row {r + 1} left as is")
            else:
                sheet.vo_rows[vo_key(name)] = r
    return sheet


def _shift(rows: dict[str, int], index: int) -> dict[str, int]:
    return {k: r + (1 if r >= index else 0) for k, r in rows.items()}


def target_grid(base: Grid | None, report: Report, worksheet: str) -> LayoutResult:
    """The users worksheet after writing ``report.users`` (see module docstring)."""
    warnings: list[str] = []
    inserts: list[Insert] = []
    missing_out: list[str] = []
    period = report.period
    users = report.users
    missing = missing_for(report, "users")
    if base is None:
        base_grid = Grid(worksheet, [[Cell(VO), Cell(REGISTERED), Cell(TOTAL)]])
    else:
        base_grid = base
    work = base_grid.copy()
    if users is None:
        what = describe_missing(missing) or "no users data in the report"
        return LayoutResult(work, inserts, warnings, [f"{worksheet} {period.label}: {what}"])
    sheet = scan(work, worksheet, warnings)
    for attr, title in (("registered", REGISTERED), ("total", TOTAL)):
        if getattr(sheet, attr) is None:
            col = work.n_cols
            put(work, 0, col, title)
            setattr(sheet, attr, col)
            warnings.append(f"{worksheet}: no column headed {title!r}; adding it")

    scope_wide = [m for m in missing if m.vo is None]
    all_missing = bool(scope_wide)
    vo_missing = {vo_key(m.vo): m.reason for m in missing if m.vo}
    if scope_wide:
        missing_out.append(f"{worksheet} {period.label}: {describe_missing(scope_wide)}")

    def users_missing(row: UsersRow) -> bool:
        return all_missing or vo_key(row.vo) in vo_missing

    # a VO whose users failed still gets Registered/Total Users from vo-list; one with nothing
    # at all gets no row. Registered/Total None without a failure (not a production VO): skipped
    rows = [r for r in users.rows if not (users_missing(r) and r.registered is None)]
    for r in users.rows:
        if vo_key(r.vo) in vo_missing:
            why = vo_missing[vo_key(r.vo)]
            missing_out.append(f"{worksheet} {r.vo} {period.label}: users missing ({why})")

    pcol = sheet.period_col(period)
    new_col = pcol is None and any(not users_missing(r) for r in rows)
    if new_col:
        pcol = _insert_period_column(work, sheet, period, inserts)

    base_vo_rows = dict(sheet.vo_rows)
    _insert_vo_rows(work, sheet, [r.vo for r in rows], inserts)
    if len(sheet.vo_rows) > len(base_vo_rows):
        old = [sheet.vo_rows[k] for k in base_vo_rows]
        for fr in sheet.formula_rows:
            for c, cell in enumerate(work.rows[fr]):
                if cell.formula is not None:
                    f = cover_rows(cell.formula, old, list(sheet.vo_rows.values()))
                    work.rows[fr][c] = Cell(formula=f, note=cell.note)
    if new_col and pcol is not None:
        _fill_total_formulas(work, sheet, pcol)

    for r in rows:
        at = sheet.vo_rows[vo_key(r.vo)]
        cells: list[tuple[int | None, int | None]] = [
            (sheet.registered, r.registered),
            (sheet.total, r.total),
        ]
        if pcol is not None and not users_missing(r):
            cells.append((pcol, r.users))  # None (no data) -> an empty cell, never 0
        for col, value in cells:
            if col is None or (value is None and col != pcol):
                continue
            if work.get(at, col).is_formula:
                warnings.append(f"{worksheet}: {r.vo} has a formula under column {col + 1}; kept")
                continue
            put(work, at, col, value)
    for fr in sheet.formula_rows:
        for c, cell in enumerate(work.rows[fr]):
            if cell.formula is not None:
                work.rows[fr][c] = Cell(
                    value=evaluate_sum(cell.formula, work), formula=cell.formula, note=cell.note
                )
    return LayoutResult(work, inserts if base is not None else [], warnings, missing_out)


def _insert_period_column(
    work: Grid, sheet: UsersSheet, period: Period, inserts: list[Insert]
) -> int:
    """Insert the column of a new ``period`` at its chronological position."""
    later = [c for c, p in sheet.periods.items() if p > period]
    if later:
        index = min(later)
    elif sheet.periods:
        index = max(sheet.periods) + 1
    else:
        index = sheet.vo_col + 1
    insert_cols(work, index, inserts)

    def moved(c: int) -> int:
        return c + 1 if c >= index else c

    sheet.vo_col = moved(sheet.vo_col)
    sheet.periods = {moved(c): p for c, p in sheet.periods.items()}
    sheet.periods[index] = period
    sheet.registered = moved(sheet.registered) if sheet.registered is not None else None
    sheet.total = moved(sheet.total) if sheet.total is not None else None
    put(work, 0, index, period.label)
    return index


def _insert_vo_rows(work: Grid, sheet: UsersSheet, names: list[str], inserts: list[Insert]) -> None:
    """Insert a row for every VO of ``names`` not in the sheet, before the first existing VO
    row whose name sorts after it (case-insensitively); never moves existing rows."""
    base_keys = list(sheet.vo_rows)
    for name in sort_vos([n for n in names if vo_key(n) not in sheet.vo_rows]):
        key = vo_key(name)
        anchors = [sheet.vo_rows[k] for k in base_keys if k > key]
        if anchors:
            index = min(anchors)
        elif sheet.vo_rows:
            index = max(sheet.vo_rows.values()) + 1
        else:
            index = max(sheet.formula_rows, default=0) + 1
        insert_rows(work, index, inserts)
        sheet.vo_rows = _shift(sheet.vo_rows, index)
        sheet.formula_rows = [r + (1 if r >= index else 0) for r in sheet.formula_rows]
        sheet.vo_rows[key] = index
        put(work, index, sheet.vo_col, name)


def _fill_total_formulas(work: Grid, sheet: UsersSheet, pcol: int) -> None:
    """Give the new period column the neighbouring period column's formula in formula rows."""
    left = [c for c in sheet.periods if c < pcol]
    right = [c for c in sheet.periods if c > pcol]
    neighbour = max(left) if left else (min(right) if right else None)
    if neighbour is None:
        return
    for fr in sheet.formula_rows:
        source = work.get(fr, neighbour)
        if source.formula is not None and work.get(fr, pcol).is_empty:
            note = work.get(fr, pcol).note
            work.set(fr, pcol, Cell(formula=translate(source.formula, pcol - neighbour), note=note))

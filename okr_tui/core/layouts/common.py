"""Helpers shared by the worksheet layouts: results, header lookup, inserts, period rows."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

from okr_tui.core.grid import Cell, CellValue, Grid, Insert, col_letter
from okr_tui.core.layouts.formulas import shift_for_insert
from okr_tui.core.models import Missing, Report
from okr_tui.core.periods import Period, PeriodError


class LayoutResult(NamedTuple):
    """What a layout produces from a base grid and a report."""

    target: Grid  # the grid after the plan (inserts applied, cells written)
    inserts: list[Insert]  # structural inserts, in application order
    warnings: list[str]  # things the user should know (legacy labels, fallbacks, ...)
    missing: list[str]  # cells left unchanged because their data is missing (names what)


def norm_header(text: str) -> str:
    """Header text for matching: case-insensitive, whitespace collapsed."""
    return " ".join(text.split()).casefold()


def find_columns(
    grid: Grid, headers: list[str], worksheet: str, warnings: list[str]
) -> dict[str, int]:
    """Map each wanted header to a column: by header text (case-insensitive), else its legacy
    position (index in ``headers``) when no other header claims that column, else a new column
    after the last one (its header is written into ``grid``). Fallbacks go to ``warnings``."""
    header = grid.header()
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        if h:
            found.setdefault(norm_header(h), i)
    cols = {h: found[norm_header(h)] for h in headers if norm_header(h) in found}
    used = set(cols.values())
    width = grid.n_cols
    for pos, h in enumerate(headers):
        if h in cols:
            continue
        col = pos if pos not in used else max(used | {width - 1}) + 1
        if col >= width:
            put(grid, 0, col, h)
            width = col + 1
        cols[h] = col
        used.add(col)
        warnings.append(
            f"{worksheet}: no column headed {h!r}; using column {col_letter(col)} (legacy position)"
        )
    return cols


def put(grid: Grid, row: int, col: int, value: CellValue) -> None:
    """Write a value (never a formula, whatever the text starts with), keeping the note."""
    old = grid.get(row, col)
    grid.set(row, col, Cell(value=value, formula=None, note=old.note))


def insert_rows(grid: Grid, index: int, inserts: list[Insert], count: int = 1) -> None:
    """Insert rows into ``grid``, shifting every formula as Sheets does; record the insert."""
    grid.insert_row(index, count)
    shift_formulas(grid, "ROWS", index, count)
    inserts.append(Insert("ROWS", index, count))


def insert_cols(grid: Grid, index: int, inserts: list[Insert], count: int = 1) -> None:
    """Insert columns into ``grid``, shifting every formula as Sheets does; record it."""
    grid.insert_col(index, count)
    shift_formulas(grid, "COLUMNS", index, count)
    inserts.append(Insert("COLUMNS", index, count))


def shift_formulas(grid: Grid, dimension: str, index: int, count: int) -> None:
    """Rewrite every formula of ``grid`` for an insert, the way Sheets does."""
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if cell.formula is not None:
                shifted = shift_for_insert(cell.formula, dimension, index, count)
                if shifted != cell.formula:
                    grid.rows[r][c] = replace(cell, formula=shifted)


def split_list(text: str) -> list[str]:
    """A ``", "``-joined cell back into names (``-`` and blanks are empty)."""
    names = [n.strip() for n in text.replace("\n", ",").split(",")]
    return [n for n in names if n and n != "-"]


def join_list(names: list[str]) -> str:
    return ", ".join(names) if names else "-"


@dataclass
class PeriodRows:
    """The period rows of a row-per-period worksheet (CPU, VOs report)."""

    rows: dict[int, Period] = field(default_factory=dict)  # row index -> period
    last_row: int = 0  # the last row holding a period (0 = only the header)

    def row_of(self, period: Period) -> int | None:
        return next((r for r, p in self.rows.items() if p == period), None)

    def insert_at(self, period: Period) -> int:
        """The row index where a new ``period`` goes: before the first later period."""
        later = [r for r, p in self.rows.items() if p > period]
        return min(later) if later else self.last_row + 1


def scan_periods(grid: Grid, col: int, worksheet: str, warnings: list[str]) -> PeriodRows:
    """Read the period labels of column ``col`` (rows after the header)."""
    out = PeriodRows()
    for r in range(1, grid.n_rows):
        text = grid.get(r, col).text().strip()
        if not text:
            continue
        try:
            period, legacy = Period.from_label(text)
        except PeriodError:
            warnings.append(f"{worksheet}: row {r + 1} has {text!r}, not a period; left as is")
            continue
        if legacy:
            warnings.append(
                f"{worksheet}: row {r + 1} label {text!r} read as {period.label} (across the year)"
            )
        out.rows[r] = period
        out.last_row = r
    return out


def new_grid(title: str, headers: list[str]) -> Grid:
    """A worksheet that does not exist yet: just the header row."""
    return Grid(title, [[Cell(h) for h in headers]])


def place_period_row(
    grid: Grid,
    period_col: int,
    period: Period,
    worksheet: str,
    warnings: list[str],
    inserts: list[Insert],
) -> tuple[int, bool, dict[int, Period]]:
    """Find the row of ``period`` or insert one at its chronological position (label written).
    Returns (row, inserted, every period row after the insert)."""
    found = scan_periods(grid, period_col, worksheet, warnings)
    row = found.row_of(period)
    if row is not None:
        return row, False, found.rows
    row = found.insert_at(period)
    insert_rows(grid, row, inserts)
    put(grid, row, period_col, period.label)
    rows = {r + (1 if r >= row else 0): p for r, p in found.rows.items()}
    rows[row] = period
    return row, True, rows


def missing_for(report: Report, scope: str) -> list[Missing]:
    """Every missing-data entry of ``scope`` in the report (its part and the report-wide list)."""
    part = {"cloud": report.cloud, "htc": report.htc, "users": report.users}.get(scope)
    found = list(getattr(part, "missing", None) or [])
    found += [m for m in report.missing if m.scope == scope]
    out: list[Missing] = []
    for m in found:
        if m not in out:
            out.append(m)
    return out


def describe_missing(missing: list[Missing]) -> str:
    """A short human text naming what is missing and why."""
    parts = []
    for m in missing:
        what = m.scope + (f" {m.vo}" if m.vo else "") + (f" {m.month}" if m.month else "")
        parts.append(f"{what} missing ({m.reason})")
    return "; ".join(parts)

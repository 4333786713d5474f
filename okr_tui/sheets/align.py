"""Which rows/columns of a worksheet a push inserted, recovered from the backup and the current
grid (for undo). Rows are matched on their column-A key, columns on their header text."""

from __future__ import annotations

import difflib

from okr_tui.core.grid import Cell, Grid


def _inserted(before: list[str], after: list[str], expected: int | None) -> list[int]:
    """Indices in ``after`` of the entries that are not matched in ``before``."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    out: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert":
            out.extend(range(j1, j2))
        elif tag == "replace" and (j2 - j1) > (i2 - i1):
            out.extend(range(j1 + (i2 - i1), j2))
    if expected is not None:
        out = out[: max(0, expected)]
    return out


def _expected(before: int | None, after: int | None) -> int | None:
    if before is None or after is None:
        return None
    return after - before


def inserted_lines(backup: Grid, current: Grid) -> tuple[list[int], list[int]]:
    """(rows, cols) indices in ``current`` that are absent from ``backup``: what to delete so
    that ``current`` lines up with ``backup`` again."""
    b, c = backup.trimmed(), current.trimmed()
    b_rows = [b.get(r, 0).text().strip().casefold() for r in range(b.n_rows)]
    c_rows = [c.get(r, 0).text().strip().casefold() for r in range(c.n_rows)]
    rows_expected = _expected(backup.row_count, current.row_count)
    rows = [] if rows_expected == 0 else _inserted(b_rows, c_rows, rows_expected)
    b_cols = [t.casefold() for t in b.header()]
    c_cols = [t.casefold() for t in c.header()]
    cols_expected = _expected(backup.col_count, current.col_count)
    cols = [] if cols_expected == 0 else _inserted(b_cols, c_cols, cols_expected)
    return rows, cols


def without_lines(grid: Grid, rows: list[int], cols: list[int]) -> Grid:
    """A copy of ``grid`` with the given rows and columns removed (no formula shifting)."""
    out = grid.copy()
    drop_rows = set(rows)
    drop_cols = set(cols)
    out.rows = [
        [cell for ci, cell in enumerate(row) if ci not in drop_cols]
        for ri, row in enumerate(out.rows)
        if ri not in drop_rows
    ]
    if out.row_count is not None:
        out.row_count -= len(drop_rows)
    if out.col_count is not None:
        out.col_count -= len(drop_cols)
    return out


def runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs as half-open (start, end) pairs, highest first (safe delete order)."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return sorted(out, reverse=True)


def cells_differ(a: Cell, b: Cell) -> bool:
    return not a.same_content(b) or (a.note or None) != (b.note or None)


def differing_rows(target: Grid, actual: Grid) -> list[int]:
    """Rows whose content or notes differ between ``target`` and ``actual``."""
    out = []
    for r in range(max(target.n_rows, actual.n_rows)):
        width = max(len(target.rows[r]) if r < target.n_rows else 0,
                    len(actual.rows[r]) if r < actual.n_rows else 0)  # fmt: skip
        if any(cells_differ(target.get(r, c), actual.get(r, c)) for c in range(width)):
            out.append(r)
    return out

"""Shared worksheet contents and plans for the backend tests (Google fake and .xlsx)."""

from __future__ import annotations

from okr_tui.core.grid import Cell, CellChange, CellValue, Grid, Insert, WorksheetPlan

USERS = "VOs statistics (certs)"
CPU = "Accounting Cloud CPU/h"
TRICKY = ["=1+1", "+44 123", "-5 apples", "@team", "=cmd|' /C calc'!A0"]
NOTE = "Last update on: 10-02-2025 09:30:00"

CPU_VALUES: list[list[CellValue]] = [
    ["Period", "Total CPU/h"],
    ["2024.04-06", 100],
    ["2024.07-09", 120],
]
USERS_VALUES: list[list[CellValue]] = [
    ["VO", "2024.07-09", "Registered Users", "Total Users"],
    ["TOTAL", "=SUM(B3:B5)", "=SUM(C3:C5)", "=SUM(D3:D5)"],
    ["ALICE", 10, 12, 20],
    ["biomed", 30, 35, 50],
    ["vo.access.egi.eu", 5, 6, 7],
]


def users_plan(base: Grid) -> WorksheetPlan:
    """Insert a VO named ``=1+1`` between ALICE and biomed and a period column before
    Registered Users; rewrite the TOTAL formulas; change biomed's registered users."""
    target = base.copy()
    target.insert_row(3)
    target.insert_col(2)
    changes: list[CellChange] = []

    def put(r: int, c: int, cell: Cell, fresh: bool = False) -> None:
        old = target.get(r, c)
        target.set(r, c, Cell(cell.value, cell.formula, old.note))
        new = target.get(r, c)
        changes.append(CellChange(r, c, None if fresh else old, new, "added", "f", "k"))

    put(3, 0, Cell("=1+1"), fresh=True)
    put(3, 1, Cell(3), fresh=True)
    put(3, 3, Cell(4), fresh=True)
    put(3, 4, Cell(9), fresh=True)
    put(0, 2, Cell("2024.10-12"), fresh=True)
    for r, v in ((2, 11), (3, 2), (4, 31), (5, 6)):
        put(r, 2, Cell(v), fresh=True)
    put(1, 1, Cell(formula="=SUM(B3:B6)"))
    put(1, 2, Cell(formula="=SUM(C3:C6)"), fresh=True)
    put(1, 3, Cell(formula="=SUM(D3:D6)"))
    put(1, 4, Cell(formula="=SUM(E3:E6)"))
    put(4, 3, Cell(36))
    plan = WorksheetPlan(USERS, base, target, [Insert("ROWS", 3), Insert("COLUMNS", 2)], changes)
    plan.note = NOTE
    a1 = target.get(0, 0)
    target.set(0, 0, Cell(a1.value, a1.formula, NOTE))
    return plan


def tricky_plan(base: Grid) -> WorksheetPlan:
    """Add one row per string that looks like a formula (column A)."""
    target = base.copy()
    changes = []
    start = base.n_rows
    for i, text in enumerate(TRICKY):
        target.set(start + i, 0, Cell(text))
        changes.append(CellChange(start + i, 0, None, Cell(text), "added", "VO", text))
    return WorksheetPlan(base.title, base, target, [], changes)


def new_sheet_plan(title: str) -> WorksheetPlan:
    target = Grid(title, [[Cell("Period"), Cell("Total")], [Cell("2024.10-12"), Cell(5)]])
    changes = [
        CellChange(r, c, None, target.get(r, c), "added", "f", "k")
        for r in range(2)
        for c in range(2)
    ]
    return WorksheetPlan(title, Grid(title), target, [], changes, create=True)


def column_sums_hold(grid: Grid, first: int, last: int, cols: range) -> bool:
    """TOTAL (row 2) equals the sum of rows first..last in every column of ``cols``."""
    return all(
        grid.get(1, c).value == sum(grid.get(r, c).value or 0 for r in range(first, last + 1))
        for c in cols
    )

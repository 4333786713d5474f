"""An in-memory SheetBackend test double (Sheets semantics: inserts shift formulas)."""

from __future__ import annotations

from collections.abc import Callable

from okr_tui.core.grid import Cell, Grid, WorksheetPlan
from okr_tui.core.layouts.common import shift_formulas
from okr_tui.sheets.base import SheetTarget


class MemoryBackend:
    def __init__(self, grids: dict[str, Grid], location: str = "mem://okr") -> None:
        self.grids = {k: v.copy() for k, v in grids.items()}
        self.location = location
        self.reads = 0
        self.applied = 0
        self.after_apply: Callable[[dict[str, Grid]], None] | None = None

    def target(self) -> SheetTarget:
        return SheetTarget("memory", "OKR_Reports", self.location, "robot@example.org")

    def read(self, worksheets: list[str]) -> dict[str, Grid | None]:
        self.reads += 1
        return {w: self.grids[w].copy() if w in self.grids else None for w in worksheets}

    def apply(self, plans: list[WorksheetPlan]) -> None:
        self.applied += 1
        for plan in plans:
            grid = Grid(plan.worksheet) if plan.create else self.grids[plan.worksheet].copy()
            for ins in plan.inserts:
                if ins.dimension == "ROWS":
                    grid.insert_row(ins.index, ins.count)
                else:
                    grid.insert_col(ins.index, ins.count)
                shift_formulas(grid, ins.dimension, ins.index, ins.count)
            for ch in plan.changes:
                grid.set(ch.row, ch.col, ch.new)
            if plan.note is not None:
                a1 = grid.get(0, 0)
                grid.set(0, 0, Cell(a1.value, a1.formula, plan.note))
            self.grids[plan.worksheet] = grid
        if self.after_apply is not None:
            self.after_apply(self.grids)

    def restore(self, grids: dict[str, Grid], current: dict[str, Grid | None]) -> None:
        for name, grid in grids.items():
            if not grid.rows and grid.sheet_id is None:
                self.grids.pop(name, None)
            else:
                self.grids[name] = grid.copy()

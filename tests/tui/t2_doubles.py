"""Test doubles for the T2 screens: a host app, a sheet backend and a sheet-ops stand-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import App
from textual.screen import Screen

from okr_tui.core.grid import Cell, CellChange, Grid, Insert, Plan, WorksheetPlan
from okr_tui.core.models import Report
from okr_tui.core.periods import Period
from okr_tui.services.context import AppContext
from okr_tui.services.sheet_ops import PushResult, UndoResult
from okr_tui.sheets.base import SheetConflict, SheetTarget

APP_TCSS = Path(__file__).resolve().parents[2] / "okr_tui" / "tui" / "app.tcss"
PERIOD = Period.of("2024-10", "2024-12")


class HostApp(App[None]):
    """A minimal app with ``.ctx`` and the real stylesheet, showing one screen."""

    CSS_PATH = str(APP_TCSS)

    def __init__(self, ctx: AppContext, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.ctx = ctx
        self.make_screen = make_screen
        self.dismissed: list[object] = []

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(self.make_screen(), self.dismissed.append)


def users_plan() -> Plan:
    """A plan with a new period column in the users sheet and one changed CPU row."""
    base = Grid.from_values(
        "VOs statistics (certs)",
        [["VO", "2024.07-09", "Registered Users", "Total Users"], ["alice", 10, 5, 20]],
    )
    target = Grid.from_values(
        "VOs statistics (certs)",
        [
            ["VO", "2024.07-09", "2024.10-12", "Registered Users", "Total Users"],
            ["alice", 10, 12, 6, 21],
        ],
    )
    users = WorksheetPlan(
        "VOs statistics (certs)",
        base,
        target,
        inserts=[Insert("COLUMNS", 2)],
        changes=[
            CellChange(0, 2, None, Cell("2024.10-12"), "added", "2024.10-12", "VO"),
            CellChange(1, 2, None, Cell(12), "added", "2024.10-12", "alice"),
            CellChange(1, 3, Cell(5), Cell(6), "changed", "Registered Users", "alice"),
            CellChange(1, 4, Cell(20), Cell(21), "changed", "Total Users", "alice"),
        ],
    )
    cpu_base = Grid.from_values(
        "Accounting Cloud CPU/h", [["Period", "Total CPU/h"], ["2024.10-12", 1000]]
    )
    cpu_target = Grid.from_values(
        "Accounting Cloud CPU/h", [["Period", "Total CPU/h"], ["2024.10-12", 1500]]
    )
    cloud = WorksheetPlan(
        "Accounting Cloud CPU/h",
        cpu_base,
        cpu_target,
        changes=[CellChange(1, 1, Cell(1000), Cell(1500), "changed", "Total CPU/h", "2024.10-12")],
    )
    return Plan("2024.10-12", worksheets=[cloud, users])


@dataclass
class FakeBackend:
    target_: SheetTarget = field(
        default_factory=lambda: SheetTarget(
            "google", "OKR_Reports", "https://sheets.example/d/KEY", "okr@proj.iam.example"
        )
    )
    fail_with: Exception | None = None

    def target(self) -> SheetTarget:
        if self.fail_with is not None:
            raise self.fail_with
        return self.target_

    def read(self, worksheets: list[str]) -> dict[str, Grid | None]:
        return dict.fromkeys(worksheets)


@dataclass
class FakeOps:
    """Stands in for okr_tui.services.sheet_ops; records calls."""

    backend: FakeBackend = field(default_factory=FakeBackend)
    plans: list[Plan] = field(default_factory=lambda: [users_plan()])
    conflict_once: bool = False
    calls: list[str] = field(default_factory=list)
    backup: Path = Path("/tmp/okr-backups/2025-02-10T093000Z")

    def open_backend(self, ctx: AppContext) -> FakeBackend:
        self.calls.append("open_backend")
        return self.backend

    def plan_for(self, ctx: AppContext, report: Report, backend: Any, allow_partial=False) -> Plan:
        self.calls.append(f"plan_for(allow_partial={allow_partial})")
        return self.plans[min(len(self.calls_of("plan_for")) - 1, len(self.plans) - 1)]

    def calls_of(self, name: str) -> list[str]:
        return [c for c in self.calls if c.startswith(name)]

    def push(self, ctx: AppContext, plan: Plan, report: Report, backend: Any, confirmed: bool):
        self.calls.append(f"push(confirmed={confirmed})")
        if self.conflict_once:
            self.conflict_once = False
            raise SheetConflict("VOs statistics (certs) changed since the plan was made (B2).")
        names = [w.worksheet for w in plan.changed]
        return PushResult(names, plan.cells_changed, True, self.backup, "Pushed and verified.")

    def undo(self, ctx: AppContext, backend: Any) -> UndoResult:
        self.calls.append("undo")
        return UndoResult(["VOs statistics (certs)"], self.backup, "Restored.")

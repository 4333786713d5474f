"""make_plan: inserts + cell changes, missing data, confirmations, the A1 note (SPEC §5.4, §6)."""

from __future__ import annotations

from datetime import datetime, timezone

from okr_tui.core.grid import Cell, Grid
from okr_tui.core.models import Anomaly, Missing
from okr_tui.core.periods import Period
from okr_tui.core.planning import make_plan
from tests.unit.plan_factory import cpu_report, f, grid, report

NOW = datetime(2025, 2, 10, 9, 30, 5, tzinfo=timezone.utc)
P = Period.of("2024-10", "2024-12")
CLOUD, USERS = "Accounting Cloud CPU/h", "VOs statistics (certs)"
WS = {"cloud": CLOUD, "users": USERS}
CPU_H = ["Period", "Total CPU/h", "Num. of VOs with accounting", "VOs with accounting",
         "Num. of VOs without accounting", "VOs without accounting", "VOs changes"]  # fmt: skip


def grids():
    return {
        CLOUD: grid(CLOUD, [CPU_H, ["2024.07-09", 10, 1, "ALICE", 1, "ops", "-"]]),
        USERS: grid(USERS, [["VO", "2024.07-09", "Registered Users", "Total Users"],
                            ["TOTAL", f("=SUM(B3:B4)"), f("=SUM(C3:C4)"), f("=SUM(D3:D4)")],
                            ["alice", 1, 2, 3], ["ops", 4, 5, 6]]),
    }  # fmt: skip


def the_report(**kw):
    kw.setdefault("users", [("alice", 7, 2, 3), ("ops", None, 5, 9), ("=1+1", 1, 1, 1)])
    return report("2024.10-12", cloud=cpu_report("cloud", P, {"alice": 12}, ["ops"], 12), **kw)


def test_plan_lists_inserts_and_changes_with_fields_and_keys():
    plan = make_plan(grids(), the_report(), WS, NOW)
    cloud, users = plan.worksheets
    assert cloud.inserts and cloud.rows_inserted == 1
    assert [(c.a1, c.field, c.new.value, c.kind, c.old) for c in cloud.changes][:2] == [
        ("A3", "Period", "2024.10-12", "added", None),
        ("B3", "Total CPU/h", 12, "added", None),
    ]
    assert all(c.key == "2024.10-12" for c in cloud.changes)
    # users: new period column C, new VO row "=1+1" before alice; ops total changed 6 -> 9
    by_cell = {c.a1: c for c in users.changes}
    assert by_cell["E5"].kind == "changed" and by_cell["E5"].old == Cell(6)
    assert by_cell["E5"].new.value == 9 and by_cell["E5"].key == "ops"
    assert by_cell["E5"].field == "Total Users"
    evil = by_cell["A3"].new
    assert evil.value == "=1+1" and evil.formula is None
    assert by_cell["C2"].new.formula == "=SUM(C3:C5)"
    assert by_cell["B2"].new.formula == "=SUM(B3:B5)"
    assert "C5" not in by_cell  # ops has no users data: the new cell stays empty
    assert plan.blocked == [] and plan.confirmations == []
    note = "Last update on: 10-02-2025 09:30:05"
    assert cloud.note == note and cloud.target.get(0, 0).note == note


def test_applying_the_plan_then_planning_again_is_empty():
    plan = make_plan(grids(), the_report(), WS, NOW)
    after = {wp.worksheet: wp.target for wp in plan.worksheets}
    again = make_plan(after, the_report(), WS, NOW)
    assert again.empty and again.cells_changed == 0
    assert all(wp.note is None for wp in again.worksheets)


def test_unchanged_report_gives_empty_plan_without_note():
    base = grids()
    rep = report(
        "2024.07-09",
        cloud=cpu_report("cloud", Period.of("2024-07", "2024-09"), {"ALICE": 10}, ["ops"], 10),
        users=[("alice", 1, 2, 3), ("ops", 4, 5, 6)],
    )
    plan = make_plan(base, rep, WS, NOW)
    assert plan.empty
    assert [wp.note for wp in plan.worksheets] == [None, None]


def test_missing_data_blocks_unless_allow_partial():
    missing = [Missing("users", "ops", "vo-users: HTTP 500"), Missing("cloud", None, "timeout")]
    rep = the_report(missing=missing)
    blocked = make_plan(grids(), rep, WS, NOW)
    text = " ".join(blocked.blocked)
    assert "ops" in text and "timeout" in text
    assert blocked.left_out == []
    partial = make_plan(grids(), rep, WS, NOW, allow_partial=True)
    assert partial.blocked == [] and len(partial.left_out) == len(blocked.blocked)
    cloud, users = partial.worksheets
    assert cloud.empty and cloud.note is None and cloud.skipped
    # ops still gets Registered/Total Users from vo-list
    assert {c.a1 for c in users.changes} >= {"E5"}


def test_blocking_anomaly_needs_confirmation():
    scale = Anomaly("cloud", None, "scale", "total changed 12x vs 2024.07-09", blocking=True)
    info = Anomaly("cloud", "alice", "change", "+60 %")
    plan = make_plan(grids(), the_report(anomalies=[scale, info]), WS, NOW)
    assert plan.confirmations == ["cloud: total changed 12x vs 2024.07-09"]


def test_missing_worksheet_is_created():
    plan = make_plan({CLOUD: None}, the_report(), {"cloud": CLOUD}, NOW)
    (wp,) = plan.worksheets
    assert wp.create and wp.inserts == [] and isinstance(wp.base, Grid)
    assert {c.a1 for c in wp.changes} >= {"A1", "G1", "A2", "G2"}
    assert all(c.kind == "added" and c.old is None for c in wp.changes)
    a1 = next(c for c in wp.changes if c.a1 == "A1")
    assert a1.new.note == "Last update on: 10-02-2025 09:30:05"

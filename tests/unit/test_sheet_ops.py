"""push / undo / backups / push log / conflicts / verification, on an in-memory backend."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from okr_tui.core.grid import Cell
from okr_tui.core.models import Anomaly, Missing
from okr_tui.core.periods import Period
from okr_tui.services import sheet_ops
from okr_tui.services.context import AppContext
from okr_tui.sheets.base import SheetConflict, SheetError
from tests.unit.memory_backend import MemoryBackend
from tests.unit.plan_factory import cpu_report, f, grid, report

P = Period.of("2024-10", "2024-12")
CLOUD, USERS = "Accounting Cloud CPU/h", "VOs statistics (certs)"
CPU_H = ["Period", "Total CPU/h", "Num. of VOs with accounting", "VOs with accounting",
         "Num. of VOs without accounting", "VOs without accounting", "VOs changes"]  # fmt: skip


@pytest.fixture
def ctx(fast_settings, app_paths, frozen_clock):
    return AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock)


def sheet():
    return {
        CLOUD: grid(CLOUD, [CPU_H, ["2024.07-09", 10, 1, "ALICE", 1, "ops", "-"]]),
        USERS: grid(USERS, [["VO", "2024.07-09", "Registered Users", "Total Users"],
                            ["TOTAL", f("=SUM(B3:B4)"), f("=SUM(C3:C4)"), f("=SUM(D3:D4)")],
                            ["alice", 1, 2, 3], ["ops", 4, 5, 6]]),
    }  # fmt: skip


def the_report(**kw):
    kw.setdefault("users", [("alice", 7, 2, 3), ("beta", 1, 1, 1)])
    return report("2024.10-12", cloud=cpu_report("cloud", P, {"alice": 12}, ["ops"], 12), **kw)


def planned(ctx, backend, rep=None, **kw):
    rep = rep or the_report()
    return rep, sheet_ops.plan_for(ctx, rep, backend, **kw)


def test_push_backs_up_writes_verifies_and_logs(ctx):
    backend = MemoryBackend(sheet())
    rep, plan = planned(ctx, backend)
    result = sheet_ops.push(ctx, plan, rep, backend, confirmed=False)
    assert result.verified and result.problems == []
    assert result.worksheets == [CLOUD, USERS]
    assert result.cells_changed == plan.cells_changed > 0
    for wp in plan.worksheets:
        assert backend.grids[wp.worksheet].content_equal(wp.target)
    files = sorted(p.name for p in result.backup.iterdir())
    assert files == ["after.json", "before.json", "meta.json", "report.json"]
    before = json.loads((result.backup / "before.json").read_text())
    assert before[USERS]["rows"][1][1] == [None, "=SUM(B3:B4)", None]
    assert (
        json.loads((result.backup / "report.json").read_text())["period"]["label"] == "2024.10-12"
    )
    (line,) = ctx.paths.push_log.read_text().splitlines()
    rec = json.loads(line)
    assert rec["action"] == "push" and "@" in rec["user"]
    assert rec["identity"] == "robot@example.org" and rec["spreadsheet"] == "OKR_Reports"
    assert rec["worksheets"] == [CLOUD, USERS] and rec["cells_changed"] == plan.cells_changed
    assert rec["verification"] == "ok"
    assert sheet_ops.last_push(ctx).cells_changed == plan.cells_changed
    # planning again against the written sheet: nothing left to do
    assert sheet_ops.plan_for(ctx, rep, backend).empty


def test_conflict_between_plan_and_push_writes_nothing(ctx):
    backend = MemoryBackend(sheet())
    rep, plan = planned(ctx, backend)
    backend.grids[USERS].set(3, 3, Cell(99))  # someone edits D4 meanwhile
    edited = backend.grids[USERS].copy()
    with pytest.raises(SheetConflict, match=r"VOs statistics \(certs\): D4"):
        sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    assert backend.applied == 0 and backend.grids[USERS].content_equal(edited)
    assert not ctx.paths.push_log.exists()
    assert sheet_ops.last_push(ctx) is None


def test_verification_failure_is_reported_and_logged(ctx):
    backend = MemoryBackend(sheet())
    rep, plan = planned(ctx, backend)
    backend.after_apply = lambda grids: grids[CLOUD].set(2, 1, Cell(11))
    result = sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    assert not result.verified
    assert result.problems == [f"{CLOUD}!B3"]
    rec = json.loads(ctx.paths.push_log.read_text().splitlines()[-1])
    assert rec["verification"].startswith("failed") and "B3" in rec["verification"]


def test_undo_restores_then_refuses_when_nothing_left(ctx):
    backend = MemoryBackend(sheet())
    original = {k: v.copy() for k, v in backend.grids.items()}
    rep, plan = planned(ctx, backend)
    pushed = sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    result = sheet_ops.undo(ctx, backend)
    assert result.restored == [CLOUD, USERS] and result.backup == pushed.backup
    for name, g in original.items():
        assert backend.grids[name].content_equal(g)
    actions = [json.loads(x)["action"] for x in ctx.paths.push_log.read_text().splitlines()]
    assert actions == ["push", "undo"]
    with pytest.raises(SheetError, match="Nothing to undo"):
        sheet_ops.undo(ctx, backend)


def test_undo_refuses_when_the_sheet_changed_after_the_push(ctx):
    backend = MemoryBackend(sheet())
    rep, plan = planned(ctx, backend)
    sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    backend.grids[CLOUD].set(2, 1, Cell(13))
    changed = backend.grids[CLOUD].copy()
    with pytest.raises(SheetConflict, match="B3"):
        sheet_ops.undo(ctx, backend)
    assert backend.grids[CLOUD].content_equal(changed)


def test_undo_of_a_created_worksheet_removes_it(ctx):
    backend = MemoryBackend({USERS: sheet()[USERS]})
    rep, plan = planned(ctx, backend, the_report(users=None))
    assert plan.worksheets[0].create
    sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    assert CLOUD in backend.grids
    sheet_ops.undo(ctx, backend)
    assert CLOUD not in backend.grids


def test_undo_only_considers_pushes_to_the_same_spreadsheet(ctx):
    demo = MemoryBackend(sheet(), location="/tmp/demo.xlsx")
    rep, plan = planned(ctx, demo)
    sheet_ops.push(ctx, plan, rep, demo, confirmed=True)
    with pytest.raises(SheetError, match="Nothing to undo"):
        sheet_ops.undo(ctx, MemoryBackend(sheet(), location="https://docs.google.com/x"))


def test_missing_data_and_unconfirmed_anomalies_refuse(ctx):
    backend = MemoryBackend(sheet())
    rep, plan = planned(ctx, backend, the_report(missing=[Missing("cloud", None, "timeout")]))
    with pytest.raises(sheet_ops.PushRefused, match="timeout") as exc:
        sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    assert exc.value.reason == "missing"
    scale = Anomaly("cloud", None, "scale", "total 12x the previous", blocking=True)
    rep, plan = planned(ctx, backend, the_report(anomalies=[scale]))
    with pytest.raises(sheet_ops.PushRefused, match="12x") as exc:
        sheet_ops.push(ctx, plan, rep, backend, confirmed=False)
    assert exc.value.reason == "confirm" and backend.applied == 0
    assert sheet_ops.push(ctx, plan, rep, backend, confirmed=True).verified


def test_nothing_to_change_writes_nothing(ctx):
    backend = MemoryBackend(sheet())
    rep = report(
        "2024.07-09",
        cloud=cpu_report("cloud", Period.of("2024-07", "2024-09"), {"alice": 10}, ["ops"], 10),
    )
    rep.cloud.with_accounting[0].vo = "ALICE"
    plan = sheet_ops.plan_for(ctx, rep, backend)
    result = sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    assert result.cells_changed == 0 and result.backup is None and backend.applied == 0
    assert not ctx.paths.push_log.exists() and not ctx.paths.backups_dir.exists()


def test_sheet_history_and_users_previous(ctx):
    backend = MemoryBackend(sheet())
    history = sheet_ops.sheet_history(ctx, backend)
    assert history.users == {"alice": {"2024.07-09": 1}, "ops": {"2024.07-09": 4}}
    assert history.cpu == {"cloud": {"2024.07-09": 10}}
    prev = sheet_ops.users_previous(sheet()[USERS], P)
    assert prev == {"alice": 1, "ops": 4}
    assert sheet_ops.users_previous(sheet()[USERS], Period.of("2024-07", "2024-09")) == {}


def test_open_backend_names_what_to_configure(ctx):
    with pytest.raises(SheetError, match="spreadsheet"):
        sheet_ops.open_backend(ctx)
    ctx.settings = replace(ctx.settings, spreadsheet="abc", credentials=ctx.paths.data_dir / "x")
    with pytest.raises(SheetError, match="service-account file"):
        sheet_ops.open_backend(ctx)

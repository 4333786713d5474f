"""A report of some VOs only (--vo / extra --exclude-vo): the plan warns and needs a
confirmation before CPU totals and VO lists of the selected VOs are written."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from okr_tui.cli import main
from okr_tui.core.models import OperationsData, ScopeHours, VoInfo
from okr_tui.core.periods import Period
from okr_tui.core.planning import make_plan
from okr_tui.core.reports import build_report
from okr_tui.core.selection import Selection
from okr_tui.services import fetching, sheet_ops
from okr_tui.services.context import AppContext
from tests.unit.memory_backend import MemoryBackend
from tests.unit.plan_factory import cpu_report, f, grid, report

NOW = datetime(2025, 2, 10, 9, 30, 5, tzinfo=timezone.utc)
P = Period.of("2024-10", "2024-12")
CLOUD, USERS = "Accounting Cloud CPU/h", "VOs statistics (certs)"
WS = {"cloud": CLOUD, "users": USERS}
CPU_H = ["Period", "Total CPU/h", "Num. of VOs with accounting", "VOs with accounting",
         "Num. of VOs without accounting", "VOs without accounting", "VOs changes"]  # fmt: skip


def sheet():
    return {
        CLOUD: grid(CLOUD, [CPU_H, ["2024.07-09", 10, 1, "alice", 1, "ops", "-"]]),
        USERS: grid(USERS, [["VO", "2024.07-09", "Registered Users", "Total Users"],
                            ["TOTAL", f("=SUM(B3:B4)"), f("=SUM(C3:C4)"), f("=SUM(D3:D4)")],
                            ["alice", 1, 2, 3], ["ops", 4, 5, 6]]),
    }  # fmt: skip


def partial_report(note: str | None = "only alice, ops", cloud: bool = True):
    rep = report(
        "2024.10-12",
        cloud=cpu_report("cloud", P, {"alice": 12}, ["ops"], 12) if cloud else None,
        users=[("alice", 7, 2, 3), ("ops", 4, 5, 9), ("beta", 1, 1, 1)],
    )
    rep.selection_note = note
    return rep


def test_restriction_names_vos_and_extra_exclusions_only():
    base = Selection(period=P)
    assert base.restriction(("ops",)) is None
    assert Selection(period=P, exclude=("OPS",)).restriction(("ops",)) is None
    assert Selection(period=P, vos=("alice",)).restriction(()) == "only alice"
    extra = Selection(period=P, exclude=("ops", "dteam")).restriction(("ops",))
    assert extra == "excluding dteam"
    many = Selection(period=P, vos=tuple(f"vo{i}" for i in range(8))).restriction((), limit=3)
    assert many == "only vo0, vo1, vo2 and 5 more"


def test_build_report_carries_the_restriction():
    ops = OperationsData(vos=[VoInfo(name="alice"), VoInfo(name="ops")], users={})
    hours = {"cloud": ScopeHours("cloud", P, {"alice": {"2024-10": 5.0}})}
    kw = {"ops": ops, "hours": hours}
    full = build_report(Selection(period=P, exclude=("ops",)), ("ops",), **kw)
    assert full.selection_note is None
    some = build_report(Selection(period=P, vos=("alice",)), ("ops",), **kw)
    assert some.selection_note == "only alice"


def test_partial_cpu_write_warns_with_the_count_and_needs_confirmation():
    plan = make_plan(sheet(), partial_report(), WS, NOW)
    assert len(plan.confirmations) == 1
    assert "3 VOs" in plan.confirmations[0] and "only alice, ops" in plan.confirmations[0]
    assert any("partial selection" in w and "3 VOs" in w for w in plan.warnings)
    full = make_plan(sheet(), partial_report(note=None), WS, NOW)
    assert full.confirmations == [] and not any("partial" in w for w in full.warnings)


def test_partial_users_only_warns_without_confirmation():
    plan = make_plan(sheet(), partial_report(cloud=False), {"users": USERS}, NOW)
    assert plan.confirmations == []
    assert any("partial selection" in w and "3 VOs" in w for w in plan.warnings)


def test_nothing_to_change_needs_no_confirmation():
    plan = make_plan(sheet(), partial_report(), WS, NOW)
    after = {wp.worksheet: wp.target for wp in plan.worksheets}
    again = make_plan(after, partial_report(), WS, NOW)
    assert again.empty and again.confirmations == [] and again.warnings == []


def test_push_refuses_an_unconfirmed_partial_plan(fast_settings, app_paths, frozen_clock):
    ctx = AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock)
    backend = MemoryBackend(sheet())
    rep = partial_report()
    plan = sheet_ops.plan_for(ctx, rep, backend)
    with pytest.raises(sheet_ops.PushRefused, match="partial selection") as exc:
        sheet_ops.push(ctx, plan, rep, backend, confirmed=False)
    assert exc.value.reason == "confirm" and backend.applied == 0
    assert sheet_ops.push(ctx, plan, rep, backend, confirmed=True).verified


@pytest.fixture
def world(monkeypatch):
    backend = MemoryBackend(sheet())

    async def fake_fetch(ctx, selection, progress=None, sources=None):
        return partial_report(cloud="cloud" in selection.reports)

    monkeypatch.setattr(fetching, "fetch_report", fake_fetch)
    monkeypatch.setattr(sheet_ops, "open_backend", lambda ctx: backend)
    return backend


def test_cli_diff_and_push_show_the_warning_and_need_confirmation(world, capsys, monkeypatch):
    assert main(["diff", "--report", "cloud", "--vo", "alice"]) == 3
    err = capsys.readouterr().err
    assert "warning: partial selection" in err and "needs confirmation" in err
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["push", "--report", "cloud", "--vo", "alice"]) == 2
    assert "partial selection" in capsys.readouterr().err and world.applied == 0
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    prompts: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "no")
    assert main(["push", "--report", "cloud", "--vo", "alice"]) == 1
    assert world.applied == 0 and "confirms" in prompts[0]
    assert main(["push", "--report", "cloud", "--vo", "alice", "--yes"]) == 0
    assert world.applied == 1

"""Pilot tests of the diff → confirm → push → result → undo screens, with sheet-ops doubles."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import Button, DataTable, Input, Static, TabbedContent

from okr_tui.core.grid import Plan
from okr_tui.core.models import Report
from okr_tui.services.context import AppContext
from okr_tui.sheets.base import SheetNotShared
from okr_tui.tui.screens.confirm import ConfirmPushScreen, ConfirmUndoScreen
from okr_tui.tui.screens.diff import DiffScreen
from okr_tui.tui.screens.result import ConflictScreen, ResultScreen
from tests.tui.t2_doubles import PERIOD, FakeBackend, FakeOps, HostApp, users_plan

SIZE = (140, 45)


@pytest.fixture
def ctx(fast_settings, app_paths, frozen_clock) -> AppContext:
    return AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock)


def plain(widget: Static) -> str:
    content = widget.content
    return Text.from_markup(content).plain if isinstance(content, str) else str(content)


def row_texts(table: DataTable, index: int) -> list[str]:
    return [str(c) for c in table.get_row_at(index)]


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def diff_app(ctx: AppContext, ops: FakeOps) -> HostApp:
    return HostApp(ctx, lambda: DiffScreen(Report(period=PERIOD), ops=ops))


async def test_diff_shows_counts_and_changes_per_worksheet(ctx):
    ops = FakeOps()
    plan = ops.plans[0]
    async with diff_app(ctx, ops).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DiffScreen)
        status = plain(screen.query_one("#diff-status", Static))
        assert f"{plan.cells_changed} cells to write in 2 worksheets" in status
        target = plain(screen.query_one("#diff-target", Static))
        assert "OKR_Reports" in target and "okr@proj.iam.example" in target
        tabs = screen.query_one("#diff-tabs", TabbedContent)
        assert tabs.tab_count == 2
        cloud = screen.query_one("#changes-0", DataTable)
        assert row_texts(cloud, 0)[:6] == [
            "B2",
            "2024.10-12",
            "Total CPU/h",
            "1000",
            "1500",
            "+50.0 %",
        ]
        users = screen.query_one("#changes-1", DataTable)
        assert users.row_count == 4
        assert row_texts(users, 1)[:5] == ["C2", "alice", "2024.10-12", "—", "12"]
        assert row_texts(users, 1)[5:] == ["new", "added"]
        summaries = [plain(s) for s in screen.query(".diff-ws-summary").results(Static)]
        assert (
            "1 column inserted" in summaries[1]
            and "4 cells to write (2 added, 2 changed)" in (summaries[1])
        )


async def test_diff_toggles_full_sheet_view_with_changes_highlighted(ctx):
    async with diff_app(ctx, FakeOps()).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        screen = pilot.app.screen
        sheet = screen.query_one("#sheet-1", DataTable)
        assert sheet.display and not screen.query_one("#changes-1", DataTable).display
        assert row_texts(sheet, 0) == [
            "VO",
            "2024.07-09",
            "2024.10-12",
            "Registered Users",
            "Total Users",
        ]
        new_cell = sheet.get_row_at(1)[2]
        untouched = sheet.get_row_at(1)[1]
        assert str(new_cell) == "12" and "green" in str(new_cell.style)
        assert str(untouched.style) == ""
        await pilot.press("v")
        assert screen.query_one("#changes-1", DataTable).display


async def test_nothing_to_push_says_so_and_disables_push(ctx):
    ops = FakeOps(plans=[Plan("2024.10-12", worksheets=[])])
    async with diff_app(ctx, ops).run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = plain(pilot.app.screen.query_one("#diff-status", Static))
        assert "Nothing to push" in status
        await pilot.press("p")
        assert not isinstance(pilot.app.screen, ConfirmPushScreen)


async def test_missing_data_refuses_and_offers_allow_partial(ctx):
    blocked = users_plan()
    blocked.blocked = ["users of vo.x.eu: timeout"]
    partial = users_plan()
    partial.left_out = ["users of vo.x.eu"]
    ops = FakeOps(plans=[blocked, partial])
    async with diff_app(ctx, ops).run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = plain(pilot.app.screen.query_one("#diff-status", Static))
        assert "Push refused" in status and "users of vo.x.eu: timeout" in status
        await pilot.press("p")
        assert not isinstance(pilot.app.screen, ConfirmPushScreen)
        await pilot.press("a")
        await settle(pilot)
        assert ops.calls_of("plan_for")[-1] == "plan_for(allow_partial=True)"
        status = plain(pilot.app.screen.query_one("#diff-status", Static))
        assert "Left out (allow-partial): users of vo.x.eu" in status


async def test_sheet_not_shared_is_explained(ctx):
    error = SheetNotShared("OKR_Reports is not shared with okr@proj.iam.example")
    ops = FakeOps(backend=FakeBackend(fail_with=error))
    async with diff_app(ctx, ops).run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = plain(pilot.app.screen.query_one("#diff-status", Static))
        assert "not shared with this identity" in status
        assert "okr@proj.iam.example" in status and "press r" in status
        assert "push" not in ops.calls


async def test_confirm_requires_the_period_label_then_pushes_and_undoes(ctx):
    ops = FakeOps()
    async with diff_app(ctx, ops).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmPushScreen)
        summary = plain(confirm.query_one("#confirm-summary", Static))
        assert "OKR_Reports" in summary and "okr@proj.iam.example" in summary
        assert "VOs statistics (certs): 4 cells (1 column inserted)" in summary
        button = confirm.query_one("#confirm-push", Button)
        await pilot.press(*"2024.10-1")
        await pilot.press("enter")
        assert pilot.app.screen is confirm and button.disabled
        await pilot.press("2")
        assert not button.disabled
        await pilot.press("enter")
        await settle(pilot)
        assert ops.calls_of("push") == ["push(confirmed=True)"]
        result = pilot.app.screen
        assert isinstance(result, ResultScreen)
        text = plain(result.query_one("#result-summary", Static))
        assert "Pushed and verified" in text and "5 written" in text
        assert str(ops.backup) in text
        await pilot.press("u")
        assert isinstance(pilot.app.screen, ConfirmUndoScreen)
        await pilot.press("y")
        await settle(pilot)
        assert ops.calls[-1] == "undo"
        assert "Undone" in plain(result.query_one("#result-undo", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DiffScreen)
        assert len(ops.calls_of("plan_for")) == 2  # re-planned after the push


async def test_cancelled_confirmation_does_not_push(ctx):
    ops = FakeOps()
    async with diff_app(ctx, ops).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.press(*"2024.10-12")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DiffScreen)
        assert ops.calls_of("push") == []


async def test_blocking_anomaly_must_be_acknowledged(ctx):
    plan = users_plan()
    plan.confirmations = ["cloud total changed 12x vs 2024.07-09"]
    async with diff_app(ctx, FakeOps(plans=[plan])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        confirm = pilot.app.screen
        assert "changed 12x" in plain(confirm.query_one("#confirm-anomalies", Static))
        confirm.query_one("#confirm-label", Input).value = "2024.10-12"
        await pilot.pause()
        assert confirm.query_one("#confirm-push", Button).disabled
        await pilot.click("#confirm-anomalies-ok")
        assert not confirm.query_one("#confirm-push", Button).disabled


async def test_conflict_on_push_explains_and_refreshes_the_diff(ctx):
    ops = FakeOps(conflict_once=True)
    async with diff_app(ctx, ops).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", *"2024.10-12", "enter")
        await settle(pilot)
        conflict = pilot.app.screen
        assert isinstance(conflict, ConflictScreen)
        assert "changed since the plan was made (B2)" in plain(
            conflict.query_one("#conflict-detail", Static)
        )
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DiffScreen)
        assert len(ops.calls_of("plan_for")) == 2
        assert not any(isinstance(s, ResultScreen) for s in pilot.app.screen_stack)

"""The demo flow on the real services and the local demo workbook: diff → push → undo, and a
conflict when the workbook changes between the diff and the push."""

from __future__ import annotations

import openpyxl
import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from okr_tui.core.models import Report
from okr_tui.services import fetching, sheet_ops
from okr_tui.services.bootstrap import load_context
from okr_tui.services.context import AppContext
from okr_tui.tui.screens.confirm import ConfirmPushScreen, ConfirmUndoScreen
from okr_tui.tui.screens.diff import DiffScreen
from okr_tui.tui.screens.result import ConflictScreen, ResultScreen
from tests.tui.t2_doubles import HostApp

SIZE = (140, 45)


@pytest.fixture
def demo_ctx(frozen_clock) -> AppContext:
    return load_context(demo=True, clock=frozen_clock)


@pytest.fixture
async def report(demo_ctx) -> Report:
    return await fetching.fetch_report(demo_ctx, fetching.default_selection(demo_ctx))


def plain(widget: Static) -> str:
    content = widget.content
    return Text.from_markup(content).plain if isinstance(content, str) else str(content)


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_demo_diff_push_undo(demo_ctx, report):
    backend = sheet_ops.open_backend(demo_ctx)
    before = backend.read([w for w in sheet_ops.report_worksheets(demo_ctx, report).values()])
    expected = sheet_ops.plan_for(demo_ctx, report, backend)
    assert not expected.empty
    app = HostApp(demo_ctx, lambda: DiffScreen(report))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        status = plain(screen.query_one("#diff-status", Static))
        assert f"{expected.cells_changed} cells to write" in status
        for index, ws in enumerate(expected.worksheets):
            table = screen.query_one(f"#changes-{index}", DataTable)
            assert table.row_count == len(ws.changes)
            first = ws.changes[0]
            assert [str(c) for c in table.get_row_at(0)][:3] == [first.a1, first.key, first.field]
        await pilot.press("p")
        assert isinstance(pilot.app.screen, ConfirmPushScreen)
        await pilot.press(*expected.period_label, "enter")
        await settle(pilot)
        result = pilot.app.screen
        assert isinstance(result, ResultScreen)
        summary = plain(result.query_one("#result-summary", Static))
        assert "Pushed and verified" in summary
        assert result.result.backup is not None and result.result.backup.exists()
        assert str(result.result.backup) in summary
        after = sheet_ops.open_backend(demo_ctx).read([w.worksheet for w in expected.changed])
        for ws in expected.changed:
            change = ws.changes[-1]
            assert after[ws.worksheet].get(change.row, change.col).same_content(change.new)
        await pilot.press("u")
        assert isinstance(pilot.app.screen, ConfirmUndoScreen)
        await pilot.press("y")
        await settle(pilot)
        assert "Undone" in plain(result.query_one("#result-undo", Static))
        restored = sheet_ops.open_backend(demo_ctx).read(list(before))
        for name, grid in before.items():
            assert grid is not None and grid.content_equal(restored[name]), name
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DiffScreen)
        status = plain(pilot.app.screen.query_one("#diff-status", Static))
        assert f"{expected.cells_changed} cells to write" in status


async def test_demo_conflict_on_push_offers_refresh(demo_ctx, report):
    app = HostApp(demo_ctx, lambda: DiffScreen(report))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DiffScreen) and screen.plan is not None
        users = demo_ctx.settings.worksheet_users
        path = demo_ctx.paths.demo_workbook
        book = openpyxl.load_workbook(path)
        book[users]["A1"] = "VO (edited meanwhile)"
        book.save(path)
        await pilot.press("p", *screen.plan.period_label, "enter")
        await settle(pilot)
        conflict = pilot.app.screen
        assert isinstance(conflict, ConflictScreen)
        assert users in plain(conflict.query_one("#conflict-detail", Static))
        assert sheet_ops.last_push(demo_ctx) is None  # nothing written
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DiffScreen)
        refreshed = pilot.app.screen.plan
        assert refreshed is not None
        header = next(w for w in refreshed.worksheets if w.worksheet == users).base.get(0, 0)
        assert header.value == "VO (edited meanwhile)"

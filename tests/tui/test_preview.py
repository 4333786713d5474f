"""Preview and drill-down screens on the test-double report."""

from __future__ import annotations

import threading

from okr_tui.services.sheet_history import PreviousRow
from okr_tui.tui.screens.drilldown import DrillDownScreen
from okr_tui.tui.screens.preview import PreviewScreen
from okr_tui.tui.screens.start import StartScreen
from okr_tui.tui.widgets.report_grid import ReportGrid
from tests.tui.conftest import SIZE
from tests.tui.doubles import make_report


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _cell(grid: ReportGrid, row: int, column: str) -> str:
    return str(grid.get_cell_at((row, grid.get_column_index(column))))


async def _open_preview(app, pilot) -> PreviewScreen:
    await app.workers.wait_for_complete()
    await pilot.press("ctrl+r")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, PreviewScreen)
    return app.screen


async def test_preview_grid_cells_totals_and_flags(app, services):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_preview(app, pilot)
        report = screen.report
        grid = screen.query_one("#grid-cloud", ReportGrid)
        alice = report.cloud.with_accounting[0]
        assert _cell(grid, 0, "vo") == "alice"
        assert _cell(grid, 0, "2024-10") == f"{round(alice.months['2024-10']):,}"
        assert _cell(grid, 0, "total") == f"{alice.cpu_hours:,}"
        assert _cell(grid, 0, "change") == "+100.0"
        assert "±50%" in _cell(grid, 0, "flags")
        summary = _text(app, "#summary")
        assert f"{report.cloud.total_hours:,}" in summary
        assert f"{len(report.cloud.with_accounting)} VOs with accounting" in summary
        assert "done" in _text(app, "#progress")
        assert "users 6/6" in _text(app, "#progress")


async def test_sort_numeric_with_none_last_and_filter(app, services):
    services.missing_users = "vo001.example.eu"
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_preview(app, pilot)
        screen.query_one("#tabs").active = "tab-users"
        await pilot.pause()
        grid = screen.query_one("#grid-users", ReportGrid)
        grid.focus()
        grid.move_cursor(column=grid.get_column_index("total"))
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        values = [r.total for r in grid.shown]
        assert values[-1] is None
        assert values[:-1] == sorted(values[:-1], reverse=True)
        assert "no data" in _cell(grid, grid.row_count - 1, "vo")
        await pilot.press("s")  # reversed: smallest first, no data still last
        await pilot.pause()
        values = [r.total for r in grid.shown]
        assert values[:-1] == sorted(values[:-1]) and values[-1] is None
        await pilot.press("slash", *"vo00")
        await pilot.pause()
        assert all("vo00" in r.vo for r in grid.shown) and len(grid.shown) == 5
        assert "1 piece(s) of data missing" in _text(app, "#banner")


async def test_escape_cancels_a_running_fetch_then_goes_back(app, services):
    services.gate = threading.Event()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PreviewScreen) and screen.fetching
        assert screen.report is None
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.fetching
        assert "cancelled" in _text(app, "#banner")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)


async def test_portal_down_shows_reason_and_retry_recovers(app, services):
    services.fail_fetch = "connection refused"
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_preview(app, pilot)
        assert "connection refused" in _text(app, "#banner")
        assert "press r to retry" in _text(app, "#banner")
        assert screen.report is None
        services.fail_fetch = None
        await pilot.press("r")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.report is not None
        assert "connection refused" not in _text(app, "#banner")


async def test_drilldown_shows_vo_and_moves_with_n_p(app, services):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_preview(app, pilot)
        screen.query_one("#grid-cloud", ReportGrid).focus()
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        drill = app.screen
        assert isinstance(drill, DrillDownScreen)
        assert "alice" in _text(app, "#drill-title")
        assert "https://alice.org" in _text(app, "#card")
        assert "2024.07-09 12" in _text(app, "#history")
        assert "CPU/h +100 %" in _text(app, "#anomalies")
        table = drill.query_one("#breakdown")
        assert str(table.get_cell_at((0, 0))) == "NGI_CLOUD_A"
        assert table.row_count == 3  # NGI_CLOUD_A, NGI_HTC_A, NGI_B (shared)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "vo001.example.eu" in _text(app, "#drill-title")
        assert table.row_count == 3  # fresh keys after clear (no duplicate-key error)
        await pilot.press("h")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "2024.07-09 100" in _text(app, "#history")
        await pilot.press("p", "escape")
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)


async def test_keyboard_only_flow_start_preview_drill_back(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("enter")  # period input focused: Enter = preview
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, DrillDownScreen)
        assert app.screen.vo == "vo001.example.eu"
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)


async def test_users_previous_period_comes_from_the_sheet(app, services):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_preview(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.query_one("#tabs").active = "tab-users"
        await pilot.pause()
        grid = screen.query_one("#grid-users", ReportGrid)
        alice = screen.report.users.row("alice")
        assert _cell(grid, 0, "total") == str(alice.users)
        assert _cell(grid, 0, "previous") == "10"
        assert _cell(grid, 0, "change") == f"{(alice.users - 10) / 10 * 100:+.1f}"
        assert _cell(grid, 1, "previous") == ""  # empty sheet cell: nothing to compare
        assert "previous from the users worksheet" in _text(app, "#summary")


async def test_grids_fill_live_before_the_report_is_complete(app, services):
    services.gate = threading.Event()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+r")
        screen = app.screen
        grid = screen.query_one("#grid-cloud", ReportGrid)
        for _ in range(200):  # bounded wait for the partial rows (no sleeping)
            await pilot.pause()
            if grid.row_count and _cell(grid, 0, "total") != "…":
                break
        assert screen.report is None and screen.fetching
        expected = make_report(services.selections[-1], services.n).cloud
        top = max(expected.with_accounting, key=lambda v: v.hours)
        assert _cell(grid, 0, "vo") == top.vo  # Operations Portal spelling, not ACCOUNTING's
        assert _cell(grid, 0, "total") == f"{round(top.hours):,}"
        assert "fetching" in _text(app, "#progress")
        services.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.report is not None
        assert _cell(grid, 0, "vo") == "alice"  # the report's name order replaces the live view


async def test_appeared_disappeared_compare_with_the_sheets_previous_row(app, services):
    services.sheet_rows = {
        "cloud": PreviousRow("2024.07-09", ["ALICE", "vo001.example.eu", "gone.example.org"])
    }
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_preview(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        now = [v.vo for v in screen.report.cloud.with_accounting]
        appeared = [n for n in now if n not in ("alice", "vo001.example.eu")]
        summary = _text(app, "#summary")
        assert f"APPEARED: {', '.join(appeared)}" in summary
        assert "DISAPPEARED: gone.example.org" in summary
        assert "vs the sheet's previous row 2024.07-09" in summary
        # HTC: the sheet has no earlier row -> the fetched previous period, and it says so
        screen.query_one("#tabs").active = "tab-htc"
        await pilot.pause()
        summary = _text(app, "#summary")
        assert "APPEARED: -" in summary and "DISAPPEARED: -" in summary
        assert "vs fetched 2024.07-09 — the sheet has no earlier row" in summary


async def test_unreadable_sheet_falls_back_to_the_fetched_period_and_says_so(app, services):
    services.sheet_error = "the spreadsheet is not shared with robot@example.org"
    async with app.run_test(size=SIZE) as pilot:
        await _open_preview(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "vs fetched 2024.07-09 — the sheet could not be read" in _text(app, "#summary")
        assert any("not shared" in n.message for n in app._notifications)


async def test_every_portal_down_says_no_data_and_the_next_step(app, services):
    services.down = "connection refused (5 attempts) (http://127.0.0.1:9/csv)"
    services.sheet_error = "the service-account key cannot be used"  # not even tried
    async with app.run_test(size=SIZE) as pilot:
        await _open_preview(app, pilot)
        banner = _text(app, "#banner")
        assert "No data for cloud, htc, users: the source could not be reached." in banner
        assert "accounting cloud: connection refused" in banner
        assert "settings (F2)" in banner and "press r to retry" in banner
        assert "previous period" not in banner  # noise once the scope itself failed
        assert "CLOUD: no data" in _text(app, "#summary")
        assert "0 VOs with accounting" not in _text(app, "#summary")
        await pilot.press("3")
        await pilot.pause()
        assert "USERS: no data" in _text(app, "#summary")
        assert not any(n.title == "Sheet unavailable" for n in app._notifications)

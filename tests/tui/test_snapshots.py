"""Snapshot tests of the T1 screens (pytest-textual-snapshot; fixed size, frozen clock, fakes).

Update after a deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the new SVGs before committing them."""

from __future__ import annotations

from okr_tui.tui.app import OkrApp
from okr_tui.tui.widgets.report_grid import ReportGrid

SNAP_SIZE = (140, 45)


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for box in pilot.app.screen.query("Input"):
        box.cursor_blink = False  # a blinking cursor makes the snapshot depend on timing
    for _ in range(50):  # tables size their columns when idle: wait for that, bounded
        await pilot.pause()
        tables = pilot.app.screen.query("DataTable")
        if not any(t._require_update_dimensions for t in tables):
            break


def test_start_screen(snap_compare, ctx, services):
    async def run_before(pilot) -> None:
        await _settle(pilot)

    assert snap_compare(OkrApp(ctx), terminal_size=SNAP_SIZE, run_before=run_before)


def test_start_screen_bad_period(snap_compare, ctx, services):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        pilot.app.screen.query_one("#period").value = "2024-12..2024-10"
        await pilot.pause()

    assert snap_compare(OkrApp(ctx), terminal_size=SNAP_SIZE, run_before=run_before)


def test_preview_screen(snap_compare, ctx, services):
    services.missing_users = "vo003.example.eu"

    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("ctrl+r")
        await _settle(pilot)
        await _settle(pilot)

    assert snap_compare(OkrApp(ctx), terminal_size=SNAP_SIZE, run_before=run_before)


def test_preview_users_sorted_with_sources(snap_compare, ctx, services):
    services.missing_users = "vo003.example.eu"

    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("ctrl+r")
        await _settle(pilot)
        await _settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#tabs").active = "tab-users"
        await pilot.pause()
        grid = screen.query_one("#grid-users", ReportGrid)
        grid.focus()
        grid.move_cursor(column=grid.get_column_index("total"))
        await pilot.press("s", "v")
        await pilot.pause()

    assert snap_compare(OkrApp(ctx), terminal_size=SNAP_SIZE, run_before=run_before)


def test_drilldown_screen(snap_compare, ctx, services):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("ctrl+r")
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        await _settle(pilot)

    assert snap_compare(OkrApp(ctx), terminal_size=SNAP_SIZE, run_before=run_before)

"""Snapshot tests (pytest-textual-snapshot) of the diff, confirm, result, conflict, settings,
onboarding and help screens: fixed size, frozen clock, fixed paths, animations off."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Input

from okr_tui.core.models import Report
from okr_tui.paths import AppPaths
from okr_tui.services.context import AppContext
from okr_tui.tui.screens.diff import DiffScreen
from okr_tui.tui.screens.help import HelpScreen
from okr_tui.tui.screens.onboarding import OnboardingScreen
from okr_tui.tui.screens.settings import SettingsScreen
from tests.tui.t2_doubles import PERIOD, FakeOps, HostApp

SIZE = (140, 45)
HOME = Path("/home/egi")


@pytest.fixture
def ctx(fast_settings, frozen_clock) -> AppContext:
    paths = AppPaths(
        config_dir=HOME / ".config/okr-tui",
        cache_dir=HOME / ".cache/okr-tui",
        data_dir=HOME / ".local/share/okr-tui",
        log_dir=HOME / ".local/state/okr-tui/log",
    )
    settings = replace(
        fast_settings,
        credentials=HOME / ".config/gspread/service_account.json",
        spreadsheet=None,
    )
    return AppContext(settings=settings, paths=paths, clock=frozen_clock)


async def settle(pilot) -> None:
    """Workers done, then two event-loop turns: the footer recomposes after a refresh."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    steady(pilot)


def steady(pilot) -> None:
    """No blinking text cursor on any screen: otherwise the SVG depends on timing."""
    for screen in pilot.app.screen_stack:
        for box in screen.query(Input):
            box.cursor_blink = False


def diff_app(ctx: AppContext, ops: FakeOps | None = None) -> HostApp:
    return HostApp(ctx, lambda: DiffScreen(Report(period=PERIOD), ops=ops or FakeOps()))


def test_snapshot_diff_changes(snap_compare, ctx):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("right")  # second worksheet tab (users)
        await settle(pilot)

    assert snap_compare(diff_app(ctx), terminal_size=SIZE, run_before=run_before)


def test_snapshot_diff_sheet_view(snap_compare, ctx):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("right", "v")
        await settle(pilot)

    assert snap_compare(diff_app(ctx), terminal_size=SIZE, run_before=run_before)


def test_snapshot_confirm(snap_compare, ctx):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("p", *"2024.10")
        await settle(pilot)
        steady(pilot)
        await pilot.pause()

    assert snap_compare(diff_app(ctx), terminal_size=SIZE, run_before=run_before)


def test_snapshot_result(snap_compare, ctx):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("p", *"2024.10-12", "enter")
        await settle(pilot)

    assert snap_compare(diff_app(ctx), terminal_size=SIZE, run_before=run_before)


def test_snapshot_conflict(snap_compare, ctx):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("p", *"2024.10-12", "enter")
        await settle(pilot)

    app = diff_app(ctx, FakeOps(conflict_once=True))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_settings(snap_compare, ctx):
    async def run_before(pilot) -> None:
        await pilot.pause()
        field = pilot.app.screen.query_one("#set-concurrency")
        field.focus()
        await pilot.press("backspace", "0")
        await settle(pilot)
        steady(pilot)
        await pilot.pause()

    assert snap_compare(HostApp(ctx, SettingsScreen), terminal_size=SIZE, run_before=run_before)


def test_snapshot_onboarding(snap_compare, ctx):
    ctx = replace(ctx, settings=replace(ctx.settings, operations_api_key=None))
    assert snap_compare(HostApp(ctx, OnboardingScreen), terminal_size=SIZE, run_before=settle)


def test_snapshot_help(snap_compare, ctx):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(HelpScreen())
        await pilot.pause()

    assert snap_compare(diff_app(ctx), terminal_size=SIZE, run_before=run_before)

"""Pilot tests of the defects a new user found in ``okr-tui --demo`` (second walk-through)."""

from __future__ import annotations

import logging

import pytest
from rich.text import Text
from textual.widgets import Button, Checkbox, Input, Static

from okr_tui.core.grid import Plan
from okr_tui.core.models import Report
from okr_tui.core.periods import Period
from okr_tui.services.context import AppContext
from okr_tui.services.push_log import PushRecord
from okr_tui.services.sheet_history import PreviousRow
from okr_tui.sources.base import SourceError
from okr_tui.tui.commands import ScreenActions
from okr_tui.tui.screens.confirm import ConfirmUndoScreen
from okr_tui.tui.screens.diff import DiffScreen
from okr_tui.tui.screens.drilldown import DrillDownScreen
from okr_tui.tui.screens.preview import PreviewScreen
from okr_tui.tui.screens.result import ResultScreen
from okr_tui.tui.widgets.report_grid import ReportGrid
from tests.tui.conftest import SIZE
from tests.tui.doubles import vo_names
from tests.tui.t2_doubles import PERIOD, FakeOps, HostApp


def _text(app, selector: str) -> str:
    return Text.from_markup(str(app.screen.query_one(selector, Static).content)).plain


def _messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _preview(app, pilot) -> PreviewScreen:
    await _settle(app, pilot)
    await pilot.press("ctrl+r")
    await pilot.pause()
    await _settle(app, pilot)
    await pilot.pause(0.2)
    assert isinstance(app.screen, PreviewScreen)
    return app.screen


async def test_failed_sources_show_failed_not_done_and_are_logged(app, services, caplog):
    services.down = "connection refused (http://127.0.0.1:9/csv)"
    caplog.set_level(logging.ERROR, logger="okr_tui")
    async with app.run_test(size=SIZE) as pilot:
        await _preview(app, pilot)
        progress = _text(app, "#progress")
        assert "✗ users failed" in progress
        assert "✓" not in progress and "done" not in progress
        assert progress.startswith("failed")
    logged = [r for r in caplog.records if r.name.startswith("okr_tui")]
    assert any("users" in r.getMessage() and "connection refused" in r.getMessage() for r in logged)


async def test_fetch_exception_is_logged_with_traceback_not_shown(app, services, caplog):
    services.fail_fetch = "connection reset"
    caplog.set_level(logging.ERROR, logger="okr_tui")
    async with app.run_test(size=SIZE) as pilot:
        await _preview(app, pilot)
        assert "connection reset" in _text(app, "#banner")
        assert "Traceback" not in _text(app, "#banner")
    records = [r for r in caplog.records if "connection reset" in r.getMessage()]
    assert records and records[0].exc_info is not None
    assert records[0].exc_info[0] is SourceError


async def test_include_non_production_checkbox_sets_the_selection(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        box = app.screen.query_one("#non-production", Checkbox)
        assert "Include non-production VOs" in str(box.label)
        assert app.screen.selection().include_non_production is False
        box.value = True
        await pilot.press("ctrl+r")
        await _settle(app, pilot)
        assert services.selections[-1].include_non_production is True


async def test_breakdown_cycles_ngi_site_country_and_says_unavailable(app, services):
    asked: list[str] = []
    original = services.fetch_breakdown

    async def breakdown(ctx, scope, period, vo, by):
        asked.append(by)
        if by == "country":
            raise SourceError(
                "accounting", "http://x/", f"the legacy API has no breakdown by {by!r}"
            )
        return await original(ctx, scope, period, vo, by)

    import okr_tui.services.fetching as fetching

    services.fetch_breakdown = breakdown
    fetching.fetch_breakdown = breakdown  # the conftest's monkeypatch restores it
    async with app.run_test(size=SIZE) as pilot:
        screen = await _preview(app, pilot)
        screen.query_one("#grid-cloud", ReportGrid).focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, DrillDownScreen)
        assert "Breakdown per NGI" in _text(app, "#breakdown-title")
        await pilot.press("b")
        await _settle(app, pilot)
        assert "Breakdown per SITE" in _text(app, "#breakdown-title")
        await pilot.press("b")
        await _settle(app, pilot)
        title = _text(app, "#breakdown-title")
        assert "Breakdown per COUNTRY" in title
        assert "a breakdown per country is not available" in title
        assert asked[-1] == "country" and "site" in asked


@pytest.fixture
def diff_ctx(fast_settings, app_paths, frozen_clock) -> AppContext:
    return AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock)


async def test_diff_p_with_nothing_to_push_and_a_says_its_state(diff_ctx):
    ops = FakeOps(plans=[Plan(period_label=PERIOD.label)])
    app = HostApp(diff_ctx, lambda: DiffScreen(Report(period=PERIOD), ops=ops))
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        assert isinstance(app.screen, DiffScreen)
        await pilot.press("p")
        await pilot.pause()
        assert any("Nothing to push" in m for m in _messages(app))
        await pilot.press("a")
        await _settle(app, pilot)
        assert any("Allow partial: on" in m for m in _messages(app))
        assert "plan_for(allow_partial=True)" in ops.calls
        await pilot.press("a")
        await _settle(app, pilot)
        assert any("Allow partial: off" in m for m in _messages(app))


async def test_result_undo_once_then_u_says_already_undone(diff_ctx):
    ops = FakeOps()
    app = HostApp(diff_ctx, lambda: DiffScreen(Report(period=PERIOD), ops=ops))
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        result = ops.push(diff_ctx, ops.plans[0], Report(period=PERIOD), ops.backend, True)
        screen = ResultScreen(result, ops.backend.target(), ops.backend, ops)
        await app.push_screen(screen)
        await pilot.press("u", "y")
        await _settle(app, pilot)
        assert ops.calls.count("undo") == 1
        assert not screen.query_one("#result-undo-button", Button).display
        assert "u" not in {k for k, b in screen.active_bindings.items() if b.binding.show}
        await pilot.press("u")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmUndoScreen)
        assert any("already undone" in m for m in _messages(app))
        assert ops.calls.count("undo") == 1


async def test_palette_undo_last_push_on_start_and_preview(app, services, monkeypatch):
    import okr_tui.services.sheet_ops as sheet_ops

    ops = FakeOps()
    record = PushRecord(
        "2025-02-10T09:30:00Z",
        "push",
        "me@host",
        "me",
        "OKR_Reports",
        "x",
        worksheets=["VOs statistics (certs)"],
    )
    monkeypatch.setattr(sheet_ops, "last_push", lambda ctx: record)
    monkeypatch.setattr(sheet_ops, "open_backend", ops.open_backend)
    monkeypatch.setattr(sheet_ops, "undo", ops.undo)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        for _ in range(2):  # the start screen, then the preview
            provider = ScreenActions(app.screen)
            commands = {name: run for name, _, run in provider._commands()}
            assert "Undo last push" in commands
            commands["Undo last push"]()
            await _settle(app, pilot)
            assert isinstance(app.screen, ConfirmUndoScreen)
            assert "VOs statistics (certs)" in str(app.screen.description)
            await pilot.press("y")
            await _settle(app, pilot)
            if not isinstance(app.screen, PreviewScreen):
                await _preview(app, pilot)
        assert ops.calls.count("undo") == 2
        assert any("Restored VOs statistics (certs)" in m for m in _messages(app))


async def test_long_period_header_names_sheet_row_and_previous_column(app, services):
    year = Period.of("2024-01", "2024-12")
    services.sheet_rows = {"cloud": PreviousRow("2023.10-12", vo_names(services.n)[:2])}
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        app.screen.query_one("#period", Input).value = str(year)
        await pilot.pause()
        await _preview(app, pilot)
        await pilot.pause(0.5)
        await _settle(app, pilot)
        summary = " ".join(_text(app, "#summary").split())
        assert "the sheet's previous row 2023.10-12" in summary
        assert f"the Previous column is the fetched {year.previous().label}" in summary

"""Pilot tests of the defects found walking through the app as a new user (keyboard only)."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.widgets import Input, Static

from okr_tui.core.models import Report
from okr_tui.tui.app import OkrApp
from okr_tui.tui.commands import ScreenActions
from okr_tui.tui.screens.diff import DiffScreen
from okr_tui.tui.screens.onboarding import OnboardingScreen
from okr_tui.tui.screens.preview import PreviewScreen
from okr_tui.tui.screens.start import StartScreen
from okr_tui.tui.widgets.report_grid import ReportGrid
from tests.tui.conftest import SIZE
from tests.tui.t2_doubles import PERIOD, FakeOps, HostApp, users_plan


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def _preview(app, pilot) -> PreviewScreen:
    await app.workers.wait_for_complete()
    await pilot.press("ctrl+r")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, PreviewScreen)
    return app.screen


async def test_help_key_shown_in_the_footer_where_question_mark_types(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        assert isinstance(app.focused, Input)  # the period box: "?" is typed into it
        active = app.screen.active_bindings
        assert "question_mark" not in active
        assert active["f1"].binding.show and active["f1"].binding.action == "help"
        assert active["f3"].binding.show  # the theme toggle is discoverable too
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


async def test_blank_period_is_the_default_period_and_says_so(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        app.screen.query_one("#period", Input).value = ""
        await pilot.pause()
        status = _text(app, "#period-status")
        assert "2024.10-12" in status and "the default period" in status
        assert app.screen.period is not None and str(app.screen.period) == "2024-10..2024-12"


async def test_filtered_vo_list_says_select_keys_act_on_shown_vos(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+f", *"vo00")
        await pilot.pause()
        assert "act on the shown VOs only" in _text(app, "#vo-count")


async def test_missing_api_key_is_named_on_the_start_screen(ctx, services):
    app = OkrApp(replace(ctx, settings=replace(ctx.settings, operations_api_key=None)))
    async with app.run_test(size=SIZE):
        await app.workers.wait_for_complete()
        assert "no API key" in _text(app, "#target-info")


async def test_sort_marks_the_sorted_column(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _preview(app, pilot)
        grid = screen.query_one("#grid-cloud", ReportGrid)
        grid.move_cursor(column=grid.get_column_index("total"))
        await pilot.press("s")
        await pilot.pause()
        assert str(grid.columns["total"].label).endswith("▼")  # type: ignore[index]
        assert grid.cursor_column == grid.get_column_index("total")
        await pilot.press("s")
        await pilot.pause()
        assert str(grid.columns["total"].label).endswith("▲")  # type: ignore[index]
        assert not str(grid.columns["vo"].label).endswith(("▲", "▼"))  # type: ignore[index]


async def test_escape_after_applying_a_filter_clears_it_and_stays(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _preview(app, pilot)
        grid = screen.query_one("#grid-cloud", ReportGrid)
        await pilot.press("slash", *"vo003", "enter")
        await pilot.pause()
        assert [r.vo for r in grid.shown] == ["vo003.example.eu"] and grid.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen  # not back to the start screen
        assert len(grid.shown) == len(screen.report.cloud.with_accounting) + len(
            screen.report.cloud.without_accounting
        )
        assert not screen.query_one("#grid-filter").display


async def test_sources_panel_takes_focus_and_escape_closes_it(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _preview(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        panel = screen.query_one("#provenance")
        assert panel.display and panel.has_focus  # arrows / PgDn scroll it
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.display and app.screen is screen
        assert screen.query_one("#grid-cloud", ReportGrid).has_focus


async def test_tab_keys_switch_the_report_tabs(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = await _preview(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        assert screen.query_one("#tabs").active == "tab-htc"
        assert screen.query_one("#grid-htc", ReportGrid).has_focus
        await pilot.press("3")
        await pilot.pause()
        assert screen.query_one("#tabs").active == "tab-users"
        assert "users in the period" in _text(app, "#summary")
        await pilot.press("t")
        await pilot.pause()
        assert screen.query_one("#tabs").active == "tab-cloud"


async def test_palette_offers_screen_actions_not_text_box_keys(app):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        names = [name for name, _, _ in ScreenActions(app.screen)._commands()]
        assert {"Preview", "All VOs", "Reload VOs", "Help", "Settings"} <= set(names)
        assert not {"Scroll Up", "Move cursor left", "Focus Next", "Copy selected text"} & set(
            names
        )


async def test_escape_on_onboarding_goes_to_the_start_screen_not_out(ctx, services):
    ctx = replace(ctx, settings=replace(ctx.settings, spreadsheet=None))
    app = OkrApp(ctx, onboarding=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OnboardingScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert app.is_running
        assert "not set" in _text(app, "#target-info")


async def test_confirm_names_the_unticked_checkbox_and_counts_singular(ctx):
    plan = users_plan()
    plan.confirmations = ["cloud total changed 12x vs 2024.07-09"]

    host = HostApp(ctx, lambda: DiffScreen(Report(period=PERIOD), ops=FakeOps(plans=[plan])))
    async with host.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        confirm = pilot.app.screen
        summary = Text.from_markup(str(confirm.query_one("#confirm-summary", Static).content))
        assert "1 column inserted" in summary.plain
        assert confirm.query_one("#confirm-label", Input).placeholder != plan.period_label
        await pilot.press(*plan.period_label, "enter")
        await pilot.pause()
        messages = [n.message for n in pilot.app._notifications]
        assert any("I have checked these numbers" in m for m in messages)
        assert not any("Type the period label" in m for m in messages)


async def test_months_without_data_give_no_totals_and_no_fake_changes(app, services):
    services.gap_month = "2024-12"
    async with app.run_test(size=SIZE) as pilot:
        screen = await _preview(app, pilot)
        grid = screen.query_one("#grid-cloud", ReportGrid)
        alice = screen.report.cloud.with_accounting[0]

        def cell(row: int, column: str) -> str:
            return str(grid.get_cell_at((row, grid.get_column_index(column))))

        assert cell(0, "vo").startswith("alice") and "(incomplete)" in cell(0, "vo")
        assert cell(0, "2024-10") == f"{round(alice.months['2024-10']):,}"
        assert cell(0, "2024-12") == "— !"
        assert cell(0, "total") == "— !" and cell(0, "change") == ""
        assert all("LOST" not in cell(i, "flags") for i in range(grid.row_count))
        assert all("±50%" not in cell(i, "flags") for i in range(grid.row_count))
        summary = _text(app, "#summary")
        assert "incomplete: no data for 2024-12" in summary
        assert "APPEARED:" not in summary and "VOs with accounting" not in summary

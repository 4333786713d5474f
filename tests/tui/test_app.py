"""App-wide behaviour: help, command palette, themes, onboarding, run_app errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from okr_tui.tui import app as app_module
from okr_tui.tui.app import OkrApp, needs_onboarding, run_app
from okr_tui.tui.commands import ScreenActions
from okr_tui.tui.screens.help import HelpScreen
from okr_tui.tui.screens.onboarding import OnboardingScreen
from okr_tui.tui.screens.preview import PreviewScreen
from okr_tui.tui.screens.start import StartScreen
from tests.tui.conftest import SIZE


def _help_text(screen: HelpScreen) -> str:
    return " ".join(desc for group in screen.groups for _key, desc in group.rows)


async def _names(provider: ScreenActions) -> list[str]:
    return [str(hit.display) async for hit in provider.discover()]


async def test_help_lists_the_keys_of_the_current_screen(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("f1")  # the period input has focus: `?` would be typed into it
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = _help_text(app.screen)
        assert "Preview" in text and "Filter VOs" in text
        await pilot.press("escape", "ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = _help_text(app.screen)
        assert "Retry fetch" in text and "Diff" in text


async def test_palette_offers_the_actions_of_the_current_screen(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        start_names = await _names(ScreenActions(app.screen))
        assert "Preview" in start_names and "Diff" not in start_names
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        preview = app.screen
        names = await _names(ScreenActions(preview))
        assert {"Diff", "Retry fetch", "Sources", "Sort"} <= set(names)
        assert "Preview" not in names
        assert not preview.query_one("#provenance").display
        await pilot.press("ctrl+p", *"sources")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is preview
        assert preview.query_one("#provenance").display
        assert "Sources" in str(preview.query_one("#provenance-text").render())


async def test_themes_registered_default_from_settings_and_toggle(ctx, services):
    app = OkrApp(replace(ctx, settings=replace(ctx.settings, theme="okr-light")))
    async with app.run_test(size=SIZE) as pilot:
        assert {"okr-dark", "okr-light"} <= set(app.available_themes)
        assert app.theme == "okr-light"
        await pilot.press("f3")
        assert app.theme == "okr-dark"


async def test_unknown_theme_in_settings_falls_back_to_okr_dark(ctx, services):
    app = OkrApp(replace(ctx, settings=replace(ctx.settings, theme="no-such-theme")))
    async with app.run_test(size=SIZE):
        assert app.theme == "okr-dark"


def test_needs_onboarding_when_setup_is_incomplete(ctx, tmp_path):
    creds = tmp_path / "sa.json"
    creds.write_text("{}")
    ready = replace(ctx.settings, credentials=creds)
    assert not needs_onboarding(ready)
    assert needs_onboarding(replace(ready, spreadsheet=None))
    assert needs_onboarding(replace(ready, operations_api_key=None))
    assert needs_onboarding(replace(ready, credentials=tmp_path / "missing.json"))


async def test_onboarding_leads_to_the_demo(ctx, services):
    app = OkrApp(replace(ctx, settings=replace(ctx.settings, spreadsheet=None)), onboarding=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OnboardingScreen)
        await pilot.press("d")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert app.ctx.demo
        assert "demo workbook" in str(app.screen.query_one("#target-info").render())
        assert app.screen.query_one("#period").value == "2024-10..2024-12"


async def test_onboarding_quit_exits(ctx, services):
    app = OkrApp(replace(ctx, settings=replace(ctx.settings, spreadsheet=None)), onboarding=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_diff_key_opens_the_diff_screen_with_the_report(app, services):
    from okr_tui.tui.screens.diff import DiffScreen

    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = app.screen.report
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        assert app.screen.report is report
        app.screen.workers.cancel_all()


def test_run_app_bad_config_is_a_message_not_a_traceback(app_paths, capsys):
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text("concurrency = [not toml\n")
    assert run_app(demo=False, reset=False) == 1
    err = capsys.readouterr().err
    assert "okr-tui:" in err and "Traceback" not in err


def test_run_app_builds_the_app_from_the_context(monkeypatch: pytest.MonkeyPatch):
    seen: dict[str, object] = {}

    def fake_run(self: OkrApp) -> int:
        seen["ctx"], seen["onboarding"] = self.ctx, self._onboarding
        return 0

    monkeypatch.setattr(app_module.OkrApp, "run", fake_run)
    assert run_app(demo=True, reset=True) == 0
    assert seen["ctx"].demo and seen["onboarding"] is False
    assert seen["ctx"].paths.demo_workbook.exists()
    assert run_app(demo=False, reset=False) == 0
    assert seen["onboarding"] is True  # fresh HOME: nothing configured


async def test_preview_screen_can_be_pushed_directly(app, services):
    from okr_tui.core.periods import Period
    from okr_tui.core.selection import Selection

    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        app.push_screen(
            PreviewScreen(Selection(Period.of("2024-07", "2024-09"), frozenset({"cloud"})))
        )
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [t.id for t in app.screen.query("TabPane")] == ["tab-cloud"]
        assert "2024.07-09" in str(app.screen.query_one("#summary").render())

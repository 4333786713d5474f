"""Pilot tests of the settings, onboarding and help screens."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.text import Text
from textual.widgets import Input, Static

from okr_tui.config_schema import SPECS
from okr_tui.core.models import Report
from okr_tui.services.context import AppContext
from okr_tui.settings import Settings
from okr_tui.tui.screens.diff import DiffScreen
from okr_tui.tui.screens.help import HelpScreen
from okr_tui.tui.screens.onboarding import OnboardingScreen
from okr_tui.tui.screens.settings import SettingsScreen
from tests.tui.t2_doubles import PERIOD, FakeOps, HostApp

SIZE = (140, 45)
SECRET = "test-SECRET-key-7f3a9c"


@pytest.fixture
def ctx(fast_settings, app_paths, frozen_clock) -> AppContext:
    return AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock)


def plain(widget: Static) -> str:
    content = widget.content
    return Text.from_markup(content).plain if isinstance(content, str) else str(content)


class ConnectionDouble:
    """Stands in for okr_tui.services.connection; records the settings it was given."""

    def __init__(self) -> None:
        self.seen: list[Settings] = []

    async def test_accounting(self, ctx: AppContext) -> tuple[bool, str]:
        self.seen.append(ctx.settings)
        return True, f"Accounting (dump) answered: 67 VOs via {ctx.settings.accounting_url}"

    async def test_operations(self, ctx: AppContext) -> tuple[bool, str]:
        self.seen.append(ctx.settings)
        return False, "Operations Portal: HTTP 401 — check the API key"

    def test_spreadsheet(self, ctx: AppContext) -> tuple[bool, str]:
        self.seen.append(ctx.settings)
        return False, "OKR is not shared. Share it (Editor) with okr@proj.iam.example."


async def type_into(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)
    await pilot.pause()


async def test_settings_lists_every_key_and_masks_the_secret(ctx):
    app = HostApp(ctx, SettingsScreen)
    async with app.run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        for key in SPECS:
            assert screen.query(f"#set-{key}"), key
        secret = screen.query_one("#set-operations_api_key", Input)
        assert secret.password and secret.value == ""
        assert SECRET[-4:] in secret.placeholder and SECRET not in secret.placeholder
        assert SECRET not in pilot.app.export_screenshot()
        url = screen.query_one("#set-accounting_url", Input)
        assert url.value == ctx.settings.accounting_url


async def test_settings_validate_as_you_type_and_refuse_to_save(ctx):
    app = HostApp(ctx, SettingsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#set-concurrency", "0")
        help_line = plain(pilot.app.screen.query_one("#help-concurrency", Static))
        assert "must be at least 1" in help_line
        await type_into(pilot, "#set-operations_url", "ftp:/x")
        assert "http:// or https://" in plain(
            pilot.app.screen.query_one("#help-operations_url", Static)
        )
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, SettingsScreen)
        assert not ctx.paths.config_file.exists()
        await type_into(pilot, "#set-concurrency", "4")
        assert "must be" not in plain(pilot.app.screen.query_one("#help-concurrency", Static))


async def test_settings_save_writes_only_changes_to_the_config_file(ctx):
    app = HostApp(ctx, SettingsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "#set-spreadsheet", "1AbCdEfKEY")
        await type_into(pilot, "#set-concurrency", "3")
        await type_into(pilot, "#set-excluded_vos", "vo.a.eu, vo.b.eu")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = app.dismissed[-1]
    assert isinstance(saved, Settings)
    assert saved.spreadsheet == "1AbCdEfKEY" and saved.concurrency == 3
    assert saved.excluded_vos == ("vo.a.eu", "vo.b.eu")
    text = ctx.paths.config_file.read_text()
    assert 'spreadsheet = "1AbCdEfKEY"' in text and "concurrency = 3" in text
    assert SECRET not in text  # the untouched secret is not written


async def test_settings_env_overridden_key_is_read_only(ctx):
    settings = replace(
        ctx.settings, spreadsheet="ENVKEY", env_overridden=frozenset({"spreadsheet"})
    )
    ctx = replace(ctx, settings=settings)
    async with HostApp(ctx, SettingsScreen).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        field = screen.query_one("#set-spreadsheet", Input)
        assert field.disabled and field.value == "ENVKEY"
        assert "Set by $OKR_TUI_SPREADSHEET" in plain(screen.query_one("#help-spreadsheet", Static))
        assert "spreadsheet" not in screen.form_values()


async def test_settings_connection_tests_use_the_typed_values(ctx):
    tester = ConnectionDouble()
    async with HostApp(ctx, lambda: SettingsScreen(tester=tester)).run_test(size=SIZE) as pilot:
        await type_into(pilot, "#set-accounting_url", "https://acc.example.org")
        await pilot.press("f5")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        result = plain(pilot.app.screen.query_one("#settings-test-result", Static))
        assert "✔ Accounting Portal" in result and "https://acc.example.org" in result
        assert tester.seen[-1].accounting_url == "https://acc.example.org"
        await pilot.press("f7")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        result = plain(pilot.app.screen.query_one("#settings-test-result", Static))
        assert "✘ Spreadsheet" in result and "okr@proj.iam.example" in result
        await pilot.press("f6")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "HTTP 401" in plain(pilot.app.screen.query_one("#settings-test-result", Static))


async def test_onboarding_names_what_is_missing_and_leads_to_the_demo(ctx):
    ctx = replace(ctx, settings=replace(ctx.settings, operations_api_key=None))
    app = HostApp(ctx, OnboardingScreen)
    async with app.run_test(size=SIZE) as pilot:
        missing = plain(pilot.app.screen.query_one("#onboarding-missing", Static))
        assert "spreadsheet" in missing and "API key" in missing
        assert "service-account" in missing
        await pilot.press("d")
        await pilot.pause()
    assert app.dismissed == ["demo"]


@pytest.mark.parametrize(("key", "choice"), [("s", "settings"), ("q", "quit")])
async def test_onboarding_keys(ctx, key, choice):
    app = HostApp(ctx, OnboardingScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
    assert app.dismissed == [choice]


async def test_help_lists_the_keys_of_the_screen_below(ctx):
    app = HostApp(ctx, lambda: DiffScreen(Report(period=PERIOD), ops=FakeOps()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.push_screen(HelpScreen())
        await pilot.pause()
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        groups = {g.title: dict((d, k) for k, d in g.rows) for g in help_screen.groups}
        assert groups["This screen (Diff)"]["Refresh diff"] == "r"
        assert groups["This screen (Diff)"]["Push…"] == "p"
        assert "Everywhere" in groups
        shot = pilot.app.export_screenshot().replace("&#160;", " ")
        for text in ("This screen (Diff)", "Push…", "Refresh diff", "Allow partial"):
            assert text in shot, text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DiffScreen)

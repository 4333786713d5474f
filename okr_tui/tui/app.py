"""The okr-tui Textual application: app factory, themes, global bindings, `run_app`."""

from __future__ import annotations

import sys
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from okr_tui.services.context import AppContext
from okr_tui.settings import Settings
from okr_tui.tui.commands import ScreenActions
from okr_tui.tui.themes import THEME_NAMES, THEMES


def needs_onboarding(settings: Settings) -> bool:
    """First run: no spreadsheet, no Google credentials or no Operations Portal API key."""
    from okr_tui.config import missing_setup

    return bool(missing_setup(settings))


class OkrApp(App[int]):
    """okr-tui. Built from an :class:`AppContext` (settings, paths, clock, demo flag)."""

    CSS_PATH = "app.tcss"
    TITLE = "okr-tui"
    COMMANDS = App.COMMANDS | {ScreenActions}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        # f1 shows in the footer where ? is typed into a text box
        Binding("f1", "help", "Help", id="app.help_f1"),
        Binding("f2", "settings", "Settings", id="app.settings"),
        Binding("f3", "toggle_theme", "Theme", id="app.theme"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, ctx: AppContext, *, onboarding: bool = False) -> None:
        super().__init__()
        self.ctx = ctx
        self._onboarding = onboarding
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = (
            ctx.settings.theme if ctx.settings.theme in self.available_themes else (THEME_NAMES[0])
        )
        self.sub_title = "demo" if ctx.demo else (ctx.settings.spreadsheet or "no spreadsheet")

    def on_mount(self) -> None:
        from okr_tui.tui.screens.start import StartScreen

        self.push_screen(StartScreen())
        for warning in self.ctx.warnings:
            self.notify(warning, title="Configuration", severity="warning", timeout=10)
        if self._onboarding:
            from okr_tui.tui.screens.onboarding import OnboardingScreen

            self.push_screen(OnboardingScreen(), self._after_onboarding)

    # --- global actions -----------------------------------------------------------------------
    def action_help(self) -> None:
        """Show every key of every screen."""
        from okr_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_settings(self) -> None:
        """Open the settings screen; saved settings apply immediately."""
        from okr_tui.tui.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen(), self.apply_settings)

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = THEME_NAMES[1] if self.theme == THEME_NAMES[0] else THEME_NAMES[0]

    def apply_settings(self, settings: Settings | None) -> None:
        """Use new settings (from the settings screen) from now on."""
        if settings is None:
            return
        self.ctx.settings = settings
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.sub_title = "demo" if self.ctx.demo else (settings.spreadsheet or "no spreadsheet")
        self.post_message_to_start()

    def post_message_to_start(self) -> None:
        """Let the start screen re-read settings (target spreadsheet, sources, exclusions)."""
        from okr_tui.tui.screens.start import StartScreen

        for screen in self.screen_stack:
            if isinstance(screen, StartScreen):
                screen.reload_settings()

    def _after_onboarding(self, choice: str | None) -> None:
        if choice == "quit":
            self.exit(0)
        elif choice == "settings":
            self.action_settings()
        elif choice == "demo":
            self.switch_to_demo()

    def switch_to_demo(self) -> None:
        """Reopen on the demo data and the local demo workbook."""
        from okr_tui.services.bootstrap import load_context

        try:
            self.ctx = load_context(demo=True, clock=self.ctx.clock)
            _ensure_demo_workbook(self.ctx, reset=False)
        except (OSError, ValueError) as exc:
            self.notify(
                f"{exc}. Check that the data directory is writable.",
                title="Demo unavailable",
                severity="error",
            )
            return
        self.sub_title = "demo"
        self.post_message_to_start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Last resort for workers whose screen did not handle an error: a notification."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(
                f"{event.worker.name}: {event.worker.error}. Try again; if it persists see "
                f"the log file {self.ctx.paths.log_file}.",
                title="Something failed",
                severity="error",
                timeout=12,
            )


def _ensure_demo_workbook(ctx: AppContext, reset: bool) -> None:
    from okr_tui.demo.workbook import ensure_demo_workbook

    ensure_demo_workbook(ctx.paths, reset=reset)


def run_app(demo: bool, reset: bool, **app_kwargs: Any) -> int:
    """Open the TUI. Returns the process exit code; errors are messages, never tracebacks."""
    from okr_tui.config import ConfigError
    from okr_tui.services.bootstrap import load_context

    try:
        ctx = load_context(demo=demo)
        if demo:
            _ensure_demo_workbook(ctx, reset=reset)
    except ConfigError as exc:
        print(
            f"okr-tui: {exc}\nFix the file or run `okr-tui config init --force`.", file=sys.stderr
        )
        return 1
    except OSError as exc:
        print(f"okr-tui: cannot prepare the demo workbook: {exc}", file=sys.stderr)
        return 1
    app = OkrApp(ctx, onboarding=not demo and needs_onboarding(ctx.settings), **app_kwargs)
    result = app.run()
    return int(result or 0)

"""First-run onboarding: what okr-tui needs, what is missing, and where to go next."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from okr_tui.settings import Settings

OnboardingChoice = str  # "settings" | "demo" | "quit"


_WHAT = {
    "spreadsheet": "the target spreadsheet (key or URL)",
    "credentials": "the Google service-account key file",
    "oauth_client_secret": "the Google OAuth client-secret file (auth = oauth)",
    "operations_api_key": "the Operations Portal API key",
}


def missing_setup(settings: Settings) -> list[str]:
    """What keeps okr-tui from working against the real services, as display lines."""
    from okr_tui.config import missing_setup as missing_keys

    lines = []
    for key in missing_keys(settings):
        what = _WHAT.get(key, key)
        if key == "credentials":
            what += f" ({settings.credentials})"
        lines.append(f"{what}  [dim]· {key}[/dim]")
    return lines


class OnboardingScreen(ModalScreen[OnboardingChoice | None]):
    """Shown while the spreadsheet, the credentials or the API key are unset.

    Dismisses with ``"settings"``, ``"demo"`` or ``"quit"``; Esc with None (the start screen)."""

    BINDINGS = [
        Binding("s", "choose('settings')", "Settings"),
        Binding("d", "choose('demo')", "Open the demo"),
        Binding("q", "choose('quit')", "Quit"),
        Binding("escape", "choose('later')", "Later", show=False),  # to the start screen
    ]

    def compose(self) -> ComposeResult:
        missing = missing_setup(self.app.ctx.settings)  # type: ignore[attr-defined]
        with Vertical(id="onboarding-dialog", classes="t2-dialog"):
            yield Static("Welcome to okr-tui", classes="t2-dialog-title")
            yield Static(
                "okr-tui reads CPU hours from the EGI Accounting Portal and user counts from the "
                "Operations Portal, lets you review them per VO, and writes them to the OKR "
                "spreadsheet after showing you exactly what will change.",
                id="onboarding-intro",
            )
            if missing:
                lines = "\n".join(f"  • {item}" for item in missing)
                text = f"Before it can do that, it needs:\n{lines}"
            else:
                text = "Everything needed is configured."
            yield Static(text, id="onboarding-missing")
            yield Static(
                "Open Settings to fill these in (they are saved to your config file), or try "
                "the demo first: recorded data and a local demo workbook, nothing is sent "
                "anywhere. Esc closes this window (F2 opens the settings at any time).",
                classes="t2-hint",
            )
            with Horizontal(classes="t2-buttons"):
                yield Button("Settings (s)", id="onboarding-settings", variant="primary")
                yield Button("Open the demo (d)", id="onboarding-demo", variant="success")
                yield Button("Quit (q)", id="onboarding-quit", variant="default")

    def on_mount(self) -> None:
        self.query_one("#onboarding-settings", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice = (event.button.id or "").removeprefix("onboarding-")
        self.action_choose(choice)

    def action_choose(self, choice: str) -> None:
        if choice in ("settings", "demo", "quit"):
            self.dismiss(choice)
        elif choice == "later":  # Esc: look around first; F2 opens the settings any time
            self.dismiss(None)

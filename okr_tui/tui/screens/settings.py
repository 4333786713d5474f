"""The settings screen: every key of SPEC §7, validated as you type, saved to the config file,
with connection tests for the Accounting Portal, the Operations Portal and the spreadsheet."""

from __future__ import annotations

import importlib
import logging
from dataclasses import replace
from typing import Any

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Header, Input, Label, Select, Static, Switch

from okr_tui.config_schema import SPECS, ConfigError, KeySpec
from okr_tui.services.context import AppContext
from okr_tui.settings import Settings
from okr_tui.tui.screens.settings_form import (
    SpecValidator,
    choices_for,
    grouped_keys,
    parse_text,
    problem_of,
    to_text,
)
from okr_tui.tui.widgets.quiet_footer import QuietFooter

log = logging.getLogger(__name__)

TESTS = {
    "accounting": ("Accounting Portal", "test_accounting"),
    "operations": ("Operations Portal", "test_operations"),
    "spreadsheet": ("Spreadsheet", "test_spreadsheet"),
}


def _themes() -> tuple[str, ...]:
    from okr_tui.tui.themes import THEME_NAMES

    return THEME_NAMES


class SettingsScreen(Screen[Settings | None]):
    """Edit and save the settings; dismisses with the saved Settings, or None."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Back"),
        Binding("f5", "test('accounting')", "Test accounting"),
        Binding("f6", "test('operations')", "Test Operations Portal"),
        Binding("f7", "test('spreadsheet')", "Test spreadsheet"),
    ]

    def __init__(self, tester: Any = None) -> None:
        super().__init__()
        self.tester = tester
        self.invalid: set[str] = set()

    @property
    def ctx(self) -> AppContext:
        return self.app.ctx  # type: ignore[attr-defined,no-any-return]

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        settings = self.ctx.settings
        yield Header()
        with Horizontal(id="settings-tests"):
            yield Button("Test Accounting (F5)", id="test-accounting")
            yield Button("Test Operations Portal (F6)", id="test-operations")
            yield Button("Test spreadsheet (F7)", id="test-spreadsheet")
            yield Button("Save (ctrl+s)", id="settings-save", variant="primary")
        yield Static(self._where(settings), id="settings-where")
        yield Static("", id="settings-test-result")
        with VerticalScroll(id="settings-form"):
            for title, keys in grouped_keys():
                yield Static(title, classes="settings-group")
                for key in keys:
                    yield from self._row(SPECS[key], settings)
        yield QuietFooter()

    def _where(self, settings: Settings) -> str:
        file = settings.source_file or self.ctx.paths.config_file
        demo = (
            "  [yellow](demo mode: the demo keeps using recorded data)[/]" if self.ctx.demo else ""
        )
        return f"ctrl+s saves to [b]{file}[/b]. Environment variables win over the file.{demo}"

    def _row(self, spec: KeySpec, settings: Settings) -> ComposeResult:
        value = getattr(settings, spec.name)
        locked = spec.name in settings.env_overridden
        with Vertical(classes="settings-row", id=f"row-{spec.name}"):
            with Horizontal(classes="settings-line"):
                yield Label(spec.name, classes="settings-key")
                yield self._editor(spec, value, locked)
            yield Static(self._help_text(spec), id=f"help-{spec.name}", classes="settings-help")

    def _help_text(self, spec: KeySpec) -> str:
        if spec.name in self.ctx.settings.env_overridden:
            return f"[yellow]Set by ${spec.env_var} — read-only here.[/] {escape(spec.help)}"
        return f"{escape(spec.help)}  [dim]env: {spec.env_var}[/dim]"

    def _editor(self, spec: KeySpec, value: object, locked: bool) -> Widget:
        wid = f"set-{spec.name}"
        choices = choices_for(spec, _themes())
        if spec.kind == "bool":
            return Switch(value=bool(value), id=wid, disabled=locked)
        if choices and not locked:
            options = [(c, c) for c in choices]
            if value not in choices:
                options.insert(0, (str(value), str(value)))
            return Select(options, value=value, allow_blank=False, id=wid)
        if spec.secret:
            from okr_tui.config import mask_secret

            hint = mask_secret(value if isinstance(value, str) else None)
            placeholder = f"{hint} — type a new key to replace it" if value else "(not set)"
            return Input(
                placeholder=placeholder,
                password=True,
                id=wid,
                disabled=locked,
                validators=[SpecValidator(spec, keep_empty=True)],
            )
        return Input(
            value=to_text(spec, value),
            id=wid,
            disabled=locked,
            validators=[SpecValidator(spec)],
            valid_empty=spec.optional or spec.kind == "list",
        )

    # --- validation as you type ------------------------------------------------------------
    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("set-")
        if key not in SPECS:
            return
        spec = SPECS[key]
        result = event.validation_result
        line = self.query_one(f"#help-{key}", Static)
        if result is not None and not result.is_valid:
            self.invalid.add(key)
            line.update(f"[b red]✘ {escape('; '.join(result.failure_descriptions))}[/]")
        else:
            self.invalid.discard(key)
            line.update(self._help_text(spec))

    def form_values(self) -> dict[str, object]:
        """The editable values as typed (secrets only when a new one was typed).

        Raises ConfigError for the first invalid field."""
        settings = self.ctx.settings
        values: dict[str, object] = {}
        for key, spec in SPECS.items():
            if key in settings.env_overridden:
                continue
            widget = self.query_one(f"#set-{key}")
            if isinstance(widget, (Switch, Select)):
                values[key] = widget.value
            elif isinstance(widget, Input):
                if spec.secret and not widget.value.strip():
                    continue
                try:
                    values[key] = parse_text(spec, widget.value)
                except ConfigError as exc:
                    widget.focus()
                    raise ConfigError(f"{key}: {problem_of(exc)}", key=key) from None
        return values

    def changes(self) -> dict[str, object]:
        """Only the keys whose value differs from the current settings."""
        current = self.ctx.settings
        return {k: v for k, v in self.form_values().items() if getattr(current, k) != v}

    # --- actions --------------------------------------------------------------------------
    def action_save(self) -> None:
        from okr_tui.config import save_settings

        try:
            changes = self.changes()
        except ConfigError as exc:
            self.notify(f"Not saved: {exc}", title="Invalid setting", severity="error")
            return
        if not changes:
            self.notify("Nothing changed.", title="Settings")
            self.dismiss(None)
            return
        try:
            saved = save_settings(self.ctx.paths, changes)
        except ConfigError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        except OSError as exc:
            self.notify(
                f"Cannot write {self.ctx.paths.config_file}: {exc.strerror}.",
                title="Not saved",
                severity="error",
                timeout=10,
            )
            return
        names = ", ".join(sorted(changes))
        self.notify(f"Saved {names} to {self.ctx.paths.config_file}.", title="Settings")
        self.dismiss(saved)

    def action_cancel(self) -> None:
        self.workers.cancel_node(self)
        self.dismiss(None)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "settings-save":
            self.action_save()
        elif button.startswith("test-"):
            self.action_test(button.removeprefix("test-"))

    def action_test(self, which: str) -> None:
        try:
            candidate = replace(self.ctx.settings, **self.form_values())
        except ConfigError as exc:
            self.notify(f"Fix the form first: {exc}", severity="error")
            return
        ctx = replace(self.ctx, settings=candidate)
        title, _ = TESTS[which]
        self._show_test(f"{title}: testing…  (Esc cancels)")
        if which == "spreadsheet":
            self._test_in_thread(ctx)
        else:
            self._test_async(which, ctx)

    def _tester(self) -> Any:
        return self.tester or importlib.import_module("okr_tui.services.connection")

    @work(exclusive=True, group="test", exit_on_error=False)
    async def _test_async(self, which: str, ctx: AppContext) -> None:
        title, name = TESTS[which]
        try:
            ok, message = await getattr(self._tester(), name)(ctx)
        except Exception as exc:  # a failed test is a message, never a traceback
            log.exception("connection test %s failed", which)
            ok, message = False, f"{type(exc).__name__}: {exc}"
        self._report_test(title, ok, message)

    @work(thread=True, exclusive=True, group="test", exit_on_error=False)
    def _test_in_thread(self, ctx: AppContext) -> None:
        title, name = TESTS["spreadsheet"]
        try:
            ok, message = getattr(self._tester(), name)(ctx)
        except Exception as exc:  # a failed test is a message, never a traceback
            log.exception("spreadsheet test failed")
            ok, message = False, f"{type(exc).__name__}: {exc}"
        self.app.call_from_thread(self._report_test, title, ok, message)

    def _report_test(self, title: str, ok: bool, message: str) -> None:
        mark = "[b green]✔" if ok else "[b red]✘"
        self._show_test(f"{mark} {title}[/]: {escape(message)}")
        self.notify(message, title=title, severity="information" if ok else "error", timeout=8)

    def _show_test(self, text: str) -> None:
        self.query_one("#settings-test-result", Static).update(text)

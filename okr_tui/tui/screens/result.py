"""After a push: the verification outcome, the backup location and an Undo action; and the
"sheet changed meanwhile" explanation that offers to refresh the diff."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Static

from okr_tui.sheets.base import SheetBackend, SheetError, SheetTarget
from okr_tui.tui.screens.confirm import ConfirmUndoScreen
from okr_tui.tui.widgets.quiet_footer import QuietFooter

if TYPE_CHECKING:
    from okr_tui.services.sheet_ops import PushResult, UndoResult

log = logging.getLogger(__name__)


def describe_push(result: PushResult, target: SheetTarget) -> str:
    """Rich markup describing a :class:`okr_tui.services.sheet_ops.PushResult`."""
    names = ", ".join(result.worksheets) or "no worksheet"
    if result.verified:
        head = "[b green]✔ Pushed and verified[/]: the sheet was read back and matches the plan."
    else:
        head = "[b red]✘ Verification failed[/]: the sheet does not match what was written."
    lines = [
        head,
        "",
        f"Target:      {escape(target.name)}  ({escape(target.location)})",
        f"Worksheets:  {escape(names)}",
        f"Cells:       {result.cells_changed} written",
        f"Identity:    {escape(target.identity)}",
        f"Backup:      {escape(str(result.backup))}",
    ]
    problems = list(getattr(result, "problems", []) or [])
    if problems:
        shown = ", ".join(problems[:10]) + (" …" if len(problems) > 10 else "")
        lines.append(f"Differs at:  {escape(shown)}")
    if not result.verified:
        lines += ["", "Press [b]u[/b] to restore the backup, or check the sheet by hand."]
    return "\n".join(lines)


def describe_undo(result: UndoResult) -> str:
    """Rich markup describing an :class:`okr_tui.services.sheet_ops.UndoResult`."""
    names = ", ".join(result.restored) or "nothing"
    return f"[b green]↶ Undone[/]: restored {escape(names)} from {escape(str(result.backup))}."


class ResultScreen(Screen[None]):
    """Shows the outcome of a push; `u` undoes it after a confirmation; Esc goes back."""

    BINDINGS = [
        Binding("u", "undo", "Undo push"),
        Binding("u", "already_undone", "Undo push", show=False),  # u once undone
        Binding("escape", "back", "Back to diff"),
    ]

    def __init__(
        self, result: PushResult, target: SheetTarget, backend: SheetBackend, ops: Any
    ) -> None:
        super().__init__()
        self.result = result
        self.target = target
        self.backend = backend
        self.ops = ops
        self.undone = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="result-body"):
            yield Static("Push result", classes="t2-title")
            yield Static(describe_push(self.result, self.target), id="result-summary")
            yield Static("", id="result-undo")
            with Horizontal(classes="t2-buttons"):
                yield Button("Undo (u)", id="result-undo-button", variant="warning")
                yield Button("Back (Esc)", id="result-back", variant="primary")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.sub_title = "Push result"
        self.query_one("#result-back", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "result-undo-button":
            self.action_undo()
        else:
            self.action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return not self.undone  # hidden once undone: u then says so (already_undone)
        if action == "already_undone":
            return self.undone
        return True

    def action_already_undone(self) -> None:
        self.notify("The last push was already undone.", title="Undo")

    def action_back(self) -> None:
        self.dismiss(None)

    def action_undo(self) -> None:
        if self.undone:  # the button / palette after the undo
            self.action_already_undone()
            return
        names = ", ".join(self.result.worksheets)
        description = f"Restore {names} in {self.target.name} from the backup\n{self.result.backup}"

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#result-undo", Static).update("Undoing…")
                self._undo()

        self.app.push_screen(ConfirmUndoScreen(description), answered)

    @work(thread=True, exclusive=True, group="undo", exit_on_error=False)
    def _undo(self) -> None:
        try:
            outcome = self.ops.undo(self.app.ctx, self.backend)  # type: ignore[attr-defined]
        except SheetError as exc:
            self.app.call_from_thread(self._undo_failed, str(exc))
        except Exception as exc:  # shown, not raised: never a traceback in the UI
            log.exception("undo failed")
            self.app.call_from_thread(self._undo_failed, f"{type(exc).__name__}: {exc}")
        else:
            self.app.call_from_thread(self._undo_done, outcome)

    def _undo_done(self, outcome: UndoResult) -> None:
        self.undone = True
        self.query_one("#result-undo", Static).update(describe_undo(outcome))
        button = self.query_one("#result-undo-button", Button)
        button.disabled = True
        button.display = False
        self.refresh_bindings()
        self.notify("The last push was undone.", title="Undo")

    def _undo_failed(self, message: str) -> None:
        self.query_one("#result-undo", Static).update(f"[b red]Undo refused:[/] {escape(message)}")
        self.notify(message, title="Undo refused", severity="error", timeout=10)


class ConflictScreen(ModalScreen[str | None]):
    """The sheet changed since the plan was made: explain, offer to refresh the diff."""

    BINDINGS = [
        Binding("r", "answer('refresh')", "Refresh the diff"),
        Binding("escape", "answer('')", "Close", show=False),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-dialog", classes="t2-dialog"):
            yield Static("The sheet changed meanwhile", classes="t2-dialog-title")
            yield Static(
                "Someone edited the sheet after this diff was made, so nothing was written. "
                "Refresh the diff to plan again from the current sheet, review it and push again.",
            )
            yield Static(self.message, id="conflict-detail", classes="t2-hint")
            with Horizontal(classes="t2-buttons"):
                yield Button("Refresh the diff (r)", id="conflict-refresh", variant="primary")
                yield Button("Close (Esc)", id="conflict-close")

    def on_mount(self) -> None:
        self.query_one("#conflict-refresh", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss("refresh" if event.button.id == "conflict-refresh" else None)

    def action_answer(self, choice: str) -> None:
        self.dismiss(choice or None)

"""Deliberate confirmations: the push (type the period label) and the undo."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from okr_tui.core.grid import Plan
from okr_tui.sheets.base import SheetTarget


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class ConfirmPushScreen(ModalScreen[bool]):
    """Names the spreadsheet, worksheets, change counts and identity; the push is enabled only
    once the period label is typed exactly (and blocking anomalies are acknowledged)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, plan: Plan, target: SheetTarget) -> None:
        super().__init__()
        self.plan = plan
        self.target = target

    def compose(self) -> ComposeResult:
        plan, target = self.plan, self.target
        where = "workbook" if target.kind == "xlsx" else "spreadsheet"
        lines = [
            f"Write to the {where} [b]{escape(target.name)}[/b]",
            f"  {escape(target.location)}",
            "",
        ]
        for ws in plan.changed:
            extra = []
            if ws.create:
                extra.append("new worksheet")
            if ws.rows_inserted:
                extra.append(_count(ws.rows_inserted, "row") + " inserted")
            if ws.cols_inserted:
                extra.append(_count(ws.cols_inserted, "column") + " inserted")
            more = f" ({', '.join(extra)})" if extra else ""
            lines.append(f"  • {escape(ws.worksheet)}: {_count(len(ws.changes), 'cell')}{more}")
        lines += ["", f"as [b]{escape(target.identity)}[/b]"]
        if plan.left_out:
            lines.append(f"[yellow]Left out (missing data): {escape(', '.join(plan.left_out))}[/]")
        with Vertical(id="confirm-dialog", classes="t2-dialog"):
            yield Static(f"Push {plan.period_label}?", classes="t2-dialog-title")
            yield Static("\n".join(lines), id="confirm-summary")
            if plan.confirmations:
                yield Static(
                    "[b red]These anomalies block the push until you confirm them:[/]\n"
                    + "\n".join(f"  • {escape(c)}" for c in plan.confirmations),
                    id="confirm-anomalies",
                )
                yield Checkbox("I have checked these numbers", id="confirm-anomalies-ok")
            yield Static(
                f"Type the period label [b]{plan.period_label}[/b] to confirm:", classes="t2-hint"
            )
            yield Input(placeholder="type the label, then Enter", id="confirm-label")
            with Horizontal(classes="t2-buttons"):
                yield Button("Push", id="confirm-push", variant="error", disabled=True)
                yield Button("Cancel (Esc)", id="confirm-cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-label", Input).focus()

    @property
    def ready(self) -> bool:
        """True once the label matches and every blocking anomaly is acknowledged."""
        typed = self.query_one("#confirm-label", Input).value.strip()
        if typed != self.plan.period_label:
            return False
        if self.plan.confirmations:
            return self.query_one("#confirm-anomalies-ok", Checkbox).value
        return True

    @on(Input.Changed, "#confirm-label")
    @on(Checkbox.Changed)
    def _update(self) -> None:
        self.query_one("#confirm-push", Button).disabled = not self.ready

    @on(Input.Submitted, "#confirm-label")
    def _submitted(self) -> None:
        if self.ready:
            self.dismiss(True)
        elif self.query_one("#confirm-label", Input).value.strip() != self.plan.period_label:
            self.notify(
                f"Type the period label {self.plan.period_label} exactly to confirm.",
                severity="warning",
            )
        else:
            self.notify(
                'Tick "I have checked these numbers" first (shift+tab to it, space ticks).',
                severity="warning",
            )

    @on(Button.Pressed, "#confirm-push")
    def _push(self) -> None:
        if self.ready:
            self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ConfirmUndoScreen(ModalScreen[bool]):
    """Asks before restoring the backup of the last push. `y` confirms, `n`/Esc cancels."""

    BINDINGS = [
        Binding("y", "answer(True)", "Undo the push"),
        Binding("n", "answer(False)", "Keep it"),
        Binding("escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description

    def compose(self) -> ComposeResult:
        with Vertical(id="undo-dialog", classes="t2-dialog"):
            yield Static("Undo the last push?", classes="t2-dialog-title")
            yield Static(escape(self.description), id="undo-summary")
            yield Static(
                "The worksheets are restored from the backup only if nobody changed them since "
                "the push.",
                classes="t2-hint",
            )
            with Horizontal(classes="t2-buttons"):
                yield Button("Undo (y)", id="undo-yes", variant="error")
                yield Button("Keep (n)", id="undo-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#undo-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "undo-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

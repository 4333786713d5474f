"""Undo the last push from any screen (the command palette): confirm, then restore in a thread."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from rich.markup import escape
from textual.app import App

from okr_tui.sheets.base import SheetError
from okr_tui.tui import data
from okr_tui.tui.screens.confirm import ConfirmUndoScreen

log = logging.getLogger(__name__)


def _ops() -> Any:
    """okr_tui.services.sheet_ops, imported on first use (gspread & co. stay unloaded)."""
    return importlib.import_module("okr_tui.services.sheet_ops")


def undo_last_push(app: App[Any]) -> None:
    """Look up the last push (thread worker), ask with :class:`ConfirmUndoScreen`, then
    restore its backup (thread worker); the outcome is notified, failures also logged."""
    app.run_worker(lambda: _look_up(app), thread=True, group="palette-undo", exit_on_error=False)


def _look_up(app: App[Any]) -> None:
    ctx = app.ctx  # type: ignore[attr-defined]
    try:
        record = _ops().last_push(ctx)
    except data.SERVICE_ERRORS as exc:
        app.call_from_thread(_failed, app, data.log_failure("undo look-up", exc))
        return
    if record is None:
        app.call_from_thread(app.notify, "No push is recorded: nothing to undo.", title="Undo")
        return
    names = ", ".join(record.worksheets) or "the worksheets"
    description = (
        f"Restore {names} in {record.spreadsheet} ({record.period or 'last push'}, "
        f"{record.time}) from the backup\n{record.backup}"
    )
    app.call_from_thread(app.push_screen, ConfirmUndoScreen(description), _answered(app))


def _answered(app: App[Any]) -> Any:
    def answered(yes: bool | None) -> None:
        if yes:
            app.notify("Undoing the last push…", title="Undo")
            app.run_worker(lambda: _undo(app), thread=True, group="palette-undo")

    return answered


def _undo(app: App[Any]) -> None:
    ctx = app.ctx  # type: ignore[attr-defined]
    ops = _ops()
    try:
        outcome = ops.undo(ctx, ops.open_backend(ctx))
    except (SheetError, *data.SERVICE_ERRORS) as exc:
        app.call_from_thread(_failed, app, data.log_failure("undo", exc))
        return
    names = ", ".join(outcome.restored) or "nothing"
    app.call_from_thread(
        app.notify, f"Restored {escape(names)} from {escape(str(outcome.backup))}.", title="Undone"
    )


def _failed(app: App[Any], message: str) -> None:
    app.notify(message, title="Undo refused", severity="error", timeout=10)

"""The diff screen: what a push would change, per worksheet; owns confirm → push → result.

Plans and pushes run in thread workers through okr_tui.services.sheet_ops (never gspread)."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import (
    ContentSwitcher,
    DataTable,
    Header,
    LoadingIndicator,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker, WorkerState

from okr_tui.core.grid import Plan, WorksheetPlan
from okr_tui.core.models import Report
from okr_tui.sheets.base import SheetBackend, SheetConflict, SheetError, SheetNotShared, SheetTarget
from okr_tui.tui.screens.confirm import ConfirmPushScreen
from okr_tui.tui.screens.diff_tables import (
    CHANGE_COLUMNS,
    change_row,
    plan_summary,
    sheet_view,
    worksheet_notes,
    worksheet_summary,
)
from okr_tui.tui.screens.result import ConflictScreen, ResultScreen
from okr_tui.tui.widgets.quiet_footer import QuietFooter

log = logging.getLogger(__name__)


def default_ops() -> Any:
    """The sheet services module (open_backend, plan_for, push, undo)."""
    return importlib.import_module("okr_tui.services.sheet_ops")


def error_text(exc: BaseException, settings_hint: bool = True) -> str:
    """A one-paragraph explanation with a next step (never a traceback)."""
    if isinstance(exc, SheetNotShared):
        return (
            f"[b red]The spreadsheet is not shared with this identity.[/] {escape(str(exc))}\n"
            "Share it (Editor) with the service-account e-mail shown in Settings → Test "
            "spreadsheet, then press [b]r[/b] to try again."
        )
    if isinstance(exc, SheetError):
        return (
            f"[b red]Sheet error:[/] {escape(str(exc))}\n"
            "Check the spreadsheet settings (F2), then press [b]r[/b]."
        )
    hint = " Check Settings (F2)." if settings_hint else ""
    return f"[b red]{type(exc).__name__}:[/] {escape(str(exc))}\nPress [b]r[/b] to try again.{hint}"


class DiffScreen(Screen[None]):
    """Shows the plan for ``report``; `p` pushes it after a deliberate confirmation."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("p", "push", "Push…"),
        Binding("v", "toggle_view", "Changes ⇄ sheet"),
        Binding("r", "refresh", "Refresh diff"),
        Binding("a", "allow_partial", "Allow partial"),
    ]

    def __init__(self, report: Report, *, allow_partial: bool = False, ops: Any = None) -> None:
        super().__init__()
        self.report = report
        self.allow_partial = allow_partial
        self.ops = ops if ops is not None else default_ops()
        self.plan: Plan | None = None
        self.backend: SheetBackend | None = None
        self.target: SheetTarget | None = None
        self.view = "changes"
        self.busy = False

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="diff-body"):
            yield Static("", id="diff-target", classes="t2-title")
            yield Static("", id="diff-status")
            yield LoadingIndicator(id="diff-loading")
            yield TabbedContent(id="diff-tabs")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.sub_title = f"Diff {self.report.period.label}"
        self.action_refresh()

    # --- planning -------------------------------------------------------------------------
    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        self.query_one("#diff-loading").display = busy
        if message:
            self.query_one("#diff-status", Static).update(message)
        self.refresh_bindings()

    def action_refresh(self) -> None:
        if self.busy:
            return
        self._set_busy(True, "Reading the sheet and planning the changes…  (Esc cancels)")
        self._plan_worker(self.allow_partial)

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _plan_worker(self, allow_partial: bool) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        try:
            backend = self.backend or self.ops.open_backend(ctx)
            target = backend.target()
            plan = self.ops.plan_for(ctx, self.report, backend, allow_partial=allow_partial)
        except Exception as exc:  # shown with a next step, never a traceback
            if not isinstance(exc, SheetError):
                log.exception("planning failed")
            self.app.call_from_thread(self._plan_failed, exc)
        else:
            self.app.call_from_thread(self._show_plan, backend, target, plan)

    def _plan_failed(self, exc: BaseException) -> None:
        self.plan = None
        self._set_busy(False, error_text(exc))
        self.notify(str(exc), title="Could not make the diff", severity="error", timeout=10)

    async def _show_plan(self, backend: SheetBackend, target: SheetTarget, plan: Plan) -> None:
        self.backend, self.target, self.plan = backend, target, plan
        kind = "Workbook" if target.kind == "xlsx" else "Spreadsheet"
        self.query_one("#diff-target", Static).update(
            f"{kind} [b]{escape(target.name)}[/b]  ·  {escape(target.location)}"
            f"  ·  as {escape(target.identity)}"
            f"  ·  period [b]{plan.period_label}[/b]"
        )
        self._set_busy(False, self._status_text(plan))
        await self._fill_tabs(plan)

    def _status_text(self, plan: Plan) -> str:
        lines: list[str] = []
        if plan.blocked:
            lines.append(
                "[b red]Push refused: some cells depend on data that could not be fetched:[/] "
                + escape("; ".join(plan.blocked))
            )
            lines.append(
                "Press [b]a[/b] to plan with allow-partial (only complete cells are written), "
                "or go back and retry the fetch."
            )
        elif plan.empty:
            lines.append(f"[b green]{escape(plan_summary(plan))}[/]")
        else:
            lines.append(f"[b]{escape(plan_summary(plan))}[/]  Press [b]p[/b] to push.")
        if plan.left_out:
            lines.append("[yellow]Left out (allow-partial):[/] " + escape("; ".join(plan.left_out)))
        if plan.confirmations:
            lines.append(
                "[b yellow]To confirm before pushing:[/] " + escape("; ".join(plan.confirmations))
            )
        lines += [f"[yellow]⚠ {escape(w)}[/]" for w in plan.warnings]
        return "\n".join(lines)

    async def _fill_tabs(self, plan: Plan) -> None:
        tabs = self.query_one("#diff-tabs", TabbedContent)
        await tabs.clear_panes()
        for index, ws in enumerate(plan.worksheets):
            await tabs.add_pane(self._pane(index, ws))

    def _pane(self, index: int, ws: WorksheetPlan) -> TabPane:
        mark = "" if ws.empty else f" ({len(ws.changes)})"
        changes = DataTable(id=f"changes-{index}", zebra_stripes=True, cursor_type="row")
        changes.add_columns(*CHANGE_COLUMNS)
        for change in ws.changes:
            changes.add_row(*change_row(change))
        columns, rows = sheet_view(ws)
        sheet = DataTable(id=f"sheet-{index}", cursor_type="cell")
        sheet.add_columns(*columns)
        for label, cells in rows:
            sheet.add_row(*cells, label=label)
        summary = "\n".join([worksheet_summary(ws), *worksheet_notes(ws)])
        switcher = ContentSwitcher(
            changes, sheet, initial=f"{self.view}-{index}", classes="diff-switcher"
        )
        return TabPane(
            ws.worksheet + mark,
            Static(escape(summary), classes="diff-ws-summary"),
            switcher,
            id=f"ws-{index}",
        )

    # --- actions --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("push", "toggle_view", "allow_partial") and self.busy:
            return None
        # push / allow_partial stay enabled when idle: each says why when there is nothing to do
        return True

    def action_back(self) -> None:
        self.workers.cancel_group(self, "plan")
        self.dismiss(None)

    def action_toggle_view(self) -> None:
        if self.plan is None:
            return
        self.view = "sheet" if self.view == "changes" else "changes"
        for index, switcher in enumerate(self.query(".diff-switcher").results(ContentSwitcher)):
            switcher.current = f"{self.view}-{index}"
        label = "the full sheet (changes highlighted)" if self.view == "sheet" else "the changes"
        self.notify(f"Showing {label}.", timeout=2)

    def action_allow_partial(self) -> None:
        """Toggle "allow partial" (push the complete parts of an incomplete report), say the
        new state and plan again."""
        self.allow_partial = not self.allow_partial
        state = (
            "on — the complete parts of the report can be pushed"
            if self.allow_partial
            else "off — an incomplete report is not pushed"
        )
        self.notify(f"Allow partial: {state}.", title="Allow partial", timeout=4)
        self.action_refresh()

    def action_push(self) -> None:
        plan, target = self.plan, self.target
        if plan is None or target is None or plan.empty or plan.blocked:
            why = " — the report is incomplete (a allows partial)" if plan and plan.blocked else ""
            self.notify(f"Nothing to push{why}.", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._set_busy(
                    True,
                    f"Pushing {plan.period_label}: backing up, re-reading, writing, verifying…",
                )
                self._push_worker(plan)

        self.app.push_screen(ConfirmPushScreen(plan, target), confirmed)

    @work(thread=True, exclusive=True, group="push", exit_on_error=False)
    def _push_worker(self, plan: Plan) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        try:
            result = self.ops.push(ctx, plan, self.report, self.backend, confirmed=True)
        except Exception as exc:  # shown with a next step, never a traceback
            if not isinstance(exc, SheetError):
                log.exception("push failed")
            self.app.call_from_thread(self._push_failed, exc)
        else:
            self.app.call_from_thread(self._pushed, result)

    def _pushed(self, result: Any) -> None:
        self._set_busy(False, "Pushed. Press r to refresh the diff.")
        assert self.target is not None and self.backend is not None
        screen = ResultScreen(result, self.target, self.backend, self.ops)
        self.app.push_screen(screen, lambda _: self.action_refresh())

    def _push_failed(self, exc: BaseException) -> None:
        if isinstance(exc, SheetConflict):
            self._set_busy(
                False, f"[b red]Not pushed: the sheet changed meanwhile.[/] {escape(str(exc))}"
            )

            def answered(choice: str | None) -> None:
                if choice == "refresh":
                    self.action_refresh()

            self.app.push_screen(ConflictScreen(str(exc)), answered)
            return
        self._set_busy(False, "[b red]Push failed.[/] " + error_text(exc))
        self.notify(str(exc), title="Push failed", severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.CANCELLED and event.worker.group == "plan":
            self.busy = False

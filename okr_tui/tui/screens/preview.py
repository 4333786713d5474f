"""Preview screen: Cloud / HTC / Users grids filling as the fetch progresses."""

from __future__ import annotations

import gc
import threading
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from okr_tui.core.models import OperationsData, Report, ScopeHours, VoInfo
from okr_tui.core.selection import Selection
from okr_tui.sources.base import ProgressEvent
from okr_tui.tui import data
from okr_tui.tui.live import (
    ObservedAccounting,
    ObservedOperations,
    partial_cpu_rows,
    partial_users_rows,
)
from okr_tui.tui.messages import FetchFailed, FetchProgress, LiveRows, ReportFetched
from okr_tui.tui.tabledata import (
    GridRow,
    GridSummary,
    cpu_summary,
    grid_rows,
    pending_rows,
    users_rows,
    users_summary,
)
from okr_tui.tui.widgets.quiet_footer import QuietFooter
from okr_tui.tui.widgets.report_grid import ReportGrid
from okr_tui.tui.widgets.status import (
    banner_text,
    failed_sources,
    progress_text,
    provenance_text,
    summary_text,
)

if TYPE_CHECKING:
    from okr_tui.services.sheet_history import SheetPrevious

TABS = (("cloud", "Cloud"), ("htc", "HTC"), ("users", "Users"))
PAINT_GRACE = 0.1  # seconds after the first refresh (footer, grids settle) before fetching
REPORT_GRACE = 0.3  # the same after the report is shown (its repaint is the heaviest)
PAINT_WAIT = 1.0  # the fetch never waits longer than this for the first paint


class PreviewScreen(Screen[None]):
    """The numbers before they are published. Enter drills down, d shows the sheet diff."""

    TITLE = "Preview"
    BINDINGS = [
        Binding("t", "next_tab", "Next tab", id="preview.next_tab"),
        Binding("1", "tab(0)", "Cloud tab", id="preview.tab1", show=False),
        Binding("2", "tab(1)", "HTC tab", id="preview.tab2", show=False),
        Binding("3", "tab(2)", "Users tab", id="preview.tab3", show=False),
        Binding("slash", "filter", "Filter", id="preview.filter"),
        Binding("r", "retry", "Retry fetch", id="preview.retry"),
        Binding("v", "provenance", "Sources", id="preview.sources"),
        Binding("d", "diff", "Diff", id="preview.diff"),
        Binding("escape", "back", "Back", id="preview.back"),
    ]

    def __init__(self, selection: Selection, vos: list[VoInfo] | None = None) -> None:
        # Long-lived objects (modules, app, widgets) out of the cyclic GC: a full collection
        # of this heap took 100-300 ms, every UI callback waiting behind it.
        gc.freeze()
        super().__init__()
        self.selection = selection
        self.vos = vos or []
        self.report: Report | None = None
        self.summaries: dict[str, GridSummary] = {}
        self.progress: dict[str, ProgressEvent] = {}
        self.error: str | None = None
        self._progress_shown = ""
        self._painted = threading.Event()  # the screen is drawn: the fetch may take the CPU
        self._report_painted = threading.Event()  # the report is drawn: the sheet may be read
        self.sub_title = selection.period.label

    @property
    def scopes(self) -> list[str]:
        return [k for k, _ in TABS if k in self.selection.reports]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="preview-top"):
            yield Static(id="summary")
            yield Static(id="progress")
            yield Static(id="banner")
        yield Input(id="grid-filter", placeholder="filter VOs (name or flag) — Esc closes")
        with TabbedContent(id="tabs"):
            for key, label in TABS:
                if key in self.selection.reports:
                    with TabPane(label, id=f"tab-{key}"):
                        yield ReportGrid(key, id=f"grid-{key}")
        with VerticalScroll(id="provenance"):  # focusable: arrows / PgUp / PgDn scroll it
            yield Static(id="provenance-text")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#grid-filter").display = False
        self.query_one("#provenance").display = False
        if self.scopes:
            self.query_one(f"#grid-{self.scopes[0]}", ReportGrid).focus()
        names = [v.name for v in self.vos]
        months = self.selection.period.month_keys
        for scope in self.scopes:
            grid = self.query_one(f"#grid-{scope}", ReportGrid)
            grid.set_columns(months, "Users" if scope == "users" else "Total CPU/h")
            grid.set_rows(pending_rows(names, len(months)))
        self.set_interval(0.1, self._show_progress)
        self.call_after_refresh(self.set_timer, PAINT_GRACE, self._painted.set)
        self.start_fetch()

    def on_unmount(self) -> None:
        """Hand the frozen objects back to the GC (this screen among them), so a closed
        preview is reclaimed by a later collection instead of kept forever."""
        gc.unfreeze()

    # --- fetching -----------------------------------------------------------------------------
    def start_fetch(self) -> None:
        """(Re)fetch the whole selection in a worker."""
        self.error = None
        self.progress = {}
        self.query_one("#banner", Static).update("")
        self._fetch()

    @work(group="fetch", exclusive=True, exit_on_error=False, thread=True)
    def _fetch(self) -> None:
        """The whole fetch on its own event loop in a thread: the UI loop stays free."""
        from okr_tui.services.fetching import Sources, fetch_report, open_sources

        ctx = self.app.ctx  # type: ignore[attr-defined]
        worker = get_current_worker()
        if not data.wait_for(PAINT_WAIT, self._painted, worker):
            return

        async def fetch() -> Report:
            sources = open_sources(ctx, self.selection)
            gc.freeze()  # and the source modules just imported (see __init__)
            observed = Sources(
                ObservedAccounting(sources.accounting, self._on_hours),  # type: ignore[arg-type]
                ObservedOperations(sources.operations, self._on_ops),  # type: ignore[arg-type]
                sources.notes,
            )
            try:
                return await fetch_report(
                    ctx, self.selection, progress=self._on_progress, sources=observed
                )
            finally:
                await sources.aclose()

        try:
            report = data.run_in_thread(worker, fetch)
        except data.Cancelled:
            return
        except data.SERVICE_ERRORS as exc:
            self.post_message(FetchFailed(data.log_failure("fetch", exc), "press r to retry"))
            return
        if not worker.is_cancelled:
            self.post_message(ReportFetched(report, grid_rows(report, self.scopes)))

    def _on_progress(self, event: ProgressEvent) -> None:
        self.post_message(FetchProgress(event))

    def _on_hours(self, hours: ScopeHours) -> None:
        """(worker thread) One scope's hours arrived: show them before the report is built."""
        if hours.period == self.selection.period and hours.scope in self.scopes:
            self.post_message(LiveRows(hours.scope, partial_cpu_rows(hours, self.vos)))

    def _on_ops(self, got: OperationsData) -> None:
        """(worker thread) The users arrived."""
        if "users" in self.scopes and not got.failed:
            rows = partial_users_rows(got, self.selection.period, self.vos)
            self.post_message(LiveRows("users", rows))

    def on_live_rows(self, message: LiveRows) -> None:
        if self.report is None and message.scope in self.scopes:
            self.query_one(f"#grid-{message.scope}", ReportGrid).set_rows(message.rows)

    @property
    def fetching(self) -> bool:
        return any(w.is_running and not w.is_cancelled for w in self.workers if w.group == "fetch")

    def on_fetch_progress(self, message: FetchProgress) -> None:
        self.progress[message.event.source] = message.event

    def _show_progress(self) -> None:
        state = "fetching" if self.fetching else ("failed" if self.error else "done")
        failed: set[str] = set()
        if state == "done" and self.report is not None:
            failed = {what for what, _ in failed_sources(self.report, self.scopes)}
            if failed and failed >= set(self.scopes):
                state = "failed"  # every requested report failed: nothing is "done"
        text = progress_text(self.progress, state, failed)
        if text != self._progress_shown:  # no redraw (and no CPU) while nothing changes
            self._progress_shown = text
            # one fixed-height line: a repaint, never a layout pass of the whole screen
            self.query_one("#progress", Static).update(text, layout=False)

    def on_fetch_failed(self, message: FetchFailed) -> None:
        self.error = message.text
        self.query_one("#banner", Static).update(
            f"[b red]Fetch failed:[/] {message.text} — {message.hint}"
        )
        self.notify(message.text, title="Fetch failed", severity="error", timeout=10)

    def on_report_fetched(self, message: ReportFetched) -> None:
        self._report_painted.clear()
        self.show_report(message.report, message.rows)
        self.call_after_refresh(self.set_timer, REPORT_GRACE, self._report_painted.set)
        failed = failed_sources(message.report, self.scopes)
        for what, reason in failed:  # the log file keeps what the banner shows
            data.log.error("fetch of %s failed: %s", what, reason)
        if len(failed) < len(self.scopes):
            self._sheet_previous(message.report)  # nothing to compare when all failed

    @property
    def cpu_scopes(self) -> list[str]:
        return [s for s in self.scopes if s != "users"]

    @work(group="sheet", exclusive=True, exit_on_error=False, thread=True)
    def _sheet_previous(self, report: Report) -> None:
        """The comparisons that come from the sheet (SPEC §4): APPEARED/DISAPPEARED vs the CPU
        worksheets' previous rows and the users of the users worksheet's previous column."""
        ctx = self.app.ctx  # type: ignore[attr-defined]
        if not data.wait_for(PAINT_WAIT, self._report_painted, get_current_worker()):
            return
        try:
            previous = data.sheet_previous(ctx, report.period, self.cpu_scopes)
        except data.SERVICE_ERRORS as exc:
            self.app.call_from_thread(
                self._sheet_unavailable, report, data.log_failure("sheet read", exc)
            )
            return
        self.app.call_from_thread(self._apply_sheet_previous, report, previous)

    def _sheet_unavailable(self, report: Report, why: str) -> None:
        if report is not self.report:
            return
        for scope in self.cpu_scopes:
            cpu = report.cpu(scope)
            if cpu is not None:
                self.summaries[scope] = cpu_summary(cpu, note="the sheet could not be read")
        self._show_summary()
        self.notify(
            f"Compared with the fetched previous period, not the sheet: {why}",
            title="Sheet unavailable",
            severity="warning",
            timeout=10,
        )

    def _apply_sheet_previous(self, report: Report, previous: SheetPrevious) -> None:
        if report is not self.report:
            return
        for scope in self.cpu_scopes:
            cpu = report.cpu(scope)
            row = previous.cpu.get(scope)
            if cpu is None:
                continue
            if row is None:
                self.summaries[scope] = cpu_summary(cpu, note="the sheet has no earlier row")
            else:
                self.summaries[scope] = cpu_summary(cpu, row.vos, row.label)
        users = report.users
        if users is not None and users.previous is None:
            users.previous = previous.users or {}
            self.query_one("#grid-users", ReportGrid).set_rows(users_rows(report, users))
            compared = (
                f"the users worksheet ({previous.users_label})"
                if previous.users_label
                else "the users worksheet: no earlier period column"
            )
            self.summaries["users"] = users_summary(users, compared=compared)
        self._show_summary()

    def show_report(self, report: Report, rows: dict[str, list[GridRow]] | None = None) -> None:
        """Fill every grid and the summaries from ``report`` (``rows``: the grid rows when
        already built off the UI thread)."""
        self.report = report
        built = rows if rows is not None else grid_rows(report, self.scopes)
        for scope in self.scopes:
            grid = self.query_one(f"#grid-{scope}", ReportGrid)
            if scope == "users":
                if report.users is not None:
                    grid.set_rows(built.get(scope, []))
                    self.summaries[scope] = users_summary(report.users)
                continue
            cpu = report.cpu(scope)
            if cpu is not None:
                grid.set_rows(built.get(scope, []))
                self.summaries[scope] = cpu_summary(cpu, note="reading the sheet…")
        self._show_summary()
        self.query_one("#banner", Static).update(banner_text(report, self.scopes))
        self.query_one("#provenance-text", Static).update(provenance_text(report))
        self._show_progress()

    def _active_scope(self) -> str:
        active = self.query_one("#tabs", TabbedContent).active or ""
        return active.removeprefix("tab-")

    @on(TabbedContent.TabActivated)
    def _show_summary(self) -> None:
        scope = self._active_scope()
        self.query_one("#summary", Static).update(
            summary_text(scope, self.summaries.get(scope), self.selection.period.label)
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "fetch" and event.state == WorkerState.ERROR:
            event.stop()
            self.post_message(
                FetchFailed(
                    data.log_failure("fetch worker", event.worker.error), "press r to retry"
                )
            )  # type: ignore[arg-type]

    # --- actions ------------------------------------------------------------------------------
    def current_grid(self) -> ReportGrid | None:
        scope = self._active_scope()
        return self.query_one(f"#grid-{scope}", ReportGrid) if scope else None

    def action_next_tab(self) -> None:
        """Cloud → HTC → Users → Cloud (the tabs of the selected reports)."""
        scopes = self.scopes
        if scopes:
            current = self._active_scope()
            index = scopes.index(current) + 1 if current in scopes else 0
            self._activate(scopes[index % len(scopes)])

    def action_tab(self, index: int) -> None:
        """Jump to the Cloud (1), HTC (2) or Users (3) tab when it was selected."""
        scope = TABS[index][0]
        if scope in self.scopes:
            self._activate(scope)

    def _activate(self, scope: str) -> None:
        self.query_one("#tabs", TabbedContent).active = f"tab-{scope}"
        self.call_after_refresh(self._focus_grid)

    def action_filter(self) -> None:
        box = self.query_one("#grid-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#grid-filter")
    def _filter(self, event: Input.Changed) -> None:
        for grid in self.query(ReportGrid):
            grid.set_filter(event.value)  # a grid in a hidden tab applies it when shown

    @on(Input.Submitted, "#grid-filter")
    def _filter_done(self) -> None:
        grid = self.current_grid()
        if grid is not None:
            grid.focus()

    def action_retry(self) -> None:
        if self.fetching:
            self.notify("A fetch is already running (Esc cancels it).")
            return
        self.start_fetch()

    def action_provenance(self) -> None:
        """Show (and focus, so it scrolls) or hide the sources / missing / anomalies panel."""
        panel = self.query_one("#provenance", VerticalScroll)
        panel.display = not panel.display
        if panel.display:
            panel.focus()
        else:
            self._focus_grid()

    def _focus_grid(self) -> None:
        grid = self.current_grid()
        if grid is not None:
            grid.focus()

    def action_diff(self) -> None:
        if self.report is None:
            self.notify("Wait for the data (or press r to retry) before the diff.")
            return
        from okr_tui.tui.screens.diff import DiffScreen

        self.app.push_screen(DiffScreen(self.report))

    def action_back(self) -> None:
        """Esc: close the filter, else cancel a running fetch, else go back."""
        box = self.query_one("#grid-filter", Input)
        if box.display:  # first Esc: clear and close the filter, wherever the focus is
            box.value = ""
            box.display = False
            self._focus_grid()
            return
        panel = self.query_one("#provenance", VerticalScroll)
        if panel.display and panel.has_focus:
            panel.display = False
            self._focus_grid()
            return
        if self.fetching:
            self.workers.cancel_group(self, "fetch")
            self.error = "cancelled"
            self.query_one("#banner", Static).update(
                "[b yellow]Fetch cancelled.[/] Press r to fetch again, Esc to go back."
            )
            self.notify("Fetch cancelled.")
            return
        self.app.pop_screen()

    @on(ReportGrid.Drill)
    def _drill(self, event: ReportGrid.Drill) -> None:
        if self.report is None:
            self.notify("The data of this VO is still being fetched.")
            return
        from okr_tui.tui.screens.drilldown import DrillDownScreen

        names = [r.vo for r in event.grid.shown]
        self.app.push_screen(DrillDownScreen(self.report, names, names.index(event.row.vo)))

"""VO drill-down: monthly charts, breakdown per NGI/site, ID card, history, anomalies."""

from __future__ import annotations

from itertools import count

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker, WorkerState, get_current_worker
from textual_plotext import PlotextPlot

from okr_tui.core.models import SCOPES, Report, vo_key
from okr_tui.core.periods import Period
from okr_tui.tui import data
from okr_tui.tui.messages import (
    BreakdownLoaded,
    CpuHistoryLoaded,
    HistoryLoaded,
    VoCardLoaded,
)
from okr_tui.tui.widgets.quiet_footer import QuietFooter

_generation = count()
BREAKDOWN_KINDS = ("ngi", "site", "country")


def _ticks(values: list[float], n: int = 5) -> list[float]:
    """Evenly spaced y ticks from the smallest to the largest value."""
    low, high = min(values, default=0.0), max(values, default=0.0)
    if high <= low:
        low, high = low - 1.0, high + 1.0
    return [low + (high - low) * i / (n - 1) for i in range(n)]


def _short(value: float) -> str:
    """1234567 → 1.2M (axis labels)."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.4g}{unit}"
    return f"{value:.0f}"


class DrillDownScreen(Screen[None]):
    """One VO in detail; n / p move to the next / previous VO of the grid, Esc goes back."""

    TITLE = "VO drill-down"
    BINDINGS = [
        Binding("n", "move(1)", "Next VO", id="drill.next"),
        Binding("p", "move(-1)", "Previous VO", id="drill.prev"),
        Binding("b", "toggle_breakdown", "NGI/site/country", id="drill.breakdown"),
        Binding("h", "cpu_history", "CPU history", id="drill.history"),
        Binding("escape", "back", "Back", id="drill.back"),
    ]

    def __init__(self, report: Report, vos: list[str], index: int = 0) -> None:
        super().__init__()
        self.report = report
        self.vos = vos
        self.index = index
        self.breakdown_by = BREAKDOWN_KINDS[0]
        self.cpu_history: dict[str, dict[Period, float | None]] = {}
        self.sheet_users: dict[str, int | None] | None = None
        self.sheet_error: str | None = None
        self._bd_rows: dict[str, str] = {}
        self._bd_errors: dict[str, str] = {}

    @property
    def vo(self) -> str:
        return self.vos[self.index]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="drill-title")
        with Horizontal(id="drill-charts"):
            yield PlotextPlot(id="chart-cpu")
            yield PlotextPlot(id="chart-users")
        with Horizontal(id="drill-bottom"):
            with Vertical(id="drill-breakdown-box"):
                yield Static(id="breakdown-title")
                yield DataTable(id="breakdown", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="drill-info"):
                yield Static(id="card")
                yield Static(id="history")
                yield Static(id="anomalies")
        yield QuietFooter()

    def on_mount(self) -> None:
        table = self.query_one("#breakdown", DataTable)
        table.add_column("Where", key="where")
        for scope in SCOPES:
            table.add_column(f"{scope.upper()} CPU/h", key=scope)
        self.show_vo()

    # --- one VO -------------------------------------------------------------------------------
    def show_vo(self) -> None:
        """Render what is already known and start the workers for the rest."""
        vo, report = self.vo, self.report
        self.sub_title = vo
        self.query_one("#drill-title", Static).update(
            f"[b]{escape(vo)}[/]  ({self.index + 1}/{len(self.vos)})  ·  {report.period.label}"
            "  ·  n/p next/previous VO"
        )
        self._draw_cpu_chart()
        self._draw_users_chart()
        self._show_anomalies()
        self._show_history()
        self.query_one("#card", Static).update("[b]VO ID card[/]\nloading…")
        self._clear_breakdown()
        self._load_breakdown(vo, self.breakdown_by)
        self._load_card(vo)
        self._load_sheet_history(vo)

    def _clear_breakdown(self) -> None:
        self.query_one("#breakdown", DataTable).clear()
        self._bd_rows = {}
        self._bd_errors = {}
        self.query_one("#breakdown-title", Static).update(
            f"[b]Breakdown per {self.breakdown_by.upper()}[/] loading…"
        )

    def _breakdown_title(self) -> None:
        lines = [f"[b]Breakdown per {self.breakdown_by.upper()}[/] (b: NGI → site → country)"]
        for scope, error in self._bd_errors.items():
            lines.append(f"[yellow]{scope.upper()} unavailable:[/] {escape(error)}")
        self.query_one("#breakdown-title", Static).update("\n".join(lines))

    def _draw_cpu_chart(self) -> None:
        plot = self.query_one("#chart-cpu", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        months = self.report.period.month_keys
        xs = list(range(1, len(months) + 1))
        drawn = []
        for scope, side in zip(SCOPES, ("left", "right"), strict=True):
            cpu = self.report.cpu(scope)
            row = cpu.hours_of(self.vo) if cpu else None
            if row is None:
                continue
            ys = [row.months.get(m, 0.0) for m in months]
            plt.plot(xs, ys, label=f"{scope.upper()} ({side} axis)", marker="braille", yside=side)
            ticks = _ticks(ys)
            plt.yticks(ticks, [_short(t) for t in ticks], yside=side)
            drawn.append(scope.upper())
        if len(months) > 1:
            step = max(1, len(months) // 6)
            plt.xticks(xs[::step], months[::step])
        names = " and ".join(drawn) if drawn else "no accounting"
        plt.title(f"CPU/h per month — {names}")
        plot.refresh()

    def _draw_users_chart(self) -> None:
        plot = self.query_one("#chart-users", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        row = self.report.users.row(self.vo) if self.report.users else None
        series = sorted(row.series.items()) if row else []
        if series:
            plt.plot(list(range(1, len(series) + 1)), [v for _, v in series], marker="braille")
            step = max(1, len(series) // 6)
            ticks = list(range(1, len(series) + 1, step))
            plt.xticks(ticks, [series[i - 1][0] for i in ticks])
        plt.title("users per month" if series else "users: no data")
        plot.refresh()

    def _show_anomalies(self) -> None:
        key = vo_key(self.vo)
        found = [a for a in self.report.anomalies if a.vo is not None and vo_key(a.vo) == key]
        missing = [m for m in self.report.missing if m.vo is not None and vo_key(m.vo) == key]
        lines = ["[b]Anomalies[/]"] if found or missing else ["[b]Anomalies[/] none"]
        for a in found:
            block = " [b red](blocks the push until confirmed)[/]" if a.blocking else ""
            lines.append(f"• {a.scope}: {escape(a.detail)}{block}")
        for m in missing:
            lines.append(f"• {m.scope}: no data — {escape(m.reason)}")
        self.query_one("#anomalies", Static).update("\n".join(lines))

    def _show_history(self) -> None:
        lines = ["[b]History[/]"]
        if self.sheet_error:
            lines.append(f"users (sheet): [yellow]unavailable[/] — {escape(self.sheet_error)}")
        elif self.sheet_users is None:
            lines.append("users per period: reading the users worksheet…")
        elif self.sheet_users:
            cells = [f"{k} {'—' if v is None else f'{v:,}'}" for k, v in self.sheet_users.items()]
            lines.append("users (sheet): " + " · ".join(cells))
        else:
            lines.append("users (sheet): this VO has no row in the users worksheet")
        for scope, hours in self.cpu_history.items():
            cells = [
                f"{p.label} {'—' if h is None else f'{round(h):,}'}"
                for p, h in sorted(hours.items())
            ]
            lines.append(f"{scope.upper()} CPU/h: " + " · ".join(cells))
        if not self.cpu_history:
            lines.append("[dim]h: fetch CPU/h of the four previous periods[/]")
        self.query_one("#history", Static).update("\n".join(lines))

    # --- workers ------------------------------------------------------------------------------
    @work(group="breakdown", exclusive=True, exit_on_error=False, thread=True)
    def _load_breakdown(self, vo: str, by: str) -> None:
        from okr_tui.services.fetching import fetch_breakdown

        ctx = self.app.ctx  # type: ignore[attr-defined]
        worker = get_current_worker()
        for scope in SCOPES:
            if self.report.cpu(scope) is None or worker.is_cancelled:
                continue
            try:
                got = data.run_in_thread(
                    worker,
                    lambda s=scope: fetch_breakdown(ctx, s, self.report.period, vo, by),  # type: ignore[misc]
                )
            except data.Cancelled:
                return
            except data.SERVICE_ERRORS as exc:
                cause = str(getattr(exc, "cause", ""))
                if "no breakdown by" in cause:  # this API cannot split by `by`: not a failure
                    error = f"a breakdown per {by} is not available from this accounting API"
                else:
                    error = data.log_failure("breakdown", exc)
                self.post_message(BreakdownLoaded(scope, vo, None, error))
                continue
            self.post_message(BreakdownLoaded(scope, vo, got))

    def on_breakdown_loaded(self, message: BreakdownLoaded) -> None:
        if message.vo != self.vo:
            return
        table = self.query_one("#breakdown", DataTable)
        if message.breakdown is None:
            self._bd_errors[message.scope] = message.error or "no data"
        self._breakdown_title()
        if message.breakdown is None:
            return
        for where, hours in sorted(message.breakdown.hours.items(), key=lambda kv: -kv[1]):
            cell = Text(f"{round(hours):,}", justify="right")
            if where in self._bd_rows:
                table.update_cell(self._bd_rows[where], message.scope, cell)
            else:  # fresh row keys after every clear() (Textual #1806)
                self._bd_rows[where] = f"{where}@{next(_generation)}"
                cells = {s: Text("") for s in SCOPES} | {message.scope: cell}
                table.add_row(where, *(cells[s] for s in SCOPES), key=self._bd_rows[where])

    @work(group="card", exclusive=True, exit_on_error=False, thread=True)
    def _load_card(self, vo: str) -> None:
        from okr_tui.services.fetching import fetch_vo_card

        ctx = self.app.ctx  # type: ignore[attr-defined]
        try:
            card = data.run_in_thread(get_current_worker(), lambda: fetch_vo_card(ctx, vo))
        except data.Cancelled:
            return
        except data.SERVICE_ERRORS as exc:
            self.post_message(VoCardLoaded(vo, None, data.log_failure("VO card", exc)))
            return
        self.post_message(VoCardLoaded(vo, card))

    def on_vo_card_loaded(self, message: VoCardLoaded) -> None:
        if message.vo != self.vo:
            return
        card = message.card
        if card is None:
            text = f"[b]VO ID card[/]\n[yellow]unavailable: {escape(message.error or '')}[/]"
        else:
            text = (
                f"[b]VO ID card[/]\nScope: {escape(card.scope)}\n"
                f"Homepage: {escape(card.home_url)}\n"
                f"Acknowledgment: {escape(card.acknowledgement)}\n"
                f"Publications: {escape(card.publications_url)}"
            )
        self.query_one("#card", Static).update(text)

    @work(group="sheet-history", exclusive=True, exit_on_error=False, thread=True)
    def _load_sheet_history(self, vo: str) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        try:
            users = data.sheet_users_history(ctx, vo)
        except data.SERVICE_ERRORS as exc:
            self.post_message(HistoryLoaded(vo, {}, data.log_failure("users history", exc)))
            return
        self.post_message(HistoryLoaded(vo, users))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.vo != self.vo:
            return
        self.sheet_users = message.users
        self.sheet_error = message.error
        self._show_history()

    @work(group="cpu-history", exclusive=True, exit_on_error=False, thread=True)
    def _load_cpu_history(self, vo: str, periods: list[Period]) -> None:
        from okr_tui.services.fetching import fetch_cpu_history

        ctx = self.app.ctx  # type: ignore[attr-defined]
        worker = get_current_worker()
        for scope in SCOPES:
            if self.report.cpu(scope) is None or worker.is_cancelled:
                continue
            try:
                hours = data.run_in_thread(
                    worker,
                    lambda s=scope: fetch_cpu_history(ctx, s, vo, periods),  # type: ignore[misc]
                )
            except data.Cancelled:
                return
            except data.SERVICE_ERRORS as exc:
                self.post_message(
                    CpuHistoryLoaded(scope, vo, {}, data.log_failure("CPU history", exc))
                )
                continue
            self.post_message(CpuHistoryLoaded(scope, vo, hours))

    def on_cpu_history_loaded(self, message: CpuHistoryLoaded) -> None:
        if message.vo != self.vo:
            return
        if message.error:
            self.notify(message.error, title=f"{message.scope} history", severity="warning")
            return
        self.cpu_history[message.scope] = message.hours
        self._show_history()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly: say so where its result would have been."""
        if event.state != WorkerState.ERROR:
            return
        event.stop()
        error = data.log_failure("drill-down worker", event.worker.error or RuntimeError("failed"))
        if event.worker.group == "sheet-history":
            self.post_message(HistoryLoaded(self.vo, {}, error))
        else:
            self.notify(error, title=f"{event.worker.group} failed", severity="error")

    # --- actions ------------------------------------------------------------------------------
    def action_move(self, step: int) -> None:
        """Next / previous VO without leaving the screen."""
        if len(self.vos) < 2:
            return
        self.index = (self.index + step) % len(self.vos)
        self.cpu_history = {}
        self.sheet_users = None
        self.sheet_error = None
        self.show_vo()

    def action_toggle_breakdown(self) -> None:
        i = BREAKDOWN_KINDS.index(self.breakdown_by)
        self.breakdown_by = BREAKDOWN_KINDS[(i + 1) % len(BREAKDOWN_KINDS)]
        self._clear_breakdown()
        self._load_breakdown(self.vo, self.breakdown_by)

    def action_cpu_history(self) -> None:
        """Fetch CPU/h of this VO for the four periods before this one."""
        periods: list[Period] = []
        p = self.report.period
        for _ in range(4):
            p = p.previous()
            periods.append(p)
        self.query_one("#history", Static).update("[b]History[/]\nfetching CPU/h history…")
        self._load_cpu_history(self.vo, periods)

    def action_back(self) -> None:
        self.workers.cancel_node(self)
        self.app.pop_screen()

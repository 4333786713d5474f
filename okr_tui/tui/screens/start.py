"""Start screen: the period, the reports and the VOs to preview."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Checkbox, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from okr_tui.core.models import VoInfo, vo_key
from okr_tui.core.periods import Period, PeriodError, parse_period, quick_picks
from okr_tui.core.selection import Selection
from okr_tui.tui import data
from okr_tui.tui.messages import VoListLoaded
from okr_tui.tui.widgets.quiet_footer import QuietFooter
from okr_tui.tui.widgets.vo_list import VoList

REPORTS = (
    ("cloud", "Cloud CPU/h"),
    ("htc", "HTC CPU/h"),
    ("users", "Users"),
    ("vos", "VOs report"),
)
API_TEXT = {
    "auto": "auto — the 2026 dump, falling back to the legacy path API",
    "dump": "dump — the 2026 accounting dump only",
    "legacy": "legacy — the accounting path API",
}


# what the bundled demo data covers (accounting dump 2023-01..2024-12; checked by a test)
DEMO_MONTHS = Period.of("2023-01", "2024-12")
# the demo's "today" for the quick picks: mid-January after the demo quarter
DEMO_TODAY = DEMO_MONTHS.end.shift(1).first_day() + timedelta(days=14)


def _demo_covers(period: Period) -> bool:
    return DEMO_MONTHS.start <= period.start and period.end <= DEMO_MONTHS.end


class StartScreen(Screen[None]):
    """Choose what to fetch, then Enter / ctrl+r opens the live preview."""

    TITLE = "Start"
    BINDINGS = [
        Binding("ctrl+r", "preview", "Preview", id="start.preview", priority=True),
        Binding("ctrl+a", "select_all", "All VOs", id="start.all", priority=True),
        Binding("ctrl+n", "select_none", "No VOs", id="start.none", priority=True),
        Binding("ctrl+t", "invert", "Invert", id="start.invert", priority=True),
        Binding("ctrl+f", "focus_filter", "Filter VOs", id="start.filter"),
        Binding("ctrl+l", "reload_vos", "Reload VOs", id="start.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period: Period | None = None
        self.period_warning: str | None = None
        self.vo_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="start-body"):
            with Vertical(id="start-left"):
                yield Label("Period", classes="section-title")
                yield Input(id="period", placeholder="2024Q4, 2024-10..2024-12, 2024.10-12")
                yield Static(id="period-status")
                yield Label("Quick picks", classes="section-title", id="quick-picks-title")
                yield OptionList(id="quick-picks")
                yield Label("Reports", classes="section-title")
                for key, label in REPORTS:
                    yield Checkbox(label, value=key != "vos", id=f"report-{key}")
                yield Checkbox("Include non-production VOs", value=False, id="non-production")
                yield Static(id="target-info")
            with Vertical(id="start-right"):
                yield Label("Production VOs", classes="section-title")
                yield Input(id="vo-filter", placeholder="type to filter VOs (name or scope)")
                yield VoList(id="vo-list")
                yield Static("Loading the VO list…", id="vo-count")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.reload_settings()
        self.query_one("#period", Input).focus()

    def _fill_quick_picks(self) -> None:
        """The quick picks; in demo mode relative to the demo's "today" (the data's quarter)."""
        ctx = self.app.ctx  # type: ignore[attr-defined]
        today = DEMO_TODAY if ctx.demo else ctx.clock.today()
        picks = self.query_one("#quick-picks", OptionList)
        picks.clear_options()
        for name, period in quick_picks(today).items():
            text = Text(f"{name:<22} {period.label}")
            if ctx.demo and not _demo_covers(period):
                text.append("\n" + " " * 23 + "(no demo data)", style="dim")
            picks.add_option(Option(text, id=str(period)))
        title = f"Quick picks (demo: as of {DEMO_TODAY})" if ctx.demo else "Quick picks"
        self.query_one("#quick-picks-title", Label).update(title)

    def reload_settings(self) -> None:
        """Re-read ctx (after settings were saved or the demo was opened)."""
        ctx = self.app.ctx  # type: ignore[attr-defined]
        default = data.default_period(ctx)
        self._fill_quick_picks()
        self.query_one("#period", Input).value = str(default)
        self.query_one("#report-vos", Checkbox).value = ctx.settings.vos_report
        self.query_one("#target-info", Static).update(self._target_text())
        self.load_vos()

    def _target_text(self) -> str:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        s = ctx.settings
        if ctx.demo:
            target = f"demo workbook {ctx.paths.demo_workbook}"
            sources = "recorded demo data (replay)"
        else:
            target = s.spreadsheet or "[b red]not set[/] — press F2 to open the settings"
            sources = API_TEXT.get(s.accounting_api, s.accounting_api)
        users = "Operations Portal"
        if ctx.demo:
            users += " (demo)"
        elif not s.operations_api_key:
            users += " — [b red]no API key[/]: F2"
        return f"[b]Target[/]  {target}\n[b]Accounting[/]  {sources}\n[b]Users[/]  {users}"

    # --- period -------------------------------------------------------------------------------
    @on(Input.Changed, "#period")
    def _period_changed(self, event: Input.Changed) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        status = self.query_one("#period-status", Static)
        blank = not event.value.strip()
        try:  # a blank box is the default period (demo: the demo quarter), said so below
            text = str(data.default_period(ctx)) if blank else event.value
            period, warning = parse_period(text, ctx.clock.today(), ctx.settings.settling_days)
        except PeriodError as exc:
            self.period, self.period_warning = None, None
            status.update(f"[b red]✗[/] {exc}")
            status.set_class(True, "-invalid")
            return
        self.period, self.period_warning = period, warning
        months = len(period)
        text = f"[b green]✓[/] {period.label}  ({months} month{'s' if months > 1 else ''})"
        if blank:
            text += " — the default period"
        if warning:
            text += f"\n[yellow]⚠ {warning}[/]"
        if ctx.demo and not _demo_covers(period):
            text += (
                f"\n[yellow]⚠ the demo data covers {DEMO_MONTHS} only: "
                "months outside it will show as missing[/]"
            )
        status.update(text)
        status.set_class(False, "-invalid")

    @on(Input.Submitted, "#period")
    def _period_submitted(self) -> None:
        self.action_preview()

    @on(OptionList.OptionSelected, "#quick-picks")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#period", Input).value = event.option.id or ""

    # --- VOs ----------------------------------------------------------------------------------
    def action_reload_vos(self) -> None:
        """Fetch the VO list again, bypassing the cache."""
        self.load_vos(refresh=True)

    def load_vos(self, refresh: bool = False) -> None:
        self.query_one("#vo-count", Static).update("Loading the VO list…")
        self._load_vos(refresh)

    @work(group="vo-list", exclusive=True, exit_on_error=False, thread=True)
    def _load_vos(self, refresh: bool) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        worker = get_current_worker()
        try:
            vos = data.run_in_thread(worker, lambda: data.load_vo_list(ctx, refresh=refresh))
        except data.Cancelled:
            return
        except data.SERVICE_ERRORS as exc:
            self.post_message(VoListLoaded([], error=data.log_failure("VO list", exc)))
            return
        self.post_message(VoListLoaded(vos))

    def on_vo_list_loaded(self, message: VoListLoaded) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        self.vo_error = message.error
        excluded = {vo_key(v) for v in ctx.settings.excluded_vos}
        self.query_one(VoList).set_vos(message.vos, excluded)
        if message.error:
            self.notify(
                f"{message.error}\nThe preview will use every production VO; "
                "ctrl+l reloads the list.",
                title="VO list unavailable",
                severity="warning",
                timeout=10,
            )
        self._update_count()

    @on(VoList.SelectionChanged)
    def _update_count(self) -> None:
        vos = self.query_one(VoList)
        widget = self.query_one("#vo-count", Static)
        if self.vo_error:
            widget.update(f"[yellow]VO list unavailable:[/] {self.vo_error}")
            return
        shown = len(vos.shown)
        text = f"{len(vos.checked)} of {len(vos.vos)} VOs selected"
        if shown != len(vos.vos):
            text += f" · {shown} shown · ctrl+a/n/t act on the shown VOs only"
        else:
            text += " · space toggles · ctrl+a all · ctrl+n none · ctrl+t invert"
        widget.update(text)

    @on(Input.Changed, "#vo-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.query_one(VoList).set_filter(event.value)
        self._update_count()

    @on(Input.Submitted, "#vo-filter")
    def _filter_done(self) -> None:
        self.query_one(VoList).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#vo-filter", Input).focus()

    def action_select_all(self) -> None:
        self.query_one(VoList).select_all()

    def action_select_none(self) -> None:
        self.query_one(VoList).select_none()

    def action_invert(self) -> None:
        self.query_one(VoList).invert()

    # --- go -----------------------------------------------------------------------------------
    def selection(self) -> Selection | None:
        """The selection on screen, or None (with a notification) when it is not valid."""
        if self.period is None:
            self.notify(
                "Fix the period first (see the message under it).",
                title="Invalid period",
                severity="error",
            )
            return None
        reports = frozenset(k for k, _ in REPORTS if self.query_one(f"#report-{k}", Checkbox).value)
        if not reports:
            self.notify("Tick at least one report.", title="Nothing to fetch", severity="error")
            return None
        vos = self.query_one(VoList)
        if vos.vos and not vos.checked:
            self.notify("Select at least one VO (ctrl+a selects all).", severity="error")
            return None
        return Selection(
            period=self.period,
            reports=reports,
            # the unticked VOs are exclusions (remembered in the settings), not a list of
            # named VOs: every production VO minus the settings' exclusions is a full report
            vos=(),
            exclude=tuple(vos.excluded_names()),
            include_non_production=self.query_one("#non-production", Checkbox).value,
            period_warning=self.period_warning,
        )

    def action_preview(self) -> None:
        """Open the preview of the current selection."""
        from okr_tui.tui.screens.preview import PreviewScreen

        selection = self.selection()
        if selection is None:
            return
        self._remember_exclusions(list(selection.exclude))
        vos = self.query_one(VoList)
        selected: list[VoInfo] = [v for v in vos.vos if vo_key(v.name) in vos.checked]
        self.app.push_screen(PreviewScreen(selection, selected))

    def _remember_exclusions(self, excluded: list[str]) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        if {vo_key(v) for v in excluded} == {vo_key(v) for v in ctx.settings.excluded_vos}:
            return
        if self.vo_error:
            return  # no list: nothing was chosen on screen
        if ctx.demo:
            ctx.settings = replace(ctx.settings, excluded_vos=tuple(excluded))
            return
        try:
            ctx.settings = data.save_exclusions(ctx, excluded)
        except data.SERVICE_ERRORS as exc:
            self.notify(f"Exclusions not saved: {data.explain(exc)}", severity="warning")
            return
        self.notify(f"{len(excluded)} excluded VO(s) remembered in the settings.", timeout=4)

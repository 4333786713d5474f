"""Texts of the preview's header panels: progress per source, summary, provenance."""

from __future__ import annotations

from rich.markup import escape

from okr_tui.core.models import Report
from okr_tui.sources.base import ProgressEvent
from okr_tui.tui.tabledata import GridSummary


def _source_failed(name: str, failed: set[str]) -> bool:
    """Whether progress source ``name`` ("accounting cloud", "users", "accounting dump") fed
    a report that failed (``failed``: scope names); the dump feeds every CPU scope."""
    words = set(name.split())
    if "dump" in words:
        return bool(failed & {"cloud", "htc"})
    return bool(words & failed)


def progress_text(
    progress: dict[str, ProgressEvent], state: str, failed: set[str] | None = None
) -> str:
    """``users 212/309 · cloud 3/3 …`` plus the overall state; a source whose report failed
    (``failed``: scope names) is marked ✗ failed, never ✓."""
    parts = []
    for name in sorted(progress):
        event = progress[name]
        total = "?" if event.total is None else str(event.total)
        if failed and _source_failed(name, failed):
            parts.append(f"[red]✗[/] {escape(name)} [red]failed[/]")
            continue
        done = event.total is not None and event.done >= event.total
        mark = "[green]✓[/]" if done else "[yellow]…[/]"
        parts.append(f"{mark} {escape(name)} {event.done}/{total}")
    colour = {"fetching": "yellow", "failed": "red", "done": "green"}.get(state, "white")
    head = f"[b {colour}]{state}[/]"
    if state == "fetching":
        head += " [dim](Esc cancels)[/]"
    return head + ("  " + " · ".join(parts) if parts else "")


def _names(names: list[str], limit: int = 8) -> str:
    if not names:
        return "-"
    shown = ", ".join(escape(n) for n in names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def summary_text(scope: str, summary: GridSummary | None, label: str) -> str:
    """The header above the active grid."""
    if summary is None:
        return f"[b]{label}[/] · {scope}: waiting for data…"
    if summary.total is None and (
        scope == "users" or not summary.with_count + summary.without_count
    ):
        return f"[b]{label}[/] · {scope.upper()}: [b red]no data[/] — the source failed (see below)"
    total = "— (missing)" if summary.total is None else f"{round(summary.total):,}"
    if scope == "users":
        return (
            f"[b]{label}[/] · users in the period [b]{total}[/] · "
            f"{summary.with_count} VOs with data · {summary.without_count} without"
            + (f" · previous from {escape(summary.compared_with)}" if summary.compared_with else "")
        )
    if summary.incomplete:
        return (
            f"[b]{label}[/] · {scope.upper()} total CPU/h [b]{total}[/] · "
            f"[b yellow]incomplete: {escape(summary.incomplete)}[/] — no total, no VO lists "
            "and no APPEARED/DISAPPEARED until every month has data (r retries)"
        )
    text = (
        f"[b]{label}[/] · {scope.upper()} total CPU/h [b]{total}[/] · "
        f"{summary.with_count} VOs with accounting · {summary.without_count} without"
    )
    total_known = summary.portal_total is not None and summary.total is not None
    if total_known and summary.portal_total != round(summary.total or 0):
        text += f" · portal Total {summary.portal_total:,}"
    if summary.compared_with:
        text += (
            f"\n[green]APPEARED[/]: {_names(summary.appeared)}   "
            f"[red]DISAPPEARED[/]: {_names(summary.disappeared)}   "
            f"[dim](vs {escape(summary.compared_with)})[/]"
        )
    return text


def provenance_text(report: Report) -> str:
    """Where every number came from, and what is missing and why."""
    lines = ["[b]Sources[/]"]
    for p in report.sources:
        when = p.fetched_at.strftime("%Y-%m-%d %H:%M UTC")
        cache = " (cache)" if p.cache else ""
        rows = "" if p.rows is None else f", {p.rows} rows"
        extra = f", {p.duplicates} duplicates" if p.duplicates else ""
        detail = f" — {escape(p.detail)}" if p.detail else ""
        lines.append(
            f"• {escape(p.name)} ({escape(p.api)}) {escape(p.url)} at {when}{cache}{rows}{extra}"
            f"{detail}"
        )
    if report.missing:
        lines.append("[b yellow]Missing[/]")
        for m in report.missing:
            where = " ".join(x for x in (m.scope, m.vo or "all VOs", m.month or "") if x)
            lines.append(f"• {escape(where)}: {escape(m.reason)}")
    if report.anomalies:
        lines.append("[b]Anomalies[/]")
        for a in report.anomalies:
            lines.append(f"• {escape(a.scope)} {escape(a.vo or '')}: {escape(a.detail)}")
    return "\n".join(lines)


def failed_sources(report: Report, scopes: list[str]) -> list[tuple[str, str]]:
    """(what, first reason) of each requested report that could not be fetched at all."""
    out: list[tuple[str, str]] = []
    for scope in scopes:
        cpu = report.cpu(scope)
        if cpu is not None and cpu.failed:
            reason = next((m.reason for m in cpu.missing if m.vo is None), "no answer")
            out.append((scope, reason))
    if "users" in scopes:
        reason = next(
            (m.reason for m in report.missing if m.scope == "users" and m.vo is None), None
        )
        if reason is not None:
            out.append(("users", reason))
    return out


def banner_text(report: Report, scopes: list[str]) -> str:
    """The warnings above the grids: first what could not be fetched at all (with the next
    step), then what is partly missing, then the report's warnings."""
    failed = failed_sources(report, scopes)
    lines = []
    if failed:
        names = ", ".join(what for what, _ in failed)
        lines.append(
            f"[b red]✗ No data for {escape(names)}: the source could not be reached.[/] "
            f"{escape(failed[0][1])}"
        )
        lines.append(
            "[b]Next:[/] check the URL and the API key in the settings (F2) and the network, "
            "then press r to retry; v shows every source and cause."
        )
    missing = len(report.missing) - len(failed)
    if missing > 0:
        lines.append(
            f"[b yellow]⚠ {missing} piece(s) of data missing[/] (marked — !); "
            "they are never counted as 0. Press r to retry, v for details."
        )
    dead = {what for what, _ in failed}
    for warning in report.warnings:
        scope = warning.split(":", 1)[0]
        if scope in dead and "previous period" in warning:
            continue  # the scope itself failed: its previous period adds nothing
        lines.append(f"⚠ {escape(warning)}")
    return "\n".join(lines)

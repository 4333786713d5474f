"""``okr-tui fetch --format table``: the report as rich tables."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from okr_tui.core.models import CpuReport, Report, UsersReport, VosReport, round_half_up, vo_key

NO_DATA = "—"
SCOPE_TITLE = {"cloud": "Cloud CPU/h", "htc": "HTC CPU/h"}


def _fmt_hours(value: float | None) -> str:
    return NO_DATA if value is None else f"{round_half_up(value):,}"


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "-"


def _cpu(cpu: CpuReport) -> RenderableType:
    title = f"{SCOPE_TITLE[cpu.scope]} {cpu.period.label}"
    if cpu.failed:
        why = "; ".join(m.reason for m in cpu.missing)
        return Text(f"{title}: no data — {why}", style="bold red")
    months = cpu.period.month_keys
    table = Table(title=title, title_justify="left", show_footer=True)
    table.add_column("VO", footer="Total")
    for m in months:
        table.add_column(m, justify="right")
    table.add_column("CPU/h", justify="right", footer=f"{cpu.total_hours:,}")
    compare = cpu.previous is not None
    if compare:
        label = cpu.previous_period.label if cpu.previous_period else "previous"
        table.add_column(f"vs {label}", justify="right")
    for v in cpu.with_accounting:
        cells = [v.vo, *(_fmt_hours(v.months.get(m)) for m in months), f"{v.cpu_hours:,}"]
        if compare and cpu.previous is not None:
            before = cpu.previous.get(vo_key(v.vo))
            cells.append(f"{(v.hours - before) / before:+.0%}" if before else "new")
        table.add_row(*cells)
    parts: list[RenderableType] = [table]
    parts.append(
        Text(
            f"VOs with accounting: {len(cpu.with_accounting)}; "
            f"without accounting ({len(cpu.without_accounting)}): "
            f"{_names(cpu.without_accounting)}"
        )
    )
    if cpu.portal_total is not None:
        check = cpu.portal_check or "equal"
        style = "bold red" if cpu.inconsistent else "dim"
        parts.append(Text(f"Portal Total {cpu.portal_total:,}: {check}", style=style))
    if cpu.non_production:
        listed = ", ".join(f"{v.vo} ({v.cpu_hours:,})" for v in cpu.non_production)
        parts.append(Text(f"Not production VOs: {listed}", style="yellow"))
    return Group(*parts)


def _users(users: UsersReport) -> RenderableType:
    title = f"Users {users.period.label}"
    if not users.rows and users.missing:
        why = "; ".join(m.reason for m in users.missing)
        return Text(f"{title}: no data — {why}", style="bold red")
    table = Table(title=title, title_justify="left")
    for name, justify in (
        ("VO", "left"),
        ("Users in period", "right"),
        ("Registered", "right"),
        ("Total", "right"),
        ("Note", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]

    def num(value: int | None) -> str:
        return NO_DATA if value is None else f"{value:,}"

    for r in users.rows:
        table.add_row(r.vo, num(r.users), num(r.registered), num(r.total), r.reason or "")
    return table


def _vos(vos: VosReport) -> RenderableType:
    return Text(
        f"VOs {vos.period.label}: total {vos.total}, deleted {vos.deleted}, production "
        f"{vos.production}\n{_names(vos.names)}"
    )


def _sections(report: Report) -> list[RenderableType]:
    parts: list[RenderableType] = []
    if report.missing:
        t = Table(title="Missing data", title_justify="left", title_style="bold red")
        t.add_column("Scope")
        t.add_column("VO")
        t.add_column("Reason")
        for m in report.missing:
            t.add_row(m.scope, m.vo or "(all)", m.reason + (f" [{m.month}]" if m.month else ""))
        parts.append(t)
    if report.anomalies:
        t = Table(title="Anomalies", title_justify="left", title_style="bold yellow")
        for col in ("Scope", "VO", "Kind", "Detail"):
            t.add_column(col)
        for a in report.anomalies:
            kind = a.kind + (" (blocks push)" if a.blocking else "")
            t.add_row(a.scope, a.vo or "-", kind, a.detail)
        parts.append(t)
    if report.sources:
        t = Table(title="Sources", title_justify="left")
        for col in ("Name", "API", "URL", "Fetched (UTC)", "Cache", "Rows", "Detail"):
            t.add_column(col)
        for s in report.sources:
            t.add_row(
                s.name,
                s.api,
                s.url,
                s.fetched_at.strftime("%Y-%m-%d %H:%M:%S"),
                "yes" if s.cache else "no",
                "" if s.rows is None else str(s.rows),
                s.detail,
            )
        parts.append(t)
    return parts


def print_report(report: Report, console: Console) -> None:
    """Print every part of ``report``: CPU scopes, users, VOs, missing, anomalies, sources."""
    console.print(Text(f"OKR report {report.period.label} ({report.period})", style="bold"))
    for w in report.warnings:
        console.print(Text(f"Warning: {w}", style="yellow"))
    for cpu in (report.cloud, report.htc):
        if cpu is not None:
            console.print(_cpu(cpu))
    if report.users is not None:
        console.print(_users(report.users))
    if report.vos is not None:
        console.print(_vos(report.vos))
    for part in _sections(report):
        console.print(part)

"""Rows of the preview grids computed from a Report. Pure (no Textual), so it is cheap to test
and to run on every filter keystroke."""

from __future__ import annotations

from dataclasses import dataclass, field

from okr_tui.core.models import CpuReport, Report, UsersReport, round_half_up, vo_key
from okr_tui.core.periods import Period

FLAG_CODES = {
    "change": "±50%",
    "lost-accounting": "LOST",
    "total-mismatch": "TOTAL≠",
    "users-no-accounting": "NO-CPU",
    "scale": "×10",
}


@dataclass
class GridRow:
    """One VO row of a preview grid. ``None`` values are no data (``reason`` says why)."""

    key: str
    vo: str
    months: list[float | None]
    total: float | None
    share: float | None = None
    previous: float | None = None
    change: float | None = None
    flags: list[str] = field(default_factory=list)
    reason: str | None = None
    note: str = ""  # e.g. "not a production VO"
    pending: bool = False
    partial: bool = False  # some months of the period have no data: no total

    def value(self, column: str, month_keys: list[str]) -> float | str | None:
        """The sortable value of ``column`` (a month key or a summary column id)."""
        if column == "vo":
            return self.vo.casefold()
        if column in month_keys:
            return self.months[month_keys.index(column)]
        return {
            "total": self.total,
            "share": self.share,
            "previous": self.previous,
            "change": self.change,
            "flags": len(self.flags) or None,
        }.get(column)


@dataclass
class GridSummary:
    """The header above a grid."""

    total: float | None
    with_count: int
    without_count: int
    appeared: list[str]
    disappeared: list[str]
    compared_with: str  # what APPEARED/DISAPPEARED compare against
    portal_total: int | None = None
    missing: list[str] = field(default_factory=list)
    incomplete: str = ""  # e.g. "no data for 2025-01": the counts are not final


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before * 100.0


# anomalies computed from a VO's period total: meaningless while months are missing
FROM_TOTAL = {"change", "lost-accounting"}


def _flags(report: Report, scope: str, vo: str, partial: bool = False) -> list[str]:
    key = vo_key(vo)
    return [
        FLAG_CODES.get(a.kind, a.kind)
        for a in report.anomalies
        if a.scope == scope
        and a.vo is not None
        and vo_key(a.vo) == key
        and not (partial and a.kind in FROM_TOTAL)
    ]


def missing_months(cpu: CpuReport) -> list[str]:
    """Months of the period with no data for the whole scope (sorted)."""
    return sorted({m.month for m in cpu.missing if m.vo is None and m.month})


def pending_rows(vos: list[str], months: int) -> list[GridRow]:
    """Placeholder rows shown while the data of a scope is still being fetched."""
    return [GridRow(vo_key(v), v, [None] * months, None, pending=True) for v in vos]


def cpu_rows(report: Report, cpu: CpuReport) -> list[GridRow]:
    """One row per VO of a CPU report: with, without accounting, missing, non-production."""
    keys = cpu.period.month_keys
    scope_reason = next((m.reason for m in cpu.missing if m.vo is None and m.month is None), None)
    month_missing = {m.month for m in cpu.missing if m.vo is None and m.month}
    vo_missing = {vo_key(m.vo): m.reason for m in cpu.missing if m.vo is not None}
    total = cpu.total_hours or 0
    prev = cpu.previous
    rows: list[GridRow] = []

    gap = missing_months(cpu)
    partial_reason = f"no data for {', '.join(gap)}" if gap else None

    def add(vo: str, months: dict[str, float], hours: float | None, note: str = "") -> None:
        key = vo_key(vo)
        reason = scope_reason or vo_missing.get(key)
        values = [None if (reason or k in month_missing) else months.get(k, 0.0) for k in keys]
        h = None if (reason or gap) else hours  # a total without some months is not a total
        before = None if prev is None else prev.get(key, 0.0)
        rows.append(
            GridRow(
                key=key,
                vo=vo,
                months=values,
                total=h,
                share=(h / total * 100.0) if (h is not None and total and not note) else None,
                previous=before,
                change=_change(h, before),
                flags=_flags(report, cpu.scope, vo, partial=bool(gap)),
                reason=reason or partial_reason,
                note=note,
                partial=bool(gap) and not reason,
            )
        )

    for v in cpu.with_accounting:
        add(v.vo, v.months, v.hours)
    seen = {r.key for r in rows}
    for name in cpu.without_accounting:
        if vo_key(name) not in seen:
            add(name, {}, 0.0)
    for v in cpu.non_production:
        add(v.vo, v.months, v.hours, note="not a production VO")
    seen = {r.key for r in rows}
    for key, reason in vo_missing.items():
        if key not in seen:
            name = next((m.vo for m in cpu.missing if m.vo and vo_key(m.vo) == key), key)
            rows.append(GridRow(key, name, [None] * len(keys), None, reason=reason))
    return rows


def users_rows(report: Report, users: UsersReport) -> list[GridRow]:
    """One row per VO of the users report; the total column is users in the period."""
    keys = users.period.month_keys
    total = sum(r.users for r in users.rows if r.users is not None)
    prev = users.previous
    rows: list[GridRow] = []
    for r in users.rows:
        key = vo_key(r.vo)
        before = None if prev is None else prev.get(key)
        n = None if r.users is None else float(r.users)
        rows.append(
            GridRow(
                key=key,
                vo=r.vo,
                months=[None if k not in r.series else float(r.series[k]) for k in keys],
                total=n,
                share=(n / total * 100.0) if (n is not None and total) else None,
                previous=None if before is None else float(before),
                change=_change(n, None if before is None else float(before)),
                flags=_flags(report, "users", r.vo),
                reason=r.reason if r.users is None else None,
            )
        )
    return rows


def cpu_summary(
    cpu: CpuReport,
    sheet_previous: list[str] | None = None,
    sheet_label: str | None = None,
    note: str = "",
) -> GridSummary:
    """Totals and APPEARED/DISAPPEARED (SPEC §4): vs the sheet's previous period row
    (``sheet_previous``, its VOs with accounting, labelled ``sheet_label``) when given, else vs
    the fetched previous period; ``note`` says why the fetched one is used."""
    now = {vo_key(v.vo): v.vo for v in cpu.with_accounting}
    if sheet_previous is not None:
        before = {vo_key(v): v for v in sheet_previous}
        compared = f"the sheet's previous row {sheet_label}" if sheet_label else "the sheet"
        fetched = cpu.previous_period.label if cpu.previous_period else None
        if fetched and fetched != sheet_label:  # e.g. a year: the Previous column is a year
            compared += f"; the Previous column is the fetched {fetched}"
    elif cpu.previous is not None:
        before = {k: k for k, h in cpu.previous.items() if round_half_up(h) >= 1}
        label = cpu.previous_period.label if cpu.previous_period else "previous period"
        compared = f"fetched {label}" + (f" — {note}" if note else "")
    else:
        before = {}
        compared = ""
    scope_failed = any(m.vo is None and m.month is None for m in cpu.missing)
    gap = missing_months(cpu)
    if gap:  # the lists are not final: no APPEARED/DISAPPEARED from them
        compared = ""
    return GridSummary(
        total=None if (scope_failed or gap) else float(cpu.total_hours),
        with_count=len(cpu.with_accounting),
        without_count=len(cpu.without_accounting),
        appeared=[now[k] for k in now if compared and k not in before],
        disappeared=[before[k] for k in before if compared and k not in now],
        compared_with=compared,
        portal_total=cpu.portal_total,
        missing=[_missing_text(m.vo, m.month, m.reason) for m in cpu.missing],
        incomplete=f"no data for {', '.join(gap)}" if gap else "",
    )


def users_summary(users: UsersReport, compared: str = "") -> GridSummary:
    """Totals of the users grid; ``compared`` names where the previous users came from."""
    with_data = [r for r in users.rows if r.users is not None]
    failed = not with_data and any(m.vo is None for m in users.missing)
    return GridSummary(
        total=None if failed else float(sum(r.users or 0 for r in with_data)),
        with_count=len(with_data),
        without_count=len(users.rows) - len(with_data),
        appeared=[],
        disappeared=[],
        compared_with=compared,
        missing=[_missing_text(m.vo, m.month, m.reason) for m in users.missing],
    )


def _missing_text(vo: str | None, month: str | None, reason: str) -> str:
    where = " ".join(x for x in (vo or "all VOs", month or "") if x)
    return f"{where}: {reason}"


def sort_rows(
    rows: list[GridRow], column: str, month_keys: list[str], reverse: bool = False
) -> list[GridRow]:
    """Rows sorted by ``column``; text by name, numbers numerically, no data (None) always last."""
    present = [r for r in rows if r.value(column, month_keys) is not None]
    absent = [r for r in rows if r.value(column, month_keys) is None]
    present.sort(key=lambda r: (r.value(column, month_keys), r.key), reverse=reverse)
    return present + absent


def filter_rows(rows: list[GridRow], text: str) -> list[GridRow]:
    """Rows whose VO name contains ``text`` (case-insensitive); flags match too (e.g. LOST)."""
    needle = text.strip().casefold()
    if not needle:
        return rows
    return [r for r in rows if needle in r.key or any(needle in f.casefold() for f in r.flags)]


def period_months(period: Period) -> list[str]:
    """Column ids of the month columns."""
    return period.month_keys


def grid_rows(report: Report, scopes: list[str]) -> dict[str, list[GridRow]]:
    """The rows of every grid of ``scopes`` (pure: build them in the worker thread)."""
    rows: dict[str, list[GridRow]] = {}
    for scope in scopes:
        if scope == "users":
            if report.users is not None:
                rows[scope] = users_rows(report, report.users)
            continue
        cpu = report.cpu(scope)
        if cpu is not None:
            rows[scope] = cpu_rows(report, cpu)
    return rows

"""Reports computed from fetched data (SPEC §4). Pure: no I/O, no clock.

VO names are matched case-insensitively (:func:`vo_key`); the Operations Portal spelling is the
one displayed. A failed fetch is recorded as :class:`Missing`, never turned into a zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from okr_tui.core.anomalies import find_anomalies
from okr_tui.core.models import (
    SCOPES,
    CpuReport,
    Missing,
    OperationsData,
    Provenance,
    Report,
    Scope,
    ScopeHours,
    UsersReport,
    UsersRow,
    VoCpu,
    VoInfo,
    VosReport,
    VoStatusGroup,
    round_half_up,
    sort_vos,
    vo_key,
)
from okr_tui.core.periods import Period
from okr_tui.core.selection import Selection

__all__ = [
    "STATUS_SUFFIX",
    "build_cpu_report",
    "build_report",
    "build_users_report",
    "build_vos_report",
    "find_anomalies",
    "vo_hours",
]

STATUS_SUFFIX = {"production": "P", "leaving": "L", "deleted": "D", "pending": "PE"}


@dataclass
class _AccVo:
    """One VO of the accounting data, merged over spellings (``ALICE`` and ``alice``)."""

    name: str
    hours: float
    months: dict[str, float]


def _accounting_vos(hours: Mapping[str, Mapping[str, float]], period: Period) -> dict[str, _AccVo]:
    """Accounting VOs by key, hours summed (unrounded) over the months of ``period``."""
    keys = set(period.month_keys)
    out: dict[str, _AccVo] = {}
    for name, monthly in hours.items():
        months = {m: float(h) for m, h in monthly.items() if m in keys}
        acc = out.setdefault(vo_key(name), _AccVo(name, 0.0, {}))
        for m, h in months.items():
            acc.months[m] = acc.months.get(m, 0.0) + h
        acc.hours += sum(months.values())
    for acc in out.values():
        acc.months = dict(sorted(acc.months.items()))
    return out


def vo_hours(hours: ScopeHours, vo: str) -> float | None:
    """Unrounded hours of one VO in ``hours.period`` (0.0 when absent); None when not fetched
    completely (the scope failed, a month of it is missing, or this VO is missing)."""
    if hours.failed or any(m.vo is None or vo_key(m.vo) == vo_key(vo) for m in hours.missing):
        return None
    acc = _accounting_vos(hours.hours, hours.period).get(vo_key(vo))
    return acc.hours if acc else 0.0


def _selected(selection: Selection, excluded: Sequence[str]) -> tuple[set[str], set[str]]:
    """(explicitly named keys, excluded keys)."""
    return {vo_key(v) for v in selection.vos}, {vo_key(v) for v in excluded}


def _wanted(key: str, name: str, selection: Selection, excluded_keys: set[str]) -> bool:
    return key not in excluded_keys and selection.wants(name)


def build_cpu_report(
    scope: Scope,
    period: Period,
    hours: ScopeHours,
    vos: list[VoInfo] | None,
    selection: Selection,
    excluded: Sequence[str],
    previous: ScopeHours | None,
) -> CpuReport:
    """The CPU report of one scope: with/without lists, total, portal cross-check, previous.

    ``vos`` is the production VO list (None when vo-list failed: the list of VOs without
    accounting is then unknown and recorded as missing). A VO named with ``--vo`` is included
    even when it is not a production VO. ``excluded`` are VOs excluded in the settings.
    """
    named, excluded_keys = _selected(selection, excluded)
    production = {vo_key(v.name): v.name for v in vos or []}
    missing = list(hours.missing)
    failed_vos = {vo_key(m.vo) for m in hours.missing if m.vo is not None}
    if hours.failed:
        return CpuReport(scope, period, [], [], 0, hours.portal_total, missing=missing, failed=True)
    if vos is None:
        missing.append(
            Missing(
                scope,
                None,
                "the production VO list (Operations Portal vo-list) could not be fetched: "
                "VOs without accounting and non-production VOs cannot be told apart",
            )
        )
    acc = _accounting_vos(hours.hours, period)

    selected: list[VoCpu] = []
    non_production: list[VoCpu] = []
    for key, a in acc.items():
        is_prod = key in production or vos is None
        display = production.get(key, a.name)
        row = VoCpu(display, a.hours, a.months, production=is_prod, accounting_name=a.name)
        if not _wanted(key, display, selection, excluded_keys) or key in failed_vos:
            continue
        if not is_prod:
            non_production.append(row)
            if not (selection.include_non_production or key in named):
                continue
        selected.append(row)
    selected_keys = {vo_key(r.vo) for r in selected}
    # production VOs (and explicitly named VOs) absent from the accounting data
    absent = [
        name
        for key, name in production.items()
        if key not in selected_keys and key not in acc and key not in failed_vos
        if _wanted(key, name, selection, excluded_keys)
    ]
    absent += [
        v
        for v in selection.vos
        if vo_key(v) not in production
        and vo_key(v) not in acc
        and vo_key(v) not in failed_vos
        and vo_key(v) not in excluded_keys
    ]

    with_acc = [r for r in selected if r.cpu_hours >= 1]
    with_acc.sort(key=lambda r: (vo_key(r.vo), r.vo))
    without = sort_vos(list(dict.fromkeys([r.vo for r in selected if r.cpu_hours < 1] + absent)))
    total = round_half_up(sum(r.hours for r in selected))
    report = CpuReport(
        scope,
        period,
        with_acc,
        without,
        total,
        portal_total=hours.portal_total,
        missing=missing,
        non_production=sorted(non_production, key=lambda r: (vo_key(r.vo), r.vo)),
    )
    _cross_check(report, acc, selected_keys, failed_vos)
    # a previous period with months missing would make every comparison wrong: none then
    if previous is not None and not previous.failed and not previous.missing:
        prev_acc = _accounting_vos(previous.hours, previous.period)
        report.previous = {k: a.hours for k, a in prev_acc.items() if k in selected_keys}
        for key in set(prev_acc) - set(report.previous):
            name = production.get(key, prev_acc[key].name)
            prod_ok = key in production or vos is None or selection.include_non_production
            if prod_ok and _wanted(key, name, selection, excluded_keys):
                report.previous[key] = prev_acc[key].hours
        report.previous_period = previous.period
    return report


def _cross_check(
    report: CpuReport, acc: dict[str, _AccVo], selected_keys: set[str], failed: set[str]
) -> None:
    """Compare the total with the portal's Total row (SPEC §3.1): flag real inconsistencies."""
    if report.portal_total is None:
        return
    diff = abs(report.total_hours - report.portal_total)
    if diff == 0:
        return
    all_selected = set(acc) <= selected_keys and not failed
    rows = len(acc)
    if diff <= rows:
        report.portal_check = (
            f"total {report.total_hours:,} vs portal Total {report.portal_total:,}: "
            f"rounding difference ({diff} h over {rows} VO rows)"
        )
    elif all_selected:
        report.inconsistent = True
        report.portal_check = (
            f"total {report.total_hours:,} differs from the portal Total "
            f"{report.portal_total:,} by {diff:,} h with every accounting VO selected: "
            "data inconsistency in the accounting response"
        )
    else:
        report.portal_check = (
            f"total {report.total_hours:,} vs portal Total {report.portal_total:,}: "
            "VOs deselected or not production"
        )


def build_users_report(
    period: Period, ops: OperationsData, selection: Selection, excluded: Sequence[str]
) -> UsersReport:
    """Users per selected production VO: in the period, registered and total (SPEC §4)."""
    if ops.failed:
        reasons = [m for m in ops.missing if m.vo is None] or [
            Missing("users", None, "the Operations Portal VO list could not be fetched")
        ]
        return UsersReport(period, [], missing=list(ops.missing) or reasons)
    _, excluded_keys = _selected(selection, excluded)
    failures = {vo_key(m.vo): m for m in ops.missing if m.vo is not None}
    scope_failure = next((m for m in ops.missing if m.vo is None), None)
    infos = {vo_key(v.name): v for v in ops.vos}
    wanted: list[tuple[str, VoInfo | None]] = [
        (v.name, v) for k, v in infos.items() if _wanted(k, v.name, selection, excluded_keys)
    ]
    wanted += [(v, None) for v in selection.vos if vo_key(v) not in infos]
    wanted = [(n, i) for n, i in wanted if vo_key(n) not in excluded_keys]
    months = set(period.month_keys)
    rows: list[UsersRow] = []
    missing: list[Missing] = []
    for name, info in sorted(wanted, key=lambda t: (vo_key(t[0]), t[0])):
        key = vo_key(name)
        series = dict(sorted(ops.users.get(key, {}).items()))
        in_period = [m for m in series if m in months]
        row = UsersRow(
            vo=name,
            users=series[max(in_period)] if in_period else None,
            registered=info.members if info else None,
            total=info.members_total if info else None,
            series=series,
        )
        failure = failures.get(key) or (scope_failure if key not in ops.users else None)
        if row.users is None:
            if failure is not None:
                row.reason = failure.reason
                missing.append(Missing("users", name, failure.reason))
            elif info is None:
                row.reason = "not a production VO in the Operations Portal"
            else:
                row.reason = f"no users data for {period.label} in the Operations Portal"
        rows.append(row)
    return UsersReport(period, rows, missing=missing)


def build_vos_report(period: Period, groups: Sequence[VoStatusGroup]) -> VosReport:
    """The "Num. of VOs created" row (SPEC §5.3): counts per status and suffixed names."""

    def count_of(status: str) -> int:
        return sum(g.count for g in groups if g.status.strip().casefold() == status)

    names: list[tuple[str, str]] = []
    for g in groups:
        suffix = STATUS_SUFFIX.get(g.status.strip().casefold(), g.status.strip() or "?")
        names += [(vo, f"{vo} ({suffix})") for vo in g.vos]
    names.sort(key=lambda t: (vo_key(t[0]), t[1]))
    return VosReport(
        period=period,
        total=sum(g.count for g in groups),
        deleted=count_of("deleted"),
        production=count_of("production"),
        names=[n for _, n in names],
        groups=list(groups),
    )


def _unknown_selected(
    selection: Selection, vos: Sequence[VoInfo], hours: Mapping[Scope, ScopeHours]
) -> list[str]:
    """Warnings for VOs named in the selection that the production VO list does not know
    (a typo would otherwise pass silently as a VO "without accounting")."""
    known = {vo_key(v.name) for v in vos}
    accounted = {vo_key(name) for h in hours.values() for name in h.hours}
    out: list[str] = []
    for name in dict.fromkeys(selection.vos):
        if vo_key(name) in known:
            continue
        hint = "" if vo_key(name) in accounted else " and has no accounting data: check the name"
        out.append(f"selected VO {name!r} is not a production VO in the Operations Portal{hint}")
    return out


def build_report(
    selection: Selection,
    excluded: Sequence[str],
    *,
    ops: OperationsData | None,
    hours: Mapping[Scope, ScopeHours],
    previous: Mapping[Scope, ScopeHours | None] | None = None,
    vo_groups: Sequence[VoStatusGroup] | None = None,
    extra_missing: Sequence[Missing] = (),
    sources: Sequence[Provenance] = (),
    warnings: Sequence[str] = (),
) -> Report:
    """Every requested report of ``selection.period``, with missing data, anomalies and
    provenance. Scopes absent from ``hours`` were not requested; ``vo_groups`` None with "vos"
    requested means the VO report could not be fetched (its reason is in ``extra_missing``)."""
    period = selection.period
    previous = previous or {}
    vos = None if ops is None or ops.failed else ops.vos
    report = Report(period=period, warnings=list(warnings))
    report.selection_note = selection.restriction(excluded)
    if selection.period_warning and selection.period_warning not in report.warnings:
        report.warnings.insert(0, selection.period_warning)
    if vos is not None:
        report.vo_info = {vo_key(v.name): v for v in vos}
        report.warnings += _unknown_selected(selection, vos, hours)
    for scope in SCOPES:
        if scope in hours:
            cpu = build_cpu_report(
                scope, period, hours[scope], vos, selection, excluded, previous.get(scope)
            )
            setattr(report, scope, cpu)
            report.missing += cpu.missing
            report.warnings += [w for w in hours[scope].warnings if w not in report.warnings]
    if "users" in selection.reports and ops is not None:
        report.users = build_users_report(period, ops, selection, excluded)
        report.missing += report.users.missing
    if vo_groups is not None:
        report.vos = build_vos_report(period, vo_groups)
    report.missing += list(extra_missing)
    report.missing = list(dict.fromkeys(report.missing))
    report.sources = list(sources)
    report.anomalies = find_anomalies(report)
    return report

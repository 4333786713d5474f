"""Layout of the CPU worksheets, "Accounting Cloud CPU/h" and "Accounting HTC CPU/h" (SPEC §5.1).

One row per period in chronological order. A period already present is updated in place, a
new one is inserted at its chronological position; "VOs changes" is computed against the
previous period row (and recomputed in the next period row when the period goes between two).
"""

from __future__ import annotations

from okr_tui.core.grid import Grid, Insert
from okr_tui.core.layouts.common import (
    LayoutResult,
    describe_missing,
    find_columns,
    join_list,
    missing_for,
    new_grid,
    place_period_row,
    put,
    scan_periods,
    split_list,
)
from okr_tui.core.models import Report, Scope, sort_vos, vo_key
from okr_tui.core.periods import Period, previous_in

PERIOD = "Period"
TOTAL = "Total CPU/h"
N_WITH = "Num. of VOs with accounting"
WITH = "VOs with accounting"
N_WITHOUT = "Num. of VOs without accounting"
WITHOUT = "VOs without accounting"
CHANGES = "VOs changes"
HEADERS = [PERIOD, TOTAL, N_WITH, WITH, N_WITHOUT, WITHOUT, CHANGES]


def known_spellings(report: Report) -> dict[str, str]:
    """vo_key -> the Operations Portal spelling of every VO the report knows."""
    known: dict[str, str] = {}
    for cpu in (report.cloud, report.htc):
        if cpu is not None:
            for name in [v.vo for v in cpu.with_accounting] + cpu.without_accounting:
                known.setdefault(vo_key(name), name)
    if report.users is not None:
        for row in report.users.rows:
            known.setdefault(vo_key(row.vo), row.vo)
    for key, info in report.vo_info.items():
        known[key] = info.name
    return known


def vos_changes(current: list[str], previous: list[str] | None, known: dict[str, str]) -> str:
    """The "VOs changes" cell: ``APPEARED: a, b\\nDISAPPEARED: c`` (``-`` when none), or
    just ``-`` for the first period row. Names compare case-insensitively and are written
    in the Operations Portal spelling when the VO is still known, else as given."""
    if previous is None:
        return "-"
    cur = {vo_key(n): known.get(vo_key(n), n) for n in current}
    prev = {vo_key(n): known.get(vo_key(n), n) for n in previous}
    appeared = sort_vos([n for k, n in cur.items() if k not in prev])
    disappeared = sort_vos([n for k, n in prev.items() if k not in cur])
    return f"APPEARED: {join_list(appeared)}\nDISAPPEARED: {join_list(disappeared)}"


def target_grid(base: Grid | None, report: Report, scope: Scope, worksheet: str) -> LayoutResult:
    """The CPU worksheet after writing ``report``'s ``scope`` row (see module docstring)."""
    warnings: list[str] = []
    inserts: list[Insert] = []
    work = base.copy() if base is not None else new_grid(worksheet, HEADERS)
    cpu = report.cpu(scope)
    missing = missing_for(report, scope)
    if cpu is None or missing:
        what = describe_missing(missing) or f"no {scope} CPU/h data in the report"
        return LayoutResult(work, inserts, warnings, [f"{worksheet} {report.period.label}: {what}"])
    cols = find_columns(work, HEADERS, worksheet, warnings)
    period = report.period
    before = scan_periods(work, cols[PERIOD], worksheet, [])
    old_row = before.row_of(period)
    old_names = split_list(work.get(old_row, cols[WITH]).text()) if old_row is not None else None
    row, inserted, periods = place_period_row(
        work, cols[PERIOD], period, worksheet, warnings, inserts
    )
    names = [v.vo for v in cpu.with_accounting]
    put(work, row, cols[TOTAL], cpu.total_hours)
    put(work, row, cols[N_WITH], len(names))
    put(work, row, cols[WITH], join_list(names))
    put(work, row, cols[N_WITHOUT], len(cpu.without_accounting))
    put(work, row, cols[WITHOUT], join_list(cpu.without_accounting))

    known = known_spellings(report)
    by_period = {p: r for r, p in periods.items()}
    others = [p for p in by_period if p != period]
    prev = previous_in(others, period)
    prev_names = split_list(work.get(by_period[prev], cols[WITH]).text()) if prev else None
    put(work, row, cols[CHANGES], vos_changes(names, prev_names, known))

    changed_set = old_names is None or {vo_key(n) for n in old_names} != {vo_key(n) for n in names}
    nxt = _next_period(list(by_period), period)
    if nxt is not None and (inserted or changed_set):
        nrow = by_period[nxt]
        next_names = split_list(work.get(nrow, cols[WITH]).text())
        put(work, nrow, cols[CHANGES], vos_changes(next_names, names, known))
    return LayoutResult(work, inserts if base is not None else [], warnings, [])


def _next_period(periods: list[Period], period: Period) -> Period | None:
    """The earliest period whose previous period row is ``period``."""
    after = [p for p in periods if p != period and previous_in(periods, p) == period]
    return min(after) if after else None

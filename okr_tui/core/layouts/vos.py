"""Layout of the optional VOs report worksheet, "Num. of VOs created" (SPEC §5.3).

``Period | Total | Deleted | Production | VOs`` — one row per period in chronological order.
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
)
from okr_tui.core.models import Report

PERIOD = "Period"
TOTAL = "Total"
DELETED = "Deleted"
PRODUCTION = "Production"
VOS = "VOs"
HEADERS = [PERIOD, TOTAL, DELETED, PRODUCTION, VOS]


def target_grid(base: Grid | None, report: Report, worksheet: str) -> LayoutResult:
    """The VOs report worksheet after writing ``report.vos``'s period row."""
    warnings: list[str] = []
    inserts: list[Insert] = []
    work = base.copy() if base is not None else new_grid(worksheet, HEADERS)
    vos = report.vos
    missing = missing_for(report, "vos")
    if vos is None or missing:
        what = describe_missing(missing) or "no VOs report data in the report"
        return LayoutResult(work, inserts, warnings, [f"{worksheet} {report.period.label}: {what}"])
    cols = find_columns(work, HEADERS, worksheet, warnings)
    row, _inserted, _rows = place_period_row(
        work, cols[PERIOD], report.period, worksheet, warnings, inserts
    )
    put(work, row, cols[TOTAL], vos.total)
    put(work, row, cols[DELETED], vos.deleted)
    put(work, row, cols[PRODUCTION], vos.production)
    put(work, row, cols[VOS], join_list(vos.names))
    return LayoutResult(work, inserts if base is not None else [], warnings, [])

"""Small builders of reports and grids for the layout / planning / sheet-ops tests."""

from __future__ import annotations

from okr_tui.core.grid import Cell, CellValue, Grid
from okr_tui.core.models import (
    Anomaly,
    CpuReport,
    Missing,
    Report,
    UsersReport,
    UsersRow,
    VoCpu,
    VoInfo,
    VosReport,
    sort_vos,
    vo_key,
)
from okr_tui.core.periods import Period


def cpu_report(
    scope: str, period: Period, with_acc: dict[str, int], without: list[str], total: int
) -> CpuReport:
    rows = [VoCpu(vo=n, hours=float(h), months={}) for n, h in with_acc.items()]
    rows.sort(key=lambda v: vo_key(v.vo))
    return CpuReport(scope, period, rows, sort_vos(without), total)  # type: ignore[arg-type]


def report(
    label: str,
    *,
    cloud: CpuReport | None = None,
    htc: CpuReport | None = None,
    users: list[tuple[str, int | None, int | None, int | None]] | None = None,
    vos: VosReport | None = None,
    missing: list[Missing] | None = None,
    known: list[str] | None = None,
    anomalies: list[Anomaly] | None = None,
) -> Report:
    period = Period.from_label(label)[0]
    users_report = None
    if users is not None:
        rows = [UsersRow(vo=v, users=u, registered=r, total=t) for v, u, r, t in users]
        users_report = UsersReport(period, rows)
    info = {vo_key(n): VoInfo(name=n) for n in known or []}
    return Report(
        period=period,
        cloud=cloud,
        htc=htc,
        users=users_report,
        vos=vos,
        missing=list(missing or []),
        anomalies=list(anomalies or []),
        vo_info=info,
    )


def grid(title: str, rows: list[list[CellValue | Cell]]) -> Grid:
    """Cells given as values stay values (even ``=...`` strings); pass ``Cell`` for formulas."""
    return Grid(title, [[v if isinstance(v, Cell) else Cell(v) for v in r] for r in rows])


def f(formula: str, value: CellValue = None) -> Cell:
    return Cell(value=value, formula=formula)


def rows_of(g: Grid) -> list[list[object]]:
    """The trimmed grid as plain data: formulas as their text, values as values."""
    t = g.trimmed()
    return [
        [c.formula if c.formula is not None else (None if c.value == "" else c.value) for c in r]
        for r in t.rows
    ]

"""VOs report worksheet layout (SPEC §5.3)."""

from __future__ import annotations

from okr_tui.core.grid import Insert
from okr_tui.core.layouts import vos
from okr_tui.core.models import VosReport
from okr_tui.core.periods import Period
from tests.unit.plan_factory import grid, report, rows_of

WS = "Num. of VOs created"


def vos_report(label, total, deleted, production, names):
    return report(label, vos=VosReport(Period.from_label(label)[0], total, deleted, production,
                                       names))  # fmt: skip


def test_period_row_inserted_chronologically():
    base = grid(WS, [vos.HEADERS, ["2024.01-03", 3, 1, 2, "a (P), b (P), c (D)"],
                     ["2024.07-09", 2, 0, 2, "a (P), b (P)"]])  # fmt: skip
    res = vos.target_grid(base, vos_report("2024.04-06", 3, 0, 2, ["a (P)", "b (P)", "x (L)"]), WS)
    assert rows_of(res.target) == [
        vos.HEADERS,
        ["2024.01-03", 3, 1, 2, "a (P), b (P), c (D)"],
        ["2024.04-06", 3, 0, 2, "a (P), b (P), x (L)"],
        ["2024.07-09", 2, 0, 2, "a (P), b (P)"],
    ]
    assert res.inserts == [Insert("ROWS", 2)]


def test_missing_vos_report_is_named():
    res = vos.target_grid(None, report("2024.04-06"), WS)
    assert res.missing and "VOs report" in res.missing[0]
    assert rows_of(res.target) == [vos.HEADERS]

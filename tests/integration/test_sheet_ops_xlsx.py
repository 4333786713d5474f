"""plan → push → verify → undo through the real .xlsx backend (openpyxl)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook, load_workbook

from okr_tui.core.periods import Period
from okr_tui.services import sheet_ops
from okr_tui.services.context import AppContext
from okr_tui.sheets.xlsx import XlsxBackend
from tests.unit.plan_factory import cpu_report, report

USERS = "VOs statistics (certs)"
CLOUD = "Accounting Cloud CPU/h"
EVIL = "=cmd|' /C calc'!A0"


@pytest.fixture
def workbook(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = USERS
    ws.append(["VO", "2024.01-03", "2024.07-09", "Registered Users", "Total Users"])
    ws.append(["TOTAL", "=SUM(B3:B5)", "=SUM(C3:C5)", "=SUM(D3:D5)", "=SUM(E3:E5)"])
    for row in (["zeta", 1, 2, 3, 4], ["alice", 5, 6, 7, 8], ["ops", 9, 10, 11, 12]):
        ws.append(row)
    path = tmp_path / "okr.xlsx"
    wb.save(path)
    return path


def test_push_verify_undo_on_xlsx(workbook, fast_settings, app_paths, frozen_clock):
    ctx = AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock)
    backend = XlsxBackend(workbook)
    period = Period.of("2024-04", "2024-06")
    rep = report(
        "2024.04-06",
        cloud=cpu_report("cloud", period, {"alice": 5}, ["ops"], 5),
        users=[("alice", 10, 7, 8), (EVIL, 3, 1, 1), ("zz.last", 4, 2, 2)],
    )
    original = {k: v for k, v in backend.read([USERS, CLOUD]).items()}
    plan = sheet_ops.plan_for(ctx, rep, backend)
    result = sheet_ops.push(ctx, plan, rep, backend, confirmed=True)
    assert result.verified, result.problems
    grid = backend.read([USERS])[USERS]
    # TOTAL of every period column equals the column sum after the inserts
    vo_rows = [r for r in range(2, grid.n_rows) if grid.get(r, 0).text()]
    for col in range(1, 6):
        column = [grid.get(r, col).value for r in vo_rows]
        assert grid.get(1, col).value == sum(v for v in column if isinstance(v, (int, float)))
    evil_row = next(r for r in vo_rows if grid.get(r, 0).value == EVIL)
    assert grid.get(evil_row, 0).formula is None
    raw = load_workbook(workbook)[USERS]
    assert raw.cell(row=evil_row + 1, column=1).data_type == "s"
    assert sheet_ops.plan_for(ctx, rep, backend).empty
    sheet_ops.undo(ctx, backend)
    after = backend.read([USERS, CLOUD])
    assert after[CLOUD] is None
    assert after[USERS].content_equal(original[USERS])

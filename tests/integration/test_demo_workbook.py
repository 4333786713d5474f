"""The demo workbook: created on first use from the bundled history, kept, recreated on reset;
shaped like the OKR spreadsheet so that a demo push of 2024.10-12 shows inserts and changes."""

from __future__ import annotations

import json

from okr_tui.core.grid import Grid
from okr_tui.core.models import vo_key
from okr_tui.core.periods import Period
from okr_tui.demo import DEMO_DATA
from okr_tui.demo.workbook import CPU_HEADER, ensure_demo_workbook
from okr_tui.paths import AppPaths
from okr_tui.settings import Settings
from okr_tui.sheets.xlsx import XlsxBackend

S = Settings()
NAMES = [S.worksheet_cloud, S.worksheet_htc, S.worksheet_users]


def read_all(paths: AppPaths) -> dict[str, Grid]:
    grids = XlsxBackend(ensure_demo_workbook(paths)).read(NAMES)
    assert all(g is not None for g in grids.values())
    return {k: g for k, g in grids.items() if g is not None}


def test_created_once_kept_and_reset(app_paths: AppPaths) -> None:
    path = ensure_demo_workbook(app_paths)
    assert path == app_paths.demo_workbook and path.is_file()
    path.write_bytes(path.read_bytes() + b"")  # same content, later mtime
    marker = path.stat().st_mtime_ns
    assert ensure_demo_workbook(app_paths).stat().st_mtime_ns == marker
    path.write_bytes(b"garbage")
    ensure_demo_workbook(app_paths, reset=True)
    assert XlsxBackend(path).read([S.worksheet_cloud])[S.worksheet_cloud] is not None


def test_cpu_worksheets_have_eight_chronological_periods(app_paths: AppPaths) -> None:
    grids = read_all(app_paths)
    for name in (S.worksheet_cloud, S.worksheet_htc):
        grid = grids[name]
        assert grid.header() == CPU_HEADER
        periods = [Period.from_label(grid.get(r, 0).text())[0] for r in range(1, grid.n_rows)]
        assert len(periods) >= 8 and periods == sorted(periods)
        assert Period.of("2024-10", "2024-12") not in periods  # the demo push inserts it
        assert grid.get(1, 6).text() == "-"
        for r in range(1, grid.n_rows):
            listed = [v for v in grid.get(r, 3).text().split(", ") if v != "-"]
            assert grid.get(r, 2).value == len(listed)
            assert isinstance(grid.get(r, 1).value, int) and grid.get(r, 1).value > 0


def test_users_worksheet_total_row_and_quirks(app_paths: AppPaths) -> None:
    grid = read_all(app_paths)[S.worksheet_users]
    header = grid.header()
    assert header[0] == "VO" and header[-2:] == ["Registered Users", "Total Users"]
    labels = [Period.from_label(h)[0] for h in header[1:-2]]
    assert len(labels) >= 4 and labels == sorted(labels)
    assert grid.get(1, 0).text() == "TOTAL"
    for c in range(1, len(header)):
        cell = grid.get(1, c)
        assert cell.formula is not None and cell.formula.startswith("=SUM(")
        assert cell.value == sum(grid.get(r, c).value or 0 for r in range(2, grid.n_rows))
    names = [grid.get(r, 0).text() for r in range(2, grid.n_rows)]
    assert "ALICE" in names
    assert names != sorted(names, key=vo_key)  # one legacy row out of order
    vo_list = json.loads((DEMO_DATA / "operations" / "vo-list.json").read_text())["data"]
    known = {vo_key(v["name"]) for v in vo_list}
    assert {vo_key(n) for n in names} < known  # a push inserts the missing ones

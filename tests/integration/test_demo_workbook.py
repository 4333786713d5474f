"""The demo workbook: created on first use from the bundled history, kept, recreated on reset;
shaped like the OKR spreadsheet so that a demo push of 2024.10-12 shows inserts and changes."""

from __future__ import annotations

import itertools
import json
from decimal import ROUND_HALF_UP, Decimal

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
    listed = {vo_key(n) for n in names}
    assert listed & known < known  # a push inserts the missing ones
    assert listed - known  # rows of VOs no longer in the Operations Portal


# --- consistency with the bundled demo data (computed here independently) --------------------
LAST = Period.of("2024-07", "2024-09")
CLOSING = {"Total", "Percent", "xlegend", "ylegend", "var"}
FILES = {"cloud": "cloud_sum_elap_processors", "htc": "egi_elap_processors"}


def _vo_list() -> list[dict[str, str]]:
    return json.loads((DEMO_DATA / "operations" / "vo-list.json").read_text())["data"]


def _newest_month_totals(period: Period) -> dict[str, int | None]:
    """vo key -> ``total`` of the newest month of ``period`` in vo-users.json (None: no data)."""
    vos = json.loads((DEMO_DATA / "operations" / "vo-users.json").read_text())["vo"]
    out: dict[str, int | None] = {}
    for vo in vos:
        inside = [u for u in vo.get("users", []) if u["month"] in period.month_keys]
        newest = max(inside, key=lambda u: u["month"]) if inside else None
        out[vo["name"].lower()] = None if newest is None else int(float(newest["total"]))
    return out


def _expected_cpu_row(scope: str) -> tuple[int, list[str], list[str]]:
    """(total, VOs with accounting, VOs without) of 2024.07-09 from the legacy JSON file."""
    rows = json.loads(
        (
            DEMO_DATA
            / "accounting"
            / f"{FILES[scope]}_VO_DATE_2024-07_2024-09_egi_onlyinfrajobs.json"
        ).read_text()
    )
    production = {v["name"].lower(): v["name"] for v in _vo_list() if v["status"] == "Production"}
    hours: dict[str, float] = {}
    for row in rows:
        key = row["id"].lower()
        if row["id"] in CLOSING or key not in production:
            continue
        months = [float(row[m]) for m in ("2024-07", "2024-08", "2024-09") if m in row]
        hours[key] = hours.get(key, 0.0) + sum(months)
    total = int(Decimal(repr(sum(hours.values()))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    with_acc = [production[k] for k, h in hours.items() if h >= 0.5]
    without = [n for k, n in production.items() if k not in {x.lower() for x in with_acc}]
    order = lambda names: sorted(names, key=lambda n: (n.lower(), n))  # noqa: E731
    return total, order(with_acc), order(without)


def test_cpu_last_period_matches_the_demo_accounting(app_paths: AppPaths) -> None:
    grids = read_all(app_paths)
    for scope, name in (("cloud", S.worksheet_cloud), ("htc", S.worksheet_htc)):
        grid = grids[name]
        row = next(r for r in range(1, grid.n_rows) if grid.get(r, 0).text() == LAST.label)
        total, with_acc, without = _expected_cpu_row(scope)
        assert grid.get(row, 1).value == total
        assert grid.get(row, 3).text().split(", ") == with_acc
        assert grid.get(row, 2).value == len(with_acc)
        assert grid.get(row, 5).text().split(", ") == without
        assert grid.get(row, 4).value == len(without)
        totals = [grid.get(r, 1).value for r in range(1, grid.n_rows)]
        for older, newer in itertools.pairwise(totals):  # smooth history: no unit-error jumps
            assert 0.5 < newer / older < 2
        counts = [grid.get(r, 2).value for r in range(1, grid.n_rows)]
        assert max(counts) - min(counts) < len(with_acc)


def test_users_cells_are_the_newest_month_of_each_period(app_paths: AppPaths) -> None:
    grid = read_all(app_paths)[S.worksheet_users]
    header = grid.header()
    periods = {c: Period.from_label(h)[0] for c, h in enumerate(header[1:-2], start=1)}
    portal = {v["name"].lower(): v for v in _vo_list()}
    per_period = {c: _newest_month_totals(p) for c, p in periods.items()}
    snapshot_moved = 0
    retired = 0
    for r in range(2, grid.n_rows):
        key = grid.get(r, 0).text().lower()
        if key not in portal:
            retired += 1
            continue
        for c in periods:
            assert grid.get(r, c).value == per_period[c].get(key), (key, header[c])
        registered, total = grid.get(r, len(header) - 2).value, grid.get(r, len(header) - 1).value
        now_registered = int(float(portal[key]["members"]))
        now_total = int(float(portal[key]["membersTotal"]))
        assert 0 <= now_registered - registered <= 10 and 0 <= now_total - total <= 10
        assert registered <= total or now_registered > now_total
        snapshot_moved += (registered, total) != (now_registered, now_total)
    assert retired >= 2  # VOs deleted from the portal since
    assert 10 < snapshot_moved < grid.n_rows - 2  # a push shows some changes, not all
    no_data = [k for k, v in _newest_month_totals(LAST).items() if v is None]
    assert no_data  # the demo data has VOs without users: their cells stay empty, never 0


def test_demo_diff_shows_realistic_changes(capsys: object) -> None:
    from okr_tui.cli import main

    code = main(["diff", "--demo", "--accounting-api", "legacy", "--format", "json"])
    assert code == 3
    plan = json.loads(capsys.readouterr().out)  # type: ignore[attr-defined]
    users = next(w for w in plan["worksheets"] if w["worksheet"] == S.worksheet_users)
    numbers = [
        (ch["old"], ch["new"])
        for ch in users["changes"]
        if ch["kind"] == "changed" and isinstance(ch["old"], int) and ch["old"] > 0
    ]
    assert len(numbers) > 20
    within = [abs(new - old) / old <= 0.5 for old, new in numbers]
    assert sum(within) > 0.9 * len(within)
    grid = read_all(AppPaths.default())[S.worksheet_users]
    col = grid.header().index(LAST.label)
    before = {grid.get(r, 0).text().lower(): grid.get(r, col).value for r in range(2, grid.n_rows)}
    new_col = [
        (before.get(ch["row"].lower()), ch["new"])
        for ch in users["changes"]
        if ch["field"] == "2024.10-12" and ch["row"] != "TOTAL"
    ]
    compared = [(a, b) for a, b in new_col if a and b is not None]
    assert len(compared) > 100
    assert sum(abs(b - a) / a <= 0.5 for a, b in compared) > 0.9 * len(compared)

"""A whole-push scenario against the fake Google Sheets API, shared by the request-count test
and ``tests/benchmarks/bench_push.py``: both CPU worksheets with eight past periods (the demo
history) and a users worksheet of ``n_vos`` VOs with a TOTAL row; a 2024.10-12 report that
adds a period row to each CPU worksheet, a period column and new VO rows to the users
worksheet, and changes registered/total users."""

from __future__ import annotations

from typing import Any

from okr_tui.core.grid import Plan
from okr_tui.core.models import CpuReport, Report, UsersReport, UsersRow, VoCpu
from okr_tui.core.periods import Period
from okr_tui.demo.workbook import CPU_HEADER, load_history
from okr_tui.settings import Settings
from tests.fakes.google import FakeGoogle
from tests.fakes.google_model import FakeSpreadsheet

PERIOD = Period.of("2024-10", "2024-12")


def vo_name(i: int) -> str:
    return f"vo{i:04d}.example.org"


def build_spreadsheet(fake: FakeGoogle, settings: Settings, n_vos: int) -> FakeSpreadsheet:
    """The OKR spreadsheet before the push (every 10th VO is missing: the push inserts it)."""
    history = load_history()
    book = fake.add_spreadsheet("OKR_Reports", key="fakeKey123")
    book.add_sheet(settings.worksheet_cloud, [CPU_HEADER, *history["cpu"]["cloud"]])
    book.add_sheet(settings.worksheet_htc, [CPU_HEADER, *history["cpu"]["htc"]])
    periods = ["2024.04-06", "2024.07-09"]
    present = [i for i in range(n_vos) if i % 10 != 5]
    last = 2 + len(present)
    cols = "BCDE"
    rows: list[list[Any]] = [["VO", *periods, "Registered Users", "Total Users"]]
    rows.append(["TOTAL", *[f"=SUM({c}3:{c}{last})" for c in cols]])
    rows += [[vo_name(i), i % 7, i % 11, 20 + i % 13, 40 + i % 17] for i in present]
    book.add_sheet(settings.worksheet_users, rows)
    return book


def _cpu(scope: str, names: list[str], n_with: int, base: float) -> CpuReport:
    rows = [VoCpu(n, base + i, {}) for i, n in enumerate(names[:n_with])]
    total = round(sum(v.hours for v in rows))
    return CpuReport(scope, PERIOD, rows, names[n_with:], total)  # type: ignore[arg-type]


def build_report(n_vos: int) -> Report:
    """The 2024.10-12 report: every VO has users; registered changes for every third VO."""
    names = [vo_name(i) for i in range(n_vos)]
    users = UsersReport(
        PERIOD,
        [
            UsersRow(n, i % 9, (i % 11) + (1 if i % 3 == 0 else 0), 40 + i % 17)
            for i, n in enumerate(names)
        ],
    )
    return Report(
        period=PERIOD,
        cloud=_cpu("cloud", names, 40, 1000.0),
        htc=_cpu("htc", names, 25, 5000.0),
        users=users,
    )


def legacy_requests(plan: Plan) -> dict[str, int]:
    """What the legacy cell-by-cell method needs for the same plan, per worksheet: one request
    per cell updated + one per row/column inserted + one lookup per row key written (finding
    the row) + one per worksheet (finding the period column)."""
    out: dict[str, int] = {}
    for wp in plan.changed:
        lookups = len({ch.key for ch in wp.changes}) + 1
        out[wp.worksheet] = len(wp.changes) + wp.rows_inserted + wp.cols_inserted + lookups
    return out


def count_by_worksheet(fake: FakeGoogle, book: FakeSpreadsheet) -> dict[str, int]:
    """Requests touching each worksheet (one read or batchUpdate covering several worksheets
    counts once for each); the metadata fetch counts as "(metadata)"."""
    titles = {s.sheet_id: s.title for s in book.sheets}
    out: dict[str, int] = {}
    for req in fake.sheets_requests:
        touched: set[str] = set()
        for rng in req.query.get("ranges", []):
            touched.add(rng.split("!")[0][1:-1].replace("''", "'"))
        body = req.body if isinstance(req.body, dict) else {}
        for sub in body.get("requests", []):
            ((_kind, value),) = sub.items()
            sid = value.get("sheetId", value.get("range", value.get("start", {})).get("sheetId"))
            touched.add(titles.get(sid, f"sheet {sid}"))
        for t in touched or {"(metadata)"}:
            out[t] = out.get(t, 0) + 1
    return out

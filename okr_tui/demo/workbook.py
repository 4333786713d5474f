"""The demo workbook: a local ``.xlsx`` shaped like the OKR spreadsheet, built on first use from
the bundled history (``sheet_history.json``) so that a demo push of 2024.10-12 shows inserts
(a new period row in each CPU worksheet, a period column and new VO rows in the users
worksheet) and changes (registered/total users snapshots)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from okr_tui.paths import AppPaths
from okr_tui.settings import Settings
from okr_tui.sheets.xlsx import COMMENT_AUTHOR, xlsx_title

HISTORY = Path(__file__).resolve().parent / "sheet_history.json"
CPU_HEADER = [
    "Period",
    "Total CPU/h",
    "Num. of VOs with accounting",
    "VOs with accounting",
    "Num. of VOs without accounting",
    "VOs without accounting",
    "VOs changes",
]
FIRST_NOTE = "Last update on: 14-10-2024 08:05:31"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")


def load_history() -> dict[str, Any]:
    """The bundled past rows (see :mod:`okr_tui.demo.generate_history`)."""
    return json.loads(HISTORY.read_text(encoding="utf-8"))


def _header(ws: Any, values: list[str]) -> None:
    ws.append(values)
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    ws.freeze_panes = "B2"
    ws["A1"].comment = Comment(FIRST_NOTE, COMMENT_AUTHOR)


def _cpu_sheet(wb: Workbook, title: str, rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(xlsx_title(title))
    _header(ws, CPU_HEADER)
    for row in rows:
        ws.append(row)
    for col, width in zip("ABCDEFG", (12, 14, 12, 60, 12, 60, 45), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[1].number_format = "#,##0"


def _users_sheet(wb: Workbook, title: str, users: dict[str, Any]) -> None:
    ws = wb.create_sheet(xlsx_title(title))
    periods: list[str] = users["periods"]
    _header(ws, ["VO", *periods, "Registered Users", "Total Users"])
    rows = users["rows"]
    first, last = 3, 2 + len(rows)
    n_cols = len(periods) + 3
    total = ["TOTAL"] + [
        f"=SUM({get_column_letter(c)}{first}:{get_column_letter(c)}{last})"
        for c in range(2, n_cols + 1)
    ]
    ws.append(total)
    for cell in ws[2]:
        cell.font = _HEADER_FONT
        cell.fill = _TOTAL_FILL
    for name, per_period, registered, total_users in rows:
        ws.append([name, *per_period, registered, total_users])
        ws.cell(row=ws.max_row, column=1).data_type = "s"
    ws.column_dimensions["A"].width = 32
    for c in range(2, n_cols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 14


def build_demo_workbook(settings: Settings | None = None) -> Workbook:
    """The demo workbook in memory (worksheet names from ``settings``, default: legacy)."""
    s = settings or Settings()
    history = load_history()
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    _cpu_sheet(wb, s.worksheet_cloud, history["cpu"]["cloud"])
    _cpu_sheet(wb, s.worksheet_htc, history["cpu"]["htc"])
    _users_sheet(wb, s.worksheet_users, history["users"])
    return wb


def ensure_demo_workbook(paths: AppPaths, reset: bool = False) -> Path:
    """Create the demo workbook at ``paths.demo_workbook`` when missing (or when ``reset``);
    return its path. Written atomically (temp file + rename)."""
    target = paths.demo_workbook
    if target.exists() and not reset:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".demo-", suffix=".xlsx", dir=target.parent)
    os.close(fd)
    try:
        build_demo_workbook().save(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target

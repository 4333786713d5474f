"""The request bodies of the one ``spreadsheets.batchUpdate`` per push (apply) and per undo
(restore). Field masks are limited to ``userEnteredValue`` and ``note`` so formatting survives."""

from __future__ import annotations

import zlib
from typing import Any

from okr_tui.core.grid import EMPTY, Cell, Grid, WorksheetPlan
from okr_tui.sheets.align import differing_rows, inserted_lines, runs, without_lines
from okr_tui.sheets.google_read import cell_to_json

Request = dict[str, Any]

NEW_SHEET_ROWS = 1000
NEW_SHEET_COLS = 26


def new_sheet_id(title: str, taken: set[int]) -> int:
    """A stable, unused sheetId for a worksheet we create."""
    sid = zlib.crc32(title.encode("utf-8")) & 0x3FFFFFFF
    while sid in taken or sid == 0:
        sid = (sid + 1) & 0x3FFFFFFF
    return sid


def _fields(cells: list[tuple[Cell, Cell | None]]) -> str:
    """``userEnteredValue`` alone unless a note changes (so notes are never dropped by accident)."""
    if any((new.note or None) != ((old.note if old else None) or None) for new, old in cells):
        return "userEnteredValue,note"
    return "userEnteredValue"


def _rectangles(
    cells: dict[tuple[int, int], tuple[Cell, Cell | None]],
) -> list[tuple[int, int, list[list[tuple[Cell, Cell | None]]]]]:
    """Group cells into rectangles: horizontal runs, then runs of equal span on adjacent rows."""
    hruns: list[tuple[int, int, list[tuple[Cell, Cell | None]]]] = []
    for (r, c), pair in sorted(cells.items()):
        last = hruns[-1] if hruns else None
        if last and last[0] == r and last[1] + len(last[2]) == c:
            last[2].append(pair)
        else:
            hruns.append((r, c, [pair]))
    by_span: dict[tuple[int, int], list[tuple[int, list[tuple[Cell, Cell | None]]]]] = {}
    for r, c, row in hruns:
        by_span.setdefault((c, len(row)), []).append((r, row))
    rects: list[tuple[int, int, list[list[tuple[Cell, Cell | None]]]]] = []
    for (c, _width), items in sorted(by_span.items()):
        for r, row in sorted(items, key=lambda x: x[0]):
            last = rects[-1] if rects else None
            if (
                last
                and last[1] == c
                and len(last[2][0]) == len(row)
                and last[0] + len(last[2]) == r
            ):
                last[2].append(row)
            else:
                rects.append((r, c, [row]))
    return rects


def update_cells(
    sheet_id: int, cells: dict[tuple[int, int], tuple[Cell, Cell | None]]
) -> list[Request]:
    """``updateCells`` requests writing ``cells`` ((row, col) → (new, old))."""
    out: list[Request] = []
    for r, c, rows in _rectangles(cells):
        flat = [pair for row in rows for pair in row]
        out.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": r, "columnIndex": c},
                    "rows": [{"values": [cell_to_json(new) for new, _ in row]} for row in rows],
                    "fields": _fields(flat),
                }
            }
        )
    return out


def _dimension_range(sheet_id: int, dimension: str, start: int, end: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end}


def plan_requests(plan: WorksheetPlan, sheet_id: int) -> list[Request]:
    """The requests applying one worksheet plan (addSheet / inserts / cell writes / A1 note)."""
    reqs: list[Request] = []
    target = plan.target
    if plan.create:
        rows = max(NEW_SHEET_ROWS, target.n_rows)
        cols = max(NEW_SHEET_COLS, target.n_cols)
        props = {
            "sheetId": sheet_id,
            "title": plan.worksheet,
            "gridProperties": {"rowCount": rows, "columnCount": cols},
        }
        reqs.append({"addSheet": {"properties": props}})
    else:
        rows = plan.base.row_count if plan.base.row_count is not None else plan.base.n_rows
        cols = plan.base.col_count if plan.base.col_count is not None else plan.base.n_cols
    size = {"ROWS": rows, "COLUMNS": cols}
    for ins in plan.inserts:
        current = size[ins.dimension]
        if ins.index >= current:
            length = ins.index + ins.count - current
            reqs.append(
                {
                    "appendDimension": {
                        "sheetId": sheet_id,
                        "dimension": ins.dimension,
                        "length": length,
                    }
                }
            )
            size[ins.dimension] = current + length
        else:
            rng = _dimension_range(sheet_id, ins.dimension, ins.index, ins.index + ins.count)
            reqs.append({"insertDimension": {"range": rng, "inheritFromBefore": ins.index > 0}})
            size[ins.dimension] = current + ins.count
    for dim, need in (("ROWS", target.n_rows), ("COLUMNS", target.n_cols)):
        if need > size[dim]:
            reqs.append(
                {
                    "appendDimension": {
                        "sheetId": sheet_id,
                        "dimension": dim,
                        "length": need - size[dim],
                    }
                }
            )
    cells = {(ch.row, ch.col): (ch.new, ch.old) for ch in plan.changes}
    reqs.extend(update_cells(sheet_id, cells))
    if plan.note is not None and plan.changes:
        reqs.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                    "rows": [{"values": [{"note": plan.note}]}],
                    "fields": "note",
                }
            }
        )
    return reqs


def restore_requests(backup: Grid, current: Grid | None, taken: set[int]) -> list[Request]:
    """Requests that make the worksheet equal ``backup`` again: delete what the push inserted
    (matched by key), then rewrite the rows that differ. A backup without rows and without
    ``sheet_id`` stands for a worksheet the push created: it is deleted."""
    if current is None:
        if not backup.rows:
            return []
        sid = backup.sheet_id if backup.sheet_id is not None else new_sheet_id(backup.title, taken)
        plan = WorksheetPlan(backup.title, Grid(backup.title), backup, create=True)
        plan.changes = []
        reqs = plan_requests(plan, sid)
        reqs.extend(_rewrite(sid, backup, Grid(backup.title)))
        return reqs
    sid = current.sheet_id if current.sheet_id is not None else 0
    if not backup.rows and backup.sheet_id is None:
        return [{"deleteSheet": {"sheetId": sid}}]
    reqs: list[Request] = []
    rows, cols = inserted_lines(backup, current)
    for start, end in runs(rows):
        reqs.append({"deleteDimension": {"range": _dimension_range(sid, "ROWS", start, end)}})
    for start, end in runs(cols):
        reqs.append({"deleteDimension": {"range": _dimension_range(sid, "COLUMNS", start, end)}})
    reqs.extend(_rewrite(sid, backup, without_lines(current, rows, cols)))
    return reqs


def _rewrite(sheet_id: int, backup: Grid, actual: Grid) -> list[Request]:
    cells: dict[tuple[int, int], tuple[Cell, Cell | None]] = {}
    for r in differing_rows(backup, actual):
        width = max(len(backup.rows[r]) if r < backup.n_rows else 0,
                    len(actual.rows[r]) if r < actual.n_rows else 0)  # fmt: skip
        for c in range(width):
            cells[(r, c)] = (backup.get(r, c), actual.get(r, c) if actual else EMPTY)
    out = update_cells(sheet_id, cells)
    for req in out:
        req["updateCells"]["fields"] = "userEnteredValue,note"
    return out

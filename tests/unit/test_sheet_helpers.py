"""Pure helpers of the sheet backends: formula evaluation, URL rewriting, keys, cell JSON,
request grouping, insert recovery for undo."""

from __future__ import annotations

import pytest

from okr_tui.core.grid import Cell, CellChange, Grid, Insert, WorksheetPlan
from okr_tui.sheets.align import inserted_lines, runs
from okr_tui.sheets.base import SheetError
from okr_tui.sheets.formulas import FormulaError, evaluate
from okr_tui.sheets.google import spreadsheet_key
from okr_tui.sheets.google_http import rewrite_url
from okr_tui.sheets.google_read import cell_from_json, cell_to_json, quote_title
from okr_tui.sheets.google_write import plan_requests, update_cells

VALUES = {(2, 1): 4, (3, 1): 6, (4, 1): "text", (0, 0): 2}


def lookup(r: int, c: int) -> object:
    return VALUES.get((r, c))


@pytest.mark.parametrize(
    ("formula", "expected"),
    [("=SUM(B3:B5)", 10), ("=A1+2*3", 8), ("=(A1+B3)/4", 1.5), ("=COUNT(B3:B5)", 2),
     ("=MAX(B3:B4)-MIN(B3:B4)", 2), ("=-A1", -2)],
)  # fmt: skip
def test_evaluate(formula: str, expected: float) -> None:
    assert evaluate(formula, lookup) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("formula", ["=VLOOKUP(A1,B1:C2,2)", "=A1/0", "=SUM(B3:B4", "=1+"])
def test_evaluate_rejects(formula: str) -> None:
    with pytest.raises(FormulaError):
        evaluate(formula, lookup)  # type: ignore[arg-type]


def test_rewrite_url() -> None:
    base = "http://127.0.0.1:8080/"
    assert rewrite_url("https://sheets.googleapis.com/v4/spreadsheets/k", base) == (
        "http://127.0.0.1:8080/v4/spreadsheets/k"
    )
    assert rewrite_url("https://www.googleapis.com/drive/v3/files", base) == (
        "http://127.0.0.1:8080/drive/v3/files"
    )
    assert rewrite_url("https://example.org/x", base) == "https://example.org/x"
    assert (
        rewrite_url("https://sheets.googleapis.com/v4", None) == "https://sheets.googleapis.com/v4"
    )


def test_spreadsheet_key() -> None:
    assert spreadsheet_key(" abc123 ") == "abc123"
    url = "https://docs.google.com/spreadsheets/d/1AbC-xyz_9/edit#gid=5"
    assert spreadsheet_key(url) == "1AbC-xyz_9"
    with pytest.raises(SheetError, match="URL"):
        spreadsheet_key("https://example.org/nothing/here")


def test_cell_json_round_trip() -> None:
    assert cell_to_json(Cell("=1+1")) == {"userEnteredValue": {"stringValue": "=1+1"}}
    assert cell_to_json(Cell(3)) == {"userEnteredValue": {"numberValue": 3}}
    assert cell_to_json(Cell(True)) == {"userEnteredValue": {"boolValue": True}}
    assert cell_to_json(Cell(formula="=SUM(A1:A2)", note="n")) == {
        "userEnteredValue": {"formulaValue": "=SUM(A1:A2)"},
        "note": "n",
    }
    assert cell_to_json(Cell()) == {}
    err = {
        "userEnteredValue": {"formulaValue": "=1/0"},
        "effectiveValue": {"errorValue": {"type": "DIVIDE_BY_ZERO"}},
    }
    assert cell_from_json(err) == Cell("#DIVIDE_BY_ZERO!", "=1/0")
    assert cell_from_json({"effectiveValue": {"numberValue": 5.0}}).value == 5
    assert quote_title("Bob's CPU/h") == "'Bob''s CPU/h'"


def test_update_cells_groups_rectangles() -> None:
    cells = {(r, c): (Cell(r * 10 + c), None) for r in (1, 2) for c in (3, 4)}
    cells[(7, 0)] = (Cell("x"), None)
    reqs = update_cells(9, cells)
    starts = [
        (u["updateCells"]["start"]["rowIndex"], u["updateCells"]["start"]["columnIndex"])
        for u in reqs
    ]
    assert sorted(starts) == [(1, 3), (7, 0)]
    block = next(u["updateCells"] for u in reqs if u["updateCells"]["start"]["rowIndex"] == 1)
    assert [
        [v["userEnteredValue"]["numberValue"] for v in row["values"]] for row in block["rows"]
    ] == [
        [13, 14],
        [23, 24],
    ]
    assert block["fields"] == "userEnteredValue"


def test_note_change_widens_mask_only_when_needed() -> None:
    reqs = update_cells(0, {(0, 0): (Cell("VO", note="new"), Cell("VO", note="old"))})
    assert reqs[0]["updateCells"]["fields"] == "userEnteredValue,note"


def test_insert_at_end_of_grid_appends() -> None:
    base = Grid("S", [[Cell("Period")], [Cell("2024.07-09")]], sheet_id=3, row_count=2, col_count=1)
    target = base.copy()
    target.insert_row(2)
    target.set(2, 0, Cell("2024.10-12"))
    target.set(2, 1, Cell(5))
    changes = [CellChange(2, 0, None, Cell("2024.10-12"), "added", "Period", "p"),
               CellChange(2, 1, None, Cell(5), "added", "Total", "p")]  # fmt: skip
    reqs = plan_requests(WorksheetPlan("S", base, target, [Insert("ROWS", 2)], changes), 3)
    kinds = [next(iter(r)) for r in reqs]
    assert kinds == ["appendDimension", "appendDimension", "updateCells"]
    assert reqs[0]["appendDimension"] == {"sheetId": 3, "dimension": "ROWS", "length": 1}
    assert reqs[1]["appendDimension"]["dimension"] == "COLUMNS"


def test_inserted_lines_found_by_key() -> None:
    before = Grid.from_values("U", [["VO", "2024.07-09", "Reg"], ["a", 1, 2], ["c", 3, 4]])
    before.row_count, before.col_count = 100, 10
    after = Grid.from_values(
        "U",
        [
            ["VO", "2024.07-09", "2024.10-12", "Reg"],
            ["a", 1, 5, 2],
            ["b", None, 1, 1],
            ["c", 3, 3, 4],
        ],
    )
    after.row_count, after.col_count = 101, 11
    assert inserted_lines(before, after) == ([2], [2])
    assert runs([5, 2, 3, 9]) == [(9, 10), (5, 6), (2, 4)]

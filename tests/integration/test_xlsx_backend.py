"""Workbook backend (.xlsx, openpyxl): same scenarios as the Google backend where they apply."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment

from okr_tui.core.grid import Cell, Grid
from okr_tui.sheets.base import SheetError, SheetNotFound
from okr_tui.sheets.xlsx import XlsxBackend, xlsx_title
from tests.integration.sheet_cases import (
    CPU,
    CPU_VALUES,
    NOTE,
    TRICKY,
    USERS,
    USERS_VALUES,
    column_sums_hold,
    new_sheet_plan,
    tricky_plan,
    users_plan,
)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    cpu = wb.active
    assert cpu is not None
    cpu.title = xlsx_title(CPU)
    for row in CPU_VALUES:
        cpu.append(row)
    users = wb.create_sheet(USERS)
    for row in USERS_VALUES:
        users.append(row)
    users["A4"].comment = Comment("kept note", "someone")
    users["C4"].font = openpyxl.styles.Font(bold=True)
    path = tmp_path / "wb" / "book.xlsx"
    path.parent.mkdir()
    wb.save(path)
    return path


def test_read_values_formulas_notes(workbook: Path) -> None:
    backend = XlsxBackend(workbook)
    grids = backend.read([USERS, CPU, "Missing"])
    assert grids["Missing"] is None
    users = grids[USERS]
    assert users is not None
    # openpyxl stores no cached results: the TOTAL value is computed
    assert users.get(1, 1) == Cell(value=45, formula="=SUM(B3:B5)")
    assert users.get(3, 0) == Cell("biomed", note="kept note")
    assert grids[CPU] is not None and grids[CPU].get(2, 1).value == 120
    t = backend.target()
    assert (t.kind, t.name, t.location) == ("xlsx", "book.xlsx", str(workbook))


def test_apply_round_trip_total_equals_column_sum(workbook: Path) -> None:
    backend = XlsxBackend(workbook)
    base = backend.read([USERS])[USERS]
    assert base is not None
    plan = users_plan(base)
    backend.apply([plan])

    after = backend.read([USERS])[USERS]
    assert after is not None and after.content_equal(plan.target)
    assert column_sums_hold(after, 2, 5, range(1, 5))
    assert after.get(0, 0).note == NOTE
    ws = openpyxl.load_workbook(workbook)[USERS]
    assert ws["A4"].value == "=1+1" and ws["A4"].data_type == "s"
    assert ws["D5"].font.bold  # biomed's registered cell kept its format after the inserts
    assert ws["A5"].comment is not None and ws["A5"].comment.text == "kept note"


def test_formulas_shift_on_insert_like_sheets(workbook: Path) -> None:
    """A plan that inserts rows without rewriting TOTAL still ends with Sheets' formulas."""
    backend = XlsxBackend(workbook)
    base = backend.read([USERS])[USERS]
    assert base is not None
    plan = users_plan(base)
    plan.changes = [ch for ch in plan.changes if ch.new.formula is None]
    backend.apply([plan])
    after = backend.read([USERS])[USERS]
    assert after is not None
    assert after.get(1, 1).formula == "=SUM(B3:B6)"  # straddling range grew, as in Sheets
    assert after.get(1, 3).formula == "=SUM(D3:D6)"


def test_strings_that_look_like_formulas_stay_strings(workbook: Path) -> None:
    backend = XlsxBackend(workbook)
    base = backend.read([CPU])[CPU]
    assert base is not None
    backend.apply([tricky_plan(base)])
    after = backend.read([CPU])[CPU]
    assert after is not None
    got = [after.get(base.n_rows + i, 0) for i in range(len(TRICKY))]
    assert got == [Cell(t) for t in TRICKY]
    ws = openpyxl.load_workbook(workbook)[xlsx_title(CPU)]
    assert all(ws.cell(base.n_rows + 1 + i, 1).data_type == "s" for i in range(len(TRICKY)))


def test_restore_undoes_inserts_and_changes(workbook: Path) -> None:
    backend = XlsxBackend(workbook)
    base = backend.read([USERS])[USERS]
    assert base is not None
    backend.apply([users_plan(base)])
    current = backend.read([USERS])[USERS]
    assert current is not None and not current.content_equal(base)

    backend.restore({USERS: base}, {USERS: current})

    restored = backend.read([USERS])[USERS]
    assert restored is not None and restored.content_equal(base)
    assert (restored.row_count, restored.col_count) == (base.row_count, base.col_count)
    ws = openpyxl.load_workbook(workbook)[USERS]
    assert ws["C4"].font.bold


def test_create_worksheet_then_restore_removes_it(workbook: Path) -> None:
    backend = XlsxBackend(workbook)
    assert backend.read(["New"])["New"] is None
    plan = new_sheet_plan("New")
    backend.apply([plan])
    after = backend.read(["New"])["New"]
    assert after is not None and after.content_equal(plan.target)
    backend.restore({"New": Grid("New")}, {"New": after})
    assert backend.read(["New"])["New"] is None


def test_failed_save_leaves_workbook_unchanged(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = XlsxBackend(workbook)
    before = workbook.read_bytes()
    base = backend.read([USERS])[USERS]
    assert base is not None

    def broken_save(self: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(SheetError, match="unchanged"):
        backend.apply([users_plan(base)])
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in workbook.parent.iterdir()) == ["book.xlsx"]


def test_sheet_titles_excel_forbids_are_mapped(workbook: Path) -> None:
    assert xlsx_title(CPU) == "Accounting Cloud CPU\u2215h"
    assert xlsx_title("x" * 40) == "x" * 31
    grid = XlsxBackend(workbook).read([CPU])[CPU]
    assert grid is not None and grid.title == CPU


def test_missing_or_corrupt_workbook(tmp_path: Path) -> None:
    with pytest.raises(SheetNotFound, match="not found"):
        XlsxBackend(tmp_path / "none.xlsx").read([CPU])
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(SheetError, match="cannot be opened"):
        XlsxBackend(bad).read([CPU])

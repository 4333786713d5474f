"""Google Sheets backend through real gspread + google-auth against the fake Sheets API:
one-request reads, one-batchUpdate writes, field masks, strings that look like formulas,
restore (undo), request counts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from okr_tui.core.grid import Cell, CellChange, Grid, WorksheetPlan
from okr_tui.settings import Settings
from okr_tui.sheets.google import GoogleSheetsBackend
from tests.fakes.google import SA_EMAIL, FakeGoogle
from tests.fakes.google_model import FakeSpreadsheet
from tests.integration.sheet_cases import (
    CPU,
    CPU_VALUES,
    TRICKY,
    USERS,
    USERS_VALUES,
    column_sums_hold,
    new_sheet_plan,
    tricky_plan,
    users_plan,
)


def users_book(fake: FakeGoogle) -> FakeSpreadsheet:
    book = fake.add_spreadsheet("OKR_Reports")
    book.add_sheet(CPU, CPU_VALUES)
    sheet = book.add_sheet(USERS, USERS_VALUES)
    sheet.cells[(3, 0)]["note"] = "kept note"
    sheet.cells[(3, 2)]["userEnteredFormat"] = {"backgroundColor": {"red": 1}}
    return book


def batch_bodies(fake: FakeGoogle) -> list[dict[str, Any]]:
    return [r.body for r in fake.sheets_requests if r.path.endswith(":batchUpdate")]


def test_read_is_one_request_with_values_formulas_notes(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    users_book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    target = backend.target()
    assert (target.kind, target.name, target.identity) == ("google", "OKR_Reports", SA_EMAIL)
    assert "fakeKey123" in target.location
    fake_google.reset_log()

    grids = backend.read([USERS, CPU, "Num. of VOs created"])

    assert len(fake_google.sheets_requests) == 1
    query = fake_google.sheets_requests[0].query
    assert query["includeGridData"] == ["true"]
    assert sorted(query["ranges"]) == sorted([f"'{USERS}'", f"'{CPU}'"])
    for part in ("userEnteredValue", "effectiveValue", "note", "properties"):
        assert part in query["fields"][0]
    assert grids["Num. of VOs created"] is None
    users = grids[USERS]
    assert users is not None and users.sheet_id is not None
    assert users.get(1, 1) == Cell(value=45, formula="=SUM(B3:B5)")
    assert users.get(3, 0) == Cell("biomed", note="kept note")
    assert users.header() == ["VO", "2024.07-09", "Registered Users", "Total Users"]
    assert grids[CPU] is not None and grids[CPU].get(2, 1).value == 120


def test_open_by_url(fake_google: FakeGoogle, google_settings: Settings) -> None:
    users_book(fake_google)
    url = "https://docs.google.com/spreadsheets/d/fakeKey123/edit#gid=0"
    backend = GoogleSheetsBackend(replace(google_settings, spreadsheet=url))
    assert backend.key == "fakeKey123"
    assert backend.read([CPU])[CPU] is not None


def test_apply_round_trip_one_batch_update(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book = users_book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    base = backend.read([USERS])[USERS]
    assert base is not None
    plan = users_plan(base)
    fake_google.reset_log()

    backend.apply([plan])

    assert [r.method for r in fake_google.sheets_requests] == ["POST"]
    after = backend.read([USERS])[USERS]
    assert after is not None and after.content_equal(plan.target)
    # TOTAL equals the column sum after the inserts
    assert column_sums_hold(after, 2, 5, range(1, 5))
    sheet = book.sheet(USERS)
    assert sheet is not None
    assert sheet.cells[(4, 3)]["userEnteredFormat"] == {"backgroundColor": {"red": 1}}
    assert sheet.note(4, 0) == "kept note"


def test_batch_update_body_masks_and_inserts(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    users_book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    base = backend.read([USERS])[USERS]
    assert base is not None
    backend.apply([users_plan(base)])

    (body,) = batch_bodies(fake_google)
    kinds = [next(iter(r)) for r in body["requests"]]
    assert kinds[:2] == ["insertDimension", "insertDimension"]
    inserts = [r["insertDimension"] for r in body["requests"][:2]]
    assert [(i["range"]["dimension"], i["range"]["startIndex"]) for i in inserts] == [
        ("ROWS", 3),
        ("COLUMNS", 2),
    ]
    assert all(i["inheritFromBefore"] is True for i in inserts)
    updates = [r["updateCells"] for r in body["requests"] if "updateCells" in r]
    assert updates and set(kinds) <= {"insertDimension", "updateCells"}
    for u in updates:
        assert set(u["fields"].split(",")) <= {"userEnteredValue", "note"}
    assert any(u["fields"] == "note" and u["start"]["rowIndex"] == 0 for u in updates)


def test_strings_that_look_like_formulas_stay_strings(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book = fake_google.add_spreadsheet()
    book.add_sheet("S", [["VO"]])
    backend = GoogleSheetsBackend(google_settings)
    base = backend.read(["S"])["S"]
    assert base is not None
    backend.apply([tricky_plan(base)])

    (body,) = batch_bodies(fake_google)
    sent = [
        v["userEnteredValue"]
        for r in body["requests"]
        for row in r["updateCells"]["rows"]
        for v in row["values"]
    ]
    assert sent == [{"stringValue": t} for t in TRICKY]
    after = backend.read(["S"])["S"]
    assert after is not None
    assert [after.get(i, 0) for i in range(1, 6)] == [Cell(t) for t in TRICKY]


def test_create_worksheet_then_restore_deletes_it(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book = users_book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    assert backend.read([CPU, "New"])["New"] is None
    plan = new_sheet_plan("New")
    target = plan.target
    backend.apply([plan])
    (body,) = batch_bodies(fake_google)
    add = body["requests"][0]["addSheet"]["properties"]
    assert add["title"] == "New" and isinstance(add["sheetId"], int)
    after = backend.read(["New"])["New"]
    assert after is not None and after.content_equal(target)

    backend.restore({"New": Grid("New")}, {"New": after})
    assert book.sheet("New") is None
    assert backend.read(["New"])["New"] is None


def test_restore_undoes_inserts_and_changes(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    users_book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    base = backend.read([USERS])[USERS]
    assert base is not None
    backend.apply([users_plan(base)])
    current = backend.read([USERS])[USERS]
    assert current is not None and current.row_count == (base.row_count or 0) + 1
    fake_google.reset_log()

    backend.restore({USERS: base}, {USERS: current})

    (body,) = batch_bodies(fake_google)
    deletes = [r["deleteDimension"]["range"] for r in body["requests"] if "deleteDimension" in r]
    assert [(d["dimension"], d["startIndex"], d["endIndex"]) for d in deletes] == [
        ("ROWS", 3, 4),
        ("COLUMNS", 2, 3),
    ]
    restored = backend.read([USERS])[USERS]
    assert restored is not None and restored.content_equal(base)
    assert (restored.row_count, restored.col_count) == (base.row_count, base.col_count)


def test_empty_plans_send_nothing(fake_google: FakeGoogle, google_settings: Settings) -> None:
    users_book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    base = backend.read([CPU])[CPU]
    assert base is not None
    fake_google.reset_log()
    backend.apply([WorksheetPlan(CPU, base, base.copy())])
    assert fake_google.sheets_requests == []


@pytest.mark.parametrize("rows", [10, 300])
def test_read_and_write_request_count_independent_of_size(
    fake_google: FakeGoogle, google_settings: Settings, rows: int
) -> None:
    book = fake_google.add_spreadsheet()
    values: list[list[Any]] = [["VO", "Registered Users"]]
    values += [[f"vo{i:04d}", i] for i in range(rows)]
    book.add_sheet(USERS, values)
    backend = GoogleSheetsBackend(google_settings)
    backend.target()
    fake_google.reset_log()
    base = backend.read([USERS])[USERS]
    assert base is not None and base.n_rows == rows + 1
    target = base.copy()
    changes = []
    for r in range(1, rows + 1):
        target.set(r, 1, Cell(r * 2))
        changes.append(CellChange(r, 1, base.get(r, 1), Cell(r * 2), "changed", "R", "vo"))
    backend.apply([WorksheetPlan(USERS, base, target, [], changes)])
    after = backend.read([USERS])[USERS]
    assert after is not None and after.content_equal(target)
    assert len(fake_google.sheets_requests) == 3

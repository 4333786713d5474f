"""End to end on the demo workbook: diff (3) → push (0) → diff (0) → undo (0) → diff (3)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import openpyxl.utils

from okr_tui.cli import main
from okr_tui.paths import AppPaths
from okr_tui.sheets.xlsx import XlsxBackend


def test_demo_diff_push_diff_undo(capsys):
    assert main(["fetch", "--demo", "--format", "json"]) == 0
    fetched = json.loads(capsys.readouterr().out)
    label = fetched["period"]["label"]

    assert main(["diff", "--demo"]) == 3
    out = capsys.readouterr().out
    assert f"Diff for {label}" in out and "Accounting Cloud CPU/h:" in out

    assert main(["push", "--demo", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Backup: " in out
    workbook = AppPaths.default().demo_workbook
    backend = XlsxBackend(workbook)
    names = ["Accounting Cloud CPU/h", "Accounting HTC CPU/h", "VOs statistics (certs)"]
    grids = backend.read(names)
    cloud = grids["Accounting Cloud CPU/h"]
    row = next(r for r in range(cloud.n_rows) if cloud.get(r, 0).text() == label)
    assert cloud.get(row, 1).value == fetched["cloud"]["total_cpu_hours"]
    assert cloud.get(0, 0).note.startswith("Last update on: ")
    users = grids["VOs statistics (certs)"]
    assert label in users.header()

    assert main(["diff", "--demo"]) == 0
    capsys.readouterr()
    assert main(["undo", "--demo", "--yes"]) == 0
    assert "Restored" in capsys.readouterr().out
    restored = backend.read(["Accounting Cloud CPU/h"])["Accounting Cloud CPU/h"]
    assert all(restored.get(r, 0).text() != label for r in range(restored.n_rows))
    assert main(["diff", "--demo"]) == 3
    log = [json.loads(x) for x in AppPaths.default().push_log.read_text().splitlines()]
    assert [r["action"] for r in log] == ["push", "undo"]
    assert all(r["verification"] == "ok" for r in log)


def _sheet_values(path) -> dict[str, list[list[object]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_demo_push_sheet_contents_backup_log_and_undo_refusal(capsys):
    """Open the pushed workbook with openpyxl itself: TOTAL formulas cover every VO row and
    equal the column sums, the A1 notes, lists and the backup; undo refuses after an edit."""
    workbook = AppPaths.default().demo_workbook
    assert main(["diff", "--demo"]) == 3  # creates the demo workbook
    capsys.readouterr()
    before = _sheet_values(workbook)
    assert main(["push", "--demo", "--yes"]) == 0
    capsys.readouterr()

    wb = openpyxl.load_workbook(workbook)
    users = wb["VOs statistics (certs)"]
    header = [c.value for c in users[1]]
    total_row = next(r for r in range(2, users.max_row + 1) if users.cell(r, 1).value == "TOTAL")
    vo_rows = [r for r in range(2, users.max_row + 1) if r != total_row and users.cell(r, 1).value]
    assert "2024.10-12" in header
    for col in range(2, len(header) + 1):
        formula = users.cell(total_row, col).value
        m = re.fullmatch(r"=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", str(formula))
        assert m, (header[col - 1], formula)
        letter = openpyxl.utils.get_column_letter(col)
        assert m.group(1) == m.group(3) == letter
        first, last = int(m.group(2)), int(m.group(4))
        assert first <= min(vo_rows) and last >= max(vo_rows)  # covers every VO row
        column_sum = sum(
            v for r in vo_rows if isinstance(v := users.cell(r, col).value, (int, float))
        )
        in_range = sum(
            v for r in range(first, last + 1)
            if isinstance(v := users.cell(r, col).value, (int, float))
        )  # fmt: skip
        assert in_range == column_sum
    for ws in wb.worksheets:
        note = ws["A1"].comment.text if ws["A1"].comment else ""
        assert re.fullmatch(r"Last update on: \d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}", note), ws.title
    for title in ("Accounting Cloud CPU∕h", "Accounting HTC CPU∕h"):
        ws = wb[title]
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "2024.10-12")
        listed = row[3].value.split(", ") if row[3].value != "-" else []
        assert row[2].value == len(listed)
        assert row[6].value.startswith("APPEARED: ") and "\nDISAPPEARED: " in row[6].value

    [record] = [json.loads(x) for x in AppPaths.default().push_log.read_text().splitlines()]
    assert record["action"] == "push" and record["verification"] == "ok"
    assert "@" in record["user"] and record["identity"] and record["cells_changed"] > 0
    assert set(record["worksheets"]) == {
        "Accounting Cloud CPU/h", "Accounting HTC CPU/h", "VOs statistics (certs)"
    }  # fmt: skip
    backup = Path(record["backup"])
    saved = json.loads((backup / "before.json").read_text())
    cloud_before = before["Accounting Cloud CPU∕h"]
    saved_cloud = [
        [c[0] if c else None for c in row] for row in saved["Accounting Cloud CPU/h"]["rows"]
    ]
    assert [r for r in saved_cloud if any(r)] == [
        r for r in cloud_before if any(v is not None for v in r)
    ]
    assert json.loads((backup / "report.json").read_text())["period"]["label"] == "2024.10-12"

    wb["VOs statistics (certs)"].cell(vo_rows[0], 2).value = 123456  # someone edits the sheet
    wb.save(workbook)
    assert main(["undo", "--demo", "--yes"]) == 5
    err = capsys.readouterr().err
    assert "changed after the push" in err and f"B{vo_rows[0]}" in err
    assert _sheet_values(workbook)["VOs statistics (certs)"][vo_rows[0] - 1][1] == 123456

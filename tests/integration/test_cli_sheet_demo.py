"""End to end on the demo workbook: diff (3) → push (0) → diff (0) → undo (0) → diff (3)."""

from __future__ import annotations

import json

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

"""End to end on the demo: a push of one VO writes that VO's CPU row only after confirmation,
and says so on stderr."""

from __future__ import annotations

import json

from okr_tui.cli import main
from okr_tui.paths import AppPaths
from okr_tui.sheets.xlsx import XlsxBackend

CLOUD = "Accounting Cloud CPU/h"
SELECT = ["--demo", "--vo", "alice", "--accounting-api", "legacy", "--report", "cloud"]


def test_demo_push_of_one_vo_warns_and_needs_yes(capsys, monkeypatch):
    assert main(["fetch", *SELECT, "--format", "json"]) == 0
    fetched = json.loads(capsys.readouterr().out)["cloud"]
    assert main(["diff", *SELECT]) == 3
    err = capsys.readouterr().err
    assert "partial selection (only alice)" in err and "1 VO only" in err
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["push", *SELECT]) == 2
    assert "refusing to push without --yes" in capsys.readouterr().err
    backend = XlsxBackend(AppPaths.default().demo_workbook)
    before = backend.read([CLOUD])[CLOUD]
    assert before is not None
    assert all(before.get(r, 0).text() != "2024.10-12" for r in range(before.n_rows))
    assert main(["push", *SELECT, "--yes"]) == 0
    err = capsys.readouterr().err
    assert "partial selection" in err
    grid = backend.read([CLOUD])[CLOUD]
    assert grid is not None
    row = next(r for r in range(grid.n_rows) if grid.get(r, 0).text() == "2024.10-12")
    assert grid.get(row, 1).value == fetched["total_cpu_hours"]
    assert grid.get(row, 3).text() == "alice" and grid.get(row, 2).value == 1

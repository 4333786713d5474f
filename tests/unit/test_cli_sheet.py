"""`okr-tui diff / push / undo` exit codes and output, with the fetch and the backend faked."""

from __future__ import annotations

import json

import pytest

from okr_tui.cli import main
from okr_tui.core.grid import Cell
from okr_tui.core.models import Missing
from okr_tui.core.periods import Period
from okr_tui.services import fetching, sheet_ops
from tests.unit.memory_backend import MemoryBackend
from tests.unit.plan_factory import cpu_report, grid, report

P = Period.of("2024-10", "2024-12")
CLOUD = "Accounting Cloud CPU/h"
CPU_H = ["Period", "Total CPU/h", "Num. of VOs with accounting", "VOs with accounting",
         "Num. of VOs without accounting", "VOs without accounting", "VOs changes"]  # fmt: skip


@pytest.fixture
def world(monkeypatch):
    """A faked fetch (one cloud report) and an in-memory sheet; returns (backend, state)."""
    backend = MemoryBackend({CLOUD: grid(CLOUD, [CPU_H, ["2024.07-09", 10, 1, "alice", 0, "-",
                                                          "-"]])})  # fmt: skip
    state = {"missing": []}

    async def fake_fetch(ctx, selection, progress=None, sources=None):
        rep = report("2024.10-12", cloud=cpu_report("cloud", P, {"alice": 20}, [], 20))
        rep.missing = list(state["missing"])
        return rep

    monkeypatch.setattr(fetching, "fetch_report", fake_fetch)
    monkeypatch.setattr(sheet_ops, "open_backend", lambda ctx: backend)
    return backend, state


def test_diff_push_diff_undo(world, capsys):
    backend, _ = world
    assert main(["diff", "--report", "cloud"]) == 3
    out = capsys.readouterr().out
    assert "Accounting Cloud CPU/h: 7 cells (7 added, 0 changed), 1 row inserted" in out
    assert "A3" in out and "2024.10-12" in out
    assert main(["push", "--report", "cloud", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "verified" in out and out.count("Backup: ") == 1
    assert backend.grids[CLOUD].get(2, 1) == Cell(20)
    assert main(["diff", "--report", "cloud", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cells_changed"] == 0 and data["period"] == "2024.10-12"
    assert main(["push", "--report", "cloud", "--yes"]) == 0
    assert "Nothing to change" in capsys.readouterr().out
    assert main(["undo", "--yes"]) == 0
    assert backend.grids[CLOUD].n_rows == 2


def test_diff_json_lists_changes(world, capsys):
    assert main(["diff", "--report", "cloud", "--format", "json"]) == 3
    data = json.loads(capsys.readouterr().out)
    (ws,) = data["worksheets"]
    assert ws["inserts"] == [{"dimension": "ROWS", "index": 2, "count": 1}]
    total = next(c for c in ws["changes"] if c["cell"] == "B3")
    assert total == {"cell": "B3", "row": "2024.10-12", "field": "Total CPU/h",
                     "kind": "added", "old": None, "new": 20}  # fmt: skip


def test_missing_data_exit_4_names_it(world, capsys):
    _, state = world
    state["missing"] = [Missing("cloud", None, "accounting portal: HTTP 503")]
    assert main(["diff", "--report", "cloud"]) == 4
    assert "HTTP 503" in capsys.readouterr().err
    assert main(["push", "--report", "cloud", "--yes"]) == 4


def test_push_needs_yes_without_a_terminal(world, capsys, monkeypatch):
    backend, _ = world
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["push", "--report", "cloud"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert backend.applied == 0


def test_push_on_a_terminal_asks_for_the_period_label(world, monkeypatch):
    backend, _ = world
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "2024.07-09")
    assert main(["push", "--report", "cloud"]) == 1
    assert backend.applied == 0
    monkeypatch.setattr("builtins.input", lambda prompt: "2024.10-12")
    assert main(["push", "--report", "cloud"]) == 0
    assert backend.applied == 1


def test_conflict_exit_5_and_verify_exit_6(world, monkeypatch, capsys):
    backend, _ = world
    real_read = backend.read
    calls = {"n": 0}

    def read_then_edit(names):
        calls["n"] += 1
        got = real_read(names)
        if calls["n"] == 1:  # after the plan's read, someone edits the sheet
            backend.grids[CLOUD].set(1, 1, Cell(11))
        return got

    monkeypatch.setattr(backend, "read", read_then_edit)
    assert main(["push", "--report", "cloud", "--yes"]) == 5
    assert "changed since the diff" in capsys.readouterr().err
    monkeypatch.setattr(backend, "read", real_read)
    backend.after_apply = lambda grids: grids[CLOUD].set(2, 1, Cell(0))
    assert main(["push", "--report", "cloud", "--yes"]) == 6
    assert "B3" in capsys.readouterr().err


def test_undo_refuses_when_sheet_changed(world, capsys):
    backend, _ = world
    assert main(["push", "--report", "cloud", "--yes"]) == 0
    backend.grids[CLOUD].set(2, 1, Cell(21))
    assert main(["undo", "--yes"]) == 5
    assert "B3" in capsys.readouterr().err
    assert backend.grids[CLOUD].get(2, 1) == Cell(21)

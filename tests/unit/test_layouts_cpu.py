"""CPU worksheet layout (SPEC §5.1) on a grid shaped like the one the legacy tools produced."""

from __future__ import annotations

from okr_tui.core.grid import Cell, Insert
from okr_tui.core.layouts import cpu
from okr_tui.core.models import Missing
from okr_tui.core.periods import Period
from tests.unit.plan_factory import cpu_report, grid, report, rows_of

WS = "Accounting Cloud CPU/h"
H = cpu.HEADERS
KNOWN = ["alice", "atlas", "biomed", "cms", "ops"]
ROWS = [
    ["2023.07-09", 100, 2, "ALICE, biomed", 1, "ops", "-"],
    ["2023.11-01", 150, 2, "ALICE, biomed", 1, "ops", "APPEARED: -\nDISAPPEARED: -"],
    ["2024.02-04", 200, 3, "ALICE, biomed, cms", 1, "ops", "APPEARED: cms\nDISAPPEARED: -"],
    ["2024.07-09", 300, 2, "ALICE, cms", 2, "biomed, ops", "APPEARED: -\nDISAPPEARED: biomed"],
]


def legacy_grid():
    # header, four period rows (one with a legacy wrapped label), two empty trailing rows
    return grid(WS, [H, *[list(r) for r in ROWS], [""] * 7, []])


def run(label, with_acc, without, total, base=None, **kw):
    period = Period.from_label(label)[0]
    rep = report(
        label, cloud=cpu_report("cloud", period, with_acc, without, total), known=KNOWN, **kw
    )
    return cpu.target_grid(legacy_grid() if base is None else base, rep, "cloud", WS)


def test_append_new_period_marks_only_real_changes():
    # the legacy bug marked every VO as APPEARED when a period was appended;
    # ALICE (old row) and alice (Operations Portal) are the same VO
    res = run("2024.10-12", {"alice": 10, "cms": 20, "biomed": 5}, ["ops"], 35)
    new_row = ["2024.10-12", 35, 3, "alice, biomed, cms", 1, "ops"]
    new_row.append("APPEARED: biomed\nDISAPPEARED: -")
    assert rows_of(res.target) == [H, *ROWS, new_row]
    assert res.inserts == [Insert("ROWS", 5, 1)]
    assert res.missing == []


def test_period_inserted_in_the_middle_recomputes_next_row():
    res = run("2024.05-06", {"alice": 1, "cms": 2, "atlas": 3}, ["biomed", "ops"], 6)
    mid = ["2024.05-06", 6, 3, "alice, atlas, cms", 2, "biomed, ops"]
    mid.append("APPEARED: atlas\nDISAPPEARED: biomed")
    nxt = [*ROWS[3][:6], "APPEARED: -\nDISAPPEARED: atlas"]
    assert rows_of(res.target) == [H, *ROWS[:3], mid, nxt]
    assert res.inserts == [Insert("ROWS", 4, 1)]


def test_existing_period_updated_in_place_other_rows_untouched():
    res = run("2024.07-09", {"alice": 400, "cms": 50}, ["biomed", "ops"], 450)
    row = ["2024.07-09", 450, 2, "alice, cms", 2, "biomed, ops"]
    row.append("APPEARED: -\nDISAPPEARED: biomed")
    assert rows_of(res.target) == [H, *ROWS[:3], row]
    assert res.inserts == []


def test_legacy_wrapped_label_read_across_the_year_with_warning():
    # 2023.10-10 sorts before 2023.11-01 only if that label is read as 2023.11..2024.01
    res = run("2023.10-10", {"alice": 1, "biomed": 1}, ["ops"], 2)
    new = ["2023.10-10", 2, 2, "alice, biomed", 1, "ops", "APPEARED: -\nDISAPPEARED: -"]
    assert res.inserts == [Insert("ROWS", 2, 1)]
    assert rows_of(res.target)[2] == new
    assert any("2023.11-01" in w and "2023.11-2024.01" in w for w in res.warnings)


def test_cross_year_label_appended():
    res = run("2024.11-2025.01", {"cms": 7}, ["alice", "biomed", "ops"], 7)
    last = rows_of(res.target)[5]
    assert last[0] == "2024.11-2025.01"
    assert last[6] == "APPEARED: -\nDISAPPEARED: alice"


def test_disappeared_name_keeps_old_spelling_when_vo_unknown():
    base = grid(WS, [H, ["2024.07-09", 3, 2, "ALICE, Old.VO", 0, "-", "-"]])
    res = run("2024.10-12", {"alice": 3}, [], 3, base=base)
    assert rows_of(res.target)[2][6] == "APPEARED: -\nDISAPPEARED: Old.VO"
    assert rows_of(res.target)[2][5] == "-"


def test_missing_data_leaves_the_sheet_and_names_it():
    rep = report(
        "2024.10-12",
        cloud=cpu_report("cloud", Period.of("2024-10", "2024-12"), {"alice": 1}, [], 1),
        missing=[Missing("cloud", None, "accounting portal timed out")],
    )
    res = cpu.target_grid(legacy_grid(), rep, "cloud", WS)
    assert rows_of(res.target) == rows_of(legacy_grid())
    assert res.inserts == []
    assert "accounting portal timed out" in res.missing[0]


def test_columns_found_by_header_text_or_legacy_position():
    # columns in another order and case; "Total CPU/h" header missing -> legacy column B
    header = ["PERIOD", "", "vos changes", "VOs with accounting", "Num. of VOs without accounting"]
    header += ["VOs without accounting", "Num. of VOs with accounting"]
    base = grid(WS, [header])
    res = run("2024.10-12", {"alice": 5, "=cmd|' /C calc'!A0": 2}, ["ops"], 7, base=base)
    row = res.target.rows[1]
    assert [c.value for c in row] == [
        "2024.10-12", 7, "-", "=cmd|' /C calc'!A0, alice", 1, "ops", 2,
    ]  # fmt: skip
    assert all(c.formula is None for c in row)
    assert any("Total CPU/h" in w for w in res.warnings)


def test_new_worksheet_gets_header_and_row():
    period = Period.of("2024-10", "2024-12")
    rep = report("2024.10-12", htc=cpu_report("htc", period, {"alice": 5}, [], 5))
    res = cpu.target_grid(None, rep, "htc", "Accounting HTC CPU/h")
    assert rows_of(res.target) == [H, ["2024.10-12", 5, 1, "alice", 0, "-", "-"]]


def test_notes_of_written_cells_are_kept():
    base = legacy_grid()
    base.rows[4][1] = Cell(300, note="checked by hand")
    res = run("2024.07-09", {"alice": 400, "cms": 50}, ["biomed", "ops"], 450, base=base)
    assert res.target.get(4, 1) == Cell(450, note="checked by hand")

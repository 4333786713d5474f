"""Users worksheet layout (SPEC §5.2): period columns, VO rows, the TOTAL formula row."""

from __future__ import annotations

from okr_tui.core.grid import Insert
from okr_tui.core.layouts import users
from okr_tui.core.models import Missing
from tests.unit.plan_factory import f, grid, report, rows_of

WS = "VOs statistics (certs)"
EVIL = "=cmd|' /C calc'!A0"


def legacy_grid():
    """TOTAL formula row 2, odd VO order, a hole, empty trailing rows."""
    return grid(
        WS,
        [
            ["VO", "2024.01-03", "2024.07-09", "Registered Users", "Total Users"],
            ["TOTAL", f("=SUM(B3:B6)", 27), f("=SUM(C3:C6)", 21), f("=SUM(D3:D6)", 34),
             f("=SUM(E3:E6)", 38)],
            ["vo.zeta.eu", 1, 2, 3, 4],
            ["alice", 5, 6, 7, 8],
            ["mike.vo", 9, None, 10, 11],
            ["ops", 12, 13, 14, 15],
            ["", "", "", "", ""],
            [],
        ],
    )  # fmt: skip


def test_new_period_in_the_middle_and_new_vos():
    rep = report(
        "2024.04-06",
        users=[
            ("alice", 10, 20, 30),
            ("beta", 5, 6, 7),
            ("ops", None, 1, 2),  # no data in the period: empty cell, never 0
            ("zulu", 3, 4, 5),
            (EVIL, 1, 1, 1),
        ],
    )
    res = users.target_grid(legacy_grid(), rep, WS)
    assert rows_of(res.target) == [
        ["VO", "2024.01-03", "2024.04-06", "2024.07-09", "Registered Users", "Total Users"],
        ["TOTAL", "=SUM(B3:B9)", "=SUM(C3:C9)", "=SUM(D3:D9)", "=SUM(E3:E9)", "=SUM(F3:F9)"],
        [EVIL, None, 1, None, 1, 1],
        ["beta", None, 5, None, 6, 7],
        ["vo.zeta.eu", 1, None, 2, 3, 4],
        ["alice", 5, 10, 6, 20, 30],
        ["mike.vo", 9, None, None, 10, 11],
        ["ops", 12, None, 13, 1, 2],
        ["zulu", None, 3, None, 4, 5],
    ]
    assert res.inserts == [
        Insert("COLUMNS", 2),
        Insert("ROWS", 2),
        Insert("ROWS", 3),
        Insert("ROWS", 8),
    ]
    evil = res.target.get(2, 0)
    assert evil.value == EVIL and evil.formula is None
    # the TOTAL of the new column equals the column sum
    column = [res.target.get(r, 2).value for r in range(2, 9)]
    assert res.target.get(1, 2).value == sum(v for v in column if isinstance(v, int))


def test_existing_period_updated_in_place():
    rep = report("2024.07-09", users=[("ALICE", 60, 7, 9)])
    res = users.target_grid(legacy_grid(), rep, WS)
    expected = rows_of(legacy_grid())
    expected[3] = ["alice", 5, 60, 7, 9]
    assert rows_of(res.target) == expected
    assert res.inserts == []
    assert res.target.get(1, 2).formula == "=SUM(C3:C6)"


def test_vo_appended_after_last_row_extends_total_at_the_bottom():
    base = grid(WS, [["VO", "2024.07-09", "Registered Users", "Total Users"],
                     ["a", 1, 1, 1], ["b", 2, 2, 2],
                     ["TOTAL", f("=SUM(B2:B3)"), f("=SUM(C2:C3)"), f("=SUM(D2:D3)")]])  # fmt: skip
    rep = report("2024.07-09", users=[("c", 3, 3, 3)])
    res = users.target_grid(base, rep, WS)
    assert rows_of(res.target) == [
        ["VO", "2024.07-09", "Registered Users", "Total Users"],
        ["a", 1, 1, 1],
        ["b", 2, 2, 2],
        ["c", 3, 3, 3],
        ["TOTAL", "=SUM(B2:B4)", "=SUM(C2:C4)", "=SUM(D2:D4)"],
    ]
    assert res.target.get(4, 1).value == 6


def test_new_period_after_the_last_gets_translated_total_formula():
    base = grid(WS, [["VO", "2024.07-09", "Registered Users", "Total Users"],
                     ["TOTAL", f("=SUM(B3:B4)"), f("=SUM(C3:C4)"), f("=SUM(D3:D4)")],
                     ["a", 1, 1, 1], ["b", 2, 2, 2]])  # fmt: skip
    rep = report("2024.10-12", users=[("a", 4, 1, 1), ("b", 5, 2, 2)])
    res = users.target_grid(base, rep, WS)
    assert rows_of(res.target)[0] == ["VO", "2024.07-09", "2024.10-12", "Registered Users",
                                      "Total Users"]  # fmt: skip
    assert rows_of(res.target)[1] == ["TOTAL", "=SUM(B3:B4)", "=SUM(C3:C4)", "=SUM(D3:D4)",
                                      "=SUM(E3:E4)"]  # fmt: skip
    assert res.target.get(1, 2).value == 9


def test_missing_users_of_one_vo_still_writes_registered_and_total():
    rep = report(
        "2024.07-09",
        users=[("alice", None, 70, 80), ("ops", 99, 14, 15)],
        missing=[Missing("users", "alice", "vo-users timed out")],
    )
    res = users.target_grid(legacy_grid(), rep, WS)
    rows = rows_of(res.target)
    assert rows[3] == ["alice", 5, 6, 70, 80]  # the period cell is left as it was
    assert rows[5] == ["ops", 12, 99, 14, 15]
    assert any("alice" in m and "2024.07-09" in m for m in res.missing)


def test_new_worksheet():
    rep = report("2024.10-12", users=[("b", 2, 3, 4), ("a", None, 1, 1)])
    res = users.target_grid(None, rep, WS)
    assert rows_of(res.target) == [
        ["VO", "2024.10-12", "Registered Users", "Total Users"],
        ["a", None, 1, 1],
        ["b", 2, 3, 4],
    ]


def test_formula_cell_in_a_vo_row_is_never_overwritten():
    base = legacy_grid()
    base.rows[3][3] = f("=D3+1", 4)
    rep = report("2024.07-09", users=[("alice", 6, 70, 80)])
    res = users.target_grid(base, rep, WS)
    assert res.target.get(3, 3).formula == "=D3+1"
    assert res.target.get(3, 4).value == 80
    assert any("formula" in w for w in res.warnings)


def test_users_fetch_failed_entirely_is_missing():
    rep = report("2024.10-12", users=[], missing=[Missing("users", None, "vo-list: HTTP 401")])
    res = users.target_grid(legacy_grid(), rep, WS)
    assert rows_of(res.target) == rows_of(legacy_grid())
    assert res.missing and "HTTP 401" in res.missing[0]


def test_vo_without_registered_numbers_is_not_missing():
    # a VO named with --vo that is not a production VO: no vo-list numbers, nothing failed
    rep = report("2024.07-09", users=[("alice", 6, None, None)])
    res = users.target_grid(legacy_grid(), rep, WS)
    assert res.missing == []
    assert rows_of(res.target)[3] == ["alice", 5, 6, 7, 8]

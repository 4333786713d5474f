"""Formula reference arithmetic used on inserts (both backends rely on it)."""

from __future__ import annotations

from okr_tui.core.layouts.formulas import cover_rows, evaluate_sum, shift_for_insert, translate
from tests.unit.plan_factory import grid


def test_row_insert_inside_a_range_grows_it_but_not_after_its_end():
    assert shift_for_insert("=SUM(B3:B40)", "ROWS", 39) == "=SUM(B3:B41)"
    assert shift_for_insert("=SUM(B3:B40)", "ROWS", 40) == "=SUM(B3:B40)"
    assert shift_for_insert("=SUM(B3:B40)", "ROWS", 2) == "=SUM(B4:B41)"
    assert shift_for_insert("=$B$3+B2", "ROWS", 2, 2) == "=$B$5+B2"


def test_column_insert_leaves_functions_strings_and_other_sheets_alone():
    formula = '=SUM(C3:C9)+LOG10(D2)&"B3"+Other!C3:C4'
    assert shift_for_insert(formula, "COLUMNS", 1) == '=SUM(D3:D9)+LOG10(E2)&"B3"+Other!C3:C4'


def test_translate_moves_relative_columns_only():
    assert translate("=SUM(B3:B9)", 1) == "=SUM(C3:C9)"
    assert translate("=SUM($B3:B9)+$A$1", 2) == "=SUM($B3:D9)+$A$1"


def test_cover_rows_extends_ranges_that_covered_every_old_row():
    assert cover_rows("=SUM(B2:B3)", [1, 2], [1, 2, 3]) == "=SUM(B2:B4)"
    assert cover_rows("=SUM(B4:B7)", [3, 4, 5, 6], [2, 3, 4, 5, 6, 7]) == "=SUM(B3:B8)"
    assert cover_rows("=B2+B3", [1, 2], [1, 2, 3]) == "=B2+B3"  # not a range: left alone
    assert cover_rows("=SUM(B3:B3)", [1, 2], [1, 2, 3]) == "=SUM(B3:B3)"  # did not cover all


def test_evaluate_sum():
    g = grid("U", [["VO", "n"], ["a", 2], ["b", None], ["c", 3.5]])
    assert evaluate_sum("=SUM(B2:B4)", g) == 5.5
    assert evaluate_sum("=AVERAGE(B2:B4)", g) is None

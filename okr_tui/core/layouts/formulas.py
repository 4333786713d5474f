"""A1 formula reference arithmetic: shifting on inserts, translation, range coverage. Pure.

Only plain A1 references on the same worksheet are rewritten (``B3``, ``$B$3``, ``B3:B40``);
quoted strings are left alone. That is what the OKR sheet's TOTAL row uses (``=SUM(B3:B40)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from okr_tui.core.grid import CellValue, Grid, col_letter

# A cell reference not preceded by a letter/underscore/!/: (sheet names and range tails are
# handled by the range pattern) and not followed by "(" (function names like LOG10).
_REF = re.compile(r"(?<![A-Za-z_0-9.!$:])(\$?)([A-Z]{1,3})(\$?)([0-9]+)(?![0-9A-Za-z_(])")
_RANGE = re.compile(
    r"(?<![A-Za-z_0-9.!$])(\$?)([A-Z]{1,3})(\$?)([0-9]+):(\$?)([A-Z]{1,3})(\$?)([0-9]+)"
    r"(?![0-9A-Za-z_(])"
)
_SUM = re.compile(r"=\s*SUM\(\s*\$?([A-Z]{1,3})\$?([0-9]+):\$?([A-Z]{1,3})\$?([0-9]+)\s*\)\s*")


def col_index(letters: str) -> int:
    """A1 column letters -> 0-based index (A -> 0, AA -> 26)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _outside_strings(formula: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the parts of ``formula`` that are not inside double-quoted strings."""
    parts = formula.split('"')
    return '"'.join(fn(p) if i % 2 == 0 else p for i, p in enumerate(parts))


def shift_for_insert(formula: str, dimension: str, index: int, count: int = 1) -> str:
    """Rewrite references the way Google Sheets does when ``count`` rows/columns are inserted
    before 0-based ``index``: references at or after it move; a range that straddles the
    insertion point grows; a range ending just before it does not (SPEC §5.2)."""

    def move(pos: int) -> int:
        return pos + count if pos >= index else pos

    def do_range(m: re.Match[str]) -> str:
        c1, r1, c2, r2 = col_index(m[2]), int(m[4]) - 1, col_index(m[6]), int(m[8]) - 1
        if dimension == "ROWS":
            r1, r2 = move(r1), move(r2)
        else:
            c1, c2 = move(c1), move(c2)
        return f"{m[1]}{col_letter(c1)}{m[3]}{r1 + 1}:{m[5]}{col_letter(c2)}{m[7]}{r2 + 1}"

    def do_ref(m: re.Match[str]) -> str:
        c, r = col_index(m[2]), int(m[4]) - 1
        if dimension == "ROWS":
            r = move(r)
        else:
            c = move(c)
        return f"{m[1]}{col_letter(c)}{m[3]}{r + 1}"

    def part(text: str) -> str:
        return _map_refs(text, do_range, do_ref)

    return _outside_strings(formula, part)


def translate(formula: str, d_cols: int) -> str:
    """Copy a formula ``d_cols`` columns to the right: relative column references move,
    ``$``-anchored ones stay (a fill-right)."""

    def shift(anchor: str, letters: str) -> str:
        return letters if anchor else col_letter(col_index(letters) + d_cols)

    def do_range(m: re.Match[str]) -> str:
        return f"{m[1]}{shift(m[1], m[2])}{m[3]}{m[4]}:{m[5]}{shift(m[5], m[6])}{m[7]}{m[8]}"

    def do_ref(m: re.Match[str]) -> str:
        return f"{m[1]}{shift(m[1], m[2])}{m[3]}{m[4]}"

    return _outside_strings(formula, lambda t: _map_refs(t, do_range, do_ref))


def _map_refs(
    text: str,
    do_range: Callable[[re.Match[str]], str],
    do_ref: Callable[[re.Match[str]], str],
) -> str:
    """Rewrite ranges first, then the single references between them."""
    out: list[str] = []
    pos = 0
    for m in _RANGE.finditer(text):
        out.append(_REF.sub(do_ref, text[pos : m.start()]))
        out.append(do_range(m))
        pos = m.end()
    out.append(_REF.sub(do_ref, text[pos:]))
    return "".join(out)


def cover_rows(formula: str, old_rows: list[int], new_rows: list[int]) -> str:
    """Extend every row range of ``formula`` that covered all of ``old_rows`` (0-based, target
    coordinates) so that it covers all of ``new_rows`` too."""
    if not old_rows or not new_rows:
        return formula
    lo_old, hi_old = min(old_rows), max(old_rows)
    lo_new, hi_new = min(new_rows), max(new_rows)

    def do_range(m: re.Match[str]) -> str:
        r1, r2 = int(m[4]) - 1, int(m[8]) - 1
        if m[2] != m[6] or not (r1 <= lo_old and r2 >= hi_old):
            return m[0]
        r1, r2 = min(r1, lo_new), max(r2, hi_new)
        return f"{m[1]}{m[2]}{m[3]}{r1 + 1}:{m[5]}{m[6]}{m[7]}{r2 + 1}"

    return _outside_strings(formula, lambda t: _RANGE.sub(do_range, t))


def evaluate_sum(formula: str, grid: Grid) -> CellValue:
    """The value of a ``=SUM(X3:X40)`` formula over ``grid`` (for display); None otherwise."""
    m = _SUM.fullmatch(formula)
    if not m or m[1] != m[3]:
        return None
    col, lo, hi = col_index(m[1]), int(m[2]) - 1, int(m[4]) - 1
    total: float = 0
    for r in range(lo, hi + 1):
        v = grid.get(r, col).value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            total += v
    return int(total) if float(total).is_integer() else total

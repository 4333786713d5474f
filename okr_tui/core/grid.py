"""A worksheet as a grid of cells (values, formulas, notes), and the plan that changes it.

Coordinates are 0-based (row, col); row 0 is the header. Pure: no I/O.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Literal

CellValue = str | int | float | bool | None


@dataclass(frozen=True)
class Cell:
    """One cell: ``value`` is the effective (displayed) value, ``formula`` the user-entered
    formula when there is one (e.g. ``=SUM(B3:B40)``), ``note`` the cell note."""

    value: CellValue = None
    formula: str | None = None
    note: str | None = None

    @property
    def is_formula(self) -> bool:
        return self.formula is not None

    @property
    def is_empty(self) -> bool:
        return self.formula is None and (self.value is None or self.value == "")

    def text(self) -> str:
        """The value as the sheet shows it (numbers without a trailing ``.0``)."""
        v = self.value
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    def same_content(self, other: Cell) -> bool:
        """Equal user-entered content (formula, else value; numbers compared numerically)."""
        if self.formula is not None or other.formula is not None:
            return self.formula == other.formula
        return values_equal(self.value, other.value)


EMPTY = Cell()


def values_equal(a: CellValue, b: CellValue) -> bool:
    """Sheet-level equality: ``None`` == ``""``; 3 == 3.0; strings exact."""
    a = None if a == "" else a
    b = None if b == "" else b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


@dataclass
class Grid:
    """A worksheet's cells. Rows may be ragged; missing cells are empty."""

    title: str
    rows: list[list[Cell]] = field(default_factory=list)
    sheet_id: int | None = None  # backend identifier (Google sheetId); None for new sheets
    row_count: int | None = None  # sheet dimensions as the backend reports them
    col_count: int | None = None

    @classmethod
    def from_values(cls, title: str, values: list[list[CellValue]], **kw: object) -> Grid:
        """Build from plain values; strings starting with ``=`` become formulas."""
        rows = [
            [Cell(formula=v) if isinstance(v, str) and v.startswith("=") else Cell(v) for v in r]
            for r in values
        ]
        return cls(title, rows, **kw)  # type: ignore[arg-type]

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def get(self, row: int, col: int) -> Cell:
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return EMPTY

    def set(self, row: int, col: int, cell: Cell) -> None:
        while len(self.rows) <= row:
            self.rows.append([])
        r = self.rows[row]
        while len(r) <= col:
            r.append(EMPTY)
        r[col] = cell

    def header(self) -> list[str]:
        return [c.text().strip() for c in self.rows[0]] if self.rows else []

    def column(self, col: int) -> list[Cell]:
        return [self.get(r, col) for r in range(self.n_rows)]

    def insert_row(self, index: int, count: int = 1) -> None:
        for _ in range(count):
            self.rows.insert(min(index, len(self.rows)), [])
        if self.row_count is not None:
            self.row_count += count

    def insert_col(self, index: int, count: int = 1) -> None:
        for r in self.rows:
            if len(r) > index:
                for _ in range(count):
                    r.insert(index, EMPTY)
        if self.col_count is not None:
            self.col_count += count

    def trimmed(self) -> Grid:
        """A copy without trailing empty cells and rows (for comparisons)."""
        rows = [list(r) for r in self.rows]
        for r in rows:
            while r and r[-1].is_empty and r[-1].note is None:
                r.pop()
        while rows and not rows[-1]:
            rows.pop()
        return replace(self, rows=rows)

    def copy(self) -> Grid:
        return copy.deepcopy(self)

    def content_equal(self, other: Grid) -> bool:
        """Same user-entered content and notes everywhere (ignores dimensions)."""
        a, b = self.trimmed(), other.trimmed()
        if a.n_rows != b.n_rows:
            return False
        for r in range(a.n_rows):
            for c in range(max(len(a.rows[r]), len(b.rows[r]))):
                x, y = a.get(r, c), b.get(r, c)
                if not x.same_content(y) or (x.note or None) != (y.note or None):
                    return False
        return True


# --- plans ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Insert:
    """Insert ``count`` empty rows/columns before ``index`` (0-based). Inserts of one worksheet
    are applied in list order, each index in the coordinates left by the previous ones."""

    dimension: Literal["ROWS", "COLUMNS"]
    index: int
    count: int = 1


ChangeKind = Literal["added", "changed"]


@dataclass(frozen=True)
class CellChange:
    """One cell to write, in target-grid coordinates (after all inserts)."""

    row: int
    col: int
    old: Cell | None  # None: the cell is in an inserted row/column (or the sheet is new)
    new: Cell
    kind: ChangeKind
    field: str  # the column header ("Total CPU/h", "2024.10-12", ...)
    key: str  # the row key (period label or VO name)

    @property
    def a1(self) -> str:
        return a1(self.row, self.col)


@dataclass
class WorksheetPlan:
    """What will change in one worksheet: structural inserts, then cell writes."""

    worksheet: str
    base: Grid  # the grid the plan was made from (as read)
    target: Grid  # the grid after the plan is applied
    inserts: list[Insert] = field(default_factory=list)
    changes: list[CellChange] = field(default_factory=list)
    create: bool = False  # the worksheet does not exist yet and will be created
    note: str | None = None  # A1 note "Last update on: ..." written only with data changes
    skipped: list[str] = field(default_factory=list)  # cells left out (missing data)
    warnings: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.inserts and not self.create

    @property
    def rows_inserted(self) -> int:
        return sum(i.count for i in self.inserts if i.dimension == "ROWS")

    @property
    def cols_inserted(self) -> int:
        return sum(i.count for i in self.inserts if i.dimension == "COLUMNS")


@dataclass
class Plan:
    """The plans of every affected worksheet, made from one report."""

    period_label: str
    worksheets: list[WorksheetPlan] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # missing data that refuses the push
    left_out: list[str] = field(default_factory=list)  # with allow_partial: what was skipped
    warnings: list[str] = field(default_factory=list)
    confirmations: list[str] = field(default_factory=list)  # blocking anomalies to confirm

    @property
    def empty(self) -> bool:
        return all(w.empty for w in self.worksheets)

    @property
    def changed(self) -> list[WorksheetPlan]:
        return [w for w in self.worksheets if not w.empty]

    @property
    def cells_changed(self) -> int:
        return sum(len(w.changes) for w in self.worksheets)


def col_letter(col: int) -> str:
    """0-based column index -> A1 letters (0 -> A, 26 -> AA)."""
    out = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row + 1}"

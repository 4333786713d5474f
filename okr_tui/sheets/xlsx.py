"""Local ``.xlsx`` workbook backend (openpyxl) with the Google backend's semantics: values,
formulas and notes (cell comments) read together; a plan applied atomically (temp file in the
same directory + ``os.replace``); formulas shifted on insert the way Google Sheets shifts them
(openpyxl shifts none); text starting with ``=`` stored as a string cell, never a formula."""

from __future__ import annotations

import getpass
import os
import tempfile
import threading
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.comments import Comment
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from okr_tui.core.grid import Cell, CellValue, Grid, WorksheetPlan
from okr_tui.core.layouts.formulas import shift_for_insert
from okr_tui.sheets.align import inserted_lines, runs
from okr_tui.sheets.base import SheetError, SheetNotFound, SheetTarget
from okr_tui.sheets.formulas import FormulaError, evaluate

COMMENT_AUTHOR = "okr-tui"
# Excel forbids these in sheet titles; Google Sheets allows them ("Accounting Cloud CPU/h").
_TITLE_SUBSTITUTES = str.maketrans(
    {
        "/": "\u2215",
        "\\": "\uff3c",
        "?": "\uff1f",
        "*": "\uff0a",
        "[": "\uff3b",
        "]": "\uff3d",
        ":": "\uff1a",
    }
)
MAX_TITLE = 31


def xlsx_title(worksheet: str) -> str:
    """The workbook sheet title for a worksheet name: characters Excel forbids replaced by
    look-alikes (``/`` → ``∕``), cut to Excel's 31 characters."""
    return worksheet.translate(_TITLE_SUBSTITUTES)[:MAX_TITLE]


def _formula_text(value: object) -> str:
    return value.text if isinstance(value, ArrayFormula) else str(value)


def _plain(value: object) -> CellValue:
    """An openpyxl value as a grid value (dates and others as text)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    return str(value)


def grid_from_worksheet(ws: Worksheet, cached: Worksheet | None, sheet_id: int) -> Grid:
    """A worksheet as a Grid: formulas from ``ws``, their values cached in ``cached`` (a
    ``data_only`` load) or, when absent (files saved by openpyxl), computed."""
    grid = Grid(ws.title, sheet_id=sheet_id, row_count=ws.max_row, col_count=ws.max_column)
    formulas: dict[tuple[int, int], str] = {}
    for row in ws.iter_rows():
        for xl in row:
            note = xl.comment.text if xl.comment is not None else None
            if xl.data_type == "f" and xl.value is not None:
                formulas[(xl.row - 1, xl.column - 1)] = _formula_text(xl.value)
                continue
            value = _plain(xl.value)
            if value is not None or note:
                grid.set(xl.row - 1, xl.column - 1, Cell(value=value, note=note))
    values: dict[tuple[int, int], CellValue] = {}

    def lookup(r: int, c: int, depth: int = 0) -> CellValue:
        if (r, c) in formulas:
            if (r, c) not in values:
                values[(r, c)] = None  # cycle guard
                values[(r, c)] = _evaluate(r, c, depth)
            return values[(r, c)]
        return grid.get(r, c).value

    def _evaluate(r: int, c: int, depth: int) -> CellValue:
        if cached is not None:
            hit = cached.cell(row=r + 1, column=c + 1).value
            if hit is not None:
                return _plain(hit)
        try:
            return evaluate(formulas[(r, c)], lambda rr, cc: lookup(rr, cc, depth + 1))
        except (FormulaError, RecursionError):
            return "#ERROR!"

    for (r, c), formula in formulas.items():
        xl = ws.cell(row=r + 1, column=c + 1)
        note = xl.comment.text if xl.comment is not None else None
        grid.set(r, c, Cell(value=lookup(r, c), formula=formula, note=note))
    return grid.trimmed()


def write_cell(xl: XlCell, cell: Cell) -> None:
    """Write value or formula and note; strings always stay strings."""
    if cell.formula is not None:
        xl.value = cell.formula
    else:
        xl.value = cell.value if cell.value != "" else None
        if isinstance(cell.value, str):
            xl.data_type = "s"  # openpyxl turns any "=..." text into a formula otherwise
    old = xl.comment.text if xl.comment is not None else None
    if (cell.note or None) != (old or None):
        xl.comment = Comment(cell.note, COMMENT_AUTHOR) if cell.note else None


def _shift_formulas(ws: Worksheet, dimension: str, index: int, count: int) -> None:
    for row in ws.iter_rows():
        for xl in row:
            if xl.data_type == "f" and isinstance(xl.value, str):
                xl.value = shift_for_insert(xl.value, dimension, index, count)


class XlsxBackend:
    """:class:`~okr_tui.sheets.base.SheetBackend` for a local ``.xlsx`` workbook."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        self._lock = threading.Lock()

    def target(self) -> SheetTarget:
        return SheetTarget(
            kind="xlsx", name=self.path.name, location=str(self.path), identity=_os_user()
        )

    def _load(self, data_only: bool = False) -> Workbook:
        if not self.path.exists():
            raise SheetNotFound(
                f"Workbook {self.path} not found: check the path (or run with --demo --reset "
                "to recreate the demo workbook)."
            )
        try:
            return load_workbook(self.path, data_only=data_only)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise SheetError(
                f"Workbook {self.path} cannot be opened ({type(exc).__name__}); is it an .xlsx "
                "file? Restore it from a backup or recreate it."
            ) from None

    def read(self, worksheets: list[str]) -> dict[str, Grid | None]:
        """Values, formulas and notes of ``worksheets`` (``None`` when absent)."""
        with self._lock:
            wb = self._load()
            cached = self._load(data_only=True)
        out: dict[str, Grid | None] = {}
        for name in worksheets:
            title = xlsx_title(name)
            if title in wb.sheetnames:
                sid = wb.sheetnames.index(title)
                grid = grid_from_worksheet(wb[title], cached[title], sid)
                grid.title = name
                out[name] = grid
            else:
                out[name] = None
        return out

    def apply(self, plans: list[WorksheetPlan]) -> None:
        """Apply the plans and replace the file atomically (nothing written on error)."""
        with self._lock:
            wb = self._load()
            for plan in plans:
                if not plan.empty:
                    self._apply_one(wb, plan)
            self._save(wb)

    def _apply_one(self, wb: Workbook, plan: WorksheetPlan) -> None:
        title = xlsx_title(plan.worksheet)
        if plan.create:
            if title in wb.sheetnames:
                raise SheetError(
                    f'The worksheet "{plan.worksheet}" was created meanwhile; run diff again.'
                )
            ws = wb.create_sheet(title)
        elif title in wb.sheetnames:
            ws = wb[title]
        else:
            raise SheetError(f'The worksheet "{plan.worksheet}" disappeared; run diff again.')
        for ins in plan.inserts:
            if ins.dimension == "ROWS":
                ws.insert_rows(ins.index + 1, ins.count)
            else:
                ws.insert_cols(ins.index + 1, ins.count)
            _shift_formulas(ws, ins.dimension, ins.index, ins.count)
        for ch in plan.changes:
            write_cell(ws.cell(row=ch.row + 1, column=ch.col + 1), ch.new)
        if plan.note is not None and plan.changes:
            ws.cell(row=1, column=1).comment = Comment(plan.note, COMMENT_AUTHOR)

    def restore(self, grids: dict[str, Grid], current: dict[str, Grid | None]) -> None:
        """Make each worksheet equal its backup grid again (one file replace). An empty backup
        without ``sheet_id`` stands for a worksheet the push created: it is removed."""
        with self._lock:
            wb = self._load()
            for name, backup in grids.items():
                cur = current.get(name)
                title = xlsx_title(name)
                if not backup.rows and backup.sheet_id is None:
                    if title in wb.sheetnames:
                        del wb[title]
                    continue
                ws = wb[title] if title in wb.sheetnames else wb.create_sheet(title)
                if cur is not None:
                    rows, cols = inserted_lines(backup, cur)
                    for start, end in runs(rows):
                        ws.delete_rows(start + 1, end - start)
                    for start, end in runs(cols):
                        ws.delete_cols(start + 1, end - start)
                _rewrite(ws, backup)
            self._save(wb)

    def _save(self, wb: Workbook) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.stem}-", suffix=".xlsx", dir=self.path.parent
        )
        os.close(fd)
        try:
            wb.save(tmp)
            if self.path.exists():
                os.chmod(tmp, self.path.stat().st_mode & 0o777)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise SheetError(
                f"Could not save {self.path} ({type(exc).__name__}: {exc.strerror or exc}); the "
                "workbook is unchanged. Check free space and permissions."
            ) from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _rewrite(ws: Worksheet, grid: Grid) -> None:
    """Overwrite the content of ``ws`` with ``grid`` (formats kept, extra cells cleared)."""
    for row in ws.iter_rows():
        for xl in row:
            r, c = xl.row - 1, xl.column - 1
            outside = r >= grid.n_rows or c >= len(grid.rows[r])
            if outside and (xl.value is not None or xl.comment is not None):
                xl.value = None
                xl.comment = None
    for r, row_cells in enumerate(grid.rows):
        for c, cell in enumerate(row_cells):
            xl = ws.cell(row=r + 1, column=c + 1)
            if cell.is_empty and cell.note is None and xl.value is None and xl.comment is None:
                continue
            write_cell(xl, cell)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local user"

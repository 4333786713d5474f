"""In-memory model of a Google spreadsheet as the Sheets API v4 exposes it: sheets with grid
properties, CellData per cell, field masks, and the batchUpdate requests okr-tui sends
(addSheet, deleteSheet, insertDimension, appendDimension, deleteDimension, updateCells).

Formula references on the same sheet shift on row/column insert and delete, as in Sheets."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from okr_tui.core.grid import CellValue
from okr_tui.sheets.formulas import FormulaError, evaluate

Mask = dict[str, "Mask | None"]


class ApiError(Exception):
    def __init__(self, status: int, message: str, reason: str = "INVALID_ARGUMENT") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


# --- field masks ----------------------------------------------------------------------------
def _merge(tree: Mask, name: str, sub: Mask | None) -> None:
    if name in tree:
        old = tree[name]
        if old is None or sub is None:
            tree[name] = None
        else:
            for k, v in sub.items():
                _merge(old, k, v)
    else:
        tree[name] = sub


def _parse(s: str, i: int) -> tuple[Mask, int]:
    tree: Mask = {}
    while i < len(s):
        if s[i] == ")":
            return tree, i + 1
        if s[i] in ", ":
            i += 1
            continue
        names: list[str] = []
        while True:
            j = i
            while j < len(s) and s[j] not in ",().":
                j += 1
            names.append(s[i:j].strip())
            i = j
            if i < len(s) and s[i] == ".":
                i += 1
                continue
            break
        sub: Mask | None = None
        if i < len(s) and s[i] == "(":
            sub, i = _parse(s, i + 1)
        for n in reversed(names[1:]):
            sub = {n: sub}
        _merge(tree, names[0], sub)
    return tree, i


def parse_mask(fields: str) -> Mask:
    """``a,b.c,d(e,f)`` → nested dict (``None`` = the whole value)."""
    return _parse(fields, 0)[0]


def apply_mask(obj: Any, tree: Mask | None) -> Any:
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [apply_mask(x, tree) for x in obj]
    if isinstance(obj, dict):
        return {k: apply_mask(v, tree[k]) for k, v in obj.items() if k in tree}
    return obj


# --- formula reference shifting -------------------------------------------------------------
_REF = r"(\$?)([A-Z]{1,3})(\$?)(\d+)"
_REF_OR_RANGE = re.compile(rf"(?<![A-Za-z0-9_!'.$]){_REF}(?::{_REF})?(?![\d(A-Za-z_!])")


def _col_num(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _col_letters(col: int) -> str:
    out, n = "", col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def shift_formula(formula: str, dimension: str, index: int, count: int) -> str:
    """Shift same-sheet references for an insert (count > 0) or delete (count < 0) at index."""

    def move(pos: int, end: bool) -> int:
        if count > 0:
            return pos + count if pos >= index else pos
        gone = -count
        if pos >= index + gone:
            return pos - gone
        if pos >= index:
            return max(0, index - 1) if end else index
        return pos

    def one(d1: str, col: str, d2: str, row: str, end: bool) -> tuple[str, bool]:
        r, c = int(row) - 1, _col_num(col)
        deleted = count < 0 and (
            (dimension == "ROWS" and index <= r < index - count)
            or (dimension == "COLUMNS" and index <= c < index - count)
        )
        if dimension == "ROWS":
            r = move(r, end)
        else:
            c = move(c, end)
        return f"{d1}{_col_letters(c)}{d2}{r + 1}", deleted

    def repl(m: re.Match[str]) -> str:
        g = m.groups()
        if g[4] is None:
            text, deleted = one(*g[0:4], end=False)
            return "#REF!" if deleted else text
        start, _ = one(*g[0:4], end=False)
        stop, _ = one(*g[4:8], end=True)
        return f"{start}:{stop}"

    return _REF_OR_RANGE.sub(repl, formula)


# --- model ------------------------------------------------------------------------------------
@dataclass
class FakeSheet:
    sheet_id: int
    title: str
    rows: int = 1000
    cols: int = 26
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    def set_values(self, values: list[list[CellValue]]) -> None:
        """Fill from plain values; strings starting with ``=`` become formulas."""
        for r, row in enumerate(values):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, str) and v.startswith("="):
                    uev: dict[str, Any] = {"formulaValue": v}
                elif isinstance(v, bool):
                    uev = {"boolValue": v}
                elif isinstance(v, (int, float)):
                    uev = {"numberValue": v}
                else:
                    uev = {"stringValue": str(v)}
                self.cells.setdefault((r, c), {})["userEnteredValue"] = uev
        self.rows = max(self.rows, len(values))
        self.cols = max(self.cols, max((len(r) for r in values), default=0))

    def effective(self, r: int, c: int, depth: int = 0) -> CellValue:
        uev = self.cells.get((r, c), {}).get("userEnteredValue") or {}
        if "formulaValue" in uev:
            if depth > 50:
                return "#REF!"
            try:
                return evaluate(
                    uev["formulaValue"], lambda rr, cc: self.effective(rr, cc, depth + 1)
                )
            except FormulaError:
                return "#ERROR!"
        for key in ("numberValue", "stringValue", "boolValue"):
            if key in uev:
                return uev[key]
        return None

    def entered(self, r: int, c: int) -> CellValue:
        """The user-entered content: the formula text, else the value."""
        uev = self.cells.get((r, c), {}).get("userEnteredValue") or {}
        for key in ("formulaValue", "numberValue", "stringValue", "boolValue"):
            if key in uev:
                return uev[key]
        return None

    def note(self, r: int, c: int) -> str | None:
        return self.cells.get((r, c), {}).get("note")

    def values(self) -> list[list[CellValue]]:
        """User-entered content as a ragged list of rows (trailing empties trimmed)."""
        if not self.cells:
            return []
        nrows = max(r for r, _ in self.cells) + 1
        out: list[list[CellValue]] = []
        for r in range(nrows):
            row_cols = [c for rr, c in self.cells if rr == r and self.entered(rr, c) is not None]
            width = max(row_cols) + 1 if row_cols else 0
            out.append([self.entered(r, c) for c in range(width)])
        while out and not out[-1]:
            out.pop()
        return out

    def to_json(self, index: int, with_data: bool) -> dict[str, Any]:
        props = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.rows, "columnCount": self.cols},
        }
        out: dict[str, Any] = {"properties": props}
        if with_data:
            row_data: list[dict[str, Any]] = []
            if self.cells:
                nrows = max(r for r, _ in self.cells) + 1
                for r in range(nrows):
                    cols = [c for rr, c in self.cells if rr == r]
                    values = []
                    for c in range(max(cols) + 1 if cols else 0):
                        values.append(self._cell_json(r, c))
                    row_data.append({"values": values} if values else {})
            out["data"] = [{"rowData": row_data}]
        return out

    def _cell_json(self, r: int, c: int) -> dict[str, Any]:
        stored = copy.deepcopy(self.cells.get((r, c), {}))
        if "userEnteredValue" in stored:
            eff = self.effective(r, c)
            if (
                isinstance(eff, str)
                and eff.startswith("#")
                and "formulaValue" in stored["userEnteredValue"]
            ):
                stored["effectiveValue"] = {"errorValue": {"type": "ERROR", "message": eff}}
            elif isinstance(eff, bool):
                stored["effectiveValue"] = {"boolValue": eff}
            elif isinstance(eff, (int, float)):
                stored["effectiveValue"] = {"numberValue": eff}
            elif eff is not None:
                stored["effectiveValue"] = {"stringValue": eff}
        return stored

    # structural changes
    def insert(self, dimension: str, start: int, end: int) -> None:
        limit = self.rows if dimension == "ROWS" else self.cols
        if not 0 <= start < end or start > limit:
            raise ApiError(400, f"Invalid insert range {start}..{end} (grid has {limit})")
        n = end - start
        moved: dict[tuple[int, int], dict[str, Any]] = {}
        for (r, c), data in self.cells.items():
            if dimension == "ROWS" and r >= start:
                r += n
            elif dimension == "COLUMNS" and c >= start:
                c += n
            moved[(r, c)] = data
        self.cells = moved
        self._shift_formulas(dimension, start, n)
        if dimension == "ROWS":
            self.rows += n
        else:
            self.cols += n

    def delete(self, dimension: str, start: int, end: int) -> None:
        limit = self.rows if dimension == "ROWS" else self.cols
        if not 0 <= start < end <= limit:
            raise ApiError(400, f"Invalid delete range {start}..{end} (grid has {limit})")
        n = end - start
        kept: dict[tuple[int, int], dict[str, Any]] = {}
        for (r, c), data in self.cells.items():
            pos = r if dimension == "ROWS" else c
            if start <= pos < end:
                continue
            if pos >= end:
                r, c = (r - n, c) if dimension == "ROWS" else (r, c - n)
            kept[(r, c)] = data
        self.cells = kept
        self._shift_formulas(dimension, start, -n)
        if dimension == "ROWS":
            self.rows -= n
        else:
            self.cols -= n

    def _shift_formulas(self, dimension: str, index: int, count: int) -> None:
        for data in self.cells.values():
            uev = data.get("userEnteredValue") or {}
            if "formulaValue" in uev:
                uev["formulaValue"] = shift_formula(uev["formulaValue"], dimension, index, count)

    def update_cells(self, req: dict[str, Any]) -> None:
        start = req.get("start") or {}
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        fields = [f.strip() for f in str(req.get("fields", "")).split(",") if f.strip()]
        if not fields:
            raise ApiError(400, "updateCells requires fields")
        for dr, row in enumerate(req.get("rows", [])):
            for dc, data in enumerate(row.get("values", [])):
                r, c = r0 + dr, c0 + dc
                if r >= self.rows or c >= self.cols:
                    raise ApiError(
                        400, f"Range ({r},{c}) exceeds grid limits {self.rows}x{self.cols}"
                    )
                cell = self.cells.setdefault((r, c), {})
                for f in fields:
                    if f == "*":
                        cell.clear()
                        cell.update(copy.deepcopy(data))
                    elif f in data:
                        cell[f] = copy.deepcopy(data[f])
                    else:
                        cell.pop(f, None)
                if not cell:
                    del self.cells[(r, c)]


@dataclass
class FakeSpreadsheet:
    key: str
    title: str
    sheets: list[FakeSheet] = field(default_factory=list)
    shared_with: set[str] | None = None  # None: every identity has access

    def sheet(self, title: str) -> FakeSheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def by_id(self, sheet_id: int) -> FakeSheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise ApiError(400, f"No grid with id: {sheet_id}")

    def add_sheet(self, title: str, values: list[list[CellValue]] | None = None) -> FakeSheet:
        sid = max((s.sheet_id for s in self.sheets), default=-1) + 1
        sheet = FakeSheet(sid, title)
        if values:
            sheet.set_values(values)
        self.sheets.append(sheet)
        return sheet

    def batch_update(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Apply every request or none (raises :class:`ApiError`, model unchanged)."""
        work = copy.deepcopy(self.sheets)
        replies = [self._one(work, req) for req in requests]
        self.sheets = work
        return replies

    def _one(self, sheets: list[FakeSheet], req: dict[str, Any]) -> dict[str, Any]:
        ((kind, body),) = req.items()

        def by_id(sid: int) -> FakeSheet:
            for s in sheets:
                if s.sheet_id == sid:
                    return s
            raise ApiError(400, f"No grid with id: {sid}")

        if kind == "addSheet":
            props = body.get("properties", {})
            title = props.get("title") or f"Sheet{len(sheets) + 1}"
            if any(s.title == title for s in sheets):
                raise ApiError(400, f'A sheet with the name "{title}" already exists.')
            sid = props.get("sheetId", max((s.sheet_id for s in sheets), default=-1) + 1)
            if any(s.sheet_id == sid for s in sheets):
                raise ApiError(400, f"A sheet with id {sid} already exists.")
            gp = props.get("gridProperties", {})
            sheet = FakeSheet(sid, title, gp.get("rowCount", 1000), gp.get("columnCount", 26))
            sheets.append(sheet)
            return {"addSheet": {"properties": sheet.to_json(len(sheets) - 1, False)["properties"]}}
        if kind == "deleteSheet":
            sheets.remove(by_id(body["sheetId"]))
            return {}
        if kind in ("insertDimension", "deleteDimension"):
            rng = body["range"]
            sheet = by_id(rng["sheetId"])
            if kind == "insertDimension":
                sheet.insert(rng["dimension"], rng["startIndex"], rng["endIndex"])
            else:
                sheet.delete(rng["dimension"], rng["startIndex"], rng["endIndex"])
            return {}
        if kind == "appendDimension":
            sheet = by_id(body["sheetId"])
            if body["dimension"] == "ROWS":
                sheet.rows += body["length"]
            else:
                sheet.cols += body["length"]
            return {}
        if kind == "updateCells":
            by_id(body["start"]["sheetId"]).update_cells(body)
            return {}
        raise ApiError(400, f"Unsupported request {kind}")

"""Sheets API v4 JSON ⇄ :class:`~okr_tui.core.grid.Grid`: the one-request read
(``spreadsheets.get`` with grid data and a field mask) and cell encoding for writes."""

from __future__ import annotations

from typing import Any

from okr_tui.core.grid import Cell, CellValue, Grid

#: Spreadsheet metadata: title and every worksheet's id, title and size.
METADATA_FIELDS = "spreadsheetId,spreadsheetUrl,properties.title,sheets.properties"
#: What a read needs: sheet properties plus user-entered value, effective value and note.
READ_FIELDS = (
    "spreadsheetId,properties.title,"
    "sheets(properties,data(startRow,startColumn,"
    "rowData.values(userEnteredValue,effectiveValue,note)))"
)


def quote_title(title: str) -> str:
    """A1 range naming a whole worksheet: ``'Title'`` with inner quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def read_params(titles: list[str]) -> dict[str, Any]:
    """Query parameters of the single ``spreadsheets.get`` that reads ``titles``."""
    return {
        "includeGridData": "true",
        "ranges": [quote_title(t) for t in titles],
        "fields": READ_FIELDS,
    }


def _scalar(value: dict[str, Any] | None) -> CellValue:
    """An ExtendedValue as a Python value (errors as ``#TYPE!`` text)."""
    if not value:
        return None
    if "numberValue" in value:
        number = value["numberValue"]
        if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
            return int(number)
        return number
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "errorValue" in value:
        kind = str(value["errorValue"].get("type", "ERROR"))
        return f"#{kind}!"
    if "formulaValue" in value:
        return None
    return None


def cell_from_json(data: dict[str, Any]) -> Cell:
    """CellData → Cell (formula from userEnteredValue, value from effectiveValue)."""
    entered = data.get("userEnteredValue") or {}
    formula = entered.get("formulaValue")
    value = _scalar(data.get("effectiveValue"))
    if value is None and formula is None:
        value = _scalar(entered)
    return Cell(value=value, formula=formula, note=data.get("note") or None)


def grid_from_sheet(sheet: dict[str, Any]) -> Grid:
    """One ``Sheet`` object of a ``spreadsheets.get`` response → Grid."""
    props = sheet.get("properties", {})
    gp = props.get("gridProperties", {})
    grid = Grid(
        title=props.get("title", ""),
        sheet_id=props.get("sheetId", 0),
        row_count=gp.get("rowCount"),
        col_count=gp.get("columnCount"),
    )
    for block in sheet.get("data", []) or []:
        r0 = block.get("startRow", 0)
        c0 = block.get("startColumn", 0)
        for dr, row in enumerate(block.get("rowData", []) or []):
            for dc, data in enumerate(row.get("values", []) or []):
                cell = cell_from_json(data or {})
                if not cell.is_empty or cell.note:
                    grid.set(r0 + dr, c0 + dc, cell)
    # keep trailing structure clean: rows padded only as far as their content
    return grid.trimmed()


def grids_from_response(body: dict[str, Any], titles: list[str]) -> dict[str, Grid | None]:
    """Map the requested titles to their grids (``None`` when absent from the response)."""
    found = {g.title: g for g in (grid_from_sheet(s) for s in body.get("sheets", []) or [])}
    return {t: found.get(t) for t in titles}


def cell_to_json(cell: Cell) -> dict[str, Any]:
    """Cell → CellData for ``updateCells``: strings always ``stringValue`` (never parsed as a
    formula), numbers ``numberValue``, formulas ``formulaValue``; empty → no value (clears)."""
    data: dict[str, Any] = {}
    if cell.formula is not None:
        data["userEnteredValue"] = {"formulaValue": cell.formula}
    else:
        v = cell.value
        if isinstance(v, bool):
            data["userEnteredValue"] = {"boolValue": v}
        elif isinstance(v, (int, float)):
            data["userEnteredValue"] = {"numberValue": v}
        elif v is not None and v != "":
            data["userEnteredValue"] = {"stringValue": str(v)}
    if cell.note:
        data["note"] = cell.note
    return data

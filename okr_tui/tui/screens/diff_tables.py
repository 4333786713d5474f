"""Pure helpers of the diff screen: change rows, summaries and the highlighted sheet view."""

from __future__ import annotations

from rich.text import Text

from okr_tui.core.grid import Cell, CellChange, CellValue, Plan, WorksheetPlan, col_letter

KIND_STYLE = {"added": "bold green", "changed": "bold yellow"}
SHEET_STYLE = {"added": "bold black on green", "changed": "bold black on yellow"}
MAX_CELL_CHARS = 48


def cell_text(cell: Cell | None, limit: int = MAX_CELL_CHARS) -> str:
    """A cell as shown in the tables: its formula when it has one, else its value; one line."""
    if cell is None:
        return ""
    text = cell.formula if cell.formula is not None else cell.text()
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: CellValue) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def delta_percent(change: CellChange) -> str:
    """Relative change old → new for numeric cells ("+12.5 %"), "new" for added cells."""
    if change.old is None or change.old.is_empty:
        return "new"
    if change.old.formula is not None or change.new.formula is not None:
        return ""
    old, new = _number(change.old.value), _number(change.new.value)
    if old is None or new is None:
        return ""
    if old == 0:
        return "" if new == 0 else "∞"
    return f"{(new - old) / abs(old) * 100:+.1f} %"


def change_row(change: CellChange) -> tuple[Text, ...]:
    """One row of the change table: cell, row key, field, old, new, delta %, kind."""
    style = KIND_STYLE.get(change.kind, "")
    return (
        Text(change.a1, style="bold"),
        Text(change.key),
        Text(change.field),
        Text(cell_text(change.old) or "—", style="dim"),
        Text(cell_text(change.new), style=style),
        Text(delta_percent(change), justify="right"),
        Text(change.kind, style=style),
    )


CHANGE_COLUMNS = ("Cell", "Row", "Field", "Old", "New", "Δ %", "Kind")


def worksheet_summary(ws: WorksheetPlan) -> str:
    """Counts of one worksheet plan, e.g. "1 row inserted · 0 columns inserted · 7 cells"."""
    added = sum(1 for c in ws.changes if c.kind == "added")
    changed = len(ws.changes) - added
    parts = [
        f"{ws.rows_inserted} row{'s' if ws.rows_inserted != 1 else ''} inserted",
        f"{ws.cols_inserted} column{'s' if ws.cols_inserted != 1 else ''} inserted",
        f"{len(ws.changes)} cells to write ({added} added, {changed} changed)",
    ]
    text = " · ".join(parts)
    if ws.create:
        text = "New worksheet · " + text
    if ws.empty:
        text = "No change in this worksheet."
    return text


def worksheet_notes(ws: WorksheetPlan) -> list[str]:
    """Warnings and skipped cells of a worksheet plan, as display lines."""
    lines = [f"⚠ {w}" for w in ws.warnings]
    if ws.skipped:
        shown = ", ".join(ws.skipped[:8]) + (" …" if len(ws.skipped) > 8 else "")
        lines.append(f"Left out (missing data): {shown}")
    return lines


def plan_summary(plan: Plan) -> str:
    """One line about the whole plan."""
    changed = plan.changed
    if plan.empty:
        return f"Nothing to push: the sheet already has the numbers of {plan.period_label}."
    rows = sum(w.rows_inserted for w in changed)
    cols = sum(w.cols_inserted for w in changed)
    names = ", ".join(w.worksheet for w in changed)
    return (
        f"{plan.cells_changed} cells to write in {len(changed)} worksheet"
        f"{'s' if len(changed) != 1 else ''} ({names}); {rows} row{'s' if rows != 1 else ''} "
        f"and {cols} column{'s' if cols != 1 else ''} inserted."
    )


def sheet_view(ws: WorksheetPlan) -> tuple[list[str], list[tuple[Text, list[Text]]]]:
    """The target grid as column letters and (row label, cells) with changed cells highlighted."""
    grid = ws.target
    kinds = {(c.row, c.col): c.kind for c in ws.changes}
    n_cols = max(grid.n_cols, max((c.col + 1 for c in ws.changes), default=0))
    columns = [col_letter(c) for c in range(n_cols)]
    rows: list[tuple[Text, list[Text]]] = []
    for r in range(grid.n_rows):
        cells = []
        for c in range(n_cols):
            kind = kinds.get((r, c))
            style = SHEET_STYLE.get(kind, "") if kind else ("bold" if r == 0 else "")
            cells.append(Text(cell_text(grid.get(r, c), 32), style=style))
        rows.append((Text(str(r + 1), style="dim"), cells))
    return columns, rows

"""How `okr-tui diff` / `push` show a plan: a rich table per worksheet, or JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from okr_tui.core.grid import Cell, CellValue, Plan, WorksheetPlan
from okr_tui.sheets.base import SheetTarget


def cell_json(cell: Cell | None) -> CellValue:
    """What a cell holds for display: its formula, else its value (None when blank)."""
    if cell is None:
        return None
    if cell.formula is not None:
        return cell.formula
    return None if cell.value == "" else cell.value


def cell_text(cell: Cell | None) -> str:
    if cell is None or cell.is_empty:
        return "—"
    return cell.formula if cell.formula is not None else cell.text()


def delta_percent(old: Cell | None, new: Cell) -> str:
    """The relative change of a number (``+12.5 %``); empty when it does not apply."""
    if old is None or old.formula is not None or new.formula is not None:
        return ""
    a, b = old.value, new.value
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    if not numbers or not a:
        return ""
    return f"{(float(b) - float(a)) / abs(float(a)) * 100:+.1f} %"  # type: ignore[arg-type]


def summary(wp: WorksheetPlan) -> str:
    """One line per worksheet: how many cells, rows and columns change."""
    if wp.empty:
        return f"{wp.worksheet}: nothing to change"
    added = sum(1 for c in wp.changes if c.kind == "added")
    parts = [f"{len(wp.changes)} cells ({added} added, {len(wp.changes) - added} changed)"]
    if wp.create:
        parts.append("new worksheet")
    if wp.rows_inserted:
        parts.append(f"{wp.rows_inserted} row{'s' if wp.rows_inserted != 1 else ''} inserted")
    if wp.cols_inserted:
        n = wp.cols_inserted
        parts.append(f"{n} column{'s' if n != 1 else ''} inserted")
    return f"{wp.worksheet}: " + ", ".join(parts)


def print_plan(plan: Plan, target: SheetTarget, console: Console) -> None:
    """The plan as tables (one per changed worksheet) with a summary line each."""
    console.print(
        f"[b]Diff for {plan.period_label}[/b] → {target.name} ({target.location})",
        highlight=False,
    )
    for wp in plan.worksheets:
        console.print(summary(wp), highlight=False)
        if wp.empty:
            continue
        table = Table(show_lines=False, expand=False)
        for title, justify in (("Cell", "left"), ("Row", "left"), ("Field", "left"),
                               ("Old", "left"), ("New", "left"), ("Δ %", "right")):  # fmt: skip
            table.add_column(title, justify=justify)  # type: ignore[arg-type]
        for ch in wp.changes:
            table.add_row(
                ch.a1, ch.key, ch.field, cell_text(ch.old), cell_text(ch.new),
                delta_percent(ch.old, ch.new),
            )  # fmt: skip
        console.print(table)
        if wp.note:
            console.print(f"  A1 note: {wp.note}", highlight=False)


def plan_json(plan: Plan, target: SheetTarget) -> dict[str, Any]:
    """The plan as one JSON object (for `diff --format json`)."""
    return {
        "period": plan.period_label,
        "target": {
            "kind": target.kind,
            "name": target.name,
            "location": target.location,
            "identity": target.identity,
        },
        "cells_changed": plan.cells_changed,
        "worksheets": [
            {
                "worksheet": wp.worksheet,
                "create": wp.create,
                "inserts": [
                    {"dimension": i.dimension, "index": i.index, "count": i.count}
                    for i in wp.inserts
                ],
                "changes": [
                    {
                        "cell": ch.a1,
                        "row": ch.key,
                        "field": ch.field,
                        "kind": ch.kind,
                        "old": cell_json(ch.old),
                        "new": cell_json(ch.new),
                    }
                    for ch in wp.changes
                ],
                "note": wp.note,
                "skipped": wp.skipped,
                "warnings": wp.warnings,
            }
            for wp in plan.worksheets
        ],
        "blocked": plan.blocked,
        "left_out": plan.left_out,
        "confirmations": plan.confirmations,
        "warnings": plan.warnings,
    }

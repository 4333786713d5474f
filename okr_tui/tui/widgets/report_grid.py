"""The preview grid: a DataTable over a list of GridRow with numeric sort and a filter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import Column, RowKey

from okr_tui.tui.tabledata import GridRow, filter_rows, sort_rows

_generation = count()

MONTH_WINDOW = 12  # month columns on screen at once (rendering cost grows with columns)
SUMMARY_COLUMNS = [
    ("total", "Total"),
    ("share", "Share %"),
    ("previous", "Previous"),
    ("change", "Change %"),
    ("flags", "Flags"),
]


def fmt_number(value: float | None, *, pending: bool = False, reason: str | None = None) -> Text:
    """A right-aligned whole number with separators; no data → "—", pending → "…"."""
    if pending:
        return Text("…", style="dim", justify="right")
    if value is None:
        return Text("—" if reason is None else "— !", style="bold yellow", justify="right")
    return Text(f"{round(value):,}", justify="right")


def fmt_percent(value: float | None, *, signed: bool = False) -> Text:
    """A percentage with one decimal (``+12.5``), blank when there is nothing to compare."""
    if value is None:
        return Text("", justify="right")
    text = f"{value:+.1f}" if signed else f"{value:.1f}"
    style = ""
    if signed and abs(value) > 50:
        style = "bold red" if value < 0 else "bold green"
    return Text(text, style=style, justify="right")


def render_row(row: GridRow) -> list[Text]:
    """The cells of one row, in column order."""
    name = Text(row.vo)
    if row.reason:
        name.append(" (no data)", style="yellow")
    elif row.note:
        name.append(f" ({row.note})", style="dim italic")
    cells = [name]
    cells += [fmt_number(v, pending=row.pending, reason=row.reason) for v in row.months]
    cells.append(fmt_number(row.total, pending=row.pending, reason=row.reason))
    cells.append(fmt_percent(row.share))
    cells.append(fmt_number(row.previous) if row.previous is not None else Text(""))
    cells.append(fmt_percent(row.change, signed=True))
    cells.append(Text(" ".join(row.flags), style="bold yellow"))
    return cells


class ReportGrid(DataTable[Text]):
    """One scope's preview grid. ``s`` sorts by the cursor column (again: reverse)."""

    @dataclass
    class Drill(Message):
        """Enter on a row: open the drill-down of that VO."""

        grid: ReportGrid
        row: GridRow

    BINDINGS = [
        Binding("s", "sort_column", "Sort", id="grid.sort"),
        Binding("enter", "drill", "Drill down", id="grid.drill", show=True),
        Binding("left_square_bracket", "window(-3)", "Earlier months", id="grid.earlier"),
        Binding("right_square_bracket", "window(3)", "Later months", id="grid.later"),
    ]

    def __init__(self, scope: str, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell", zebra_stripes=True)
        self.scope = scope
        self.month_keys: list[str] = []
        self.total_label = "Total"
        self.window_start = 0
        self.rows_data: list[GridRow] = []
        self._rendered: dict[str, list[Text]] = {}
        self.shown: list[GridRow] = []
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._by_row_key: dict[str, GridRow] = {}
        self._columns_cache: tuple[tuple[int, int], list[Column]] | None = None
        self._measured: set[str] = set()
        self._stale = False

    # --- speed: 300 VOs x 36 months re-shown on every filter keystroke ---------------------
    @property
    def ordered_columns(self) -> list[Column]:
        """The columns in display order, cached until the columns change (Textual rebuilds
        this list twice per added row)."""
        stamp = (id(self._column_locations), len(self.columns))
        if self._columns_cache is None or self._columns_cache[0] != stamp:
            self._columns_cache = (stamp, DataTable.ordered_columns.fget(self))  # type: ignore[attr-defined]
        return self._columns_cache[1]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Measure only rows never shown before: a filtered or sorted view re-adds rows whose
        widths the columns already account for."""
        fresh = [k for k in new_rows if (k.value or "").rsplit("@", 1)[0] not in self._measured]
        self._measured.update((k.value or "").rsplit("@", 1)[0] for k in fresh)
        super()._update_dimensions(fresh)

    def set_columns(self, month_keys: list[str], total_label: str = "Total") -> None:
        """(Re)create the columns: VO, the months of the window, then the summary columns."""
        self.month_keys = list(month_keys)
        self.total_label = total_label
        self.window_start = max(0, len(self.month_keys) - MONTH_WINDOW)  # latest months
        self._make_columns()

    @property
    def window(self) -> list[str]:
        """The month columns on screen (at most MONTH_WINDOW; ``[`` / ``]`` move them)."""
        return self.month_keys[self.window_start : self.window_start + MONTH_WINDOW]

    def _make_columns(self) -> None:
        self.clear(columns=True)
        self._measured = set()
        self.add_column("VO", key="vo")
        window = self.window
        for i, key in enumerate(window):
            label = key
            if i == 0 and self.window_start > 0:
                label = f"◀ {key}"
            if i == len(window) - 1 and self.window_start + len(window) < len(self.month_keys):
                label = f"{key} ▶"
            self.add_column(label, key=key)
        for key, label in SUMMARY_COLUMNS:
            self.add_column(self.total_label if key == "total" else label, key=key)

    def _cells(self, row: GridRow) -> list[Text]:
        cells = self._rendered[row.key]
        start, n = self.window_start, len(self.month_keys)
        end = min(start + MONTH_WINDOW, n)
        return [cells[0], *cells[1 + start : 1 + end], *cells[1 + n :]]

    def shift_window(self, months: int) -> None:
        """Show earlier (negative) or later months."""
        top = max(0, len(self.month_keys) - MONTH_WINDOW)
        start = min(max(0, self.window_start + months), top)
        if start != self.window_start:
            self.window_start = start
            self._make_columns()
            self.refresh_view()

    def set_rows(self, rows: list[GridRow]) -> None:
        """Replace the data (rows are rendered once and reused by sort and filter)."""
        self.rows_data = rows
        self._rendered = {r.key: render_row(r) for r in rows}
        self._measured = set()  # new content: measure every row again
        self.refresh_view()

    def _hidden(self) -> bool:
        return any(not node.display for node in self.ancestors_with_self)

    def on_show(self) -> None:
        if self._stale:
            self.refresh_view()

    def refresh_view(self) -> None:
        """Apply filter and sort and redraw; keeps the cursor on the same VO when possible.
        A grid in a hidden tab is redrawn when it is shown."""
        if self.is_mounted and self._hidden():
            self._stale = True
            return
        self._stale = False
        current = self.current_row()
        column = self.cursor_column
        rows = filter_rows(self.rows_data, self.filter_text)
        if self.sort_column:
            rows = sort_rows(rows, self.sort_column, self.month_keys, self.sort_reverse)
        self.shown = rows
        gen = next(_generation)  # fresh row keys: never re-add a cleared key (#1806)
        with self.app.batch_update():
            self.clear()
            self._by_row_key = {}
            for row in rows:
                key = f"{row.key}@{gen}"
                self._by_row_key[key] = row
                self.add_row(*self._cells(row), key=key)
            index = 0
            if current is not None:
                index = next((i for i, r in enumerate(rows) if r.key == current.key), 0)
            self.move_cursor(row=index, column=column, animate=False)

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.refresh_view()

    def sort_by(self, column: str) -> None:
        """Sort by ``column``; the same column again reverses. No data stays last."""
        if self.sort_column == column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column = column
            self.sort_reverse = column not in ("vo",)  # numbers: largest first
        self.refresh_view()

    def current_row(self) -> GridRow | None:
        """The GridRow under the cursor."""
        if not self.shown or self.cursor_row >= len(self.shown):
            return None
        return self.shown[self.cursor_row]

    def action_sort_column(self) -> None:
        if not self.columns:
            return
        column = list(self.columns)[self.cursor_column].value or "vo"
        self.sort_by(column)

    def action_window(self, months: int) -> None:
        self.shift_window(months)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Month window keys only when there are more months than columns."""
        if action == "window":
            return len(self.month_keys) > MONTH_WINDOW
        return True

    def action_drill(self) -> None:
        row = self.current_row()
        if row is not None:
            self.post_message(self.Drill(self, row))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(event.column_key.value or "vo")

"""The preview grid: a DataTable over a list of GridRow with numeric sort and a filter."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from okr_tui.tui.tabledata import GridRow, filter_rows, sort_rows
from okr_tui.tui.widgets.fast_table import Cell, FastTable

_generation = count()

MONTH_WINDOW = 12  # month columns on screen at once (rendering cost grows with columns)
SUMMARY_COLUMNS = [
    ("total", "Total"),
    ("share", "Share %"),
    ("previous", "Previous"),
    ("change", "Change %"),
    ("flags", "Flags"),
]


PENDING = Cell("…", "dim")
NO_DATA = Cell("—", "bold yellow")
MISSING = Cell("— !", "bold yellow")
BLANK = Cell("")


def fmt_number(value: float | None, *, pending: bool = False, reason: str | None = None) -> Cell:
    """A right-aligned whole number with separators; no data → "—", pending → "…"."""
    if pending:
        return PENDING
    if value is None:
        return NO_DATA if reason is None else MISSING
    return Cell(f"{round(value):,}")


def fmt_percent(value: float | None, *, signed: bool = False) -> Cell:
    """A percentage with one decimal (``+12.5``), blank when there is nothing to compare."""
    if value is None:
        return BLANK
    text = f"{value:+.1f}" if signed else f"{value:.1f}"
    style = ""
    if signed and abs(value) > 50:
        style = "bold red" if value < 0 else "bold green"
    return Cell(text, style)


def render_row(row: GridRow) -> list[Text | Cell]:
    """The cells of one row, in column order."""
    name = Text(row.vo, no_wrap=True, overflow="ellipsis")
    if row.partial:
        name.append(" (incomplete)", style="yellow")
    elif row.reason:
        name.append(" (no data)", style="yellow")
    elif row.note:
        name.append(f" ({row.note})", style="dim italic")
    cells: list[Text | Cell] = [name]
    cells += [fmt_number(v, pending=row.pending, reason=row.reason) for v in row.months]
    cells.append(fmt_number(row.total, pending=row.pending, reason=row.reason))
    cells.append(fmt_percent(row.share))
    cells.append(fmt_number(row.previous) if row.previous is not None else BLANK)
    cells.append(fmt_percent(row.change, signed=True))
    cells.append(Cell(" ".join(row.flags), "bold yellow", right=False))
    return cells


class ReportGrid(FastTable):
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
        self._rendered: dict[str, list[Text | Cell]] = {}
        self.shown: list[GridRow] = []
        self.filter_text = ""
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._by_row_key: dict[str, GridRow] = {}
        self._stale = False

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
        self.forget_widths()
        self.add_column(self._sort_mark("vo", "VO"), key="vo")
        window = self.window
        for i, key in enumerate(window):
            label = key
            if i == 0 and self.window_start > 0:
                label = f"◀ {key}"
            if i == len(window) - 1 and self.window_start + len(window) < len(self.month_keys):
                label = f"{key} ▶"
            self.add_column(self._sort_mark(key, label), key=key)
        for key, label in SUMMARY_COLUMNS:
            text = self.total_label if key == "total" else label
            self.add_column(self._sort_mark(key, text), key=key)

    def _mark_sorted_column(self) -> None:
        """Move the ▲/▼ mark to the sorted column, in place: rebuilding the columns would
        forget every measured row width (and cost a full re-measure per sort)."""
        for key, column in self.columns.items():
            base = column.label.plain.removesuffix(" ▲").removesuffix(" ▼")
            label = self._sort_mark(key.value or "", base)
            if label != column.label.plain:
                column.label = Text(label, style=column.label.style)
                column.content_width = max(column.content_width, column.label.cell_len)
        self._clear_caches()

    def _sort_mark(self, key: str, label: str) -> str:
        """The column label, with ▼ / ▲ when the grid is sorted by it."""
        if key != self.sort_column:
            return label
        return f"{label} {'▼' if self.sort_reverse else '▲'}"

    def _cells(self, row: GridRow) -> list[Text | Cell]:
        cells = self._rendered.get(row.key)
        if cells is None:
            cells = self._rendered[row.key] = render_row(row)
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
        """Replace the data (rows are rendered once, when first shown, and reused by sort and
        filter)."""
        self.rows_data = rows
        self._rendered = {}
        self.forget_widths()
        self.refresh_view()

    def _hidden(self) -> bool:
        return any(not node.display for node in self.ancestors_with_self)

    def on_show(self) -> None:
        if self._stale:
            self.refresh_view()

    def refresh_view(self, keep_row: bool = True) -> None:
        """Apply filter and sort and redraw; keeps the cursor on the same VO when possible
        (``keep_row``). A grid in a hidden tab is redrawn when it is shown."""
        if self.is_mounted and self._hidden():
            self._stale = True
            return
        self._stale = False
        current = self.current_row() if keep_row else None
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
        self._mark_sorted_column()
        self.refresh_view(keep_row=False)  # show the top of the new order

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

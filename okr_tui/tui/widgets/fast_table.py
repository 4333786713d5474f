"""A DataTable tuned for wide grids redrawn often (300 VOs x 36 months on every filter key).

Textual's DataTable renders every cell of a visible line through rich (Padding + Styled +
Text wrapping) and re-measures every cell of every added row. :class:`Cell` is a one-line
cell drawn straight to segments, and :class:`FastTable` measures a row once (by text length)
and caches the column order. Textual is pinned (8.2.8); the snapshot tests compare the
output of this path with DataTable's own rendering of the same screens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import Column, RowKey


class Cell:
    """A one-line grid cell, about 2.5x cheaper to render than rich Text (a 300 x 36 grid is
    redrawn on every filter keystroke). ``str(cell)`` is its text."""

    __slots__ = ("right", "style", "text")

    def __init__(self, text: str, style: str = "", *, right: bool = True) -> None:
        self.text = text
        self.style = Style.parse(style) if style else None
        self.right = right

    def __str__(self) -> str:
        return self.text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        text = self.text[:width]
        yield Segment(text.rjust(width) if self.right else text.ljust(width), self.style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(len(self.text), len(self.text))


class FastTable(DataTable[Any]):
    """DataTable whose row keys end in ``@<generation>``: rows re-added under a new
    generation (after a filter or sort) keep the widths measured for their base key."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._columns_cache: tuple[tuple[int, int], list[Column]] | None = None
        self._measured: set[str] = set()

    def forget_widths(self) -> None:
        """New content: measure every row again when it is next added."""
        self._measured = set()

    @property
    def ordered_columns(self) -> list[Column]:
        """The columns in display order, cached until the columns change (Textual rebuilds
        this list twice per added row)."""
        stamp = (id(self._column_locations), len(self.columns))
        if self._columns_cache is None or self._columns_cache[0] != stamp:
            self._columns_cache = (stamp, DataTable.ordered_columns.fget(self))  # type: ignore[attr-defined]
        return self._columns_cache[1]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Column widths from the cells' text lengths (one-line cells: no rich measuring), and
        only for rows never shown before: a filtered or sorted view re-adds measured rows."""
        columns = self.ordered_columns
        before = [c.content_width for c in columns]
        for row_key in new_rows:
            base = (row_key.value or "").rsplit("@", 1)[0]
            cells = self._data.get(row_key)
            if base in self._measured or cells is None:
                continue
            self._measured.add(base)
            for column in columns:
                cell = cells.get(column.key)
                text = cell.plain if isinstance(cell, Text) else str(cell)
                column.content_width = max(column.content_width, cell_len(text))
        if [c.content_width for c in columns] != before:
            self._clear_caches()  # lines drawn before at the old widths must not be reused
        super()._update_dimensions([])  # virtual size from the widths above

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A :class:`Cell` as three segments (padding, text, padding) with the same styles
        DataTable would give it; anything else is rendered by DataTable."""
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cell = self._data[row_key].get(column_key) if row_key is not None else None
        if not isinstance(cell, Cell) or self.rows[row_key].height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        lines = self._cell_render_cache.get(cache_key)
        if lines is None:
            fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
            component, post = self._get_styles_to_render_cell(
                False,
                False,
                fixed,
                hover,
                cursor,
                self.show_cursor,
                self._show_hover_cursor,
                self.cursor_foreground_priority == "css",
                self.cursor_background_priority == "css",
            )
            pre = base_style + Style.from_meta({"row": row_index, "column": column_index})
            pre += component
            pad = " " * self.cell_padding
            inner = max(0, width - 2 * self.cell_padding)
            text = cell.text[:inner]
            text = text.rjust(inner) if cell.right else text.ljust(inner)
            edge = pre + post
            body = pre + cell.style + post if cell.style else edge
            lines = [[Segment(pad, edge), Segment(text, body), Segment(pad, edge)]]
            self._cell_render_cache[cache_key] = lines
        return lines

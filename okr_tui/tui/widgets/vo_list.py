"""The start screen's VO checklist: a DataTable with a check column, scope and members."""

from __future__ import annotations

from itertools import count

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from okr_tui.core.models import VoInfo, vo_key

_generation = count()
CHECK = Text("☑", style="bold green")
UNCHECK = Text("☐", style="dim")


class VoList(DataTable[Text | str]):
    """Production VOs with checkboxes. Space toggles; the filter narrows what is shown and
    what select all/none/invert act on."""

    BINDINGS = [Binding("space", "toggle", "Toggle VO", id="vos.toggle")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.vos: list[VoInfo] = []
        self.checked: set[str] = set()
        self.filter_text = ""
        self.shown: list[VoInfo] = []
        self._row_of: dict[str, str] = {}  # vo_key -> row key of the current view

    def set_vos(self, vos: list[VoInfo], excluded: set[str]) -> None:
        """Show ``vos``; every VO is checked except the remembered exclusions."""
        self.vos = sorted(vos, key=lambda v: (vo_key(v.name), v.name))
        self.checked = {vo_key(v.name) for v in self.vos} - excluded
        # fixed widths from the data: no measuring pass, stable from the first frame
        self.clear(columns=True)
        self.add_column("", key="check", width=2)
        self.add_column("VO", key="vo", width=max([2, *(len(v.name) for v in self.vos)]))
        self.add_column("Scope", key="scope", width=max([5, *(len(v.scope) for v in self.vos)]))
        self.add_column(
            "Members",
            key="members",
            width=max(7, len(f"{max((v.members for v in self.vos), default=0):,}")),
        )
        self.refresh_view()

    def refresh_view(self) -> None:
        """Show the VOs matching the filter (name or scope)."""
        if not self.columns:  # the list has not arrived yet
            return
        needle = self.filter_text.strip().casefold()
        self.shown = [
            v
            for v in self.vos
            if not needle or needle in vo_key(v.name) or needle in v.scope.casefold()
        ]
        gen = next(_generation)
        self.clear()
        self._row_of = {}
        for vo in self.shown:
            key = vo_key(vo.name)
            row_key = f"{key}@{gen}"
            self._row_of[key] = row_key
            members = Text(f"{vo.members:,}", justify="right")
            self.add_row(self._mark(key), vo.name, vo.scope or "—", members, key=row_key)

    def _mark(self, key: str) -> Text:
        return CHECK if key in self.checked else UNCHECK

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.refresh_view()

    def _set(self, keys: set[str], checked: bool) -> None:
        for key in keys:
            if checked:
                self.checked.add(key)
            else:
                self.checked.discard(key)
            if key in self._row_of:
                self.update_cell(self._row_of[key], "check", self._mark(key))

    def action_toggle(self) -> None:
        if not self.shown or self.cursor_row >= len(self.shown):
            return
        key = vo_key(self.shown[self.cursor_row].name)
        self._set({key}, key not in self.checked)
        self.post_message(self.SelectionChanged())

    def select_all(self) -> None:
        self._set({vo_key(v.name) for v in self.shown}, True)
        self.post_message(self.SelectionChanged())

    def select_none(self) -> None:
        self._set({vo_key(v.name) for v in self.shown}, False)
        self.post_message(self.SelectionChanged())

    def invert(self) -> None:
        keys = {vo_key(v.name) for v in self.shown}
        on = keys & self.checked
        self._set(on, False)
        self._set(keys - on, True)
        self.post_message(self.SelectionChanged())

    def selected_names(self) -> list[str]:
        return [v.name for v in self.vos if vo_key(v.name) in self.checked]

    def excluded_names(self) -> list[str]:
        return [v.name for v in self.vos if vo_key(v.name) not in self.checked]

    class SelectionChanged(Message):
        """The set of checked VOs changed."""

"""The `?` help screen: every key binding of the app and of the screen below, grouped."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static


@dataclass(frozen=True)
class KeyGroup:
    """One group of bindings: a title and (key display, description) rows."""

    title: str
    rows: tuple[tuple[str, str], ...]


def _describe(binding: Binding) -> str:
    if binding.description:
        return binding.description
    if binding.tooltip:
        return binding.tooltip
    return binding.action.replace("_", " ").replace("app.", "").capitalize()


def _group_title(node: DOMNode) -> str:
    if isinstance(node, App):
        return "Everywhere"
    if isinstance(node, Screen):
        name = type(node).__name__.removesuffix("Screen") or type(node).__name__
        return f"This screen ({name})"
    if isinstance(node, Widget) and node.id:
        return f"{type(node).__name__} #{node.id}"
    return type(node).__name__


def collect_key_groups(app: App[object], screen: Screen[object]) -> list[KeyGroup]:
    """The bindings reachable from ``screen`` (focused widget, its ancestors, screen, app)."""
    groups: list[KeyGroup] = []
    seen: set[str] = set()
    chain = screen._binding_chain  # the same chain Textual uses to dispatch keys
    # show the screen first, then the app, then the focused widget's own keys
    ordered = [n for n in chain if isinstance(n[0], Screen)]
    ordered += [n for n in chain if isinstance(n[0], App)]
    ordered += [n for n in chain if not isinstance(n[0], (Screen, App))]
    for node, bindings in ordered:
        rows: list[tuple[str, str]] = []
        for key, binding in bindings:
            if key in seen:
                continue
            seen.add(key)
            rows.append((app.get_key_display(binding), _describe(binding)))
        if rows:
            groups.append(KeyGroup(_group_title(node), tuple(rows)))
    return groups


class HelpScreen(ModalScreen[None]):
    """Lists every key of the app and of the current screen. Esc, `?` or q closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        below = self._screen_below()
        groups = collect_key_groups(self.app, below) if below is not None else []
        self.groups = groups
        with Vertical(id="help-dialog", classes="t2-dialog"):
            yield Static("Keyboard shortcuts", classes="t2-dialog-title")
            with VerticalScroll(id="help-body"):
                for group in groups:
                    yield Static(self._render_group(group), classes="help-group")
            yield Static(
                "Ctrl+P opens the command palette with the actions of this screen.  "
                "Esc closes this help.",
                classes="t2-hint",
            )

    def _screen_below(self) -> Screen[object] | None:
        stack = [s for s in self.app.screen_stack if s is not self]
        return stack[-1] if stack else None

    @staticmethod
    def _render_group(group: KeyGroup) -> Table:
        table = Table(
            title=Text(group.title, style="bold"),
            title_justify="left",
            show_header=False,
            box=None,
            expand=True,
            padding=(0, 1),
        )
        table.add_column("key", width=16, no_wrap=True)
        table.add_column("description", ratio=1)
        for key, description in group.rows:
            table.add_row(Text(key, style="bold"), description)
        return table

    def action_close(self) -> None:
        self.dismiss(None)

"""Command palette provider: the actions that apply on the current screen, from its bindings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

# Textual's own navigation / clipboard keys: not "actions of this screen"
GENERIC = {"command_palette", "quit", "app.focus_next", "app.focus_previous", "screen.copy_text"}
# screens whose palette also offers "Undo last push" (the result screen has its own `u`)
UNDO_SCREENS = {"StartScreen", "PreviewScreen"}


class ScreenActions(Provider):
    """Offers the actions of the screen the palette was opened from: its own and the app's
    bindings, and the shown (footer) bindings of the focused widget."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.description or not active.enabled or binding.action in seen:
                continue
            if binding.action in GENERIC:
                continue
            if not binding.show and not isinstance(active.node, (Screen, App)):
                continue  # a text box's or table's own editing / scrolling keys
            seen.add(binding.action)
            run = partial(self.app.run_action, binding.action, active.node)
            label = self.app.get_key_display(binding) or key
            yield binding.description, label, run
        if type(self.screen).__name__ in UNDO_SCREENS:
            from okr_tui.tui.undo import undo_last_push

            yield "Undo last push", "palette", partial(undo_last_push, self.app)

    async def discover(self) -> Hits:
        for name, key, run in self._commands():
            yield DiscoveryHit(name, run, help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, key, run in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=f"key: {key}")

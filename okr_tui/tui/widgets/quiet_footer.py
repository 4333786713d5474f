"""A Footer that rebuilds its keys only when what it shows changes.

Textual's Footer recomposes (unmounts and mounts one widget per key, 40-150 ms on a
2-core machine) after every bindings update: each focus change, each tab switch, each
screen push. Opening the preview screen triggered five of them in a row while the fetch
started. :class:`QuietFooter` coalesces the updates that arrive before the next refresh into
one and skips it when the shown keys (key, label, enabled, tooltip) are the same."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    """Footer drawn like Textual's, recomposed at most once per refresh and only on change."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[object, ...] | None = None
        self._pending = False

    def _signature(self) -> tuple[object, ...]:
        """What the composed keys depend on."""
        keys = tuple(
            (
                key,
                binding.key,
                binding.action,
                binding.description,
                binding.show,
                binding.group,
                binding.tooltip,
                enabled,
                tooltip,
            )
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )
        return (keys, self.compact, self.show_command_palette, self.app.ENABLE_COMMAND_PALETTE)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        signature = self._signature()
        if signature != self._shown:
            self._shown = signature
            await self.recompose()

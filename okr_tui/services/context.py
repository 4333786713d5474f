"""The application context: settings, paths and clock, built once and passed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from okr_tui.core.clock import Clock
from okr_tui.paths import AppPaths
from okr_tui.settings import Settings


@dataclass
class AppContext:
    """Everything a service needs; front ends build one and tests swap parts of it."""

    settings: Settings
    paths: AppPaths
    clock: Clock = field(default_factory=Clock)
    demo: bool = False
    warnings: list[str] = field(default_factory=list)  # e.g. config warnings, shown once

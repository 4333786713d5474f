"""Build the application context once per run: paths, settings (file + env), clock, logging."""

from __future__ import annotations

import os
from collections.abc import Mapping

from okr_tui.config import ensure_config, load
from okr_tui.core.clock import Clock
from okr_tui.logs import setup_logging
from okr_tui.paths import AppPaths
from okr_tui.services.context import AppContext


def load_context(
    demo: bool = False,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    paths: AppPaths | None = None,
) -> AppContext:
    """Load the settings (creating the commented config file on first use) and build the
    context. With ``demo`` the settings stay as loaded but ``ctx.demo`` is True, so services
    use the bundled data; nothing (spreadsheet, API key) is required then.

    Raises :class:`okr_tui.config.ConfigError` for a setting that cannot be used."""
    env = os.environ if env is None else env
    paths = paths or AppPaths.default()
    warnings: list[str] = []
    try:
        ensure_config(paths)
    except OSError as exc:
        warnings.append(f"could not create {paths.config_file} ({exc.strerror}); using defaults")
    loaded = load(paths, env)
    warnings.extend(loaded.warnings)
    try:
        setup_logging(paths, loaded.settings)
    except OSError as exc:
        warnings.append(f"could not open the log file {paths.log_file} ({exc.strerror})")
    return AppContext(
        settings=loaded.settings,
        paths=paths,
        clock=clock or Clock(),
        demo=demo,
        warnings=warnings,
    )

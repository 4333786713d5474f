"""``okr-tui config path|show|init`` (SPEC §7, §8)."""

from __future__ import annotations

import argparse
import os
import sys

from okr_tui.cli import EXIT_ERROR, EXIT_OK
from okr_tui.config import ConfigError, describe, ensure_config, init_config, load
from okr_tui.paths import AppPaths


def _show(paths: AppPaths) -> int:
    created = ensure_config(paths)
    loaded = load(paths, os.environ)
    for warning in loaded.warnings:
        print(f"okr-tui: warning: {warning}", file=sys.stderr)
    note = " (created with the defaults)" if created else ""
    print(f"# config file: {paths.config_file}{note}")
    rows = describe(loaded)
    width = max(len(key) for key, _, _ in rows)
    value_width = min(max(len(value) for _, value, _ in rows), 60)
    for key, value, source in rows:
        print(f"{key:<{width}}  {value:<{value_width}}  ({source})")
    return EXIT_OK


def run_config(args: argparse.Namespace) -> int:
    """Run ``okr-tui config ACTION``; returns the exit code (1 with a message on bad config)."""
    paths = AppPaths.default()
    try:
        if args.action == "path":
            print(paths.config_file)
            return EXIT_OK
        if args.action == "show":
            return _show(paths)
        file = init_config(paths, force=bool(getattr(args, "force", False)))
        print(f"wrote the default configuration to {file}")
        return EXIT_OK
    except ConfigError as exc:
        print(f"okr-tui: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"okr-tui: {paths.config_file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR

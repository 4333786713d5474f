"""Orchestration shared by the TUI and the CLI: fetch → report → plan → push → undo."""

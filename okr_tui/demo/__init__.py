"""Bundled demo data: real recorded accounting (cloud 2024-10..12) plus generated files in the
real response shapes (see :mod:`okr_tui.demo.generate`)."""

from __future__ import annotations

from pathlib import Path

from okr_tui.core.periods import Period

DEMO_DATA: Path = Path(__file__).resolve().parent / "data"
DEMO_PERIOD: Period = Period.of("2024-10", "2024-12")

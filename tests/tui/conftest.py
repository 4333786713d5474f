"""Fixtures of the TUI tests: an app on a test-double context with fake services."""

from __future__ import annotations

from dataclasses import replace

import pytest

from okr_tui.core.clock import Clock
from okr_tui.paths import AppPaths
from okr_tui.services.context import AppContext
from okr_tui.settings import Settings
from okr_tui.tui.app import OkrApp
from tests.tui.doubles import FakeServices

SIZE = (140, 45)


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    fake = FakeServices()
    import okr_tui.services.fetching as fetching
    from okr_tui.tui import data

    monkeypatch.setattr(data, "load_vo_list", fake.load_vo_list)
    monkeypatch.setattr(data, "sheet_users_history", fake.sheet_users_history)
    monkeypatch.setattr(data, "sheet_previous", fake.sheet_previous)
    for name in (
        "open_sources",
        "fetch_report",
        "fetch_breakdown",
        "fetch_vo_card",
        "fetch_cpu_history",
    ):
        monkeypatch.setattr(fetching, name, getattr(fake, name))
    return fake


@pytest.fixture
def ctx(fast_settings: Settings, app_paths: AppPaths, frozen_clock: Clock) -> AppContext:
    settings = replace(fast_settings, spreadsheet="sheet-key-123")
    return AppContext(settings=settings, paths=app_paths, clock=frozen_clock)


@pytest.fixture
def app(ctx: AppContext, services: FakeServices) -> OkrApp:
    return OkrApp(ctx)

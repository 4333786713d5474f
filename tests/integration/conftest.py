"""Fixtures of the integration tests: the fake portals on 127.0.0.1 and settings that point
at them (see tests/fakes/portals.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from okr_tui.settings import Settings
from tests.fakes.portals import FakePortals


@pytest.fixture
def portals(fast_settings: Settings) -> Iterator[FakePortals]:
    """Fake Accounting + Operations Portal serving the demo dataset; shut down afterwards."""
    assert fast_settings.operations_api_key
    with FakePortals(api_key=fast_settings.operations_api_key) as fake:
        yield fake


@pytest.fixture
def portal_settings(fast_settings: Settings, portals: FakePortals) -> Settings:
    """``fast_settings`` with both portal URLs pointing at the fakes."""
    return replace(
        fast_settings, accounting_url=portals.accounting_url, operations_url=portals.operations_url
    )


# Fake Google Sheets API fixtures (sheet backends, push tests).
from tests.fakes.google_fixtures import (  # noqa: E402
    fake_google,
    google_settings,
    sa_file,
    sa_key_pem,
)

__all__ = ["fake_google", "google_settings", "sa_file", "sa_key_pem"]

"""Pytest fixtures for the sheet-backend tests: a fake Google Sheets API + token server on
127.0.0.1 and a service-account key (one RSA key per test process) pointing at it.
Imported by tests/integration/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from okr_tui.settings import Settings
from tests.fakes.google import FakeGoogle, session_key_pem, write_service_account


@pytest.fixture(scope="session")
def sa_key_pem() -> str:
    """The per-session RSA private key (PEM) of the fake service account."""
    return session_key_pem()


@pytest.fixture
def fake_google(sa_key_pem: str) -> Iterator[FakeGoogle]:
    """A started fake Google Sheets API (stopped after the test)."""
    with FakeGoogle() as fake:
        yield fake


@pytest.fixture
def sa_file(fake_google: FakeGoogle, tmp_path: Path) -> Path:
    """A service-account key file (mode 0600) whose token_uri is the fake's."""
    return write_service_account(tmp_path / "creds" / "service_account.json", fake_google.token_uri)


@pytest.fixture
def google_settings(fast_settings: Settings, fake_google: FakeGoogle, sa_file: Path) -> Settings:
    """Settings that reach the fake: key of its spreadsheet, API base URL, credentials."""
    return replace(
        fast_settings,
        credentials=sa_file,
        spreadsheet="fakeKey123",
        sheets_api_url=fake_google.url,
    )

"""Test hygiene shared by the whole suite (see DEVELOPERS.md "Tests and CI").

Every test runs with HOME and XDG_* in a temp dir, no proxy for loopback, a frozen clock and
retry delays in milliseconds."""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from okr_tui.core.clock import Clock
from okr_tui.paths import AppPaths
from okr_tui.settings import Settings

FROZEN_NOW = datetime(2025, 2, 10, 9, 30, 0, tzinfo=timezone.utc)

_ENV_PREFIXES = ("OKR_TUI_",)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    for var in list(os.environ):
        if var.startswith(_ENV_PREFIXES):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return home


_LOOPBACK = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that is not to the loopback interface (fakes live there)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = str(address[0]) if isinstance(address, tuple) else str(address)
            if not host.startswith(_LOOPBACK):
                raise OSError(f"test tried to reach {address!r}: tests must not use the network")

    def connect(sock: socket.socket, address: object) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
def frozen_clock() -> Clock:
    return Clock.frozen(FROZEN_NOW)


@pytest.fixture
def app_paths(isolated_env: Path) -> AppPaths:
    return AppPaths.default()


@pytest.fixture
def fast_settings() -> Settings:
    """Settings with millisecond retry delays and short timeouts, for tests against fakes."""
    return replace(
        Settings(),
        retry_base_delay=0.001,
        retry_max_wait=0.05,
        retries=3,
        timeout=2.0,
        connect_timeout=1.0,
        operations_api_key="test-SECRET-key-7f3a9c",
    )

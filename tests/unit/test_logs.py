"""The log file: rotating, idempotent setup, secrets redacted."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import pytest

from okr_tui.logs import LOGGER_NAME, REDACTED, redact, setup_logging
from okr_tui.paths import AppPaths
from okr_tui.settings import Settings

KEY = "test-SECRET-key-7f3a9c"
PEM = (
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nabcDEF123+/=\n"
    "-----END PRIVATE KEY-----\n"
)
TOKEN = "ya29.a0AfH6SMBx-token_value.123"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger(LOGGER_NAME)
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


def handlers(log: logging.Logger) -> list[logging.Handler]:
    return [h for h in log.handlers if type(h).__name__ == "_OkrHandler"]


def test_log_file_redacts_key_pem_and_tokens(
    app_paths: AppPaths, fast_settings: Settings, logger: logging.Logger
) -> None:
    path = setup_logging(app_paths, fast_settings)
    child = logging.getLogger(LOGGER_NAME + ".sources.test")
    child.info("requesting with key %s", KEY)
    child.warning("service account: %s", PEM)
    child.warning("header Authorization: Bearer %s", TOKEN)
    child.warning('{"access_token": "%s", "x-api-key": "%s"}', TOKEN, KEY)
    try:
        raise RuntimeError(f"failed with X-API-Key: {KEY}")
    except RuntimeError:
        child.exception("boom")
    for handler in handlers(logger):
        handler.flush()
    text = path.read_text()
    assert path == app_paths.log_file
    assert "requesting with key" in text
    assert "boom" in text and "RuntimeError" in text
    assert text.count(REDACTED) >= 5
    for secret in (KEY, TOKEN, "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"):
        assert secret not in text


def test_setup_is_idempotent_and_picks_up_a_new_key(
    app_paths: AppPaths, fast_settings: Settings, logger: logging.Logger
) -> None:
    setup_logging(app_paths, Settings())
    setup_logging(app_paths, fast_settings)
    assert len(handlers(logger)) == 1
    logger.warning("key=%s", KEY)
    handlers(logger)[0].flush()
    assert KEY not in app_paths.log_file.read_text()


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "GET https://operations-portal.egi.eu/api/vo-list/json -> 200 (alice, ATLAS)"
    assert redact(text, [KEY]) == text
    assert redact(f"a {KEY} b", [KEY]) == f"a {REDACTED} b"
    assert redact(f"a {KEY} b", [None]) == f"a {KEY} b"  # only known values are replaced


def test_rotation_keeps_the_file_bounded(
    app_paths: AppPaths, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("okr_tui.logs.MAX_BYTES", 2_000)
    setup_logging(app_paths, dataclasses.replace(Settings(), operations_api_key=KEY))
    for i in range(200):
        logger.info("line %d %s", i, "x" * 40)
    assert app_paths.log_file.stat().st_size <= 2_000
    assert app_paths.log_file.with_name(app_paths.log_file.name + ".1").exists()

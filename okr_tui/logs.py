"""The log file (rotating, in ``user_log_dir``) and the filter that keeps secrets out of it."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from okr_tui.paths import AppPaths
from okr_tui.settings import Settings

LOGGER_NAME = "okr_tui"
REDACTED = "[REDACTED]"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
            re.DOTALL,
        ),
        "-----" + REDACTED + " PRIVATE KEY-----",
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*"), r"\1" + REDACTED),
    (
        re.compile(r"""(?i)(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;}&]+"""),
        r"\1" + REDACTED,
    ),
    (
        re.compile(
            r"""(?i)(["']?(?:access_token|refresh_token|id_token|client_secret|private_key|"""
            r"""api_key|apikey)["']?\s*[:=]\s*["']?)[^\s"',;}&]+"""
        ),
        r"\1" + REDACTED,
    ),
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with the given secret values, PEM private keys, bearer tokens and API-key /
    token assignments replaced by ``[REDACTED]``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record (message, arguments, exception and stack text) without secrets."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class _OkrHandler(RotatingFileHandler):
    """Marks the handler installed by :func:`setup_logging` so a second call replaces it."""


def setup_logging(paths: AppPaths, settings: Settings, level: int = logging.INFO) -> Path:
    """Log ``okr_tui.*`` records to a rotating file in ``paths.log_file`` with secrets redacted.

    Idempotent: a second call replaces the handler (e.g. after the API key changed)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if isinstance(handler, _OkrHandler):
            logger.removeHandler(handler)
            handler.close()
    paths.log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = _OkrHandler(
        paths.log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(RedactingFilter([settings.operations_api_key]))
    logger.addHandler(handler)
    logger.setLevel(min(level, logger.level) if logger.level else level)
    return paths.log_file

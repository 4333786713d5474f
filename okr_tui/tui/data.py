"""The TUI's only door to the services: thin async/sync calls, error texts with a next step."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from textual.worker import Worker

from okr_tui.core.models import VoInfo
from okr_tui.core.periods import Period, PeriodError
from okr_tui.services.context import AppContext
from okr_tui.settings import Settings
from okr_tui.sheets.base import SheetError
from okr_tui.sources.base import SourceError

if TYPE_CHECKING:
    from okr_tui.services.sheet_history import SheetPrevious

SERVICE_ERRORS: tuple[type[Exception], ...] = (SourceError, SheetError, OSError, ValueError)
T = TypeVar("T")
log = logging.getLogger(__name__)  # a child of "okr_tui": the log file, secrets redacted


def log_failure(what: str, exc: BaseException) -> str:
    """Write a failed service call (``what``: e.g. "fetch") with its traceback to the log file,
    never to the screen; returns the one-line on-screen text (:func:`explain`)."""
    text = explain(exc)
    log.error("%s failed: %s", what, text, exc_info=(type(exc), exc, exc.__traceback__))
    return text


class Cancelled(Exception):
    """The worker running a service call was cancelled (Esc, screen closed)."""


def run_in_thread(worker: Worker[object], call: Callable[[], Awaitable[T]]) -> T:
    """Run an async service call on a private event loop in a thread worker, so its imports,
    TLS setup and parsing never stall the UI; cancelling the worker cancels the call."""

    async def watched() -> T:
        task = asyncio.ensure_future(call())
        while not task.done():
            if worker.is_cancelled:
                task.cancel()
            await asyncio.wait({task}, timeout=0.05)
        if task.cancelled():
            raise Cancelled
        return task.result()

    return asyncio.run(watched())


def wait_for(timeout: float, event: threading.Event, worker: Worker[None]) -> bool:
    """(worker thread) Wait at most ``timeout`` s for ``event`` (e.g. "the UI has drawn": a
    worker thread competes with the UI for the GIL); False when the worker was cancelled."""
    for _ in range(max(1, round(timeout / 0.05))):
        if event.wait(0.05) or worker.is_cancelled:
            break
    return not worker.is_cancelled


def explain(exc: BaseException) -> str:
    """A one-line message for ``exc`` with what to do next (never a traceback, never a secret)."""
    if isinstance(exc, SourceError):
        hint = (
            "check the API key in the settings (F2)"
            if exc.status in (401, 403)
            else "check the URL in the settings (F2) and the network, then retry"
        )
        return f"{exc} — {hint}"
    if isinstance(exc, SheetError):
        return f"{exc} — check the spreadsheet settings (F2) and that it is shared"
    if isinstance(exc, PeriodError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def default_period(ctx: AppContext) -> Period:
    """The period shown first: the demo quarter in demo mode, else the last complete quarter."""
    from okr_tui.services.fetching import default_selection

    return default_selection(ctx).period


async def load_vo_list(ctx: AppContext, refresh: bool = False) -> list[VoInfo]:
    """The production VO list (the fetching service; ``refresh`` bypasses the cache)."""
    from okr_tui.services import fetching

    return await fetching.fetch_vo_list(ctx, refresh=refresh)


def save_exclusions(ctx: AppContext, excluded: list[str]) -> Settings:
    """Remember ``excluded`` VOs in the config file; returns the new settings."""
    from okr_tui.config import save_settings

    return save_settings(ctx.paths, {"excluded_vos": sorted(excluded, key=str.casefold)})


def sheet_users_history(ctx: AppContext, vo: str) -> dict[str, int | None]:
    """Users of ``vo`` per period label from the users worksheet (blocking: call in a thread)."""
    from okr_tui.core.models import vo_key
    from okr_tui.services.sheet_ops import open_backend, sheet_history

    history = sheet_history(ctx, open_backend(ctx))
    return dict(history.users.get(vo_key(vo), {}))


def sheet_previous(ctx: AppContext, period: Period, scopes: list[str]) -> SheetPrevious:
    """What the sheet holds for the period before ``period``: users per VO (users worksheet)
    and the previous row of each CPU worksheet in ``scopes`` (SPEC §4). One read; blocking:
    call in a thread worker."""
    from okr_tui.services.sheet_history import sheet_previous as read_previous
    from okr_tui.services.sheet_ops import open_backend

    return read_previous(ctx, open_backend(ctx), period, scopes)

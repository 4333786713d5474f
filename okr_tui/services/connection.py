"""Connection tests for the settings screen: one small request per source, and opening the
spreadsheet. Each returns ``(ok, message)``; messages name the next step, never a secret."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from okr_tui.core.periods import Month, Period
from okr_tui.logs import redact
from okr_tui.services.context import AppContext
from okr_tui.settings import Settings
from okr_tui.sheets.base import SheetError, SheetNotShared
from okr_tui.sources.base import SourceError

log = logging.getLogger(__name__)

Outcome = tuple[bool, str]


def service_account_email(settings: Settings) -> str | None:
    """The ``client_email`` of the service-account file (the address to share the sheet with)."""
    if settings.auth != "service_account":
        return None
    try:
        data = json.loads(Path(settings.credentials).expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    email = data.get("client_email") if isinstance(data, dict) else None
    return email if isinstance(email, str) and email else None


def _test_period(ctx: AppContext) -> Period:
    if ctx.demo:  # the recordings cover the demo quarter as a whole
        from okr_tui.demo import DEMO_PERIOD

        return DEMO_PERIOD
    month = Month.of(ctx.clock.today()).shift(-1)
    return Period.of(month, month)


def _clean(ctx: AppContext, text: str) -> str:
    return redact(text, [ctx.settings.operations_api_key])


async def test_accounting(ctx: AppContext) -> Outcome:
    """Ask the accounting source for one month of Cloud CPU hours."""
    from okr_tui.services.fetching import open_accounting

    period = _test_period(ctx)
    try:
        source = open_accounting(ctx)
    except (SourceError, OSError, ValueError) as exc:
        return False, _clean(ctx, f"Accounting: {exc}")
    try:
        hours = await source.monthly_hours("cloud", period)
    except SourceError as exc:
        return False, _clean(ctx, f"Accounting: {exc}")
    finally:
        await source.aclose()
    api = getattr(source, "api", "accounting")
    if hours.failed:
        reasons = "; ".join(m.reason for m in hours.missing if m.vo is None and m.month is None)
        return False, _clean(ctx, f"Accounting ({api}) did not answer: {reasons}")
    cached = any(p.cache for p in hours.provenance)
    note = " (from the local cache)" if cached else ""
    return True, (
        f"Accounting ({api}) answered{note}: {len(hours.hours)} VOs with Cloud CPU/h in {period}."
    )


async def test_operations(ctx: AppContext) -> Outcome:
    """Ask the Operations Portal for the production VO list (checks URL and API key)."""
    from okr_tui.services.fetching import open_operations

    if not ctx.demo and not ctx.settings.operations_api_key:
        return False, "Operations Portal: no API key is set. Enter it in operations_api_key."
    try:
        source = open_operations(ctx, refresh=True)
    except (SourceError, OSError, ValueError) as exc:
        return False, _clean(ctx, f"Operations Portal: {exc}")
    try:
        data = await source.fetch(_test_period(ctx), vos=[])
    except SourceError as exc:
        return False, _clean(ctx, f"Operations Portal: {exc}")
    finally:
        await source.aclose()
    if data.failed:
        reasons = "; ".join(m.reason for m in data.missing) or "no VO list"
        return False, _clean(ctx, f"Operations Portal did not answer: {reasons}")
    return True, f"Operations Portal answered: {len(data.vos)} production VOs."


def test_spreadsheet(ctx: AppContext) -> Outcome:
    """Open the spreadsheet (blocking: run in a thread) and look for the four worksheets."""
    from okr_tui.services.sheet_ops import open_backend

    email = service_account_email(ctx.settings)
    share = f" Share the spreadsheet (Editor) with {email}." if email else ""
    if not ctx.demo and not ctx.settings.spreadsheet:
        return False, "No spreadsheet is set: enter its key or URL in spreadsheet." + share
    names = [ctx.settings.worksheet(r) for r in ("cloud", "htc", "users", "vos")]
    try:
        backend = open_backend(ctx)
        target = backend.target()
        grids = backend.read(names)
    except SheetNotShared as exc:
        return False, _clean(ctx, f"{exc}{share}")
    except SheetError as exc:
        return False, _clean(ctx, f"Spreadsheet: {exc}{share}")
    except (OSError, ValueError) as exc:
        return False, _clean(ctx, f"Spreadsheet: {type(exc).__name__}: {exc}")
    found = [n for n in names if grids.get(n) is not None]
    absent = [n for n in names if grids.get(n) is None]
    text = f"Opened {target.name} as {target.identity}. Worksheets found: {', '.join(found) or '-'}"
    if absent:
        text += f"; not found (created on the first push): {', '.join(absent)}"
    if email and email != target.identity:
        text += f". Service account: {email}"
    return True, text + "."


# named test_* for the settings screen's buttons; not pytest tests
for _fn in (test_accounting, test_operations, test_spreadsheet):
    _fn.__test__ = False  # type: ignore[attr-defined]

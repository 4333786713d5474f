"""Fetch everything a report needs, concurrently, and compute it (used by the CLI and the TUI).

Front ends never build URLs: they call these functions with an :class:`AppContext`. Demo mode
replays the bundled data (``okr_tui.demo.DEMO_DATA``). A failed source becomes ``Missing``
entries with its reason, never zeros; the clients are always closed, also on cancellation.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from okr_tui.core.models import (
    SCOPES,
    Breakdown,
    Missing,
    OperationsData,
    Provenance,
    Report,
    Scope,
    ScopeHours,
    VoCard,
    VoInfo,
    VoStatusGroup,
)
from okr_tui.core.periods import Period, PeriodError, validate
from okr_tui.core.reports import build_report, vo_hours
from okr_tui.core.selection import Selection
from okr_tui.logs import redact
from okr_tui.services.context import AppContext
from okr_tui.sources.base import (
    AccountingSource,
    OperationsSource,
    ProgressCallback,
    SourceError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = [
    "Sources",
    "default_selection",
    "fetch_breakdown",
    "fetch_cpu_history",
    "fetch_report",
    "fetch_vo_card",
    "fetch_vo_list",
    "open_accounting",
    "open_operations",
    "open_sources",
]


@dataclass
class Sources:
    """The two sources of a fetch; ``aclose`` closes both (their HTTP clients)."""

    accounting: AccountingSource
    operations: OperationsSource
    notes: list[str] = field(default_factory=list)

    async def aclose(self) -> None:
        for source in (self.accounting, self.operations):
            try:
                await source.aclose()
            except (OSError, RuntimeError) as exc:
                log.warning("closing %s failed: %s", type(source).__name__, exc)


def _cache(ctx: AppContext, refresh: bool) -> Any:
    from okr_tui.sources.cache import ResponseCache

    return ResponseCache(ctx.paths.cache_dir, ctx.clock, refresh=refresh)


def open_accounting(
    ctx: AppContext, api: str | None = None, refresh: bool = False
) -> AccountingSource:
    """The accounting source for ``ctx`` (auto/dump/legacy choice; demo: replayed data)."""
    try:
        from okr_tui.sources.auto import make_accounting_source
    except ModuleNotFoundError as exc:
        if exc.name != "okr_tui.sources.auto":
            raise
        return _legacy_accounting(ctx, refresh)
    return make_accounting_source(
        ctx.settings, _cache(ctx, refresh), ctx.clock, api=api, demo=ctx.demo
    )


def _legacy_accounting(ctx: AppContext, refresh: bool) -> AccountingSource:
    """The legacy path API (demo: its recorded responses), when the auto chooser is absent."""
    log.info("okr_tui.sources.auto not available: using the legacy accounting API")
    if ctx.demo:
        from okr_tui.demo import DEMO_DATA
        from okr_tui.sources.replay import ReplayAccounting

        return ReplayAccounting(DEMO_DATA / "accounting", ctx.clock)
    from okr_tui.sources.accounting_legacy import LegacyAccounting

    return LegacyAccounting(ctx.settings, _cache(ctx, refresh), ctx.clock)


def open_operations(ctx: AppContext, refresh: bool = False) -> OperationsSource:
    """The Operations Portal source for ``ctx`` (demo: the bundled recorded responses)."""
    if ctx.demo:
        from okr_tui.demo import DEMO_DATA
        from okr_tui.sources.replay import ReplayOperations

        return ReplayOperations(DEMO_DATA / "operations", ctx.clock)
    from okr_tui.sources.operations import OperationsPortal

    return OperationsPortal(ctx.settings, _cache(ctx, refresh), ctx.clock)


def open_sources(ctx: AppContext, selection: Selection) -> Sources:
    """Both sources for ``selection`` (its accounting API override and ``refresh``)."""
    accounting = open_accounting(ctx, selection.accounting_api, selection.refresh)
    return Sources(accounting, open_operations(ctx, selection.refresh))


def _reason(ctx: AppContext, exc: BaseException) -> str:
    """A one-line cause for a failure, without secrets."""
    text = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
    return redact(text, [ctx.settings.operations_api_key])


async def _guard(ctx: AppContext, what: str, work: Awaitable[T], on_error: Callable[[str], T]) -> T:
    """Await ``work``; a failure becomes ``on_error(reason)`` (cancellation propagates)."""
    try:
        return await work
    except SourceError as exc:
        reason = _reason(ctx, exc)
    except Exception as exc:  # a source bug must not lose the other sources' data
        reason = _reason(ctx, exc)
        log.warning("%s failed unexpectedly: %s", what, reason)
    log.info("%s failed: %s", what, reason)
    return on_error(reason)


def _failed_hours(scope: Scope, period: Period) -> Callable[[str], ScopeHours]:
    return lambda reason: ScopeHours(scope, period, {}, missing=[Missing(scope, None, reason)])


def _failed_ops(reason: str) -> OperationsData:
    return OperationsData([], {}, missing=[Missing("users", None, reason)], failed=True)


async def fetch_report(
    ctx: AppContext,
    selection: Selection,
    progress: ProgressCallback | None = None,
    sources: Sources | None = None,
) -> Report:
    """Fetch vo-list + users, cloud, htc, the previous period of each CPU scope and (when asked)
    the VO status report concurrently, and build the :class:`Report`. ``sources`` defaults to
    :func:`open_sources` (closed afterwards; sources passed in are left open)."""
    period = selection.period
    cpu_scopes = [s for s in SCOPES if s in selection.reports]
    need_ops = bool(cpu_scopes) or "users" in selection.reports
    own = sources is None
    srcs = sources if sources is not None else open_sources(ctx, selection)
    try:
        acc, ops_src = srcs.accounting, srcs.operations
        jobs: dict[str, Awaitable[Any]] = {}
        if need_ops:
            # users of the named VOs only (None: every production VO); [] when not requested
            users_for = (list(selection.vos) or None) if "users" in selection.reports else []
            jobs["operations"] = _guard(
                ctx,
                "operations",
                ops_src.fetch(period, vos=users_for, progress=progress),
                _failed_ops,
            )
        for scope in cpu_scopes:
            for key, p in ((scope, period), (f"{scope} previous", period.previous())):
                jobs[key] = _guard(
                    ctx,
                    f"accounting {key}",
                    acc.monthly_hours(scope, p, progress=progress),
                    _failed_hours(scope, p),
                )
        if "vos" in selection.reports:
            jobs["vos"] = _guard(ctx, "vo report", ops_src.vo_report(period), lambda r: r)
        results = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    finally:
        if own:
            await asyncio.shield(srcs.aclose())
    return _assemble(ctx, selection, results)


def _previous_provenance(prev: ScopeHours) -> list[Provenance]:
    """The previous period's provenance, named so it is not mistaken for the current one."""
    suffix = f" (previous {prev.period.label})"
    return [
        p if p.name.endswith(suffix) else replace(p, name=p.name + suffix) for p in prev.provenance
    ]


def summarise_missing(missing: list[Missing], limit: int = 3) -> str:
    """One short line for many Missing entries: whole months are counted and spanned
    ("24 months without data: 2021-01..2022-12, e.g. …"), other reasons listed once."""
    months = sorted({m.month for m in missing if m.month and m.vo is None})
    reasons = list(dict.fromkeys(m.reason for m in missing if not (m.month and m.vo is None)))
    parts = reasons[:limit] + ([f"and {len(reasons) - limit} more"] if len(reasons) > limit else [])
    if months:
        example = next(m.reason for m in missing if m.month == months[0] and m.vo is None)
        span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
        word = "month" if len(months) == 1 else "months"
        parts.insert(0, f"{len(months)} {word} without data ({span}), e.g. {example}")
    return "; ".join(parts)


def _assemble(ctx: AppContext, selection: Selection, results: dict[str, Any]) -> Report:
    """Build the report from the gathered results (failures already turned into Missing)."""
    ops: OperationsData | None = results.get("operations")
    sources: list[Provenance] = list(ops.provenance) if ops else []
    warnings: list[str] = []
    hours: dict[Scope, ScopeHours] = {}
    previous: dict[Scope, ScopeHours | None] = {}
    for scope in SCOPES:
        if scope not in results:
            continue
        hours[scope] = results[scope]
        prev: ScopeHours = results[f"{scope} previous"]
        sources += hours[scope].provenance + _previous_provenance(prev)
        if prev.missing:
            why = summarise_missing(prev.missing)
            warnings.append(
                f"{scope}: previous period {prev.period.label} incomplete, "
                f"changes not compared ({why})"
            )
            previous[scope] = None
        else:
            previous[scope] = prev
    vo_groups: list[VoStatusGroup] | None = None
    extra: list[Missing] = []
    if "vos" in results:
        if isinstance(results["vos"], str):
            extra.append(Missing("vos", None, results["vos"]))
        else:
            groups, prov = results["vos"]
            vo_groups = list(groups)
            sources.append(prov)
    return build_report(
        selection,
        ctx.settings.excluded_vos,
        ops=ops,
        hours=hours,
        previous=previous,
        vo_groups=vo_groups,
        extra_missing=extra,
        sources=sources,
        warnings=warnings,
    )


async def fetch_breakdown(
    ctx: AppContext, scope: Scope, period: Period, vo: str, by: str
) -> Breakdown:
    """One VO's CPU hours split by site/ngi/country/tier/region. Raises SourceError."""
    acc = open_accounting(ctx)
    try:
        return await acc.breakdown(scope, period, vo, by)
    finally:
        await asyncio.shield(acc.aclose())


async def fetch_vo_card(ctx: AppContext, vo: str) -> VoCard:
    """The VO ID card (drill-down). Raises SourceError."""
    ops = open_operations(ctx)
    try:
        return await ops.vo_card(vo)
    finally:
        await asyncio.shield(ops.aclose())


async def fetch_vo_list(ctx: AppContext, refresh: bool = False) -> list[VoInfo]:
    """The production VO list (vo-list only, no users; demo: the recorded list). ``refresh``
    bypasses the response cache. Raises SourceError when the list cannot be had."""
    from okr_tui.demo import DEMO_PERIOD

    ops = open_operations(ctx, refresh)
    try:  # the period is irrelevant for the list alone (vos=[]: no vo-users request)
        period = DEMO_PERIOD if ctx.demo else Period.default(ctx.clock.today())
        got = await ops.fetch(period, vos=[])
    finally:
        await asyncio.shield(ops.aclose())
    if got.failed:
        reason = "; ".join(m.reason for m in got.missing) or "no answer"
        raise _error_again(reason, ctx.settings.operations_url)
    return got.vos


_REASON = re.compile(r"^(?P<source>[^:]+): (?P<cause>.*) \((?P<url>[^()]*)\)$", re.S)
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


def _error_again(reason: str, url: str) -> SourceError:
    """The SourceError behind a Missing reason (``str(SourceError)``), with its status, so the
    message is not doubled and a 401/403 still points at the API key."""
    found = _REASON.match(reason)
    if found is None:
        return SourceError("operations vo-list", url, reason)
    status = _HTTP_STATUS.search(found["cause"])
    return SourceError(
        found["source"],
        found["url"],
        found["cause"],
        status=int(status.group(1)) if status else None,
    )


async def fetch_cpu_history(
    ctx: AppContext, scope: Scope, vo: str, periods: list[Period]
) -> dict[Period, float | None]:
    """Unrounded CPU hours of ``vo`` per period, fetched concurrently; None = not fetched."""
    acc = open_accounting(ctx)
    try:
        got = await asyncio.gather(
            *(
                _guard(
                    ctx,
                    f"accounting {scope} {p}",
                    acc.monthly_hours(scope, p),
                    _failed_hours(scope, p),
                )
                for p in periods
            )
        )
    finally:
        await asyncio.shield(acc.aclose())
    return {p: vo_hours(h, vo) for p, h in zip(periods, got, strict=True)}


def default_selection(ctx: AppContext, **overrides: Any) -> Selection:
    """The default Selection (SPEC §2, §8): last complete quarter (demo: the demo quarter),
    cloud + htc + users (+ vos when enabled). ``overrides`` replace fields; a ``period`` given
    as text is parsed; ``period_warning`` follows the period. Raises PeriodError."""
    from okr_tui.demo import DEMO_PERIOD

    today = ctx.clock.today()
    period = overrides.pop("period", None)
    if isinstance(period, str):
        period = Period.parse(period)
    if period is None:
        period = DEMO_PERIOD if ctx.demo else Period.default(today)
    if not isinstance(period, Period):
        raise PeriodError(f"{period!r} is not a period")
    reports = {"cloud", "htc", "users"} | ({"vos"} if ctx.settings.vos_report else set())
    base = Selection(
        period=period,
        reports=frozenset(reports),
        period_warning=validate(period, today, ctx.settings.settling_days),
    )
    if "reports" in overrides:
        overrides["reports"] = frozenset(overrides["reports"])
    return replace(base, **overrides)

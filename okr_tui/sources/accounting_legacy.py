"""The legacy Accounting Portal path API (SPEC §3.1): monthly CPU hours per VO for cloud and
HTC, and a per-VO REGION/SITE breakdown for the drill-down. Redirects are followed; a failure
becomes ``ScopeHours.missing`` with the reason and the URL, never zeros."""

from __future__ import annotations

from datetime import datetime

import httpx

from okr_tui.core.clock import Clock
from okr_tui.core.models import Breakdown, Missing, Provenance, Scope, ScopeHours
from okr_tui.core.periods import Period
from okr_tui.settings import Settings
from okr_tui.sources.base import ProgressCallback, ProgressEvent, SourceError
from okr_tui.sources.cache import ResponseCache, cached_fetch
from okr_tui.sources.http import RetryCallback, get_json, make_client, redact_url
from okr_tui.sources.parsers import LegacyHours, ParseError, parse_legacy_accounting

# report scope -> (URL scope segment, metric)
SCOPE_QUERY: dict[str, tuple[str, str]] = {
    "cloud": ("cloud", "sum_elap_processors"),
    "htc": ("egi", "elap_processors"),
}
BREAKDOWN_ROWS = {"region": "REGION", "site": "SITE"}
VO_GROUP = "egi"
JOB_SELECTOR = "onlyinfrajobs"


def legacy_url(
    settings: Settings, scope: str, period: Period, *, vo_group: str = VO_GROUP, rows: str = "VO"
) -> str:
    """The path-API URL from ``settings.accounting_url_template``. The template may use
    ``{rows}``; otherwise its ``/VO/DATE/`` segment is replaced for REGION/SITE rows."""
    url_scope, metric = SCOPE_QUERY[scope]
    template = settings.accounting_url_template
    url = template.format(
        base=settings.accounting_url.rstrip("/"),
        scope=url_scope,
        metric=metric,
        rows=rows,
        start_year=period.start.year,
        start_month=period.start.month,
        end_year=period.end.year,
        end_month=period.end.month,
        vo_group=vo_group,
        job_selector=JOB_SELECTOR,
    )
    if rows != "VO" and "{rows}" not in template:
        url = url.replace("/VO/DATE/", f"/{rows}/DATE/", 1)
    return url


def scope_hours_from(
    scope: Scope, period: Period, parsed: LegacyHours, provenance: Provenance
) -> ScopeHours:
    """ScopeHours of a parsed response: per-VO problems become Missing entries."""
    missing = [
        Missing(scope, vo, f"accounting {scope}: {why} ({provenance.url})")
        for vo, why in sorted(parsed.vo_errors.items())
    ]
    return ScopeHours(
        scope=scope,
        period=period,
        hours=parsed.hours,
        portal_total=parsed.portal_total,
        missing=missing,
        provenance=[provenance],
        warnings=[f"accounting {scope}: {w}" for w in parsed.warnings],
    )


class LegacyAccounting:
    """AccountingSource over the legacy path API (``api = "legacy"``)."""

    api = "legacy"

    def __init__(
        self,
        settings: Settings,
        cache: ResponseCache | None,
        clock: Clock,
        *,
        client: httpx.AsyncClient | None = None,
        on_retry: RetryCallback | None = None,
    ) -> None:
        self.settings, self.cache, self.clock = settings, cache, clock
        self._client = client or make_client(settings)
        self.on_retry = on_retry
        self.requests = 0

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    def url(self, scope: str, period: Period, *, vo_group: str = VO_GROUP, rows: str = "VO") -> str:
        """The URL of a query (see :func:`legacy_url`)."""
        return legacy_url(self.settings, scope, period, vo_group=vo_group, rows=rows)

    async def _load(
        self, url: str, period: Period, metric: str, source: str
    ) -> tuple[LegacyHours, bool, datetime]:
        async def fetch() -> object:
            self.requests += 1
            return await get_json(
                self._client, url, source=source, settings=self.settings, on_retry=self.on_retry
            )

        ttl = self.cache.ttl_for(period, self.settings.settling_days) if self.cache else 0.0
        try:
            return await cached_fetch(
                self.cache,
                url,
                ttl,
                fetch,
                lambda doc: parse_legacy_accounting(doc, period, metric=metric),
                self.clock,
            )
        except ParseError as exc:
            raise SourceError(source, redact_url(url), str(exc)) from None

    async def monthly_hours(
        self, scope: Scope, period: Period, *, progress: ProgressCallback | None = None
    ) -> ScopeHours:
        """Hours of every VO of the ``egi`` group in ``period``; failures -> ``missing``."""
        url = self.url(scope, period)
        shown = redact_url(url)
        name = f"accounting {scope}"
        if progress:
            progress(ProgressEvent(name, 0, 1))
        try:
            parsed, cached, at = await self._load(url, period, SCOPE_QUERY[scope][1], name)
        except SourceError as exc:
            prov = Provenance(name, self.api, shown, self.clock.now(), requests=1)
            return ScopeHours(
                scope, period, {}, missing=[Missing(scope, None, str(exc))], provenance=[prov]
            )
        finally:
            if progress:
                progress(ProgressEvent(name, 1, 1))
        prov = Provenance(
            name, self.api, shown, at, cache=cached, rows=parsed.rows,
            duplicates=parsed.duplicates, conflicts=parsed.conflicts,
            requests=0 if cached else 1,  # per call: other calls run concurrently
        )  # fmt: skip
        return scope_hours_from(scope, period, parsed, prov)

    async def breakdown(self, scope: Scope, period: Period, vo: str, by: str) -> Breakdown:
        """One VO's hours per REGION or SITE (``by`` = "region" | "site"). Raises SourceError."""
        rows = BREAKDOWN_ROWS.get(by)
        url = self.url(scope, period, vo_group=f"custom-{vo}", rows=rows or "VO")
        source = f"accounting {scope} {vo} by {by}"
        if rows is None:
            raise SourceError(
                source, redact_url(url), f"the legacy API has no breakdown by {by!r} (region, site)"
            )
        parsed, _cached, _at = await self._load(url, period, SCOPE_QUERY[scope][1], source)
        return breakdown_from(scope, vo, by, parsed, source, redact_url(url))


def breakdown_from(
    scope: Scope, vo: str, by: str, parsed: LegacyHours, source: str, url: str
) -> Breakdown:
    """A Breakdown of a parsed REGION/SITE response; a bad row fails the whole breakdown."""
    if parsed.vo_errors:
        problems = "; ".join(f"{key}: {why}" for key, why in sorted(parsed.vo_errors.items()))
        raise SourceError(source, url, problems)
    totals = {key: sum(months.values()) for key, months in parsed.hours.items()}
    return Breakdown(scope=scope, vo=vo, by=by, hours=totals, monthly=parsed.hours)

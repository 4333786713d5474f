"""The EGI Operations Portal (SPEC §3.2): VO list, users per VO (bulk form first, else one
request per VO, concurrently), VO ID cards and the VO status report."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx

from okr_tui.core.clock import Clock
from okr_tui.core.models import (
    Missing,
    OperationsData,
    Provenance,
    VoCard,
    VoInfo,
    VoStatusGroup,
    vo_key,
)
from okr_tui.core.periods import Month, Period
from okr_tui.settings import Settings
from okr_tui.sources.base import ProgressCallback, ProgressEvent, SourceError
from okr_tui.sources.cache import ResponseCache, cached_fetch
from okr_tui.sources.http import (
    AUTH_HINT_OPERATIONS,
    RetryCallback,
    get_json,
    make_client,
    redact_url,
)
from okr_tui.sources.parsers import (
    ParseError,
    UserSeries,
    parse_vo_card,
    parse_vo_list,
    parse_vo_report,
    parse_vo_users,
    read_bulk_vo_users,
)

HISTORY_START = Month(2020, 1)  # the portal has no users data before 2020
ID_CARD_TTL = 24 * 3600.0
BULK_REFUSED = "bulk form refused: "
T = TypeVar("T")


def users_query(period: Period, vo: str | None = None) -> str:
    """The vo-users path+query: the whole history up to the end of ``period``."""
    params = {"start_date": str(HISTORY_START), "end_date": str(period.end), "format": "json"}
    if vo is not None:
        params["vo"] = vo
    return "egi-reports/vo-users?" + urlencode(params)


def vo_report_query(period: Period) -> str:
    """egi-reports/vo path+query; the end date is EXCLUSIVE (first day after the period)."""
    start, end = period.start.first_day(), period.end.shift(1).first_day()
    return f"egi-reports/vo?start_date={start}&end_date={end}&format=json"


class OperationsPortal:
    """Live Operations Portal source (httpx, X-API-Key header, cache, bounded concurrency)."""

    api = "operations"

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
        self.base = settings.operations_url.rstrip("/") + "/"
        key = settings.operations_api_key
        headers = {"X-API-Key": key} if key else {}
        self._client = client or make_client(settings, headers=headers)
        self._client.event_hooks["request"].append(_key_only_to(self.base))
        self._headers = headers
        self.on_retry = on_retry
        self.requests = 0  # HTTP requests sent (cache hits excluded)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    def url(self, path: str) -> str:
        """Absolute URL of a portal path (relative to ``operations_url``)."""
        return self.base + path.lstrip("/")

    async def _get(
        self, path: str, ttl: float, parse: Callable[[Any], T], source: str
    ) -> tuple[T, bool, Any]:
        url = self.url(path)

        async def fetch() -> Any:
            self.requests += 1
            return await get_json(
                self._client,
                url,
                source=source,
                settings=self.settings,
                headers=self._headers,
                on_retry=self.on_retry,
                auth_hint=AUTH_HINT_OPERATIONS,
            )

        try:
            return await cached_fetch(self.cache, url, ttl, fetch, parse, self.clock)
        except ParseError as exc:
            raise SourceError(source, redact_url(url), str(exc)) from None

    def _ttl(self, period: Period | None) -> float:
        if self.cache is None:
            return 0.0
        return self.cache.ttl_for(period, self.settings.settling_days)

    # --- users --------------------------------------------------------------------------------
    async def fetch(
        self,
        period: Period,
        *,
        vos: list[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> OperationsData:
        """vo-list, then users of ``vos`` (default: every VO of the list) for ``period``;
        ``vos=[]`` asks for the VO list only (no vo-users request at all), and so does a
        period that ends before the portal's users history starts (no data: null, never 0).

        The bulk vo-users request does not depend on the VO list, so both go out together;
        only when the bulk answer is refused do the per-VO requests follow."""
        list_url = redact_url(self.url("vo-list/json"))
        wants_users = vos != [] and period.end >= HISTORY_START
        bulk = asyncio.ensure_future(self._bulk(period)) if wants_users else None
        try:
            infos, cached, at = await self._get(
                "vo-list/json", self._ttl(None), parse_vo_list, "operations vo-list"
            )
        except BaseException as exc:
            if bulk is not None:
                bulk.cancel()
                await asyncio.gather(bulk, return_exceptions=True)
            if not isinstance(exc, SourceError):
                raise
            prov = Provenance(
                "operations vo-list", self.api, list_url, self.clock.now(), requests=1
            )
            return OperationsData(
                vos=[], users={}, missing=[Missing("users", None, str(exc))],
                provenance=[prov], failed=True,
            )  # fmt: skip
        list_prov = Provenance(
            "operations vo-list", self.api, list_url, at, cache=cached, rows=len(infos),
            requests=0 if cached else 1,
        )  # fmt: skip
        if bulk is None:
            return OperationsData(vos=infos, users={}, provenance=[list_prov])
        targets = _targets(infos, vos)
        if progress:
            progress(ProgressEvent("users", 0, len(targets), "bulk vo-users"))
        try:
            accepted, why, bulk_prov = await bulk
        except BaseException:
            bulk.cancel()
            raise
        if accepted is not None:
            wanted = {vo_key(t) for t in targets}
            users = {
                vo_key(name): series
                for name, series in accepted.items()
                if series is not None and vo_key(name) in wanted
            }
            bulk_prov.rows = len(users)
            if progress:
                progress(ProgressEvent("users", len(targets), len(targets), "bulk vo-users"))
            return OperationsData(vos=infos, users=users, provenance=[list_prov, bulk_prov])
        users, missing, users_prov = await self._users_per_vo(period, targets, progress, why)
        users_prov.requests += bulk_prov.requests
        return OperationsData(
            vos=infos, users=users, missing=missing, provenance=[list_prov, users_prov]
        )

    async def _bulk(
        self, period: Period
    ) -> tuple[dict[str, UserSeries | None] | None, str, Provenance]:
        """The bulk form: (per-VO users, "", provenance) or (None, why it was refused, ...)."""
        path = users_query(period)
        url = redact_url(self.url(path))
        try:
            users, cached, at = await self._get(
                path, self._ttl(period), _accept_bulk, "operations vo-users (bulk)"
            )
        except SourceError as exc:
            refused = exc.cause.startswith(BULK_REFUSED)
            why = exc.cause[len(BULK_REFUSED) :] if refused else f"bulk request failed: {exc.cause}"
            return None, why, Provenance("", self.api, url, self.clock.now(), requests=1)
        prov = Provenance(
            "operations vo-users", self.api, url, at, cache=cached, detail="bulk",
            requests=0 if cached else 1,
        )  # fmt: skip
        return users, "", prov

    async def _users_per_vo(
        self,
        period: Period,
        targets: list[str],
        progress: ProgressCallback | None,
        why: str,
    ) -> tuple[dict[str, dict[str, int]], list[Missing], Provenance]:
        semaphore = asyncio.Semaphore(max(1, self.settings.concurrency))
        ttl = self._ttl(period)
        users: dict[str, dict[str, int]] = {}
        missing: list[Missing] = []
        done = sent = 0
        first_at = self.clock.now()

        async def one(vo: str) -> None:
            nonlocal done, sent, first_at
            async with semaphore:
                try:
                    series, cached, at = await self._get(
                        users_query(period, vo),
                        ttl,
                        lambda doc: parse_vo_users(doc, vo),
                        f"operations vo-users {vo}",
                    )
                except SourceError as exc:
                    missing.append(Missing("users", vo, str(exc)))
                    sent += 1
                else:
                    sent += 0 if cached else 1
                    first_at = min(first_at, at)
                    if series is not None:
                        users[vo_key(vo)] = series
            done += 1
            if progress:
                progress(ProgressEvent("users", done, len(targets), vo))

        await run_all([one(vo) for vo in targets])
        missing.sort(key=lambda m: vo_key(m.vo or ""))
        prov = Provenance(
            "operations vo-users", self.api, redact_url(self.url(users_query(period, "<vo>"))),
            first_at, cache=bool(targets) and sent == 0 and not missing, rows=len(users),
            detail=f"per-vo ({why})", requests=sent,
        )  # fmt: skip
        return users, missing, prov

    # --- on demand ----------------------------------------------------------------------------
    async def vo_card(self, vo: str) -> VoCard:
        """The VO ID card (drill-down). Raises SourceError."""
        path = f"vo-idcard/{quote(vo, safe='')}/json"
        card, _cached, _at = await self._get(
            path, ID_CARD_TTL, lambda doc: parse_vo_card(vo, doc), f"operations vo-idcard {vo}"
        )
        return card

    async def vo_report(self, period: Period) -> tuple[list[VoStatusGroup], Provenance]:
        """egi-reports/vo for ``period`` (end date exclusive). Raises SourceError."""
        path = vo_report_query(period)
        groups, cached, at = await self._get(
            path, self._ttl(period), parse_vo_report, "operations egi-reports/vo"
        )
        prov = Provenance(
            "operations egi-reports/vo", self.api, redact_url(self.url(path)), at,
            cache=cached, rows=len(groups), requests=0 if cached else 1,
        )  # fmt: skip
        return groups, prov


def _key_only_to(base: str) -> Callable[[httpx.Request], Awaitable[None]]:
    """A request hook that drops the API key from any request (e.g. a redirect) that leaves
    the portal's host or downgrades https: httpx strips only ``Authorization`` itself."""
    origin = httpx.URL(base)

    async def hook(request: httpx.Request) -> None:
        url = request.url
        if url.host != origin.host or (origin.scheme == "https" and url.scheme != "https"):
            request.headers.pop("X-API-Key", None)

    return hook


def _accept_bulk(doc: Any) -> dict[str, UserSeries | None]:
    result = read_bulk_vo_users(doc)
    if result.users is None:
        raise ParseError(BULK_REFUSED + result.reason)
    return result.users


def _targets(infos: list[VoInfo], vos: list[str] | None) -> list[str]:
    """VO names to query: the requested ones in portal spelling, or every listed VO."""
    if vos is None:
        return [info.name for info in infos]
    known = {vo_key(info.name): info.name for info in infos}
    out: list[str] = []
    for vo in vos:
        name = known.get(vo_key(vo), vo)
        if name not in out:
            out.append(name)
    return out


async def run_all(coros: list[Awaitable[None]]) -> None:
    """Run ``coros`` concurrently; on cancellation or an unexpected error cancel the rest and
    wait for them, so nothing keeps running in the background."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise

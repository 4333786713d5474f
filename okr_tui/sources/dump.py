"""AccountingSource over the 2026 Accounting Portal dump (``{accounting_url}/csv`` or ``/json``,
SPEC §3.4): downloaded once, parsed streaming, aggregated, and both the dump and the aggregate
cached so later runs (even in a fresh process) answer without re-parsing.

The CSV endpoint is tried first: pyarrow parses it ~2x faster than the JSON form (see
tests/benchmarks/bench_dump.py); the JSON endpoint is used when there is no CSV. Both give
identical aggregates (tested)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import httpx

from okr_tui.core.clock import Clock
from okr_tui.core.models import Breakdown, Missing, Provenance, Scope, ScopeHours
from okr_tui.core.periods import Period
from okr_tui.settings import Settings
from okr_tui.sources.base import ProgressCallback, ProgressEvent, SourceError
from okr_tui.sources.cache import ResponseCache
from okr_tui.sources.dump_fetch import DumpFile, DumpStore, GrowingFile, download
from okr_tui.sources.dump_parse import parse_dump
from okr_tui.sources.dump_result import DumpAggregate
from okr_tui.sources.dump_schema import BREAKDOWNS, DumpError, scope_infras
from okr_tui.sources.http import redact_url

ENDPOINTS = ("csv", "json")
INFRA_LABEL = {"cloud": "Cloud", "grid": "Grid", "grid-local": "Grid-Local"}


@dataclass
class DumpLoad:
    """A usable aggregate and how it was obtained (for the provenance)."""

    aggregate: DumpAggregate
    url: str
    fetched_at: datetime
    cached: bool  # the dump itself came from the cache (304 / max age)
    aggregate_cached: bool  # the aggregate was read back, not parsed
    requests: int
    notes: list[str]


def _on_loop(progress: ProgressCallback) -> ProgressCallback:
    """A callback safe to call from the parser thread: it runs on the event loop's thread."""
    loop = asyncio.get_running_loop()
    owner = threading.get_ident()

    def call(event: ProgressEvent) -> None:
        if threading.get_ident() == owner:
            progress(event)
        else:
            loop.call_soon_threadsafe(progress, event)

    return call


def parse_file(path: Path, url: str) -> DumpAggregate:
    """Aggregate a dump file (any form, gzip or not)."""
    with path.open("rb") as stream:
        return parse_dump(stream, url)


class DumpAccounting:
    """AccountingSource over the dump (``api = "dump"``). ``local``: a dump file to read
    instead of downloading (the bundled demo dump)."""

    api = "dump"
    parse_while_downloading = True  # overlap parsing with the download (see bench_dump.py)

    def __init__(
        self,
        settings: Settings,
        cache: ResponseCache | None,
        clock: Clock,
        *,
        client: httpx.AsyncClient | None = None,
        local: Path | None = None,
        endpoints: tuple[str, ...] = ENDPOINTS,
    ) -> None:
        self.settings, self.cache, self.clock, self.local = settings, cache, clock, local
        self.endpoints = endpoints
        self._client = client
        self._own_client = client is None and local is None
        self._lock = asyncio.Lock()
        self._loaded: DumpLoad | None = None
        self._failure: DumpError | None = None
        self.base = settings.accounting_url.rstrip("/")

    async def aclose(self) -> None:
        """Close the HTTP client (if this source made it)."""
        if self._client is not None and self._own_client:
            await self._client.aclose()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            from okr_tui.sources.http import make_client

            self._client = make_client(self.settings)
        return self._client

    # --- loading ------------------------------------------------------------------------------
    async def load(self, progress: ProgressCallback | None = None) -> DumpLoad:
        """The aggregate (once per source object). Raises DumpError — also once: a failed
        load is remembered, so the other scopes and the previous period of the same run do
        not repeat the download and its retries."""
        async with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._loaded is None:
                try:
                    self._loaded = await self._load(progress)
                except DumpError as exc:
                    self._failure = exc
                    raise
            return self._loaded

    async def _load(self, progress: ProgressCallback | None) -> DumpLoad:
        if self.local is not None:
            at = self.clock.now()
            try:
                agg = await asyncio.to_thread(parse_file, self.local, str(self.local))
            except OSError as exc:
                cause = f"cannot read the dump file: {exc.strerror or exc}"
                raise DumpError("not-found", str(self.local), cause) from None
            # parsed in this run: not a cached answer (provenance cache false)
            return DumpLoad(agg, str(self.local), at, False, False, 0, ["local file"])
        failures: list[DumpError] = []
        for endpoint in self.endpoints:
            try:
                return await self._load_endpoint(endpoint, progress)
            except DumpError as exc:
                if exc.kind not in ("not-found", "not-a-dump"):
                    raise
                failures.append(exc)
        if len(failures) == 1:
            raise failures[0]
        kind = "not-found" if all(f.kind == "not-found" for f in failures) else "not-a-dump"
        cause = "; ".join(f"/{e}: {f.cause}" for e, f in zip(self.endpoints, failures, strict=True))
        raise DumpError(kind, self.base, cause)

    async def _load_endpoint(self, endpoint: str, progress: ProgressCallback | None) -> DumpLoad:
        if progress is not None:
            progress = _on_loop(progress)
        url = f"{self.base}/{endpoint}"
        cache_dir = self.cache.dir / "dump" if self.cache else None
        refresh = bool(self.cache and self.cache.refresh)
        store = DumpStore(cache_dir, url)
        notes = [f"{endpoint} endpoint"]
        parsing: asyncio.Future[DumpAggregate] | None = None

        def on_body(reader: GrowingFile) -> None:
            nonlocal parsing
            parsing = asyncio.ensure_future(
                asyncio.to_thread(self._parse_stream, reader, redact_url(url), progress)
            )

        try:
            file = await download(
                self._http(), self.settings, self.clock, store, url, endpoint,
                refresh=refresh, progress=progress,
                on_body=on_body if self.parse_while_downloading else None,
            )  # fmt: skip
        except DumpError as exc:
            if parsing is not None:
                with contextlib.suppress(DumpError, OSError):
                    await parsing
            stale = store.read_meta()
            if exc.kind not in ("truncated", "http") or stale is None:
                raise
            file, parsing = store.cached_file(stale), None
            notes.append(f"download failed ({exc.cause}); using the cached dump")
        if file.revalidated:
            notes.append("not modified (304)")
        elif file.cached:
            notes.append(f"cached copy younger than {self.settings.dump_max_age_hours:g} h")
        if parsing is None and store.aggregate and store.aggregate.is_file():
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                agg, meta = await asyncio.to_thread(DumpAggregate.load, store.aggregate)
                if meta.get("validator") == file.validator and meta.get("url") == file.url:
                    notes.append("aggregate from cache")
                    at, n = file.fetched_at, file.requests
                    return DumpLoad(agg, file.url, at, True, True, n, notes)
        try:
            if parsing is not None:
                agg = await parsing
            else:
                agg = await asyncio.to_thread(self._parse, file, progress)
        except DumpError as exc:
            if not file.temp:
                raise
            file.path.unlink(missing_ok=True)
            stale = store.read_meta()
            if stale is None or exc.kind in ("not-found", "not-a-dump"):
                raise
            # a bad new download never replaces the good cached dump: use the cached one
            old = store.cached_file(stale)
            agg = await asyncio.to_thread(self._parse, old, progress)
            notes.append(f"new download unusable ({exc.cause}); using the cached dump")
            file = old
        else:
            file = store.commit(file)
        if store.aggregate:
            meta = {"validator": file.validator, "url": file.url}
            with contextlib.suppress(OSError):
                await asyncio.to_thread(agg.save, store.aggregate, meta)
        return DumpLoad(agg, file.url, file.fetched_at, file.cached, False, file.requests, notes)

    def _parse(self, file: DumpFile, progress: ProgressCallback | None) -> DumpAggregate:
        with file.path.open("rb") as stream:
            return self._parse_stream(stream, file.url, progress)

    @staticmethod
    def _parse_stream(
        stream: BinaryIO, url: str, progress: ProgressCallback | None
    ) -> DumpAggregate:
        def rows(n: int) -> None:
            if progress:
                progress(ProgressEvent("accounting dump", n, None, "parse"))

        try:
            return parse_dump(stream, url, rows)
        finally:
            stream.close()

    # --- AccountingSource ---------------------------------------------------------------------
    def _infras(self, scope: str) -> tuple[str, ...]:
        try:
            return scope_infras(scope, self.settings.accounting_selector)
        except ValueError as exc:
            raise SourceError("accounting dump", self.base, str(exc)) from None

    def provenance(self, scope: str, loaded: DumpLoad) -> Provenance:
        """Where a scope's hours came from (SPEC §3.4 provenance)."""
        agg = loaded.aggregate
        infras = ", ".join(INFRA_LABEL.get(i, i) for i in self._infras(scope))
        detail = [f"{agg.form} form", *loaded.notes, f"infrastructure {infras}"]
        if agg.stats.invalid:
            detail.append(f"{agg.stats.invalid} rows with an invalid raw_wc_time")
        return Provenance(
            name=f"accounting {scope}", api=self.api, url=loaded.url,
            fetched_at=loaded.fetched_at,
            cache=loaded.cached, rows=agg.stats.rows, duplicates=agg.stats.duplicates,
            conflicts=agg.stats.conflicts, detail="; ".join(detail), requests=loaded.requests,
        )  # fmt: skip

    def hours_from(self, scope: Scope, period: Period, loaded: DumpLoad) -> ScopeHours:
        """ScopeHours of a loaded aggregate: months without rows are missing, not zero."""
        agg = loaded.aggregate
        infras = self._infras(scope)
        hours, invalid = agg.monthly(infras, period)
        present = agg.months_present(infras)
        label = "/".join(INFRA_LABEL.get(i, i) for i in infras)
        missing = [
            Missing(scope, None, f"the accounting dump has no {label} rows for {m}", month=m)
            for m in period.month_keys
            if m not in present
        ]
        missing += [
            Missing(scope, vo, f"{n} dump rows with an invalid raw_wc_time", month=m)
            for (vo, m), n in sorted(invalid.items())
        ]
        warnings = [f"accounting dump: {d}" for d in agg.stats.conflict_details]
        if agg.unknown_columns:
            warnings.append(f"accounting dump: unknown columns ignored: {agg.unknown_columns}")
        return ScopeHours(
            scope, period, hours, missing=missing,
            provenance=[self.provenance(scope, loaded)], warnings=warnings,
        )  # fmt: skip

    async def monthly_hours(
        self, scope: Scope, period: Period, *, progress: ProgressCallback | None = None
    ) -> ScopeHours:
        """Hours of every VO in the period; a failure is a scope-wide Missing."""
        try:
            loaded = await self.load(progress)
            return self.hours_from(scope, period, loaded)
        except SourceError as exc:
            return self.failed(scope, period, exc)

    def failed(self, scope: Scope, period: Period, exc: SourceError) -> ScopeHours:
        """The scope-wide Missing that stands for a dump that could not be used."""
        prov = Provenance(f"accounting {scope}", self.api, self.base, self.clock.now())
        return ScopeHours(
            scope, period, {}, missing=[Missing(scope, None, str(exc))], provenance=[prov]
        )

    async def breakdown(self, scope: Scope, period: Period, vo: str, by: str) -> Breakdown:
        """One VO's hours per site / ngi (= region) / country / tier. Raises SourceError."""
        if by not in (*BREAKDOWNS, "region"):
            raise SourceError(
                f"accounting {scope} {vo} by {by}", self.base,
                f"the dump has no breakdown by {by!r} ({', '.join(BREAKDOWNS)})",
            )  # fmt: skip
        loaded = await self.load()
        hours, monthly = loaded.aggregate.breakdown(self._infras(scope), period, vo, by)
        return Breakdown(scope, vo, by, hours, monthly)

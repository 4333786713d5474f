"""Persistent cache of parsed JSON responses, one JSON file per URL (SPEC §3.4, §7).

Why files and not a library (e.g. diskcache): entries are plain JSON that anyone can inspect
(and that tests can scan for secrets), there is no pickle and no SQLite lock shared between an
interactive TUI and a CLI run, and writes are atomic (temp file + ``os.replace``), so concurrent
processes at worst both fetch. Keys are URLs only — the API key travels in a header and is
never part of a key or an entry. A broken or unreadable entry is a miss, never an error."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import orjson

from okr_tui.core.clock import Clock
from okr_tui.core.periods import Month, Period
from okr_tui.sources.http import redact_url

log = logging.getLogger(__name__)

LONG_TTL = 30 * 24 * 3600.0  # completed, settled months
SHORT_TTL = 3600.0  # the current month (or recently ended periods): data still changes
T = TypeVar("T")


@dataclass(frozen=True)
class CacheEntry:
    """A cached response and when it was fetched."""

    data: Any
    fetched_at: datetime


class ResponseCache:
    """URL -> parsed JSON with an expiry chosen by the caller. ``refresh=True`` never reads
    (every lookup is a miss) but still writes, so the next run benefits."""

    def __init__(self, dir: Path, clock: Clock, refresh: bool = False) -> None:
        self.dir = Path(dir)
        self.clock = clock
        self.refresh = refresh

    def path_for(self, url: str) -> Path:
        """The file of ``url``'s entry."""
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.dir / digest[:2] / f"{digest}.json"

    def ttl_for(self, period: Period | None, settling_days: int = 14) -> float:
        """Seconds to keep a response about ``period``: long for settled months, short when
        the period touches the current month or ended less than ``settling_days`` ago."""
        if period is None:
            return SHORT_TTL
        today = self.clock.today()
        if period.end >= Month.of(today):
            return SHORT_TTL
        if (today - period.end.last_day()).days < settling_days:
            return SHORT_TTL
        return LONG_TTL

    def get(self, url: str) -> CacheEntry | None:
        """The live entry of ``url``, or None (absent, expired, unreadable, or refreshing)."""
        if self.refresh:
            return None
        path = self.path_for(url)
        try:
            doc = orjson.loads(path.read_bytes())
            if doc.get("url") != redact_url(url):
                return None
            expires = datetime.fromisoformat(doc["expires_at"])
            fetched = datetime.fromisoformat(doc["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if expires <= self.clock.now():
            return None
        return CacheEntry(doc.get("data"), fetched)

    def put(self, url: str, data: Any, ttl: float) -> None:
        """Store ``data`` for ``ttl`` seconds (atomic replace). Failures are logged, not raised."""
        now = self.clock.now()
        entry = {
            "url": redact_url(url),
            "fetched_at": now.isoformat(),
            "expires_at": (now + timedelta(seconds=ttl)).isoformat(),
            "data": data,
        }
        path = self.path_for(url)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(entry))
            os.replace(tmp, path)
            tmp = None
        except (OSError, TypeError) as exc:
            log.warning("cache write failed for %s: %s", redact_url(url), exc)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        removed = 0
        for path in self.dir.glob("*/*.json"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed


async def cached_fetch(
    cache: ResponseCache | None,
    url: str,
    ttl: float,
    fetch: Callable[[], Awaitable[Any]],
    parse: Callable[[Any], T],
    clock: Clock,
) -> tuple[T, bool, datetime]:
    """``parse(doc)`` of the cached or freshly fetched document of ``url``.

    Returns (parsed, from_cache, fetched_at). A document is stored only after it parsed, so a
    wrong-shaped answer is never cached; a cached entry that no longer parses is refetched."""
    if cache is not None and (hit := cache.get(url)) is not None:
        try:
            return parse(hit.data), True, hit.fetched_at
        except ValueError:
            log.info("cached entry of %s no longer parses; refetching", redact_url(url))
    doc = await fetch()
    parsed = parse(doc)
    if cache is not None:
        cache.put(url, doc, ttl)
    return parsed, False, clock.now()

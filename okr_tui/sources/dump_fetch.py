"""Download of the dump into the cache directory: conditional requests (ETag / Last-Modified)
when the server offers validators, otherwise a maximum age; a temp file that only replaces the
cached dump after it was completely received *and* parsed."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from okr_tui.core.clock import Clock
from okr_tui.settings import Settings
from okr_tui.sources.base import ProgressCallback, ProgressEvent
from okr_tui.sources.dump_schema import DumpError
from okr_tui.sources.http import RETRY_STATUSES, parse_retry_after, redact_url

READ_AHEAD = 4 << 20  # the parser wakes per 4 MB: fewer GIL hand-offs with the download
FLUSH_EVERY = 1 << 20  # the reader sees the data after a flush; fewer flushes, fewer syscalls


class GrowingFile(io.RawIOBase):
    """Reads a file while it is being downloaded: a read past what was written so far waits
    for more (or for the end). Lets the parser run during the download with bounded memory."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._cond = threading.Condition()
        self._size, self._done, self._want = 0, False, 0
        self._error: str | None = None

    def grew(self, size: int) -> None:
        self._size = size  # an int store is atomic; wake the reader only when it has enough
        if size >= self._want:
            with self._cond:
                self._cond.notify_all()

    def finish(self, error: str | None = None) -> None:
        """No more data; ``error``: the download failed (the reader raises OSError)."""
        with self._cond:
            self._done, self._error = True, error
            self._cond.notify_all()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        with self._cond:
            at = self._file.tell()
            self._want = at + min(len(buffer), READ_AHEAD)  # big reads only: fewer switches
            while self._error is None and not self._done and self._size < self._want:
                self._cond.wait(0.5)
            if self._error is not None:
                raise OSError(self._error)
            n = min(len(buffer), self._size - self._file.tell())
        return self._file.readinto(memoryview(buffer)[:n]) if n > 0 else 0

    def close(self) -> None:
        self._file.close()
        super().close()


@dataclass(frozen=True)
class DumpFile:
    """A complete dump on disk. ``temp``: a fresh download not yet moved into the cache."""

    path: Path
    url: str  # redacted
    endpoint: str  # "csv" | "json"
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    cached: bool = False  # answered from the cached copy (304 or younger than the max age)
    revalidated: bool = False  # a 304 confirmed the cached copy
    temp: bool = False
    requests: int = 0

    @property
    def validator(self) -> str:
        """What identifies this dump's content for the aggregate cache."""
        if self.etag:
            return f"etag:{self.etag}"
        if self.last_modified:
            return f"last-modified:{self.last_modified}"
        return f"fetched:{self.fetched_at.isoformat()}:{self.path.stat().st_size}"


class DumpStore:
    """The cached dump of one URL: ``<key>.data``, ``<key>.meta.json``, ``<key>.agg.npz``."""

    def __init__(self, cache_dir: Path | None, url: str) -> None:
        self.dir = cache_dir
        key = hashlib.sha256(redact_url(url).encode()).hexdigest()[:24]
        self.data = cache_dir / f"{key}.data" if cache_dir else None
        self.meta_path = cache_dir / f"{key}.meta.json" if cache_dir else None
        self.aggregate = cache_dir / f"{key}.agg.npz" if cache_dir else None

    def read_meta(self) -> dict[str, Any] | None:
        if not self.meta_path or not self.data or not self.data.is_file():
            return None
        try:
            meta = orjson.loads(self.meta_path.read_bytes())
            datetime.fromisoformat(meta["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return meta if isinstance(meta, dict) else None

    def write_meta(self, meta: dict[str, Any]) -> None:
        if not self.meta_path:
            return
        tmp = self.meta_path.with_name(f".{self.meta_path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(orjson.dumps(meta))
        os.replace(tmp, self.meta_path)

    def temp_file(self) -> Path:
        directory = self.dir or Path(tempfile.gettempdir())
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".dump-", suffix=".part", dir=directory)
        os.close(fd)
        return Path(name)

    def commit(self, file: DumpFile) -> DumpFile:
        """Move a parsed temp download into the cache (atomic rename) and record its meta."""
        if not file.temp or not self.data:
            return file
        os.replace(file.path, self.data)
        self.write_meta(
            {
                "url": file.url,
                "endpoint": file.endpoint,
                "fetched_at": file.fetched_at.isoformat(),
                "etag": file.etag,
                "last_modified": file.last_modified,
            }
        )
        return replace(file, path=self.data, temp=False)

    def cached_file(self, meta: dict[str, Any], **changes: Any) -> DumpFile:
        assert self.data is not None
        base = DumpFile(
            path=self.data,
            url=meta["url"],
            endpoint=meta["endpoint"],
            fetched_at=datetime.fromisoformat(meta["fetched_at"]),
            etag=meta.get("etag"),
            last_modified=meta.get("last_modified"),
            cached=True,
        )
        return replace(base, **changes)


async def download(
    client: httpx.AsyncClient,
    settings: Settings,
    clock: Clock,
    store: DumpStore,
    url: str,
    endpoint: str,
    *,
    refresh: bool = False,
    progress: ProgressCallback | None = None,
    on_body: Callable[[GrowingFile], None] | None = None,
) -> DumpFile:
    """The dump at ``url``: from the cache when still valid, else downloaded to a temp file.
    ``on_body`` is called with a reader of the temp file when a body starts (to parse it while
    it downloads); that reader fails if the download does.

    Raises DumpError: ``not-found`` (404), ``not-a-dump`` (an HTML page), ``http`` (other
    statuses, network failures after retries), ``truncated`` (the body ended early)."""
    shown = redact_url(url)
    meta = None if refresh else store.read_meta()
    if meta and meta.get("url") != shown:
        meta = None
    headers: dict[str, str] = {"Accept-Encoding": "gzip"}
    if meta:
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        if len(headers) == 1:
            age = (clock.now() - datetime.fromisoformat(meta["fetched_at"])).total_seconds()
            if age < settings.dump_max_age_hours * 3600:
                return store.cached_file(meta)
    attempts, waited = 0, 0.0
    while True:
        attempts += 1
        try:
            return await _get(
                client, clock, store, url, shown, endpoint, headers, meta, progress, on_body
            )
        except _Retry as exc:
            delay = exc.retry_after
            if delay is None:
                delay = settings.retry_base_delay * 2 ** (attempts - 1)
            if attempts > settings.retries or waited + delay > settings.retry_max_wait:
                raise DumpError(
                    "http", shown, f"{exc.cause} ({attempts} attempts)", status=exc.status
                ) from None
            waited += delay
            await asyncio.sleep(delay)


class _Retry(Exception):
    def __init__(self, cause: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(cause)
        self.cause, self.status, self.retry_after = cause, status, retry_after


async def _get(
    client: httpx.AsyncClient,
    clock: Clock,
    store: DumpStore,
    url: str,
    shown: str,
    endpoint: str,
    headers: dict[str, str],
    meta: dict[str, Any] | None,
    progress: ProgressCallback | None,
    on_body: Callable[[GrowingFile], None] | None,
) -> DumpFile:
    try:
        async with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304 and meta:
                return store.cached_file(meta, revalidated=True, requests=1)
            if status in RETRY_STATUSES:
                after = parse_retry_after(response.headers.get("retry-after"))
                raise _Retry(f"HTTP {status} {response.reason_phrase}", status, after)
            if status == 404:
                raise DumpError("not-found", shown, "HTTP 404: no dump at this URL", status=404)
            if not response.is_success:
                cause = f"HTTP {status} {response.reason_phrase}".rstrip()
                raise DumpError("http", shown, cause, status=status)
            if "html" in response.headers.get("content-type", "").lower():
                raise DumpError("not-a-dump", shown, "an HTML page, not a dump", status=status)
            return await _save_body(response, clock, store, shown, endpoint, progress, on_body)
    except httpx.TimeoutException as exc:
        raise _Retry(f"timed out ({type(exc).__name__})") from None
    except (httpx.ConnectError, httpx.NetworkError) as exc:
        raise _Retry(f"cannot connect: {type(exc).__name__}") from None
    except httpx.HTTPError as exc:
        raise DumpError("http", shown, f"request failed: {type(exc).__name__}") from None


async def _save_body(
    response: httpx.Response,
    clock: Clock,
    store: DumpStore,
    shown: str,
    endpoint: str,
    progress: ProgressCallback | None,
    on_body: Callable[[GrowingFile], None] | None,
) -> DumpFile:
    length = response.headers.get("content-length")
    total = int(length) if length and length.isdigit() else None
    coding = response.headers.get("content-encoding", "identity").strip().lower()
    # gzip is stored as received (smaller cache; parse_dump undoes it in the parser thread);
    # any other coding is decoded by httpx
    decoded = coding not in ("identity", "gzip", "x-gzip")
    path = store.temp_file()
    received, flushed = 0, 0
    reader = GrowingFile(path) if on_body else None
    if reader is not None and on_body is not None:
        on_body(reader)
    try:
        with path.open("wb", buffering=FLUSH_EVERY) as out:
            try:
                async for chunk in response.aiter_bytes() if decoded else response.aiter_raw():
                    out.write(chunk)
                    received += len(chunk)
                    if reader is not None and received - flushed >= FLUSH_EVERY:
                        out.flush()
                        flushed = received
                        reader.grew(received)
                    if progress:
                        progress(ProgressEvent("accounting dump", received, total, "download"))
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError) as exc:
                raise DumpError(
                    "truncated", shown, f"the download ended early ({type(exc).__name__})"
                ) from None
            except httpx.TimeoutException:
                raise DumpError("truncated", shown, "the download stalled (timed out)") from None
        if total is not None and not decoded and received != total:
            raise DumpError("truncated", shown, f"received {received} of {total} bytes")
    except BaseException as exc:
        if reader is not None:
            reader.finish(error=str(exc) or type(exc).__name__)
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    if reader is not None:
        reader.grew(received)
    if reader is not None:
        reader.finish()
    return DumpFile(
        path=path,
        url=shown,
        endpoint=endpoint,
        fetched_at=clock.now(),
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        temp=True,
        requests=1,
    )

"""The shared HTTP layer of the live sources: one httpx.AsyncClient per source, explicit
timeouts, redirects followed, bounded connections, and retries (tenacity) on connect errors,
timeouts, 429 and 5xx with exponential backoff, Retry-After and a cap on the total wait.

Every failure ends as a :class:`SourceError` whose cause is specific ("HTTP 404 Not Found",
"timed out after 2.0 s (3 attempts)", "invalid JSON at line 1 column 5") and whose URL carries
no secret (query parameters that look like credentials and user:password are masked)."""

from __future__ import annotations

import contextlib
import email.utils
import functools
import json
import os
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from okr_tui.settings import Settings
from okr_tui.sources.base import SourceError

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_SECRET_PARAMS = ("key", "token", "secret", "password", "auth", "signature")
AUTH_HINT_OPERATIONS = (
    "the Operations Portal API key is missing or invalid (setting operations_api_key)"
)


@dataclass(frozen=True)
class RetryNotice:
    """Told to ``on_retry`` before each wait: which request, why, and how long we wait."""

    source: str
    url: str
    attempt: int  # the attempt that just failed (1-based)
    wait: float  # seconds before the next attempt
    cause: str


RetryCallback = Callable[[RetryNotice], None]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client: building one loads the CA bundle, which
    takes 30-100 ms of C code holding the GIL (visible as event-loop lag in the TUI)."""
    return httpx.create_ssl_context()


def make_client(
    settings: Settings, *, headers: Mapping[str, str] | None = None
) -> httpx.AsyncClient:
    """An AsyncClient with explicit timeouts, redirects followed, TLS verification per settings
    and a connection pool sized to ``settings.concurrency``."""
    size = max(1, settings.concurrency)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        follow_redirects=True,
        max_redirects=10,
        verify=_tls_context() if settings.verify_tls else False,
        limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        headers=dict(headers or {}),
    )


def redact_url(url: str | httpx.URL) -> str:
    """``url`` without user:password and with credential-like query values masked."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = parts.query
    if any(s in k.lower() for k, _v in pairs for s in _SECRET_PARAMS):
        masked = [
            (k, "***" if any(s in k.lower() for s in _SECRET_PARAMS) else v) for k, v in pairs
        ]
        query = urlencode(masked, safe=",/:*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent
    or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _status_cause(response: httpx.Response, auth_hint: str | None) -> str:
    cause = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if response.status_code in (401, 403) and auth_hint:
        return f"{cause} — {auth_hint}"
    if _is_html(response):
        return f"{cause} (HTML error page)"
    return cause


def _is_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", "").lower():
        return True
    return response.content[:100].lstrip().lower().startswith((b"<!doctype", b"<html"))


def _connect_cause(exc: httpx.HTTPError) -> str:
    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and len(chain) < 10:
        chain.append(node)
        node = node.__cause__ or node.__context__
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    text = " ".join(str(e) for e in chain).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "host name not found"
    if "certificate" in text or "ssl" in text:
        return f"TLS error: {exc}"
    return f"cannot connect: {exc}" if str(exc) else "cannot connect"


class RetryableError(Exception):
    """Raised by one attempt of :func:`with_retries` when another attempt is worth it."""

    def __init__(self, cause: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(cause)
        self.cause, self.status, self.retry_after = cause, status, retry_after


def _plural(n: int) -> str:
    return f"{n} attempt" if n == 1 else f"{n} attempts"


def _transport_failure(
    exc: httpx.HTTPError, settings: Settings, source: str, shown: str
) -> Exception:
    """The exception to raise for an httpx failure: RetryableError when worth another attempt."""
    if isinstance(exc, httpx.ConnectTimeout):
        return RetryableError(f"connection timed out after {float(settings.connect_timeout)} s")
    if isinstance(exc, httpx.TimeoutException):
        return RetryableError(f"timed out after {float(settings.timeout)} s")
    if isinstance(exc, httpx.RemoteProtocolError):
        return RetryableError("the server closed the connection without a reply")
    if isinstance(exc, httpx.ConnectError):
        return RetryableError(_connect_cause(exc))
    if isinstance(exc, httpx.NetworkError):
        return RetryableError(f"network error: {type(exc).__name__}")
    if isinstance(exc, httpx.TooManyRedirects):
        return SourceError(source, shown, "too many redirects")
    return SourceError(source, shown, f"request failed: {type(exc).__name__}")


def _check_status(response: httpx.Response, source: str, shown: str, hint: str | None) -> None:
    """Raise for a non-2xx response (body already read): RetryableError for 429/5xx."""
    if response.status_code in RETRY_STATUSES:
        raise RetryableError(
            _status_cause(response, hint),
            status=response.status_code,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    if not response.is_success:
        cause = _status_cause(response, hint)
        raise SourceError(source, shown, cause, status=response.status_code)


async def with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    source: str,
    url: str,
    settings: Settings,
    on_retry: RetryCallback | None = None,
) -> T:
    """Run ``send`` (one attempt) with the retry policy of the settings: exponential backoff
    from ``retry_base_delay`` or the server's Retry-After, at most ``retries`` retries, and
    never more than ``retry_max_wait`` seconds of waiting in total. ``send`` signals a
    retryable failure by raising :class:`RetryableError`. Raises SourceError."""
    shown = redact_url(url)
    max_wait = max(0.0, settings.retry_max_wait)
    attempts = 0

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            return exc.retry_after
        return float(settings.retry_base_delay * 2 ** (state.attempt_number - 1))

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number > settings.retries:
            return True
        return state.idle_for + (state.upcoming_sleep or 0.0) > max_wait

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None:
            cause = exc.cause if isinstance(exc, RetryableError) else str(exc)
            on_retry(RetryNotice(source, shown, state.attempt_number, state.upcoming_sleep, cause))

    async def counted() -> T:
        nonlocal attempts
        attempts += 1
        return await send()

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(RetryableError),
        wait=wait,
        stop=stop,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return await retrying(counted)
    except RetryableError as exc:
        cause = exc.cause
        if exc.retry_after is not None and exc.retry_after > max_wait:
            cause += (
                f"; Retry-After {exc.retry_after:g} s is beyond the retry cap of {max_wait:g} s"
            )
        if cause.endswith(")"):
            cause = f"{cause[:-1]}; {_plural(attempts)})"
        else:
            cause = f"{cause} ({_plural(attempts)})"
        raise SourceError(source, shown, cause, status=exc.status) from None


async def get_response(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
    on_retry: RetryCallback | None = None,
    auth_hint: str | None = None,
) -> httpx.Response:
    """GET ``url`` with retries; returns the successful (2xx) response with its body read.
    Raises SourceError naming ``source``, the redacted URL and the cause."""
    shown = redact_url(url)

    async def attempt() -> httpx.Response:
        try:
            response = await client.get(url, headers=dict(headers or {}))
        except httpx.HTTPError as exc:
            raise _transport_failure(exc, settings, source, shown) from exc
        _check_status(response, source, shown, auth_hint)
        return response

    return await with_retries(attempt, source=source, url=url, settings=settings, on_retry=on_retry)


async def stream_to_file(
    client: httpx.AsyncClient,
    url: str,
    dest: Path,
    *,
    source: str,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
    on_retry: RetryCallback | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> httpx.Headers:
    """GET ``url`` streaming the body into ``dest`` (temp file + rename, never held in memory)
    with the same retries as :func:`get_response`; returns the response headers (ETag,
    Last-Modified). ``on_bytes(total_so_far)`` reports progress. Raises SourceError."""
    shown = redact_url(url)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)

    async def attempt() -> httpx.Headers:
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                async with client.stream("GET", url, headers=dict(headers or {})) as response:
                    if not response.is_success:
                        await response.aread()
                        _check_status(response, source, shown, None)
                    total = 0
                    async for chunk in response.aiter_bytes(1 << 20):
                        out.write(chunk)
                        total += len(chunk)
                        if on_bytes is not None:
                            on_bytes(total)
            os.replace(tmp, dest)
            return response.headers
        except httpx.HTTPError as exc:
            raise _transport_failure(exc, settings, source, shown) from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    return await with_retries(attempt, source=source, url=url, settings=settings, on_retry=on_retry)


def decode_json(response: httpx.Response, *, source: str, url: str) -> Any:
    """The JSON body of ``response``, or SourceError "invalid JSON at line L column C"."""
    shown = redact_url(url)
    body = response.content
    if not body.strip():
        raise SourceError(source, shown, "empty response body (expected JSON)", status=200)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if _is_html(response):
            raise SourceError(source, shown, "expected JSON, got an HTML page") from None
        try:
            json.loads(body)
        except json.JSONDecodeError as std:
            cause = f"invalid JSON at line {std.lineno} column {std.colno}"
        except UnicodeDecodeError:
            cause = "invalid JSON (not UTF-8 text)"
        else:  # orjson is stricter than json (e.g. NaN): report its own message
            cause = f"invalid JSON ({exc})"
        raise SourceError(source, shown, cause) from None


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
    on_retry: RetryCallback | None = None,
    auth_hint: str | None = None,
) -> Any:
    """GET ``url`` with retries and decode its JSON body (orjson). Raises SourceError."""
    response = await get_response(
        client,
        url,
        source=source,
        settings=settings,
        headers=headers,
        on_retry=on_retry,
        auth_hint=auth_hint,
    )
    return decode_json(response, source=source, url=url)


async def get_bytes(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
    on_retry: RetryCallback | None = None,
) -> tuple[bytes, httpx.Headers]:
    """GET ``url`` with retries; the raw body and the response headers (ETag etc.)."""
    response = await get_response(
        client, url, source=source, settings=settings, headers=headers, on_retry=on_retry
    )
    return response.content, response.headers

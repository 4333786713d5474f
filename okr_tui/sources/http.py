"""The shared HTTP layer of the live sources: one httpx.AsyncClient per source, explicit
timeouts, redirects followed, bounded connections, and retries (tenacity) on connect errors,
timeouts, 429 and 5xx with exponential backoff, Retry-After and a cap on the total wait.

Every failure ends as a :class:`SourceError` whose cause is specific ("HTTP 404 Not Found",
"timed out after 2.0 s (3 attempts)", "invalid JSON at line 1 column 5") and whose URL carries
no secret (query parameters that look like credentials and user:password are masked)."""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from okr_tui.settings import Settings
from okr_tui.sources.base import SourceError

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
        verify=settings.verify_tls,
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


class _Retryable(Exception):
    """A failed attempt worth retrying."""

    def __init__(self, cause: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(cause)
        self.cause, self.status, self.retry_after = cause, status, retry_after


def _plural(n: int) -> str:
    return f"{n} attempt" if n == 1 else f"{n} attempts"


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
    max_wait = max(0.0, settings.retry_max_wait)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        delay = settings.retry_base_delay * 2 ** (state.attempt_number - 1)
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            delay = exc.retry_after
        return delay

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number > settings.retries:
            return True
        return state.idle_for + (state.upcoming_sleep or 0.0) > max_wait

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None:
            cause = exc.cause if isinstance(exc, _Retryable) else str(exc)
            on_retry(RetryNotice(source, shown, state.attempt_number, state.upcoming_sleep, cause))

    attempts = 0

    async def attempt() -> httpx.Response:
        nonlocal attempts
        attempts += 1
        try:
            response = await client.get(url, headers=dict(headers or {}))
        except httpx.ConnectTimeout as exc:
            raise _Retryable(
                f"connection timed out after {float(settings.connect_timeout)} s"
            ) from exc
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out after {float(settings.timeout)} s") from exc
        except httpx.RemoteProtocolError as exc:
            raise _Retryable("the server closed the connection without a reply") from exc
        except httpx.ConnectError as exc:
            raise _Retryable(_connect_cause(exc)) from exc
        except httpx.NetworkError as exc:
            raise _Retryable(f"network error: {type(exc).__name__}") from exc
        except httpx.TooManyRedirects as exc:
            raise SourceError(source, shown, "too many redirects") from exc
        except httpx.HTTPError as exc:
            raise SourceError(source, shown, f"request failed: {type(exc).__name__}") from exc
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(
                _status_cause(response, auth_hint),
                status=response.status_code,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        if not response.is_success:
            cause = _status_cause(response, auth_hint)
            raise SourceError(source, shown, cause, status=response.status_code)
        return response

    retrying = AsyncRetrying(
        retry=retry_if_exception_type(_Retryable),
        wait=wait,
        stop=stop,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return await retrying(attempt)
    except _Retryable as exc:
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

"""gspread's HTTP client with the Google API hosts rewritten (``sheets_api_url``) and bounded
retries of 429/5xx (exponential backoff, ``Retry-After`` honoured, capped total wait).

gspread's own ``BackOffHTTPClient`` retries forever with multi-minute sleeps; this one gives up
once ``retries`` attempts or ``retry_max_wait`` seconds of waiting are used."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import requests
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType

log = logging.getLogger(__name__)

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})

WaitCallback = Callable[[str], None]


class RetriesExhausted(Exception):
    """A retryable failure persisted past the retry budget; ``cause`` is the last error."""

    def __init__(self, message: str, cause: Exception) -> None:
        super().__init__(message)
        self.cause = cause


def rewrite_url(url: str, base: str | None) -> str:
    """Replace the Google API host of ``url`` by ``base`` (no-op when ``base`` is unset)."""
    if not base:
        return url
    for host in GOOGLE_HOSTS:
        if url.startswith(host):
            return base.rstrip("/") + url[len(host) :]
    return url


def _retry_after(response: requests.Response | None) -> float | None:
    if response is None:
        return None
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


class RetryingHTTPClient(HTTPClient):
    """An :class:`gspread.http_client.HTTPClient` that rewrites hosts and retries a bounded
    number of times. Configure with :meth:`configure` after gspread created it."""

    base_url: str | None = None
    retries: int = 4
    base_delay: float = 0.5
    max_wait: float = 60.0
    on_wait: WaitCallback | None = None
    sleep: Callable[[float], None] = staticmethod(time.sleep)
    requests_sent: int = 0  # Sheets API requests, retries included (token requests excluded)

    def configure(
        self,
        *,
        base_url: str | None,
        retries: int,
        base_delay: float,
        max_wait: float,
        timeout: tuple[float, float],
        verify_tls: bool,
    ) -> None:
        self.base_url = base_url
        self.retries = max(0, retries)
        self.base_delay = max(0.0, base_delay)
        self.max_wait = max(0.0, max_wait)
        self.set_timeout(timeout)
        self.session.verify = verify_tls
        self.requests_sent = 0

    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        url = rewrite_url(endpoint, self.base_url)
        idempotent = method.lower() == "get"
        waited = 0.0
        attempt = 0
        while True:
            try:
                self.requests_sent += 1
                return super().request(
                    method, url, params=params, data=data, json=json, files=files, headers=headers
                )
            except APIError as err:
                status = err.response.status_code
                if status not in RETRY_STATUS:
                    raise
                failure: Exception = err
                what = f"HTTP {status}"
                hinted = _retry_after(err.response)
            except (requests.ConnectionError, requests.Timeout) as err:
                # A write that timed out may have been applied: never resend it.
                if not idempotent:
                    raise
                failure = err
                what = type(err).__name__
                hinted = None
            attempt += 1
            delay = self.base_delay * (2 ** (attempt - 1))
            if hinted is not None:
                delay = max(delay, hinted)
            if attempt > self.retries or waited + delay > self.max_wait:
                raise RetriesExhausted(
                    f"{what} from the Google Sheets API; gave up after {attempt} attempt(s) "
                    f"and {waited:.1f} s of waiting",
                    failure,
                ) from None
            message = f"Google Sheets API: {what}, retrying in {delay:.1f} s (attempt {attempt})"
            log.warning(message)
            if self.on_wait is not None:
                self.on_wait(message)
            self.sleep(delay)
            waited += delay

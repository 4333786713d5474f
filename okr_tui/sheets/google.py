"""Google Sheets backend on gspread 6: one ``spreadsheets.get`` per read, one
``spreadsheets.batchUpdate`` per apply/restore, bounded retries, errors that say what to do.

Blocking: callers run it in a worker thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import gspread
import requests
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_DRIVE_URL
from gspread.utils import extract_id_from_url

from okr_tui.core.clock import Clock
from okr_tui.core.grid import Grid, WorksheetPlan
from okr_tui.paths import AppPaths
from okr_tui.settings import Settings
from okr_tui.sheets.auth import CredentialsError, LoadedCredentials, load_credentials
from okr_tui.sheets.base import SheetError, SheetNotFound, SheetNotShared, SheetTarget
from okr_tui.sheets.google_http import RetriesExhausted, RetryingHTTPClient, WaitCallback
from okr_tui.sheets.google_read import METADATA_FIELDS, grids_from_response, read_params
from okr_tui.sheets.google_write import new_sheet_id, plan_requests, restore_requests

log = logging.getLogger(__name__)


def spreadsheet_key(value: str) -> str:
    """The spreadsheet key from a key or a browser URL."""
    value = value.strip()
    if "/" in value:
        try:
            return extract_id_from_url(value)
        except gspread.exceptions.NoValidUrlKeyFound:
            raise SheetError(
                f"No spreadsheet key found in the URL {value}; copy the URL of the spreadsheet "
                "from the browser (…/spreadsheets/d/<key>/edit) into `spreadsheet`."
            ) from None
    return value


class GoogleSheetsBackend:
    """:class:`~okr_tui.sheets.base.SheetBackend` for a Google spreadsheet.

    Credentials are loaded and the spreadsheet opened on first use (one metadata request);
    ``warnings`` then holds credential warnings (e.g. a world-readable key file). Set
    ``on_wait`` to be told about retry waits ("retrying in 2.0 s")."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        paths: AppPaths | None = None,
        on_wait: WaitCallback | None = None,
    ) -> None:
        if not settings.spreadsheet:
            raise SheetError(
                "No spreadsheet configured: set `spreadsheet` (key or URL) in the settings or "
                "OKR_TUI_SPREADSHEET."
            )
        self.settings = settings
        self.clock = clock or Clock()
        self.paths = paths
        self.on_wait = on_wait
        self.key = spreadsheet_key(settings.spreadsheet)
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._http: RetryingHTTPClient | None = None
        self._creds: LoadedCredentials | None = None
        self._title: str | None = None
        self._url: str | None = None
        self._sheets: dict[str, int] | None = None  # title -> sheetId

    # --- connection ------------------------------------------------------------------------
    @property
    def identity(self) -> str:
        self._connect()
        assert self._creds is not None
        return self._creds.identity

    @property
    def requests_sent(self) -> int:
        """Sheets API requests sent by this backend (token requests excluded)."""
        return self._http.requests_sent if self._http is not None else 0

    def _connect(self) -> RetryingHTTPClient:
        with self._lock:
            if self._http is None:
                creds = load_credentials(self.settings, self.paths)
                client = gspread.Client(auth=creds.credentials, http_client=RetryingHTTPClient)
                http = client.http_client
                assert isinstance(http, RetryingHTTPClient)
                s = self.settings
                http.configure(
                    base_url=s.sheets_api_url,
                    retries=s.retries,
                    base_delay=s.retry_base_delay,
                    max_wait=s.retry_max_wait,
                    timeout=(s.connect_timeout, s.timeout),
                    verify_tls=s.verify_tls,
                )
                http.on_wait = self._waited
                self._creds = creds
                self.warnings.extend(w for w in creds.warnings if w not in self.warnings)
                if not s.verify_tls:
                    self.warnings.append("TLS verification is off (verify_tls = false).")
                self._http = http
            return self._http

    def _waited(self, message: str) -> None:
        if self.on_wait is not None:
            self.on_wait(message)

    def _call(self, what: str, fn: Callable[[RetryingHTTPClient], Any]) -> Any:
        """Run one API call, translating failures into :class:`SheetError` with a next step."""
        http = self._connect()
        try:
            return fn(http)
        except RetriesExhausted as exc:
            cause = exc.cause
            if isinstance(cause, APIError):
                raise self._api_error(what, cause, str(exc)) from None
            raise SheetError(f"{what} failed: {exc}. Try again later.") from None
        except APIError as exc:
            raise self._api_error(what, exc, None) from None
        except RefreshError as exc:
            raise CredentialsError(
                f"Google refused the credentials of {self._creds_identity()} "
                f"({_refresh_reason(exc)}). Check that the key is still valid (not deleted or "
                "disabled) and the clock is right; create a new key if needed."
            ) from None
        except (requests.ConnectionError, requests.Timeout, TransportError) as exc:
            raise SheetError(
                f"{what} failed: cannot reach the Google Sheets API ({type(exc).__name__}). "
                "Check the network or proxy, then retry; a push whose request timed out may "
                "have been applied: run diff again before retrying."
            ) from None
        except GoogleAuthError as exc:
            raise CredentialsError(
                f"{what} failed: Google credentials error ({type(exc).__name__})."
            ) from None

    def _creds_identity(self) -> str:
        return self._creds.identity if self._creds else "the configured account"

    def _api_error(self, what: str, exc: APIError, retried: str | None) -> SheetError:
        status = exc.response.status_code
        api_message = str(exc.error.get("message", "")) if isinstance(exc.error, dict) else ""
        if status == 403:
            who = self._creds_identity()
            if self._creds is not None and self._creds.kind == "service_account":
                return SheetNotShared(
                    f"The spreadsheet {self.key} is not shared with the service account {who}. "
                    f"Open it in Google Sheets → Share, add {who} as Editor, then retry."
                )
            return SheetNotShared(
                f"The spreadsheet {self.key} is not shared with the Google account you signed in "
                "with (or the API is disabled); ask its owner for Editor access, then retry."
            )
        if status == 404:
            return SheetNotFound(
                f"Spreadsheet {self.key} not found: check `spreadsheet` (key or URL) in the "
                "settings or OKR_TUI_SPREADSHEET."
            )
        if status == 401:
            return CredentialsError(
                f"Google rejected the credentials of {self._creds_identity()} (HTTP 401); check "
                "the credentials file or sign in again."
            )
        detail = retried or f"HTTP {status}"
        extra = f": {api_message}" if api_message else ""
        return SheetError(f"{what} failed ({detail}){extra}. Nothing was written by this step.")

    # --- SheetBackend ----------------------------------------------------------------------
    def _metadata(self, refresh: bool = False) -> dict[str, int]:
        with self._lock:
            if self._sheets is None or refresh:
                body = self._call(
                    f"Opening spreadsheet {self.key}",
                    lambda h: h.fetch_sheet_metadata(self.key, params={"fields": METADATA_FIELDS}),
                )
                self._title = body.get("properties", {}).get("title", self.key)
                self._url = body.get("spreadsheetUrl") or SPREADSHEET_DRIVE_URL % self.key
                self._sheets = {
                    s["properties"]["title"]: s["properties"].get("sheetId", 0)
                    for s in body.get("sheets", [])
                }
            return self._sheets

    def target(self) -> SheetTarget:
        """Spreadsheet title, URL and the identity writing to it (one request, once)."""
        self._metadata()
        return SheetTarget(
            kind="google",
            name=self._title or self.key,
            location=self._url or SPREADSHEET_DRIVE_URL % self.key,
            identity=self._creds_identity(),
        )

    def worksheet_titles(self) -> list[str]:
        """Titles of every worksheet (from the cached metadata)."""
        return list(self._metadata())

    def read(self, worksheets: list[str]) -> dict[str, Grid | None]:
        """Values, formulas and notes of ``worksheets`` in one ``spreadsheets.get``."""
        try:
            body = self._read_once(worksheets, refresh=False)
        except _StaleMetadata:  # a worksheet was renamed or deleted since we opened
            body = self._read_once(worksheets, refresh=True)
        grids = grids_from_response(body, worksheets)
        with self._lock:
            for title, grid in grids.items():
                if grid is not None and self._sheets is not None:
                    self._sheets[title] = grid.sheet_id or 0
        return grids

    def _read_once(self, worksheets: list[str], refresh: bool) -> dict[str, Any]:
        known = self._metadata(refresh=refresh)
        present = [w for w in worksheets if w in known]
        if not present:
            return {}

        def get(h: RetryingHTTPClient) -> Any:
            try:
                return h.spreadsheets_get(self.key, params=read_params(present))
            except APIError as exc:
                if exc.response.status_code == 400 and not refresh:
                    raise _StaleMetadata from None
                raise

        return self._call("Reading " + ", ".join(present), get)

    def _batch(self, what: str, requests_: list[dict[str, Any]]) -> None:
        if not requests_:
            return
        body = {"requests": requests_, "includeSpreadsheetInResponse": False}
        self._call(what, lambda h: h.batch_update(self.key, body))

    def apply(self, plans: list[WorksheetPlan]) -> None:
        """Apply every non-empty plan in one ``spreadsheets.batchUpdate`` (all or nothing)."""
        known = self._metadata()
        taken = set(known.values())
        reqs: list[dict[str, Any]] = []
        created: dict[str, int] = {}
        for plan in plans:
            if plan.empty:
                continue
            if plan.create:
                sid = known.get(plan.worksheet)
                if sid is not None:
                    raise SheetError(
                        f'The worksheet "{plan.worksheet}" was created meanwhile; run diff again.'
                    )
                sid = new_sheet_id(plan.worksheet, taken)
                taken.add(sid)
                created[plan.worksheet] = sid
            else:
                sid = plan.base.sheet_id
                if sid is None:
                    sid = known.get(plan.worksheet, 0)
            reqs.extend(plan_requests(plan, sid))
        self._batch("Writing " + ", ".join(p.worksheet for p in plans if not p.empty), reqs)
        with self._lock:
            if self._sheets is not None:
                self._sheets.update(created)

    def restore(self, grids: dict[str, Grid], current: dict[str, Grid | None]) -> None:
        """Write ``grids`` back exactly in one batchUpdate (deleting rows/columns the push
        inserted; deleting a worksheet the push created, given an empty backup grid)."""
        known = self._metadata()
        taken = set(known.values())
        reqs: list[dict[str, Any]] = []
        for title, backup in grids.items():
            reqs.extend(restore_requests(backup, current.get(title), taken))
        self._batch("Restoring " + ", ".join(grids), reqs)
        self._metadata(refresh=any("deleteSheet" in r or "addSheet" in r for r in reqs))


class _StaleMetadata(Exception):
    """A read range named a worksheet that no longer exists: refresh the metadata."""


def _refresh_reason(exc: RefreshError) -> str:
    """The OAuth error code of a refresh failure (never the response body)."""
    args = exc.args
    if len(args) > 1 and isinstance(args[1], dict):
        return str(args[1].get("error", "refresh failed"))
    text = str(args[0]) if args else ""
    return text.split(":", 1)[0][:80] or "refresh failed"

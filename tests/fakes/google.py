"""A fake Google Sheets API v4 + OAuth token endpoint on 127.0.0.1 (real HTTP, stdlib server in
a thread) for integration tests of the Google backend through real gspread and google-auth.

    with FakeGoogle() as fake:
        book = fake.add_spreadsheet("OKR_Reports")
        book.add_sheet("Accounting Cloud CPU/h", [["Period", "Total CPU/h"], ...])
        write_service_account(path, fake.token_uri)   # settings.sheets_api_url = fake.url

Faults: ``fake.add_fault(Fault(429, times=2))``; ``fake.latency`` seconds per request;
``fake.requests`` logs every request, ``fake.sheets_requests`` those to the Sheets API.
The private key is never logged (token requests are logged without their assertion)."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.google_model import ApiError, FakeSpreadsheet, apply_mask, parse_mask

SA_EMAIL = "okr-bot@okr-tests.iam.gserviceaccount.com"


@lru_cache(maxsize=1)
def session_key_pem() -> str:
    """One RSA private key per test process (PEM); never print it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def write_service_account(path: Path, token_uri: str, email: str = SA_EMAIL) -> Path:
    """Write a service-account key file (mode 0600) whose token_uri points at the fake."""
    info = {
        "type": "service_account",
        "project_id": "okr-tests",
        "private_key_id": "0123456789abcdef",
        "private_key": session_key_pem(),
        "client_email": email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(info, fh)
    os.chmod(path, 0o600)
    return path


@dataclass
class Fault:
    """Answer ``status`` to matching requests ``times`` times (None: forever)."""

    status: int
    times: int | None = 1
    method: str | None = None  # "GET" / "POST"
    path_contains: str = ""
    retry_after: float | None = None


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0

    @property
    def is_token(self) -> bool:
        return self.path.endswith("/token")


@dataclass
class FakeGoogle:
    latency: float = 0.0
    spreadsheets: dict[str, FakeSpreadsheet] = field(default_factory=dict)
    requests: list[LoggedRequest] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # OAuth refresh -> identity
    # called after each successful batchUpdate (e.g. to simulate a sheet that differs on read)
    after_batch: Callable[[FakeSpreadsheet], None] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._tokens: dict[str, str] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._public = serialization.load_pem_private_key(
            session_key_pem().encode(), password=None
        ).public_key()

    # lifecycle
    def start(self) -> FakeGoogle:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeGoogle not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    # setup helpers
    def add_spreadsheet(
        self,
        title: str = "OKR_Reports",
        key: str = "fakeKey123",
        shared_with: set[str] | None = None,
    ) -> FakeSpreadsheet:
        book = FakeSpreadsheet(key, title, shared_with=shared_with)
        self.spreadsheets[key] = book
        return book

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    @property
    def sheets_requests(self) -> list[LoggedRequest]:
        return [r for r in self.requests if not r.is_token]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # request handling (called from handler threads)
    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.method not in (None, method) or f.path_contains not in path:
                    continue
                if f.times is not None:
                    if f.times <= 0:
                        continue
                    f.times -= 1
                return f
        return None

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        grant = (form.get("grant_type") or [""])[0]
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            identity = self._verify_jwt((form.get("assertion") or [""])[0])
            if identity is None:
                return 400, {"error": "invalid_grant", "error_description": "Invalid JWT"}
        elif grant == "refresh_token":
            identity = self.refresh_tokens.get((form.get("refresh_token") or [""])[0])
            if identity is None:
                return 400, {"error": "invalid_grant", "error_description": "Bad refresh token"}
        else:
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            token = f"fake-access-{len(self._tokens) + 1}"
            self._tokens[token] = identity
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _verify_jwt(self, assertion: str) -> str | None:
        try:
            head, payload, sig = assertion.split(".")
            raw_sig = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
            self._public.verify(  # type: ignore[union-attr]
                raw_sig, f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, InvalidSignature):
            return None
        if claims.get("exp", 0) < time.time():
            return None
        return str(claims.get("iss"))

    def identity_for(self, auth_header: str | None) -> str | None:
        if not auth_header or not auth_header.startswith("Bearer "):
            return None
        with self._lock:
            return self._tokens.get(auth_header[7:])

    def handle_api(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, who: str
    ) -> tuple[int, dict[str, Any]]:
        m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(:batchUpdate)?", path)
        if not m:
            return 404, _error(404, f"Unknown path {path}", "NOT_FOUND")
        with self._lock:
            book = self.spreadsheets.get(m.group(1))
            if book is None:
                return 404, _error(404, "Requested entity was not found.", "NOT_FOUND")
            if book.shared_with is not None and who not in book.shared_with:
                return 403, _error(403, "The caller does not have permission", "PERMISSION_DENIED")
            try:
                if m.group(2) and method == "POST":
                    replies = book.batch_update((body or {}).get("requests", []))
                    if self.after_batch is not None:
                        self.after_batch(book)
                    return 200, {"spreadsheetId": book.key, "replies": replies}
                if method == "GET" and not m.group(2):
                    return 200, self._get(book, query)
            except ApiError as exc:
                return exc.status, _error(exc.status, exc.message, exc.reason)
        return 405, _error(405, "Method not allowed", "INVALID_ARGUMENT")

    def _get(self, book: FakeSpreadsheet, query: dict[str, list[str]]) -> dict[str, Any]:
        with_data = (query.get("includeGridData") or ["false"])[0] == "true"
        ranges = query.get("ranges") or []
        wanted: list[int] = []
        for rng in ranges:
            title = rng.split("!")[0]
            if title.startswith("'") and title.endswith("'"):
                title = title[1:-1].replace("''", "'")
            idx = next((i for i, s in enumerate(book.sheets) if s.title == title), None)
            if idx is None:
                raise ApiError(400, f"Unable to parse range: {rng}")
            if idx not in wanted:
                wanted.append(idx)
        indices = wanted if ranges else list(range(len(book.sheets)))
        out = {
            "spreadsheetId": book.key,
            "properties": {"title": book.title, "locale": "en_GB"},
            "sheets": [book.sheets[i].to_json(i, with_data) for i in indices],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.key}/edit",
        }
        fields = (query.get("fields") or [None])[0]
        return apply_mask(out, parse_mask(fields)) if fields else out


def _error(code: int, message: str, status: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeGoogle
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # one write per response (no Nagle / delayed-ACK stalls)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        return

    def _send(self, status: int, payload: dict[str, Any], fault: Fault | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        if fault is not None and fault.retry_after is not None:
            self.send_header("Retry-After", str(fault.retry_after))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _handle(self, method: str) -> None:
        owner = self.owner
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        entry = LoggedRequest(method, path, query, None)
        if path.endswith("/token"):
            form = parse_qs(raw.decode())
            entry.body = {"grant_type": (form.get("grant_type") or [""])[0]}
        else:
            try:
                entry.body = json.loads(raw) if raw else None
            except ValueError:
                entry.body = None
        with owner._lock:
            owner.requests.append(entry)
        if owner.latency:
            time.sleep(owner.latency)
        if path.endswith("/token"):
            entry.status, payload = owner._token(parse_qs(raw.decode()))
            self._send(entry.status, payload)
            return
        fault = owner._take_fault(method, path)
        if fault is not None:
            entry.status = fault.status
            self._send(fault.status, _error(fault.status, "Injected fault", "UNAVAILABLE"), fault)
            return
        who = owner.identity_for(self.headers.get("Authorization"))
        if who is None:
            entry.status = 401
            self._send(401, _error(401, "Request had invalid authentication", "UNAUTHENTICATED"))
            return
        entry.status, payload = owner.handle_api(method, path, query, entry.body, who)
        self._send(entry.status, payload)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

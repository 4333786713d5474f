"""A fake 2026 Accounting Portal serving the dump at ``/csv`` and ``/json`` (real HTTP on
127.0.0.1, port 0, background thread): with or without ETag / Last-Modified (answering 304 to
matching conditional requests), gzip, slow (delay per chunk), truncated (the connection closes
before Content-Length bytes), a status (404, 500...) or an HTML page instead of the dump.

    with FakeDump() as fake:
        fake.serve("csv", csv_bytes, etag='"v1"')
        fake.serve("json", None)                       # 404
        url = fake.url                                 # settings.accounting_url
        assert fake.count("/csv") == 1
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>EGI Accounting Portal</title></head>"
    b"<body><h1>Welcome</h1></body></html>"
)
LAST_MODIFIED = "Wed, 01 Jul 2026 00:00:00 GMT"


@dataclass
class Route:
    """What ``/csv`` or ``/json`` answers."""

    body: bytes | None  # None -> 404
    content_type: str = "text/csv"
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    gzip: bool = False  # Content-Encoding: gzip
    chunk_delay: float = 0.0  # seconds between 64 KiB chunks (slow server)
    truncate_at: int | None = None  # close after this many body bytes (Content-Length is full)
    times: int | None = None  # answer like this only N times, then 404
    fail_first: int = 0  # answer the first N requests with 503 (then normally)


@dataclass
class Hit:
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0


class FakeDump:
    """The fake portal; a context manager that always shuts its server down."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.extra: dict[str, tuple[int, bytes, str]] = {}  # other paths (e.g. legacy API)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def serve(self, endpoint: str, body: bytes | None, **kw: Any) -> Route:
        """Set the answer of ``/<endpoint>`` (``body`` None = 404)."""
        if "content_type" not in kw:
            kw["content_type"] = "text/csv" if endpoint == "csv" else "application/json"
        route = Route(body, **kw)
        self.routes[endpoint] = route
        return route

    def serve_path(self, path: str, body: bytes, status: int = 200) -> None:
        """Answer another path (prefix match), e.g. the legacy path API."""
        self.extra[path] = (status, body, "application/json")

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for h in self.hits if h.path.startswith(path))

    def __enter__(self) -> FakeDump:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-body (a test of truncation) is not an error here."""


class _Handler(BaseHTTPRequestHandler):
    owner: FakeDump
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _reply(self, hit: Hit, status: int, body: bytes, headers: dict[str, str]) -> None:
        hit.status = status
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        fake = self.owner
        path = self.path.split("?", 1)[0].rstrip("/")
        hit = Hit(path, {k.lower(): v for k, v in self.headers.items()})
        with fake._lock:
            fake.hits.append(hit)
        endpoint = path.rsplit("/", 1)[-1]
        route = fake.routes.get(endpoint)
        if route is not None and route.times is not None:
            if route.times <= 0:
                route = None
            else:
                route.times -= 1
        if route is None or route.body is None:
            for prefix, (status, body, ctype) in fake.extra.items():
                if path.startswith(prefix):
                    return self._reply(hit, status, body, {"Content-Type": ctype})
            return self._reply(hit, 404, b'{"error": "not found"}', {})
        if route.fail_first > 0:
            route.fail_first -= 1
            return self._reply(hit, 503, b"busy", {"Retry-After": "0"})
        headers = {"Content-Type": route.content_type}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        match_etag = route.etag and hit.headers.get("if-none-match") == route.etag
        match_date = route.last_modified and (
            hit.headers.get("if-modified-since") == route.last_modified
        )
        if match_etag or (match_date and not route.etag):
            return self._reply(hit, 304, b"", headers)
        body = route.body
        if route.gzip:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        if route.status != 200:
            return self._reply(hit, route.status, body, headers)
        self._stream(hit, body, headers, route)
        return None

    def _stream(self, hit: Hit, body: bytes, headers: dict[str, str], route: Route) -> None:
        hit.status = 200
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        limit = len(body) if route.truncate_at is None else route.truncate_at
        step = 64 << 10
        try:
            for start in range(0, limit, step):
                self.wfile.write(body[start : min(start + step, limit)])
                if route.chunk_delay:
                    self.wfile.flush()
                    time.sleep(route.chunk_delay)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        if route.truncate_at is not None:
            self.close_connection = True

"""Fake Accounting (legacy path API) and Operations Portal servers: real HTTP on 127.0.0.1,
port 0, each in a background thread, serving the demo dataset (or injected data), with
injectable latency, faults per path prefix, a switch that refuses the bulk vo-users form, and a
request log.

    with FakePortals(api_key=KEY) as fake:
        settings = replace(settings, accounting_url=fake.accounting_url,
                           operations_url=fake.operations_url)
        fake.set_fault("/api/vo-list", Fault.html(502))
        fake.latency = 0.05
        ...
        assert fake.count("/api/egi-reports/vo-users") == 1
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from okr_tui.demo import DEMO_DATA
from okr_tui.demo.generate import legacy_rows

API_KEY = "test-SECRET-key-7f3a9c"
SITES = {"SITE": ("CESNET-MCC", "IFCA-LCG2", "IN2P3-IRES"), "REGION": ("NGI_CZ", "NGI_FRANCE")}
HTML_502 = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
)


@dataclass
class Fault:
    """What to do instead of the normal answer for requests whose path starts with a prefix.

    ``status``/``body``/``json`` replace the answer (``json`` wins over ``body``); ``delay``
    sleeps first (e.g. beyond the client timeout); ``close`` drops the connection without a
    reply; ``redirects`` answers with a chain of 302s before the normal answer; ``retry_after``
    sets that header; ``times`` limits the fault to the first N matching requests."""

    status: int = 200
    body: str | bytes | None = None
    json: Any = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: str | None = None
    delay: float = 0.0
    close: bool = False
    redirects: int = 0
    times: int | None = None

    @classmethod
    def html(cls, status: int = 502, **kw: Any) -> Fault:
        """An HTML error page (as a proxy in front of the portal would send)."""
        return cls(status=status, body=HTML_502, content_type="text/html", **kw)

    @classmethod
    def invalid_json(cls, **kw: Any) -> Fault:
        """HTTP 200 with a body that is not JSON: invalid at line 1 column 10."""
        return cls(status=200, body='{"data": [', **kw)


@dataclass(frozen=True)
class Request:
    """One request seen by a fake (never the key itself: only whether it matched)."""

    server: str  # "accounting" | "operations"
    path: str  # path + query as received
    key_ok: bool | None  # operations: X-API-Key present and right
    status: int
    at: float


def synthetic_operations(n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """``n`` VOs ``vo001.example.eu``...: members = i, membersTotal = 10*i, and users in month
    ``YYYY-MM`` = i + (months since 2020-01); every 10th VO (i % 10 == 0) has no ``users``."""
    vos, groups = [], []
    months = [f"{y}-{m:02d}" for y in range(2020, 2027) for m in range(1, 13)][:83]
    for i in range(1, n + 1):
        name = f"vo{i:03d}.example.eu"
        vos.append(
            {"serial": str(i), "status": "Production", "name": name, "scope": "Global",
             "homeUrl": "NA", "members": str(i), "membersTotal": str(10 * i), "Vo": []}
        )  # fmt: skip
        group: dict[str, Any] = {"name": name}
        if i % 10:
            group["users"] = [
                {"month": m, "total": str(i + k), "nbadded": "1", "nbremoved": "0"}
                for k, m in enumerate(months)
            ][::-1]
        groups.append(group)
    return {"data": vos}, {"vo": groups}


class FakePortals:
    """Both fakes; a context manager that always shuts the servers down."""

    def __init__(
        self,
        data_dir: Path = DEMO_DATA,
        *,
        api_key: str = API_KEY,
        latency: float = 0.0,
        refuse_bulk: bool | str = False,
        synthetic_vos: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.api_key = api_key
        self.latency = latency
        # False | True/"single" (answer the single-VO shape) | "400" (answer HTTP 400)
        self.refuse_bulk = refuse_bulk
        self.requests: list[Request] = []
        self.faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self._servers: list[tuple[_QuietServer, threading.Thread]] = []
        ops = self.data_dir / "operations"
        if synthetic_vos is not None:
            self.vo_list, users_doc = synthetic_operations(synthetic_vos)
        else:
            self.vo_list = json.loads((ops / "vo-list.json").read_text(encoding="utf-8"))
            users_doc = json.loads((ops / "vo-users.json").read_text(encoding="utf-8"))
        self.vo_users: dict[str, list[dict[str, str]] | None] = {
            g["name"]: g.get("users") for g in users_doc["vo"]
        }
        self.accounting_url = ""
        self.operations_url = ""

    # --- control ----------------------------------------------------------------------------
    def set_fault(self, path_prefix: str, fault: Fault | None) -> None:
        """Apply ``fault`` to requests whose path starts with ``path_prefix`` (None clears)."""
        with self._lock:
            if fault is None:
                self.faults.pop(path_prefix, None)
            else:
                self.faults[path_prefix] = fault

    def clear(self) -> None:
        """Forget faults and the request log."""
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    def count(self, path_prefix: str = "/") -> int:
        """How many requests had a path starting with ``path_prefix``."""
        with self._lock:
            return sum(r.path.startswith(path_prefix) for r in self.requests)

    def paths(self, server: str | None = None) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests if server in (None, r.server)]

    # --- lifecycle --------------------------------------------------------------------------
    def __enter__(self) -> FakePortals:
        try:
            port_a = self._start("accounting")
            port_o = self._start("operations")
        except BaseException:
            self.close()
            raise
        self.accounting_url = f"http://127.0.0.1:{port_a}"
        self.operations_url = f"http://127.0.0.1:{port_o}/api/"
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop both servers (idempotent)."""
        while self._servers:
            server, thread = self._servers.pop()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def _start(self, name: str) -> int:
        fake = self

        class Handler(_Handler):
            portals = fake
            server_name = name

        server = _QuietServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-{name}",
            daemon=True,
        )  # fmt: skip
        thread.start()
        self._servers.append((server, thread))
        return server.server_address[1]

    # --- answers ----------------------------------------------------------------------------
    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for prefix, fault in sorted(self.faults.items(), key=lambda kv: -len(kv[0])):
                if path.startswith(prefix):
                    if fault.times is not None:
                        if fault.times <= 0:
                            continue
                        fault.times -= 1
                    return fault
        return None

    def log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def operations_answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        if path == "/api/vo-list/json":
            return 200, self.vo_list
        if path == "/api/egi-reports/vo-users":
            start, end = query.get("start_date", "2020-01"), query.get("end_date", "2999-12")

            def rows(name: str) -> dict[str, Any]:
                series = self.vo_users.get(name)
                kept = [r for r in series or [] if start <= r["month"] <= end]
                return {"users": kept} if kept else {}

            if "vo" in query:
                known = {n.lower(): n for n in self.vo_users}
                return 200, rows(known.get(query["vo"].lower(), query["vo"]))
            if self.refuse_bulk == "400":
                return 400, {"error": "parameter vo is required"}
            if self.refuse_bulk:
                first = next(iter(self.vo_users), "")
                return 200, rows(first)
            return 200, {"vo": [{"name": n} | rows(n) for n in self.vo_users]}
        if path.startswith("/api/vo-idcard/") and path.endswith("/json"):
            vo = path[len("/api/vo-idcard/") : -len("/json")]
            card = self.data_dir / "operations" / "vo-idcard" / f"{vo}.json"
            if card.is_file():
                return 200, json.loads(card.read_text(encoding="utf-8"))
            return 404, {"error": f"unknown VO {vo}"}
        if path == "/api/egi-reports/vo":
            name = f"{query.get('start_date')}_{query.get('end_date')}.json"
            doc = self.data_dir / "operations" / "egi-reports-vo" / name
            if doc.is_file():
                return 200, json.loads(doc.read_text(encoding="utf-8"))
            return 200, {"report": []}
        return 404, {"error": "not found"}

    def accounting_answer(self, path: str) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        if len(parts) < 11 or parts[3] != "DATE":
            return 404, None
        scope, metric, rows, _d, sy, sm, ey, em, group, selector = parts[:10]
        start, end = f"{sy}-{int(sm):02d}", f"{ey}-{int(em):02d}"
        months = [f"{y}-{m:02d}" for y in range(int(sy), int(ey) + 1) for m in range(1, 13)]
        months = [m for m in months if start <= m <= end]
        acc = self.data_dir / "accounting"
        if rows == "VO":
            recorded = acc / f"{scope}_{metric}_VO_DATE_{start}_{end}_{group}_{selector}.json"
            if recorded.is_file():
                return 200, json.loads(recorded.read_text(encoding="utf-8"))
            return 200, legacy_rows({}, months, metric)
        if rows in SITES and group.startswith("custom-"):
            vo = group[len("custom-") :].lower()
            recorded = acc / f"{scope}_{metric}_VO_DATE_{start}_{end}_egi_{selector}.json"
            data = json.loads(recorded.read_text(encoding="utf-8")) if recorded.is_file() else []
            row = next((r for r in data if str(r.get("id", "")).lower() == vo), {})
            names = SITES[rows]
            split = {
                n: {m: round(float(row[m]) / len(names), 4) for m in months if m in row}
                for n in names
            }
            return 200, legacy_rows(split if row else {}, months, metric)
        return 404, None


class _QuietServer(ThreadingHTTPServer):
    """No tracebacks on stderr when a client drops a connection (timeouts, cancellation)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no delayed-ACK stalls)
    portals: FakePortals
    server_name: str

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        # headers and body in ONE write: a split response costs an extra round trip
        self._headers_buffer.extend([b"\r\n", body])  # type: ignore[attr-defined]
        with contextlib.suppress(OSError):  # the client may have given up (timeout)
            self.flush_headers()

    def do_GET(self) -> None:
        fake = self.portals
        raw = self.path
        key_ok: bool | None = None
        if self.server_name == "operations":
            key_ok = self.headers.get("X-API-Key") == fake.api_key
        if fake.latency:
            time.sleep(fake.latency)
        fault: Fault | None = None
        if raw.startswith("/_hop/"):  # /_hop/<n>/<path>: n more redirects, then the answer
            _, _, n, rest = raw.split("/", 3)
            if int(n) > 0:
                fake.log(Request(self.server_name, raw, key_ok, 302, time.monotonic()))
                self._send(302, b"", "text/plain", {"Location": f"/_hop/{int(n) - 1}/{rest}"})
                return
            raw = "/" + rest  # end of the chain: the normal answer, faults not applied again
        else:
            fault = fake.take_fault(raw)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.close:
            fake.log(Request(self.server_name, raw, key_ok, 0, time.monotonic()))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and fault.redirects:
            fake.log(Request(self.server_name, raw, key_ok, 302, time.monotonic()))
            location = f"/_hop/{fault.redirects - 1}{raw}"
            self._send(302, b"", "text/plain", {"Location": location})
            return
        status, payload, ctype, headers = self._answer(raw, key_ok, fault)
        fake.log(Request(self.server_name, raw, key_ok, status, time.monotonic()))
        self._send(status, payload, ctype, headers)

    def _answer(
        self, raw: str, key_ok: bool | None, fault: Fault | None
    ) -> tuple[int, bytes, str, dict[str, str]]:
        fake = self.portals
        if key_ok is False:
            return 401, b'{"error": "Unauthorized"}', "application/json", {}
        if fault is not None and (
            fault.status != 200 or fault.body is not None or fault.json is not None
        ):
            headers = dict(fault.headers)
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            if fault.json is not None:
                body = json.dumps(fault.json).encode()
            else:
                body = fault.body.encode() if isinstance(fault.body, str) else fault.body or b""
            return fault.status, body, fault.content_type, headers
        parts = urlsplit(raw)
        if self.server_name == "operations":
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, doc = fake.operations_answer(parts.path, query)
        else:
            status, doc = fake.accounting_answer(parts.path)
        if doc is None:
            return status, b"<html><body>Not Found</body></html>", "text/html", {}
        return status, json.dumps(doc).encode(), "application/json", {}


@contextlib.contextmanager
def refuse_connections() -> Iterator[str]:
    """A base URL on 127.0.0.1 where nothing listens (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connect() gets ECONNREFUSED
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()

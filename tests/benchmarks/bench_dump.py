"""Benchmark of the dump source (issue 3, item 8).

    python tests/benchmarks/bench_dump.py [--rows 2000000] [--repeat 3] [--gzip]

Generates a synthetic dump (CSV and InfluxDB JSON) in a temp dir, serves each from a loopback
HTTP server, and measures in fresh subprocesses a full fetch + aggregate (download, parse,
de-duplicate, aggregate, cache): wall time, rows/s, peak RSS (VmHWM); then a second run in a
fresh process answered from the aggregate cache (304 + cached aggregate). Reference: DuckDB on
the same local CSV file (imported here only). Times are the best of ``--repeat`` runs (the
machine may be shared); DuckDB and okr-tui runs are interleaved.

Goals: CSV within 2x DuckDB, JSON >= 400,000 rows/s, peak RSS <= 300 MB, cached < 0.5 s."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Peak RSS of the measured process: VmHWM of /proc/self/status (Linux), because ru_maxrss
# survives fork+exec and would report the benchmark parent's own peak.
PEAK = r"""
def peak_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return maxrss_mb()

def maxrss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

CLIENT = (
    PEAK
    + r"""
import asyncio, json, sys, time
t_start = time.perf_counter()
from dataclasses import replace
from pathlib import Path
from okr_tui.core.clock import Clock
from okr_tui.core.periods import Period
from okr_tui.settings import Settings
from okr_tui.sources.cache import ResponseCache
from okr_tui.sources.dump import DumpAccounting

async def main():
    url, form, cache_dir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    clock = Clock()
    settings = replace(Settings(), accounting_url=url, timeout=120.0)
    t0 = time.perf_counter()
    src = DumpAccounting(settings, ResponseCache(cache_dir, clock), clock, endpoints=(form,))
    period = Period.of("2024-10", "2024-12")
    htc = await src.monthly_hours("htc", period)
    cloud = await src.monthly_hours("cloud", period)
    await src.aclose()
    wall = time.perf_counter() - t0
    assert not htc.failed and not cloud.failed, (htc.missing, cloud.missing)
    prov = htc.provenance[0]
    total = sum(sum(m.values()) for m in htc.hours.values())
    print(json.dumps({"wall": wall, "process": time.perf_counter() - t_start, "rows": prov.rows,
        "rss_mb": peak_mb(),
        "maxrss_mb": maxrss_mb(),
        "detail": prov.detail, "htc_total": total}))

asyncio.run(main())
"""
)

LOCAL = (
    PEAK
    + r"""
import sys, time
from okr_tui.sources.dump_parse import parse_dump
t0 = time.perf_counter()
with open(sys.argv[1], "rb") as stream:
    agg = parse_dump(stream, sys.argv[1])
print(time.perf_counter() - t0, agg.stats.rows, peak_mb())
"""
)

DUCK = (
    PEAK
    + r"""
import sys, time, duckdb
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
rows = con.sql(
    "SELECT vo, infrastructure, time, sum(raw_wc_time) FROM read_csv_auto(?) GROUP BY ALL",
    params=[sys.argv[1]],
).fetchall()
print(time.perf_counter() - t0, len(rows), peak_mb())
"""
)


def serve(directory: Path, compress: bool = False) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``accounting.csv`` at /csv and ``accounting.json`` at /json with an ETag; with
    ``compress``, the pre-compressed ``.gz`` copy with ``Content-Encoding: gzip`` to a client that
    accepts it (as real web servers do)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            name = {"/csv": "accounting.csv", "/json": "accounting.json"}.get(self.path)
            if name is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path = directory / name
            coded = compress and "gzip" in self.headers.get("Accept-Encoding", "")
            if coded:
                path = directory / f"{name}.gz"
            etag = f'"{path.stat().st_size}-{int(path.stat().st_mtime)}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header(
                "Content-Type", "text/csv" if name.endswith("csv") else "application/json"
            )
            self.send_header("Content-Length", str(path.stat().st_size))
            if coded:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("ETag", etag)
            self.end_headers()
            with path.open("rb") as f:
                os.sendfile(self.wfile.fileno(), f.fileno(), 0, path.stat().st_size)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def client(url: str, form: str, cache_dir: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", CLIENT, url, form, str(cache_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def duckdb_run(csv: Path, script: str = DUCK) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", script, str(csv)], capture_output=True, text=True, check=True
    )
    seconds, _groups, rss = out.stdout.strip().splitlines()[-1].split()[-3:]
    return float(seconds), float(rss)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gzip", action="store_true", help="serve with Content-Encoding: gzip")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="okr-bench-dump-") as tmp:
        data = Path(tmp)
        t0 = time.perf_counter()
        # in a subprocess: the parent stays small, so children's ru_maxrss is their own
        here = str(Path(__file__).resolve().parent)
        code = (
            f"import sys; sys.path.insert(0, {here!r}); import dump_synth as d; from pathlib "
            f"import Path; d.write_csv(Path({str(data / 'accounting.csv')!r}), {args.rows}); "
            f"d.write_json(Path({str(data / 'accounting.json')!r}), {args.rows})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        if args.gzip:
            for name in ("accounting.csv", "accounting.json"):
                with (data / name).open("rb") as raw, gzip.open(data / f"{name}.gz", "wb") as gz:
                    shutil.copyfileobj(raw, gz, 4 << 20)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - t0:.1f} s: "
              f"CSV {(data / 'accounting.csv').stat().st_size / 1e6:.0f} MB, "
              f"JSON {(data / 'accounting.json').stat().st_size / 1e6:.0f} MB")  # fmt: skip
        server, url = serve(data, compress=args.gzip)
        try:
            results: dict[str, list[dict[str, Any]]] = {"csv": [], "json": []}
            cached: dict[str, list[dict[str, Any]]] = {"csv": [], "json": []}
            duck: list[tuple[float, float]] = []
            local: dict[str, list[tuple[float, float]]] = {"csv": [], "json": []}
            for i in range(args.repeat):
                duck.append(duckdb_run(data / "accounting.csv"))
                for form in ("csv", "json"):
                    local[form].append(duckdb_run(data / f"accounting.{form}", LOCAL))
                for form in ("csv", "json"):
                    cache_dir = data / f"cache-{form}-{i}"
                    results[form].append(client(url, form, cache_dir))
                    cached[form].append(client(url, form, cache_dir))
        finally:
            server.shutdown()
            server.server_close()
    duck_best = min(d[0] for d in duck)
    print(f"DuckDB reference (local CSV, GROUP BY vo, infrastructure, time): "
          f"best {duck_best:.2f} s, runs {[round(d[0], 2) for d in duck]}, "
          f"peak RSS {max(d[1] for d in duck):.0f} MB")  # fmt: skip
    for form in ("csv", "json"):
        best_local = min(t for t, _ in local[form])
        local_rss = max(r for _, r in local[form])
        print(f"{form.upper()} parse+aggregate of the local file (no download): "
              f"best {best_local:.2f} s = {args.rows / best_local:,.0f} rows/s, "
              f"{best_local / duck_best:.2f}x DuckDB, peak RSS {local_rss:.0f} MB")  # fmt: skip
    ok = True
    totals = set()
    for form in ("csv", "json"):
        best = min(results[form], key=lambda r: r["wall"])
        rate = best["rows"] / best["wall"]
        rss = max(r["rss_mb"] for r in results[form])
        maxrss = max(r["maxrss_mb"] for r in results[form])
        cache_best = min(cached[form], key=lambda r: r["wall"])
        totals.update(round(r["htc_total"], 3) for r in results[form] + cached[form])
        print(f"{form.upper()}: fetch+aggregate best {best['wall']:.2f} s "
              f"(runs {[round(r['wall'], 2) for r in results[form]]}), {rate:,.0f} rows/s, "
              f"peak RSS {rss:.0f} MB (VmHWM; ru_maxrss {maxrss:.0f} MB)")  # fmt: skip
        print(f"  second run, fresh process: {cache_best['wall'] * 1000:.0f} ms in the source, "
              f"{cache_best['process']:.2f} s including interpreter start and imports "
              f"[{cache_best['detail']}]")  # fmt: skip
        if form == "csv":
            ratio = best["wall"] / duck_best
            print(f"  ratio to DuckDB: {ratio:.2f}x (goal <= 2x)")
            ok &= ratio <= 2
        else:
            ok &= rate >= 400_000
            print(f"  goal >= 400,000 rows/s: {'met' if rate >= 400_000 else 'MISSED'}")
        ok &= rss <= 300 and cache_best["wall"] < 0.5
    print(f"CSV and JSON give the same HTC total: {len(totals) == 1} ({sorted(totals)})")
    print("all goals met" if ok else "some goal MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

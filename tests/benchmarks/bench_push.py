"""Benchmark: Sheets API requests of one push (users table of N VOs + both CPU rows) into the
fake Google Sheets API, against the legacy cell-by-cell method on the same plan.

    python tests/benchmarks/bench_push.py [--vos 300] [--latency 0.0]

Prints requests per push and per worksheet (token requests excluded), the legacy count, and
wall time. Goal: a whole push (plan read, pre-write re-read, batchUpdate, verify read) in
<= 5 requests, independent of the number of VOs."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from okr_tui.core.clock import Clock  # noqa: E402
from okr_tui.paths import AppPaths  # noqa: E402
from okr_tui.services.context import AppContext  # noqa: E402
from okr_tui.services.sheet_ops import open_backend, plan_for, push  # noqa: E402
from okr_tui.settings import Settings  # noqa: E402
from tests.fakes.google import FakeGoogle, write_service_account  # noqa: E402
from tests.fakes.push_scenario import (  # noqa: E402
    build_report,
    build_spreadsheet,
    count_by_worksheet,
    legacy_requests,
)


def run(n_vos: int, latency: float) -> int:
    with tempfile.TemporaryDirectory() as tmp, FakeGoogle(latency=latency) as fake:
        base = Path(tmp)
        paths = AppPaths(base / "config", base / "cache", base / "data", base / "log")
        creds = write_service_account(base / "sa.json", fake.token_uri)
        settings = replace(
            Settings(),
            credentials=creds,
            spreadsheet="fakeKey123",
            sheets_api_url=fake.url,
            retry_base_delay=0.01,
        )
        book = build_spreadsheet(fake, settings, n_vos)
        ctx = AppContext(settings, paths, Clock())
        report = build_report(n_vos)
        fake.reset_log()
        started = time.perf_counter()
        backend = open_backend(ctx)
        plan = plan_for(ctx, report, backend)
        result = push(ctx, plan, report, backend, confirmed=True)
        elapsed = time.perf_counter() - started

        sheets = fake.sheets_requests
        tokens = len(fake.requests) - len(sheets)
        legacy = legacy_requests(plan)
        print(f"push of {n_vos} VOs: verified={result.verified}, {plan.cells_changed} cells")
        print(f"  Sheets API requests per push: {len(sheets)} (+{tokens} token request)")
        for r in sheets:
            kind = "batchUpdate" if r.path.endswith(":batchUpdate") else r.method
            print(f"    {kind:<12} {r.path}")
        print("  requests touching each worksheet (okr-tui):")
        for ws, n in sorted(count_by_worksheet(fake, book).items()):
            print(f"    {ws:<28} {n}")
        print("  legacy cell-by-cell requests for the same plan:")
        for ws, n in legacy.items():
            wp = next(w for w in plan.worksheets if w.worksheet == ws)
            print(
                f"    {ws:<28} {n:>6}  ({len(wp.changes)} cells, "
                f"{wp.rows_inserted + wp.cols_inserted} inserts, "
                f"{len({c.key for c in wp.changes}) + 1} lookups)"
            )
        print(f"    {'total':<28} {sum(legacy.values()):>6}")
        print(f"  wall time: {elapsed:.2f} s (fake latency {latency * 1000:.0f} ms/request)")
        ok = result.verified and len(sheets) <= 5
        print("  goal (<= 5 requests, verified):", "met" if ok else "NOT met")
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vos", type=int, action="append", help="VO count (repeatable)")
    parser.add_argument("--latency", type=float, default=0.0, help="fake latency, seconds")
    args = parser.parse_args()
    status = 0
    for n in args.vos or [30, 300]:
        status |= run(n, args.latency)
    return status


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of the TUI (issue 5, item 10). Not collected by pytest.

(a) process start → start screen interactive (VO list loaded), `okr-tui --demo` data; goal <= 1.5 s
(b) one filter keystroke and one sort on the preview grid, 300 VOs x 36 months (Pilot, median
    of repeats); goal <= 100 ms each
(c) the largest event-loop lag while a 300-VO fetch runs against fake portals with 50 ms
    latency per request (per-VO users path); goal <= 100 ms

   python tests/benchmarks/bench_tui.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

CHILD = """
import time
from okr_tui.services.bootstrap import load_context
from okr_tui.tui.app import OkrApp

async def ready(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert pilot.app.screen.query_one("#vo-list").row_count > 0
    print("READY", flush=True)
    pilot.app.exit(0)

OkrApp(load_context(demo=True)).run(headless=True, size=(140, 45), auto_pilot=ready)
"""


def bench_start(repeats: int) -> list[float]:
    """Seconds from spawning ``python`` to the start screen with its VO list."""
    times = []
    env = dict(os.environ, HOME=tempfile.mkdtemp(prefix="okr-bench-"))
    env.pop("XDG_CONFIG_HOME", None)
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY"):
                times.append(time.perf_counter() - start)
                break
        proc.wait(timeout=30)
    return times


DIRECT: dict[str, list[float]] = {}


def _draw(grid) -> None:  # type: ignore[no-untyped-def]
    """Render every visible line of the grid, as a screen update would."""
    if grid._require_update_dimensions:  # what DataTable does on idle
        grid._require_update_dimensions = False
        new_rows = grid._new_rows.copy()
        grid._new_rows.clear()
        grid._update_dimensions(new_rows)
    for y in range(grid.size.height):
        grid.render_line(y)


def _big_report(n: int, months: int):  # type: ignore[no-untyped-def]
    from okr_tui.core.models import CpuReport, Report, UsersReport, UsersRow, VoCpu
    from okr_tui.core.periods import Month, Period

    period = Period(Month(2022, 1), Month(2022, 1).shift(months - 1))
    keys = period.month_keys
    report = Report(period=period)
    for scope in ("cloud", "htc"):
        vos = []
        for i in range(n):
            m = {k: float((i * 37 + j * 11) % 5000) for j, k in enumerate(keys)}
            vos.append(VoCpu(f"vo{i:03d}.example.eu", sum(m.values()), m))
        total = round(sum(v.hours for v in vos))
        prev = {v.vo: v.hours * 0.9 for v in vos[::2]}
        setattr(report, scope, CpuReport(scope, period, vos, [], total, previous=prev))
    rows = [
        UsersRow(f"vo{i:03d}.example.eu", i if i % 10 else None, i, 10 * i, {keys[-1]: i})
        for i in range(n)
    ]
    report.users = UsersReport(period, rows)
    return report


async def bench_grid(repeats: int) -> tuple[list[float], list[float], list[float]]:
    """Filter keystroke and sort latency on a 300 x 36 preview grid (seconds)."""
    import okr_tui.services.fetching as fetching
    from okr_tui.tui import data

    report = _big_report(300, 36)

    async def fake_fetch(ctx, selection, progress=None, sources=None):  # type: ignore[no-untyped-def]
        return report

    async def no_vos(ctx, refresh=False):  # type: ignore[no-untyped-def]
        return []

    def no_sheet(ctx, period, scopes):  # type: ignore[no-untyped-def]
        from okr_tui.services.sheet_history import SheetPrevious

        return SheetPrevious({}, None, {s: None for s in scopes})

    saved = (fetching.fetch_report, data.load_vo_list, data.sheet_previous)
    fetching.fetch_report = fake_fetch  # type: ignore[assignment]
    data.load_vo_list = no_vos  # type: ignore[assignment]
    data.sheet_previous = no_sheet  # type: ignore[assignment]
    try:
        return await _grid_timings(report, repeats)
    finally:
        fetching.fetch_report, data.load_vo_list, data.sheet_previous = saved


async def _grid_timings(report, repeats: int) -> tuple[list[float], list[float], list[float]]:  # type: ignore[no-untyped-def]
    from okr_tui.core.clock import Clock
    from okr_tui.core.selection import Selection
    from okr_tui.paths import AppPaths
    from okr_tui.services.context import AppContext
    from okr_tui.settings import Settings
    from okr_tui.tui.app import OkrApp
    from okr_tui.tui.screens.preview import PreviewScreen
    from okr_tui.tui.widgets.report_grid import ReportGrid

    tmp = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    paths = AppPaths(tmp / "c", tmp / "k", tmp / "d", tmp / "l")
    ctx = AppContext(replace(Settings(), spreadsheet="bench"), paths, Clock())
    app = OkrApp(ctx)
    filt, sort, base = [], [], []
    direct_filter: list[float] = []
    direct_sort: list[float] = []
    async with app.run_test(size=(140, 45)) as pilot:
        await app.workers.wait_for_complete()
        app.push_screen(PreviewScreen(Selection(report.period)))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        grid = app.screen.query_one("#grid-cloud", ReportGrid)
        assert grid.row_count == 300, grid.row_count
        for _ in range(repeats):  # Pilot's own cost of a key round trip (unbound key)
            start = time.perf_counter()
            await pilot.press("z")
            await pilot.pause()
            base.append(time.perf_counter() - start)
        await pilot.press("slash")
        for _ in range(repeats):
            start = time.perf_counter()
            await pilot.press("1")
            await pilot.pause()
            filt.append(time.perf_counter() - start)
            assert grid.row_count < 300
            start = time.perf_counter()
            await pilot.press("backspace")
            await pilot.pause()
            filt.append(time.perf_counter() - start)
            assert grid.row_count == 300
        await pilot.press("enter")  # back to the grid
        grid.move_cursor(column=grid.get_column_index("total"))
        for _ in range(repeats):
            start = time.perf_counter()
            await pilot.press("s")
            await pilot.pause()
            sort.append(time.perf_counter() - start)
        # the app's own cost, without Pilot: the filter/sort itself + drawing every visible line
        for _ in range(repeats):
            for text in ("1", ""):
                start = time.perf_counter()
                grid.set_filter(text)
                _draw(grid)
                direct_filter.append(time.perf_counter() - start)
            start = time.perf_counter()
            grid.sort_by("total")
            _draw(grid)
            direct_sort.append(time.perf_counter() - start)
    DIRECT.update(filter=direct_filter, sort=direct_sort)
    return filt, sort, base


PORTALS_CHILD = """
import sys
from tests.fakes.portals import FakePortals
with FakePortals(synthetic_vos=int(sys.argv[1]), latency=float(sys.argv[2]),
                 refuse_bulk=True) as fake:
    print("URLS", fake.accounting_url, fake.operations_url, flush=True)
    sys.stdin.readline()
    print("COUNT", fake.count(), flush=True)
"""


class ChildPortals:
    """The fake portals in their own process, as real portals would be: their HTTP server
    threads then do not compete with the app's event loop for the GIL."""

    def __init__(self, vos: int, latency: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", PORTALS_CHILD, str(vos), str(latency)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        _, self.accounting_url, self.operations_url = self.proc.stdout.readline().split()
        self.requests = 0

    def __enter__(self) -> ChildPortals:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("done\n")
        self.proc.stdin.flush()
        self.requests = int(self.proc.stdout.readline().split()[1])
        self.proc.wait(timeout=10)

    def count(self) -> int:
        return self.requests


async def bench_lag(vos: int, latency: float, in_process: bool = True) -> tuple[float, float, int]:
    """(largest loop lag, fetch seconds, requests) of a live fetch against fake portals (in
    this process, or in a child process like real portals)."""
    from okr_tui.core.clock import Clock
    from okr_tui.core.periods import Period
    from okr_tui.core.selection import Selection
    from okr_tui.paths import AppPaths
    from okr_tui.services.context import AppContext
    from okr_tui.settings import Settings
    from okr_tui.tui.app import OkrApp
    from okr_tui.tui.screens.preview import PreviewScreen
    from tests.fakes.portals import API_KEY, FakePortals

    tmp = Path(tempfile.mkdtemp(prefix="okr-bench-"))
    paths = AppPaths(tmp / "c", tmp / "k", tmp / "d", tmp / "l")
    portals = (
        FakePortals(synthetic_vos=vos, latency=latency, refuse_bulk=True)
        if in_process
        else ChildPortals(vos, latency)
    )
    with portals as fake:
        settings = replace(
            Settings(),
            accounting_url=fake.accounting_url,
            accounting_api="legacy",
            operations_url=fake.operations_url,
            operations_api_key=API_KEY,
            spreadsheet="bench",
        )
        ctx = AppContext(settings, paths, Clock())
        app = OkrApp(ctx)
        lag = 0.0
        async with app.run_test(size=(140, 45)) as pilot:
            await app.workers.wait_for_complete()
            screen = PreviewScreen(Selection(Period.of("2024-10", "2024-12")))
            stop = asyncio.Event()

            async def ticker() -> None:
                nonlocal lag
                while not stop.is_set():
                    before = time.perf_counter()
                    await asyncio.sleep(0.005)
                    lag = max(lag, time.perf_counter() - before - 0.005)

            task = asyncio.create_task(ticker())
            start = time.perf_counter()
            app.push_screen(screen)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            elapsed = time.perf_counter() - start
            stop.set()
            await task
            assert screen.report is not None and screen.report.users is not None
    return lag, elapsed, fake.count()


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (max {max(values) * 1000:.1f} ms)"


def _net(values: list[float], overhead: float) -> str:
    return f"{max(0.0, statistics.median(values) - overhead) * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--vos", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    starts = bench_start(max(3, args.repeats // 3))
    print(f"(a) start to interactive: {_ms(starts)}  goal <= 1500 ms")
    filt, sort, base = asyncio.run(bench_grid(args.repeats))
    pilot_cost = statistics.median(base)
    print(f"    Pilot round trip of an unbound key (overhead, subtracted below): {_ms(base)}")
    print(
        f"(b) filter keystroke 300x36: {_ms(filt)} → net {_net(filt, pilot_cost)}  goal <= 100 ms"
    )
    print(f"    sort 300x36: {_ms(sort)} → net {_net(sort, pilot_cost)}  goal <= 100 ms")
    print(f"    app side, filter + redraw: {_ms(DIRECT['filter'])}")
    print(f"    app side, sort + redraw: {_ms(DIRECT['sort'])}")
    lag_in, elapsed, requests = asyncio.run(bench_lag(args.vos, args.latency))
    print(
        f"(c) largest loop lag during a {args.vos}-VO fetch ({requests} requests, "
        f"{elapsed:.2f} s), fake portals in this process: {lag_in * 1000:.1f} ms"
    )
    lag, elapsed, requests = asyncio.run(bench_lag(args.vos, args.latency, in_process=False))
    print(
        f"    the same, fake portals in their own process (as real ones): {lag * 1000:.1f} ms "
        f"({requests} requests, {elapsed:.2f} s)  goal <= 100 ms"
    )
    ok = (
        statistics.median(starts) <= 1.5
        and statistics.median(filt) - pilot_cost <= 0.1
        and statistics.median(sort) - pilot_cost <= 0.1
        and lag <= 0.1
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

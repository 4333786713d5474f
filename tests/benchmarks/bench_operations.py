"""Benchmark of the Operations Portal source (issue 2, item 9). Not collected by pytest.

300 VOs, fake Operations Portal with 50 ms latency per request:
 (a) bulk path: wall time and request count (goal: 2 requests);
 (b) per-VO path (the fake refuses the bulk form): wall time at concurrency 8 vs the ideal
     ceil(300/8) x 50 ms (goal: <= 1.3x) and vs a sequential baseline (goal: >= 6x faster).

The fake runs in a child process by default, like a real remote portal, so its own Python
work does not compete with the client for the GIL (``--in-process`` to compare).

    python tests/benchmarks/bench_operations.py [--vos 300] [--latency 0.05] [--in-process]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import sys
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from okr_tui.core.clock import Clock
from okr_tui.core.periods import Period
from okr_tui.settings import Settings
from okr_tui.sources.operations import OperationsPortal
from tests.fakes.portals import FakePortals

KEY = "bench-key"
PERIOD = Period.of("2024-10", "2024-12")


def serve(conn: Connection, vos: int, latency: float) -> None:
    """Child process: run the fake and obey (command, arg) messages until "stop"."""
    with FakePortals(api_key=KEY, synthetic_vos=vos, latency=latency) as fake:
        conn.send(fake.operations_url)
        while True:
            command, arg = conn.recv()
            if command == "stop":
                return
            conn.send(control(fake, command, arg))


def control(fake: FakePortals, command: str, arg: Any) -> Any:
    if command == "clear":
        fake.clear()
    elif command == "refuse_bulk":
        fake.refuse_bulk = arg
    return fake.count()


class Fake:
    """The fake in a child process (default) or in this process."""

    def __init__(self, vos: int, latency: float, in_process: bool) -> None:
        self.local: FakePortals | None = None
        if in_process:
            self.local = FakePortals(api_key=KEY, synthetic_vos=vos, latency=latency).__enter__()
            self.url = self.local.operations_url
            return
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=serve, args=(child, vos, latency), daemon=True)
        self.proc.start()
        self.url = self.conn.recv()

    def do(self, command: str, arg: Any = None) -> Any:
        if self.local is not None:
            return control(self.local, command, arg)
        self.conn.send((command, arg))
        return self.conn.recv()

    def close(self) -> None:
        if self.local is not None:
            self.local.close()
            return
        self.conn.send(("stop", None))
        self.proc.join(timeout=10)


async def run(fake: Fake, concurrency: int) -> tuple[float, int, int, str]:
    """One fetch; returns (seconds, requests seen by the fake, VOs with users, path detail)."""
    settings = replace(
        Settings(),
        operations_url=fake.url,
        operations_api_key=KEY,
        concurrency=concurrency,
        timeout=30.0,
    )
    fake.do("clear")
    portal = OperationsPortal(settings, None, Clock())
    try:
        start = time.perf_counter()
        data = await portal.fetch(PERIOD)
        elapsed = time.perf_counter() - start
    finally:
        await portal.aclose()
    assert not data.failed and not data.missing, data.missing[:3]
    return elapsed, fake.do("count"), len(data.users), data.provenance[1].detail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vos", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--in-process", action="store_true", help="run the fake in-process")
    args = parser.parse_args()
    n, lat, conc = args.vos, args.latency, args.concurrency
    fake = Fake(n, lat, args.in_process)
    try:
        wall, requests, vos, detail = asyncio.run(run(fake, conc))
        fake.do("refuse_bulk", True)
        wall_c, req_c, _, detail_c = asyncio.run(run(fake, conc))
        wall_1, req_1, _, _ = asyncio.run(run(fake, 1))
    finally:
        fake.close()
    ideal = math.ceil(n / conc) * lat
    ratio, speedup = wall_c / ideal, wall_1 / wall_c
    goals = {"a": requests == 2, "b1": ratio <= 1.3, "b2": speedup >= 6}
    met = {k: "MET" if v else "MISSED" for k, v in goals.items()}
    where = "in-process" if args.in_process else "child process"
    print(f"fake Operations Portal ({where}): {n} VOs, {lat * 1000:.0f} ms latency per request")
    print(f"(a) bulk path: {wall * 1000:.0f} ms, {requests} requests ({detail}); "
          f"{vos} VOs with users; goal 2 requests: {met['a']}")  # fmt: skip
    print(f"(b) per-VO path [{detail_c}]: {req_c} requests (vo-list + refused bulk + {n} VOs)")
    print(f"    concurrency {conc}: {wall_c:.3f} s; ideal ceil({n}/{conc}) x {lat * 1000:.0f} ms "
          f"= {ideal:.3f} s; ratio {ratio:.2f} (goal <= 1.3: {met['b1']})")  # fmt: skip
    print(f"    sequential (concurrency 1): {wall_1:.3f} s, {req_1} requests; "
          f"speed-up {speedup:.1f}x (goal >= 6x: {met['b2']})")  # fmt: skip
    return 0 if all(goals.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

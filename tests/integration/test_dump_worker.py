"""The dump parsed in a child process while it downloads (dump_worker): same sums, the child's
errors, fallback when the child fails, cancellation kills it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from okr_tui.core.clock import Clock
from okr_tui.core.periods import Period
from okr_tui.settings import Settings
from okr_tui.sources import dump_worker
from okr_tui.sources.cache import ResponseCache
from okr_tui.sources.dump import DumpAccounting
from okr_tui.sources.dump_schema import DumpError
from tests.conftest import FROZEN_NOW
from tests.fakes.dump import FakeDump
from tests.unit import dump_cases as case

Q4 = Period.of("2024-10", "2024-12")


@pytest.fixture
def fake() -> Iterator[FakeDump]:
    with FakeDump() as server:
        yield server


@pytest.fixture
def settings(fast_settings: Settings, fake: FakeDump) -> Settings:
    return replace(fast_settings, accounting_url=fake.url)


@pytest.fixture
def no_thread_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any in-process parse fails the test: the child process must do it."""

    def refuse(*args: object) -> None:
        raise AssertionError("parsed in-process")

    monkeypatch.setattr(DumpAccounting, "_parse_stream", staticmethod(refuse))


def worker_source(settings: Settings, cache_dir: Path) -> DumpAccounting:
    src = DumpAccounting(settings, ResponseCache(cache_dir, Clock.frozen(FROZEN_NOW)), Clock())
    src.worker_min_bytes = 0  # every download with a Content-Length goes to the child
    return src


async def test_child_process_gives_the_hand_computed_sums(
    fake, settings, tmp_path, no_thread_parse
):
    fake.serve("csv", case.as_csv(), etag='"v1"')
    src = worker_source(settings, tmp_path)
    try:
        result = await src.monthly_hours("cloud", Q4)
        loaded = await src.load()
    finally:
        await src.aclose()
    assert result.hours == case.CLOUD
    assert (result.provenance[0].rows, result.provenance[0].duplicates) == (10, 1)
    assert loaded.worker_peak_mb is not None and loaded.worker_peak_mb > 0
    left = sorted(p.name for p in (tmp_path / "dump").iterdir())
    assert not [n for n in left if n.startswith(".")]  # no temp dump or temp aggregate left
    again = worker_source(settings, tmp_path)  # the cached aggregate answers the next run
    try:
        second = await again.monthly_hours("cloud", Q4)
    finally:
        await again.aclose()
    assert second.hours == case.CLOUD
    assert "aggregate from cache" in second.provenance[0].detail


async def test_child_error_comes_back_as_its_dump_error(fake, settings, tmp_path, no_thread_parse):
    body = case.as_csv().replace(b",300\n", b",lots\n")
    assert body != case.as_csv()
    fake.serve("csv", body)
    src = worker_source(settings, tmp_path)
    try:
        with pytest.raises(DumpError) as caught:
            await src.load()
    finally:
        await src.aclose()
    assert caught.value.kind == "value"
    assert "lots" in caught.value.cause


async def test_failed_child_falls_back_to_parsing_in_process(fake, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(dump_worker.sys, "executable", "/bin/false")
    fake.serve("csv", case.as_csv())
    src = worker_source(settings, tmp_path)
    try:
        result = await src.monthly_hours("cloud", Q4)
    finally:
        await src.aclose()
    assert result.hours == case.CLOUD
    assert "parse process exited with status 1; parsed in-process" in result.provenance[0].detail


async def test_truncated_download_kills_the_child_and_fails(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), truncate_at=100)
    src = worker_source(settings, tmp_path)
    try:
        result = await src.monthly_hours("cloud", Q4)
    finally:
        await src.aclose()
    assert result.failed and result.hours == {}
    assert "ended early" in result.missing[0].reason or "bytes" in result.missing[0].reason
    assert not [p for p in (tmp_path / "dump").iterdir() if p.name.startswith(".")]


async def test_cancel_kills_the_child(fake, settings, tmp_path, monkeypatch):
    started: list[dump_worker.ParseWorker] = []
    real = dump_worker.ParseWorker.__init__

    def spy(self: dump_worker.ParseWorker, *args: object) -> None:
        real(self, *args)  # type: ignore[arg-type]
        started.append(self)

    monkeypatch.setattr(dump_worker.ParseWorker, "__init__", spy)
    body = case.as_csv() + (case.ROWS[0] + "\n").encode() * 3000
    fake.serve("csv", body, chunk_delay=0.05)
    src = worker_source(settings, tmp_path)
    task = asyncio.ensure_future(src.monthly_hours("cloud", Q4))
    for _ in range(200):
        if started:
            break
        await asyncio.sleep(0.02)
    assert started, "the parse process was not started"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await src.aclose()
    proc = started[0].proc
    assert proc.wait(timeout=5) is not None and proc.returncode != 0
    assert not [p for p in (tmp_path / "dump").iterdir() if p.name.startswith(".")]

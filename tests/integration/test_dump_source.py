"""The dump source against the fake portal: endpoints, validators, cache, faults."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from okr_tui.core.clock import Clock
from okr_tui.core.periods import Period
from okr_tui.settings import Settings
from okr_tui.sources.cache import ResponseCache
from okr_tui.sources.dump import DumpAccounting
from tests.conftest import FROZEN_NOW
from tests.fakes.dump import HTML_PAGE, LAST_MODIFIED, FakeDump
from tests.unit import dump_cases as case

Q4 = Period.of("2024-10", "2024-12")
NEW_CSV = case.as_csv().replace(b",300\n", b",301\n")  # biomed cloud 2024-10: 301 instead of 300


@pytest.fixture
def fake() -> Iterator[FakeDump]:
    with FakeDump() as server:
        yield server


@pytest.fixture
def settings(fast_settings: Settings, fake: FakeDump) -> Settings:
    return replace(fast_settings, accounting_url=fake.url)


def source(settings: Settings, cache_dir: Path | None, clock: Clock, refresh=False):
    cache = ResponseCache(cache_dir, clock, refresh=refresh) if cache_dir else None
    return DumpAccounting(settings, cache, clock)


async def cloud(settings, cache_dir, clock, refresh=False):
    src = source(settings, cache_dir, clock, refresh)
    try:
        return await src.monthly_hours("cloud", Q4)
    finally:
        await src.aclose()


async def test_csv_endpoint_gives_the_hand_computed_sums_and_provenance(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv())
    result = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    assert result.hours == case.CLOUD
    assert [m.month for m in result.missing] == [case.MISSING_MONTH]
    assert result.missing[0].vo is None
    (prov,) = result.provenance
    assert (prov.api, prov.url, prov.cache) == ("dump", f"{fake.url}/csv", False)
    assert (prov.rows, prov.duplicates, prov.conflicts) == (10, 1, 1)
    assert "csv" in prov.detail
    assert any("conflict" in w for w in result.warnings)
    assert fake.count("/json") == 0


async def test_json_endpoint_used_when_csv_is_missing(fake, settings, tmp_path):
    fake.serve("csv", None)
    fake.serve("json", case.as_json())
    result = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    assert result.hours == case.CLOUD
    assert result.provenance[0].url == f"{fake.url}/json"


async def test_etag_revalidation_answers_from_the_aggregate(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), etag='"v1"')
    clock = Clock.frozen(FROZEN_NOW)
    first = await cloud(settings, tmp_path, clock)
    second = await cloud(settings, tmp_path, clock)
    assert second.hours == first.hours == case.CLOUD
    assert fake.hits[-1].headers.get("if-none-match") == '"v1"'
    assert fake.hits[-1].status == 304
    assert second.provenance[0].cache and "aggregate from cache" in second.provenance[0].detail
    # the dump changed: a 200 with a new ETag -> re-parsed
    fake.serve("csv", NEW_CSV, etag='"v2"')
    third = await cloud(settings, tmp_path, clock)
    assert third.hours["biomed"]["2024-10"] == 301.0
    assert not third.provenance[0].cache


async def test_last_modified_revalidation(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), last_modified=LAST_MODIFIED)
    clock = Clock.frozen(FROZEN_NOW)
    await cloud(settings, tmp_path, clock)
    second = await cloud(settings, tmp_path, clock)
    assert fake.hits[-1].headers.get("if-modified-since") == LAST_MODIFIED
    assert fake.hits[-1].status == 304
    assert second.hours == case.CLOUD and second.provenance[0].cache


async def test_without_validators_the_max_age_decides(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv())
    await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    fake.serve("csv", NEW_CSV)
    young = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW + timedelta(hours=11)))
    assert fake.count("/csv") == 1  # no request at all
    assert young.hours == case.CLOUD and young.provenance[0].cache
    old = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW + timedelta(hours=13)))
    assert fake.count("/csv") == 2
    assert old.hours["biomed"]["2024-10"] == 301.0
    short = replace(settings, dump_max_age_hours=0.5)
    await cloud(short, tmp_path, Clock.frozen(FROZEN_NOW + timedelta(hours=14)))
    assert fake.count("/csv") == 3


async def test_refresh_downloads_again(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), etag='"v1"')
    clock = Clock.frozen(FROZEN_NOW)
    await cloud(settings, tmp_path, clock)
    result = await cloud(settings, tmp_path, clock, refresh=True)
    assert "if-none-match" not in fake.hits[-1].headers
    assert fake.hits[-1].status == 200 and not result.provenance[0].cache


async def test_truncated_download_never_replaces_the_good_cache(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), etag='"v1"')
    clock = Clock.frozen(FROZEN_NOW)
    await cloud(settings, tmp_path, clock)
    cached = {p.name: p.read_bytes() for p in (tmp_path / "dump").iterdir()}
    fake.serve("csv", NEW_CSV, etag='"v2"', truncate_at=len(NEW_CSV) // 2)
    result = await cloud(settings, tmp_path, clock)
    assert result.hours == case.CLOUD  # the cached dump, not half of the new one
    assert "download failed" in result.provenance[0].detail
    after = {p.name: p.read_bytes() for p in (tmp_path / "dump").iterdir()}
    assert after == cached  # no temp file left, nothing replaced


async def test_truncated_download_without_cache_is_missing(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), truncate_at=100)
    result = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    assert result.failed and result.hours == {}
    assert "ended early" in result.missing[0].reason or "bytes" in result.missing[0].reason
    assert not [p for p in (tmp_path / "dump").iterdir() if p.suffix == ".part"]


async def test_unparseable_new_dump_keeps_the_cached_one(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), etag='"v1"')
    clock = Clock.frozen(FROZEN_NOW)
    await cloud(settings, tmp_path, clock)
    fake.serve("csv", case.as_csv() + b"2024-10-15T00:00:00Z,S,v,Grid,H,,N,C,1,1,2\n", etag='"v2"')
    result = await cloud(settings, tmp_path, clock)
    assert result.hours == case.CLOUD
    assert "unusable" in result.provenance[0].detail


@pytest.mark.parametrize(
    ("csv_kw", "json_kw", "words"),
    [
        ({"body": None}, {"body": None}, "404"),
        ({"body": HTML_PAGE, "content_type": "text/html"}, {"body": None}, "HTML"),
        ({"body": HTML_PAGE, "content_type": "text/plain"}, {"body": None}, "HTML"),
        ({"body": b"oops", "status": 403}, {"body": None}, "403"),
    ],
)
async def test_endpoint_faults_are_specific_missing(
    fake, settings, tmp_path, csv_kw, json_kw, words
):
    fake.serve("csv", **csv_kw)
    fake.serve("json", **json_kw)
    result = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    assert result.failed and result.hours == {}
    assert words in result.missing[0].reason


async def test_server_error_is_retried(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), fail_first=2)
    result = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    assert [h.status for h in fake.hits] == [503, 503, 200]
    assert result.hours == case.CLOUD


async def test_server_error_beyond_the_retries_is_missing(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), fail_first=50)
    result = await cloud(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    assert result.failed and "503" in result.missing[0].reason
    assert fake.count("/csv") == settings.retries + 1


async def test_slow_gzip_download_reports_progress(fake, settings, tmp_path):
    body = case.as_csv() + (case.ROWS[0] + "\n").encode() * 3000  # ~200 KB of duplicates
    fake.serve("csv", body, gzip=True, chunk_delay=0.02)
    events = []
    src = source(settings, tmp_path, Clock.frozen(FROZEN_NOW))
    try:
        result = await src.monthly_hours("cloud", Q4, progress=events.append)
    finally:
        await src.aclose()
    assert result.hours == case.CLOUD
    assert result.provenance[0].duplicates == 1 + 3000
    assert fake.hits[0].headers.get("accept-encoding", "").startswith("gzip")
    assert any(e.message == "download" for e in events)
    assert any(e.message == "parse" and e.done == 3010 for e in events)


async def test_gzip_json_is_cached_compressed_and_a_truncated_gzip_fails(fake, settings, tmp_path):
    fake.serve("json", case.as_json(), gzip=True)
    clock = Clock.frozen(FROZEN_NOW)
    src = DumpAccounting(settings, ResponseCache(tmp_path, clock), clock, endpoints=("json",))
    try:
        result = await src.monthly_hours("cloud", Q4)
    finally:
        await src.aclose()
    assert result.hours == case.CLOUD
    (data,) = (tmp_path / "dump").glob("*.data")
    assert data.read_bytes()[:2] == b"\x1f\x8b"  # stored as received: gzip
    fake.serve("json", case.as_json() * 50, gzip=True, truncate_at=200)
    cut = await cloud(settings, None, clock)
    assert cut.hours == {} and "ended early" in cut.missing[0].reason


async def test_selector_setting_and_breakdown(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv())
    clock = Clock.frozen(FROZEN_NOW)
    src = source(replace(settings, accounting_selector="infra+local"), tmp_path, clock)
    try:
        htc = await src.monthly_hours("htc", Q4)
        by_site = await src.breakdown("htc", Q4, "ATLAS", "site")
    finally:
        await src.aclose()
    assert htc.hours == case.HTC_INFRA_LOCAL
    assert htc.missing[0].reason == "the accounting dump has no Grid/Grid-Local rows for 2024-11"
    assert "infrastructure Grid, Grid-Local" in htc.provenance[0].detail
    assert by_site.hours == pytest.approx({"SITE-A": 150.5 + 75, "SITE-B": 20.25})


async def test_one_download_for_many_queries(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv())
    src = source(settings, None, Clock.frozen(FROZEN_NOW))
    try:
        for scope in ("cloud", "htc", "cloud"):
            await src.monthly_hours(scope, Q4)
    finally:
        await src.aclose()
    assert fake.count("/csv") == 1


def test_second_run_in_a_fresh_process_uses_the_aggregate(fake, settings, tmp_path):
    fake.serve("csv", case.as_csv(), etag='"v1"')
    script = textwrap.dedent(
        f"""
        import asyncio, time
        from dataclasses import replace
        from pathlib import Path
        from okr_tui.core.clock import Clock
        from okr_tui.core.periods import Period
        from okr_tui.settings import Settings
        from okr_tui.sources.cache import ResponseCache
        from okr_tui.sources.dump import DumpAccounting
        import okr_tui.sources.dump_parse as parse_mod

        async def main():
            clock = Clock()
            settings = replace(Settings(), accounting_url={fake.url!r})
            src = DumpAccounting(settings, ResponseCache(Path({str(tmp_path)!r}), clock), clock)
            result = await src.monthly_hours("cloud", Period.of("2024-10", "2024-12"))
            await src.aclose()
            print(result.provenance[0].detail, "|", result.hours)

        asyncio.run(main())
        """
    )
    first = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    second = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "aggregate from cache" not in first.stdout
    assert "aggregate from cache" in second.stdout
    assert first.stdout.split("|")[1] == second.stdout.split("|")[1]

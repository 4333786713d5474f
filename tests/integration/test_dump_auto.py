"""``accounting_api`` choice: auto (dump, fallback to the legacy API, months filled from it),
dump, legacy; and the demo data giving the same report through either API."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from okr_tui.core.clock import Clock
from okr_tui.core.periods import Period
from okr_tui.settings import Settings
from okr_tui.sources.accounting_legacy import LegacyAccounting, legacy_url
from okr_tui.sources.auto import AutoAccounting, make_accounting_source
from okr_tui.sources.base import SourceError
from okr_tui.sources.dump import DumpAccounting
from okr_tui.sources.replay import ReplayAccounting
from tests.conftest import FROZEN_NOW
from tests.fakes.dump import HTML_PAGE, FakeDump
from tests.unit import dump_cases as case

Q4 = Period.of("2024-10", "2024-12")
NOV = Period.of("2024-11", "2024-11")


def legacy_body(hours: dict[str, dict[str, float]], period: Period) -> bytes:
    """A legacy path-API response in the real shape (data rows, then the closing rows)."""
    rows: list[dict[str, object]] = []
    for vo, months in hours.items():
        rows.append({"id": vo, **months, "Total": round(sum(months.values())), "Percent": 100})
    totals = {m: round(sum(h.get(m, 0) for h in hours.values())) for m in period.month_keys}
    rows.append({"id": "Total", **totals, "Total": sum(totals.values()), "Percent": ""})
    rows.append({"id": "Percent", **dict.fromkeys(period.month_keys, "100%")})
    rows.append({"id": "xlegend", **{str(i): vo for i, vo in enumerate(hours)}})
    rows.append({"id": "ylegend", **{str(i): m for i, m in enumerate(period.month_keys)}})
    rows.append({"id": "var", "xrange": "DATE", "yrange": "VO", "query": "sum_elap_processors"})
    return json.dumps(rows).encode()


@pytest.fixture
def fake() -> Iterator[FakeDump]:
    with FakeDump() as server:
        yield server


@pytest.fixture
def settings(fast_settings: Settings, fake: FakeDump) -> Settings:
    return replace(fast_settings, accounting_url=fake.url)


def serve_legacy(fake: FakeDump, settings: Settings, scope: str, period: Period, hours) -> None:
    path = urlsplit(legacy_url(settings, scope, period)).path
    fake.serve_path(path.rstrip("/"), legacy_body(hours, period))


async def auto_cloud(settings: Settings, period: Period = Q4):
    src = make_accounting_source(settings, None, Clock.frozen(FROZEN_NOW), api="auto")
    assert isinstance(src, AutoAccounting)
    try:
        return await src.monthly_hours("cloud", period)
    finally:
        await src.aclose()


@pytest.mark.parametrize(
    ("csv_kw", "kind"),
    [
        ({"body": None}, "not-found"),
        ({"body": HTML_PAGE, "content_type": "text/html"}, "not-a-dump"),
    ],
)
async def test_auto_falls_back_to_legacy_with_the_reason(fake, settings, csv_kw, kind):
    fake.serve("csv", **csv_kw)
    fake.serve("json", None)
    legacy = {"biomed": {"2024-10": 10.5, "2024-11": 20.0, "2024-12": 30.0}}
    serve_legacy(fake, settings, "cloud", Q4, legacy)
    result = await auto_cloud(settings)
    assert result.hours == legacy
    assert not result.missing
    (prov,) = result.provenance
    assert prov.api == "legacy"
    assert "fallback to the legacy API" in prov.detail and kind in prov.detail
    assert any("fallback" in w for w in result.warnings)


async def test_auto_fills_months_missing_in_the_dump_from_legacy(fake, settings):
    fake.serve("csv", case.as_csv())
    serve_legacy(fake, settings, "cloud", NOV, {"biomed": {"2024-11": 42.25}})
    result = await auto_cloud(settings)
    assert result.hours == {"biomed": {**case.CLOUD["biomed"], "2024-11": 42.25}}
    assert not result.missing
    assert [p.api for p in result.provenance] == ["dump", "legacy"]
    assert "2024-11" in result.provenance[1].detail


async def test_auto_keeps_months_missing_when_legacy_fails_too(fake, settings):
    fake.serve("csv", case.as_csv())  # no legacy response: 404
    result = await auto_cloud(settings)
    assert result.hours == case.CLOUD
    (missing,) = result.missing
    assert missing.month == "2024-11" and "legacy API could not fill it" in missing.reason


async def test_auto_when_both_fail_is_missing_with_both_reasons(fake, settings):
    fake.serve("csv", None)
    fake.serve("json", None)
    result = await auto_cloud(settings)
    assert result.failed and result.hours == {}
    assert "dump failed too" in result.missing[0].reason


def test_make_accounting_source_choices(fast_settings):
    clock = Clock.frozen(FROZEN_NOW)
    assert isinstance(make_accounting_source(fast_settings, None, clock, "dump"), DumpAccounting)
    assert isinstance(
        make_accounting_source(fast_settings, None, clock, "legacy"), LegacyAccounting
    )
    legacy_default = replace(fast_settings, accounting_api="legacy")
    assert isinstance(make_accounting_source(legacy_default, None, clock), LegacyAccounting)
    assert isinstance(make_accounting_source(fast_settings, None, clock, demo=True), AutoAccounting)
    demo_legacy = make_accounting_source(fast_settings, None, clock, "legacy", demo=True)
    assert isinstance(demo_legacy, ReplayAccounting)
    with pytest.raises(SourceError, match="unknown accounting_api"):
        make_accounting_source(fast_settings, None, clock, "sql")


def _fetch(api: str) -> dict:
    command = ["fetch", "--demo", "--format", "json", "--accounting-api", api]
    out = subprocess.run(
        [sys.executable, "-m", "okr_tui", *command],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout)


def test_demo_fetch_is_the_same_through_dump_and_legacy():
    dump, legacy = _fetch("dump"), _fetch("legacy")
    for scope in ("cloud", "htc"):
        a, b = dump[scope], legacy[scope]
        assert a["total_cpu_hours"] == b["total_cpu_hours"]
        assert a["vos_without_accounting"] == b["vos_without_accounting"]
        assert [v["vo"] for v in a["vos_with_accounting"]] == [
            v["vo"] for v in b["vos_with_accounting"]
        ]
        for x, y in zip(a["vos_with_accounting"], b["vos_with_accounting"], strict=True):
            assert x["cpu_hours"] == y["cpu_hours"]
            assert set(x["months"]) == set(y["months"])
            for month, hours in x["months"].items():
                assert hours == pytest.approx(y["months"][month], abs=1e-6)
    assert dump["missing"] == legacy["missing"] == []
    apis = {s["name"]: s["api"] for s in dump["sources"]}
    assert {s["cache"] for s in dump["sources"] if s["api"] == "dump"} == {False}
    assert apis["accounting cloud"] == "dump"
    assert {s["api"] for s in legacy["sources"] if s["name"].startswith("accounting")} == {"replay"}
    assert dump["cloud"]["total_cpu_hours"] == 15_315_512  # the real recorded portal Total


async def test_demo_dump_forms_agree_and_cover_24_months(fast_settings):
    from okr_tui.demo import DEMO_DATA

    clock = Clock.frozen(FROZEN_NOW)
    span = Period.of("2023-01", "2024-12")
    results = {}
    for name in ("accounting.csv", "accounting.json"):
        src = DumpAccounting(fast_settings, None, clock, local=DEMO_DATA / "dump" / name)
        results[name] = [await src.monthly_hours(s, span) for s in ("cloud", "htc")]
    csv_hours = [r.hours for r in results["accounting.csv"]]
    for scope_results in results.values():  # parsed in this run: not a cached answer
        assert [r.provenance[0].cache for r in scope_results] == [False, False]
    assert csv_hours == [r.hours for r in results["accounting.json"]]
    for scope_hours in results["accounting.csv"]:
        assert not scope_hours.missing
        assert {m for months in scope_hours.hours.values() for m in months} == set(span.month_keys)
    local = DumpAccounting(
        replace(fast_settings, accounting_selector="local"),
        None,
        clock,
        local=DEMO_DATA / "dump" / "accounting.csv",
    )
    assert (await local.monthly_hours("htc", span)).hours  # Grid-Local rows exist


def test_demo_dump_files_are_what_the_generator_writes(tmp_path):
    from okr_tui.demo import DEMO_DATA
    from okr_tui.demo.generate_dump import write

    for path in write(tmp_path):
        bundled = DEMO_DATA / "dump" / path.name
        assert bundled.read_bytes() == path.read_bytes(), f"regenerate {bundled.name}"
        assert bundled.stat().st_size < 6_000_000


async def test_auto_does_not_fall_back_when_the_dump_host_is_failing(fake, settings):
    """A failing host (5xx after every retry) is reported as it is: the legacy API on the same
    host is not tried (it would only repeat the retries), and nothing becomes a zero."""
    fake.serve("csv", b"", fail_first=1000)
    serve_legacy(fake, settings, "cloud", Q4, {"biomed": {"2024-10": 1.0}})
    result = await auto_cloud(settings)
    assert result.failed and result.hours == {}
    assert "503" in result.missing[0].reason
    assert fake.count("/cloud") == 0
    assert [p.api for p in result.provenance] == ["dump"]


async def test_a_failed_dump_is_downloaded_once_per_run(fake, settings):
    """Both scopes and the previous period share one failed download (no repeated retries)."""
    fake.serve("csv", b"", fail_first=1000)
    fake.serve("json", b"", fail_first=1000)
    src = make_accounting_source(settings, None, Clock.frozen(FROZEN_NOW), api="dump")
    try:
        first = await src.monthly_hours("cloud", Q4)
        hits = fake.count("/csv")
        second = await src.monthly_hours("htc", Q4)
    finally:
        await src.aclose()
    assert first.failed and second.failed
    assert hits >= 1 and fake.count("/csv") == hits
    assert first.missing[0].reason.split(": ", 1)[1] == second.missing[0].reason.split(": ", 1)[1]

"""Live sources (real httpx) against the fake portals on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from okr_tui.core.clock import Clock
from okr_tui.core.models import Missing
from okr_tui.core.periods import Period
from okr_tui.demo import DEMO_DATA, DEMO_PERIOD
from okr_tui.settings import Settings
from okr_tui.sources.accounting_legacy import LegacyAccounting
from okr_tui.sources.base import ProgressEvent, SourceError
from okr_tui.sources.cache import ResponseCache
from okr_tui.sources.http import RetryNotice
from okr_tui.sources.operations import OperationsPortal
from tests.fakes.portals import FakePortals, Fault, refuse_connections

AUTH_MESSAGE = (
    "HTTP 401 Unauthorized — the Operations Portal API key is missing or invalid "
    "(setting operations_api_key)"
)
VO_LIST = "/api/vo-list/json"
VO_USERS = "/api/egi-reports/vo-users"


def demo_users_total(vo: str, month: str) -> int:
    """The recorded demo value, read straight from the data file."""
    doc = json.loads((DEMO_DATA / "operations/vo-users.json").read_text(encoding="utf-8"))
    group = next(g for g in doc["vo"] if g["name"] == vo)
    return int(next(r["total"] for r in group["users"] if r["month"] == month))


async def fetch_ops(settings: Settings, clock: Clock, **kw: object):
    portal = OperationsPortal(settings, kw.pop("cache", None), clock)  # type: ignore[arg-type]
    try:
        return await portal.fetch(DEMO_PERIOD, **kw)  # type: ignore[arg-type]
    finally:
        await portal.aclose()


# --- Operations Portal ----------------------------------------------------------------------
async def test_bulk_path_is_exactly_two_requests(portal_settings, portals, frozen_clock) -> None:
    data = await fetch_ops(portal_settings, frozen_clock)
    assert sorted(portals.paths()) == [  # sent together: the bulk form needs no VO list
        f"{VO_USERS}?start_date=2020-01&end_date=2024-12&format=json",
        VO_LIST,
    ]
    assert len(data.vos) >= 150 and not data.failed and not data.missing
    assert data.users["alice"]["2024-12"] == demo_users_total("alice", "2024-12")
    assert "2025-01" not in data.users["alice"]  # nothing after the period
    users = data.provenance[1]
    assert (users.detail, users.requests, users.cache) == ("bulk", 1, False)


async def test_vo_list_only_sends_no_users_request(portal_settings, portals, frozen_clock) -> None:
    data = await fetch_ops(portal_settings, frozen_clock, vos=[])
    assert portals.paths() == [VO_LIST]
    assert len(data.vos) >= 150 and data.users == {} and not data.missing and not data.failed
    assert [p.name for p in data.provenance] == ["operations vo-list"]


async def test_period_before_users_history_sends_no_users_request(
    portal_settings, portals, frozen_clock
) -> None:
    portal = OperationsPortal(portal_settings, None, frozen_clock)
    try:
        data = await portal.fetch(Period.of("2019-10", "2019-12"))
    finally:
        await portal.aclose()
    assert portals.paths() == [VO_LIST]  # no data before 2020: nothing to ask for
    assert data.users == {} and not data.missing and not data.failed


async def test_per_vo_fallback_when_bulk_is_not_per_vo(portal_settings, frozen_clock) -> None:
    events: list[ProgressEvent] = []
    with FakePortals(api_key="test-SECRET-key-7f3a9c", synthetic_vos=25, refuse_bulk=True) as fake:
        settings = replace(portal_settings, operations_url=fake.operations_url)
        data = await fetch_ops(settings, frozen_clock, progress=events.append)
        assert fake.count(VO_USERS) == 26  # refused bulk + 25 per-VO
        assert all(r.key_ok for r in fake.requests)
    assert data.users["vo005.example.eu"]["2024-12"] == 5 + 59  # i + months since 2020-01
    assert "vo010.example.eu" not in data.users and not data.missing  # no data, not a failure
    prov = data.provenance[1]
    assert prov.detail == "per-vo (bulk answer is one series, not per-VO groups)"
    assert prov.requests == 26
    assert events[-1] == ProgressEvent("users", 25, 25, events[-1].message)
    assert [e.done for e in events] == sorted(e.done for e in events)


async def test_per_vo_fallback_after_bulk_400_and_one_vo_failing(
    portal_settings, frozen_clock
) -> None:
    with FakePortals(api_key="test-SECRET-key-7f3a9c", synthetic_vos=12, refuse_bulk="400") as fake:
        fake.set_fault(
            f"{VO_USERS}?start_date=2020-01&end_date=2024-12&format=json&vo=vo003", Fault(500)
        )
        settings = replace(portal_settings, operations_url=fake.operations_url)
        data = await fetch_ops(settings, frozen_clock)
    assert data.provenance[1].detail == "per-vo (bulk request failed: HTTP 400 Bad Request)"
    assert "vo003.example.eu" not in data.users
    [missing] = data.missing
    assert (missing.scope, missing.vo) == ("users", "vo003.example.eu")
    assert "HTTP 500 Internal Server Error (4 attempts)" in missing.reason
    assert "vo=vo003.example.eu" in missing.reason
    assert data.users["vo004.example.eu"]["2024-12"] == 4 + 59


async def test_vo_list_failure_marks_users_missing(portal_settings, portals, frozen_clock) -> None:
    portals.set_fault(VO_LIST, Fault.html(502))
    data = await fetch_ops(portal_settings, frozen_clock)
    assert data.failed and data.vos == [] and data.users == {}
    [missing] = data.missing
    assert missing.vo is None and missing.scope == "users"
    assert "HTTP 502 Bad Gateway (HTML error page; 4 attempts)" in missing.reason
    assert "/api/vo-list/json" in missing.reason


@pytest.mark.parametrize("key", [None, "wrong-key"])
async def test_401_message_names_the_setting(portal_settings, portals, frozen_clock, key) -> None:
    settings = replace(portal_settings, operations_api_key=key)
    data = await fetch_ops(settings, frozen_clock)
    assert data.failed
    assert AUTH_MESSAGE in data.missing[0].reason
    assert portals.count(VO_LIST) == 1  # 401 is not retried
    assert "test-SECRET-key-7f3a9c" not in data.missing[0].reason


async def test_429_with_retry_after_then_success(portal_settings, portals, frozen_clock) -> None:
    portals.set_fault(VO_LIST, Fault(429, json={"error": "slow down"}, retry_after="0.03", times=2))
    notices: list[RetryNotice] = []
    settings = replace(portal_settings, retry_max_wait=1.0)
    portal = OperationsPortal(settings, None, frozen_clock, on_retry=notices.append)
    try:
        data = await portal.fetch(DEMO_PERIOD)
    finally:
        await portal.aclose()
    assert not data.failed and len(data.vos) >= 150
    assert portals.count(VO_LIST) == 3
    assert [(n.attempt, n.wait) for n in notices] == [(1, 0.03), (2, 0.03)]
    assert notices[0].cause == "HTTP 429 Too Many Requests"


async def test_5xx_retries_capped_by_total_wait(portal_settings, portals, frozen_clock) -> None:
    # waits 0.02 + 0.04 = 0.06; the next (0.08) would pass the 0.1 s cap -> 3 attempts
    settings = replace(portal_settings, retries=10, retry_base_delay=0.02, retry_max_wait=0.1)
    portals.set_fault(VO_LIST, Fault(503, json={"error": "maintenance"}))
    data = await fetch_ops(settings, frozen_clock)
    assert portals.count(VO_LIST) == 3
    assert "HTTP 503 Service Unavailable (3 attempts)" in data.missing[0].reason


async def test_retry_after_beyond_cap_stops_at_once(portal_settings, portals, frozen_clock) -> None:
    portals.set_fault(VO_LIST, Fault(429, retry_after="120"))
    data = await fetch_ops(portal_settings, frozen_clock)
    assert portals.count(VO_LIST) == 1
    assert "Retry-After 120 s is beyond the retry cap of 0.05 s" in data.missing[0].reason


async def test_timeout(portal_settings, portals, frozen_clock) -> None:
    settings = replace(portal_settings, timeout=0.2, retries=1)
    portals.set_fault(VO_LIST, Fault(delay=0.6))
    data = await fetch_ops(settings, frozen_clock)
    assert "timed out after 0.2 s (2 attempts)" in data.missing[0].reason


async def test_connection_refused(portal_settings, frozen_clock) -> None:
    with refuse_connections() as url:
        settings = replace(portal_settings, operations_url=f"{url}/api/", retries=1)
        data = await fetch_ops(settings, frozen_clock)
    assert data.failed
    assert "connection refused (2 attempts)" in data.missing[0].reason


async def test_close_without_reply(portal_settings, portals, frozen_clock) -> None:
    portals.set_fault(VO_LIST, Fault(close=True))
    data = await fetch_ops(portal_settings, frozen_clock)
    assert "the server closed the connection without a reply (4 attempts)" in data.missing[0].reason


async def test_vo_card_and_vo_report(portal_settings, portals, frozen_clock) -> None:
    portal = OperationsPortal(portal_settings, None, frozen_clock)
    try:
        card = await portal.vo_card("alice")
        groups, prov = await portal.vo_report(DEMO_PERIOD)
        with pytest.raises(SourceError) as err:
            await portal.vo_card("no-such-vo")
    finally:
        await portal.aclose()
    assert card.acknowledgement.startswith("This work used resources of the alice VO")
    assert card.publications_url == "https://publications.example.org/alice"
    assert (
        portals.paths()[1]
        == "/api/egi-reports/vo?start_date=2024-10-01&end_date=2025-01-01&format=json"
    )
    assert {g.status for g in groups} == {"Production", "Leaving", "Deleted", "Pending"}
    assert prov.rows == 4
    assert err.value.status == 404 and "HTTP 404 Not Found" in str(err.value)


# --- cache -------------------------------------------------------------------------------------
async def test_cache_hit_then_refresh_bypass(
    portal_settings, portals, frozen_clock, tmp_path
) -> None:
    cache_dir = tmp_path / "cache"
    first = await fetch_ops(
        portal_settings, frozen_clock, cache=ResponseCache(cache_dir, frozen_clock)
    )
    assert portals.count() == 2 and not any(p.cache for p in first.provenance)
    second = await fetch_ops(
        portal_settings, frozen_clock, cache=ResponseCache(cache_dir, frozen_clock)
    )
    assert portals.count() == 2  # nothing new on the wire
    assert all(p.cache for p in second.provenance)
    assert second.users == first.users and [v.name for v in second.vos] == [
        v.name for v in first.vos
    ]
    refresh = ResponseCache(cache_dir, frozen_clock, refresh=True)
    third = await fetch_ops(portal_settings, frozen_clock, cache=refresh)
    assert portals.count() == 4 and not any(p.cache for p in third.provenance)
    files = list(cache_dir.rglob("*.json"))
    assert len(files) == 2
    for path in files:
        assert b"test-SECRET-key-7f3a9c" not in path.read_bytes()
        assert not path.name.startswith(".tmp")


async def test_wrong_shaped_answer_is_not_cached(
    portal_settings, portals, frozen_clock, tmp_path
) -> None:
    portals.set_fault(VO_LIST, Fault(json={"items": []}, times=1))
    cache = ResponseCache(tmp_path / "c", frozen_clock)
    bad = await fetch_ops(portal_settings, frozen_clock, cache=cache)
    assert bad.failed and 'expected an object with a "data" list' in bad.missing[0].reason
    good = await fetch_ops(portal_settings, frozen_clock, cache=cache)
    assert not good.failed and good.provenance[0].cache is False


# --- cancellation -------------------------------------------------------------------------------
async def test_cancellation_propagates_and_leaves_nothing_running(
    portal_settings, frozen_clock
) -> None:
    with FakePortals(api_key="test-SECRET-key-7f3a9c", synthetic_vos=40, refuse_bulk="400") as fake:
        fake.latency = 0.1
        settings = replace(portal_settings, operations_url=fake.operations_url, concurrency=4)
        portal = OperationsPortal(settings, None, frozen_clock)
        before = asyncio.all_tasks()
        task = asyncio.create_task(portal.fetch(DEMO_PERIOD))
        for _ in range(500):  # until per-VO requests are under way (refused bulk + 4 done)
            if fake.count(VO_USERS) >= 5:
                break
            await asyncio.sleep(0.01)
        assert fake.count(VO_USERS) >= 5 and not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=2)
        await asyncio.sleep(0)
        assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()
        await portal.aclose()
        await asyncio.sleep(0.3)  # requests in flight at cancel time finish on the server
        seen = fake.count(VO_USERS)
        await asyncio.sleep(0.3)
        assert fake.count(VO_USERS) == seen < 41  # stopped early, nothing sent after cancel


class _Recorder(BaseHTTPRequestHandler):
    """Answers an empty VO list and records the X-API-Key header it received."""

    seen: list[str | None] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.headers.get("X-API-Key"))
        body = b'{"data": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


async def test_api_key_is_not_sent_to_another_host_after_a_redirect(
    fast_settings, frozen_clock
) -> None:
    other = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    _Recorder.seen = []
    target = f"http://localhost:{other.server_address[1]}/api/vo-list/json"  # another host
    try:
        with FakePortals(api_key="test-SECRET-key-7f3a9c") as fake:
            fake.set_fault(VO_LIST, Fault(status=302, headers={"Location": target}))
            settings = replace(fast_settings, operations_url=fake.operations_url)
            data = await fetch_ops(settings, frozen_clock, vos=[])
            assert [r.key_ok for r in fake.requests] == [True]  # the portal itself gets it
    finally:
        other.shutdown()
        other.server_close()
    assert _Recorder.seen == [None]
    assert data.vos == [] and not data.failed


# --- legacy accounting ------------------------------------------------------------------
async def test_legacy_concurrent_calls_count_their_own_requests(
    portal_settings, portals, frozen_clock, tmp_path
) -> None:
    cache = ResponseCache(tmp_path / "c", frozen_clock)
    queries = [(s, p) for s in ("cloud", "htc") for p in (DEMO_PERIOD, DEMO_PERIOD.previous())]
    for expected in (1, 0):  # sent, then from the cache
        source = LegacyAccounting(portal_settings, cache, frozen_clock)
        try:
            got = await asyncio.gather(*(source.monthly_hours(s, p) for s, p in queries))
        finally:
            await source.aclose()
        assert [h.provenance[0].requests for h in got] == [expected] * 4
    assert portals.count("/") == 4


async def test_legacy_cloud_and_htc(portal_settings, portals, frozen_clock) -> None:
    source = LegacyAccounting(portal_settings, None, frozen_clock)
    try:
        cloud = await source.monthly_hours("cloud", DEMO_PERIOD)
        htc = await source.monthly_hours("htc", DEMO_PERIOD)
    finally:
        await source.aclose()
    assert portals.paths("accounting") == [
        "/cloud/sum_elap_processors/VO/DATE/2024/10/2024/12/egi/onlyinfrajobs/JSON/",
        "/egi/elap_processors/VO/DATE/2024/10/2024/12/egi/onlyinfrajobs/JSON/",
    ]
    assert len(cloud.hours) == 67 and cloud.portal_total == 15_315_512 and not cloud.missing
    assert cloud.hours["ALICE"]["2024-11"] == 5759.9978
    assert cloud.provenance[0].api == "legacy" and cloud.provenance[0].rows == 67
    assert "ATLAS" in htc.hours and not htc.failed


async def test_legacy_redirect_chain_followed(portal_settings, portals, frozen_clock) -> None:
    portals.set_fault("/cloud/", Fault(redirects=3))
    source = LegacyAccounting(portal_settings, None, frozen_clock)
    try:
        cloud = await source.monthly_hours("cloud", DEMO_PERIOD)
    finally:
        await source.aclose()
    assert len(cloud.hours) == 67 and not cloud.missing
    assert sum(p.startswith("/_hop/") for p in portals.paths("accounting")) == 2
    assert len(portals.paths("accounting")) == 4


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (Fault(404, body="<html>Not Found</html>", content_type="text/html"), "HTTP 404 Not Found"),
        (Fault.invalid_json(), "invalid JSON at line 1 column 11"),
        (Fault(json=[]), "empty list: the portal returned no rows"),
        (Fault(json={"error": "x"}), "expected a JSON list of rows, got an object"),
    ],
)
async def test_legacy_failure_is_missing_never_zero(
    portal_settings, portals, frozen_clock, fault, cause
) -> None:
    portals.set_fault("/cloud/", fault)
    source = LegacyAccounting(portal_settings, None, frozen_clock)
    try:
        cloud = await source.monthly_hours("cloud", DEMO_PERIOD)
    finally:
        await source.aclose()
    assert cloud.failed and cloud.hours == {} and cloud.portal_total is None
    [missing] = cloud.missing
    assert missing == Missing("cloud", None, missing.reason)
    assert cause in missing.reason
    assert f"{portals.accounting_url}/cloud/sum_elap_processors/VO/DATE/2024/10" in missing.reason


async def test_legacy_breakdown_by_site(portal_settings, portals, frozen_clock) -> None:
    source = LegacyAccounting(portal_settings, None, frozen_clock)
    try:
        sites = await source.breakdown("cloud", DEMO_PERIOD, "ALICE", "site")
        with pytest.raises(SourceError, match="no breakdown by 'country'"):
            await source.breakdown("cloud", DEMO_PERIOD, "ALICE", "country")
    finally:
        await source.aclose()
    assert portals.paths("accounting")[-1] == (
        "/cloud/sum_elap_processors/SITE/DATE/2024/10/2024/12/custom-ALICE/onlyinfrajobs/JSON/"
    )
    # the fake splits ALICE's recorded hours (5952 + 5759.9978 + 5952) over three sites
    assert sites.by == "site" and len(sites.hours) == 3
    assert sum(sites.hours.values()) == pytest.approx(17663.9978, abs=0.01)


def test_fake_shuts_down(tmp_path: Path) -> None:
    with FakePortals() as fake:
        url = fake.operations_url
    assert url.startswith("http://127.0.0.1:") and fake._servers == []

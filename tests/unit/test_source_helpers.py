"""HTTP helpers (Retry-After, URL redaction, JSON decoding) and the response cache."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from okr_tui.core.clock import Clock
from okr_tui.core.periods import Period
from okr_tui.sources.base import SourceError
from okr_tui.sources.cache import LONG_TTL, SHORT_TTL, ResponseCache, cached_fetch
from okr_tui.sources.http import decode_json, parse_retry_after, redact_url, stream_to_file
from okr_tui.sources.parsers import ParseError

NOW = datetime(2025, 2, 10, 9, 30, tzinfo=timezone.utc)


class MovingClock(Clock):
    """A clock the test moves forward."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        super().__init__(lambda: self.at)


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=timezone.utc)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-4") == 0.0


def test_redact_url_masks_credentials() -> None:
    url = "https://user:pw@portal.example/api/x?api_key=abc&start_date=2024-10&token=t"
    assert redact_url(url) == (
        "https://portal.example/api/x?api_key=***&start_date=2024-10&token=***"
    )
    assert redact_url("https://a.example/p/") == "https://a.example/p/"


@pytest.mark.parametrize(
    ("body", "ctype", "cause"),
    [
        (b'{"a": tru}', "application/json", "invalid JSON at line 1 column 7"),
        (b'[\n  {"id": 1},\n  oops\n]', "application/json", "invalid JSON at line 3 column 3"),
        (b"<html><body>hi</body></html>", "text/html", "expected JSON, got an HTML page"),
        (b"  ", "application/json", "empty response body (expected JSON)"),
    ],
)
def test_decode_json_errors(body: bytes, ctype: str, cause: str) -> None:
    response = httpx.Response(200, content=body, headers={"content-type": ctype})
    with pytest.raises(SourceError) as err:
        decode_json(response, source="operations vo-list", url="http://h/api/vo-list/json")
    assert err.value.cause == cause
    assert str(err.value) == f"operations vo-list: {cause} (http://h/api/vo-list/json)"


def test_cache_roundtrip_expiry_and_atomic_files(tmp_path: Path) -> None:
    clock = MovingClock(NOW)
    cache = ResponseCache(tmp_path, clock)
    cache.put("http://h/a", {"data": [1, 2]}, ttl=60)
    hit = cache.get("http://h/a")
    assert hit is not None and hit.data == {"data": [1, 2]} and hit.fetched_at == NOW
    assert cache.get("http://h/b") is None
    assert [p.name.startswith(".tmp") for p in tmp_path.rglob("*")].count(True) == 0
    clock.at = NOW + timedelta(seconds=61)
    assert cache.get("http://h/a") is None  # expired


def test_cache_refresh_bypasses_reads_but_writes(tmp_path: Path) -> None:
    clock = Clock.frozen(NOW)
    ResponseCache(tmp_path, clock).put("http://h/a", [1], ttl=60)
    refreshing = ResponseCache(tmp_path, clock, refresh=True)
    assert refreshing.get("http://h/a") is None
    refreshing.put("http://h/a", [2], ttl=60)
    hit = ResponseCache(tmp_path, clock).get("http://h/a")
    assert hit is not None and hit.data == [2]


def test_cache_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, Clock.frozen(NOW))
    cache.put("http://h/a", [1], ttl=60)
    cache.path_for("http://h/a").write_text("{not json", encoding="utf-8")
    assert cache.get("http://h/a") is None


def test_cache_ttl_for_periods() -> None:
    cache = ResponseCache(Path("/nonexistent"), Clock.frozen(NOW))  # today 2025-02-10
    assert cache.ttl_for(Period.of("2024-10", "2024-12")) == LONG_TTL  # settled
    assert cache.ttl_for(Period.of("2025-01", "2025-01")) == SHORT_TTL  # ended 10 days ago
    assert cache.ttl_for(Period.of("2025-01", "2025-02")) == SHORT_TTL  # current month
    assert cache.ttl_for(None) == SHORT_TTL


async def test_cached_fetch_stores_only_parsed_documents(tmp_path: Path) -> None:
    clock = Clock.frozen(NOW)
    cache = ResponseCache(tmp_path, clock)
    calls: list[str] = []

    def parse(doc: object) -> list[int]:
        if not isinstance(doc, list):
            raise ParseError("not a list")
        return doc

    async def bad() -> object:
        calls.append("bad")
        return {"wrong": "shape"}

    async def good() -> object:
        calls.append("good")
        return [7]

    with pytest.raises(ParseError):
        await cached_fetch(cache, "http://h/x", 60, bad, parse, clock)
    assert await cached_fetch(cache, "http://h/x", 60, good, parse, clock) == ([7], False, NOW)
    assert await cached_fetch(cache, "http://h/x", 60, good, parse, clock) == ([7], True, NOW)
    assert calls == ["bad", "good"]


async def test_stream_to_file_retries_and_writes_atomically(tmp_path: Path, fast_settings) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(503, headers={"Retry-After": "0"})
        return httpx.Response(200, content=b"a,b\n1,2\n", headers={"ETag": '"v1"'})

    seen: list[int] = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        headers = await stream_to_file(
            client, "http://h/csv", tmp_path / "out" / "dump.csv", source="accounting dump",
            settings=fast_settings, on_bytes=seen.append,
        )  # fmt: skip
    assert (tmp_path / "out" / "dump.csv").read_bytes() == b"a,b\n1,2\n"
    assert headers["etag"] == '"v1"' and len(calls) == 2 and seen[-1] == 8
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["dump.csv"]


async def test_stream_to_file_failure_leaves_no_file(tmp_path: Path, fast_settings) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(404, text="gone"))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(SourceError) as err:
            await stream_to_file(
                client, "http://h/json", tmp_path / "out" / "d.json", source="accounting dump",
                settings=fast_settings,
            )  # fmt: skip
    assert err.value.cause == "HTTP 404 Not Found" and err.value.status == 404
    assert list((tmp_path / "out").iterdir()) == []

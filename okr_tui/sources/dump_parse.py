"""Recognise the form of a dump stream (CSV, InfluxDB JSON, row-per-line JSON, gzip of any) and
aggregate it while reading."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import BinaryIO

import orjson
import pyarrow as pa

from okr_tui.sources.dump_agg import Aggregator
from okr_tui.sources.dump_csv import PrefixedReader, csv_batches, read_header
from okr_tui.sources.dump_json import InfluxScanner, ndjson_rows
from okr_tui.sources.dump_result import DumpAggregate
from okr_tui.sources.dump_schema import ALIASES, DumpError

HEAD = 64 << 10
_KNOWN = {spelling for spellings in ALIASES.values() for spelling in spellings}


def _head(stream: BinaryIO) -> bytes:
    head = b""
    while len(head) < HEAD:
        more = stream.read(HEAD - len(head))
        if not more:
            break
        head += more
    return head


def sniff(head: bytes) -> str:
    """ "csv" | "json" | "ndjson" | "html" | "empty" from the first bytes (gzip already undone)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return "empty"
    if text[:1] == b"<":
        return "html"
    if text[:1] == b"{":
        first = text.split(b"\n", 1)[0]
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"
        influx = isinstance(obj, dict) and ("results" in obj or "error" in obj)
        return "json" if influx else "ndjson"
    if text[:1] == b"[":
        return "json-array"
    return "csv"


def parse_dump(
    stream: BinaryIO, url: str, on_rows: Callable[[int], None] | None = None
) -> DumpAggregate:
    """Aggregate a whole dump from ``stream``. Raises DumpError with a specific ``kind``."""
    head = _head(stream)
    if head[:2] == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=PrefixedReader(head, stream))  # type: ignore[assignment]
        try:
            head = _head(stream)
        except (OSError, EOFError) as exc:
            raise DumpError("truncated", url, f"broken gzip stream: {exc}") from None
    form = sniff(head)
    agg = Aggregator(url)

    def add(batch: dict) -> None:
        agg.add(batch)
        if on_rows:
            on_rows(agg.stats.rows)

    body = PrefixedReader(head.lstrip(b"\xef\xbb\xbf"), stream)
    try:
        if form == "empty":
            raise DumpError("empty", url, "the dump is empty")
        if form == "html":
            raise DumpError("not-a-dump", url, "an HTML page, not a dump")
        if form == "json-array":
            raise DumpError("not-a-dump", url, "a JSON array, not a dump")
        if form == "json":
            scanner = InfluxScanner(body, url, add)  # type: ignore[arg-type]
            scanner.run()
            unknown = scanner.unknown
        else:
            if form == "ndjson":
                batches, unknown = ndjson_rows(body, url)  # type: ignore[arg-type]
            else:
                header = read_header(head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0], url)
                if len(_KNOWN & {h.strip().casefold() for h in header}) < 2:
                    raise DumpError("not-a-dump", url, f"not a dump: first line {header[:5]}")
                batches, unknown = csv_batches(body, header, url)  # type: ignore[arg-type]
            for batch in batches:
                add(batch)
    except (OSError, EOFError) as exc:
        raise DumpError("truncated", url, f"the dump could not be read to its end: {exc}") from None
    pa.default_memory_pool().release_unused()  # the reader's buffers, before the final sort
    groups, vocab, stats = agg.finish()
    return DumpAggregate.from_table(groups, vocab, stats, form, unknown)

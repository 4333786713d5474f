"""Streaming CSV form of the dump, parsed by pyarrow's multi-threaded CSV reader.

pyarrow is already a dependency; its streaming reader (``open_csv``) parses blocks in native
threads and hands back column batches, with memory bounded by the block size — the pure-Python
``csv`` module is ~3x slower than needed (issue 3, item 8)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from okr_tui.sources.dump_schema import NUMBERS, USED, DumpError, map_columns

BLOCK_SIZE = 2 << 20  # larger blocks read further ahead: more memory, no faster
_DICT = pa.dictionary(pa.int32(), pa.string())


def read_header(first_line: bytes, url: str) -> list[str]:
    """Column names of the header line (plain or InfluxDB CSV ``name,tags,time,...``)."""
    text = first_line.decode("utf-8-sig", errors="replace").strip()
    return next(csv.reader([text]), [])


def csv_batches(
    stream: BinaryIO, header: list[str], url: str
) -> tuple[Iterator[dict[str, pa.Array]], list[str]]:
    """(batches of canonical columns, unknown column names). ``stream`` starts at the header."""
    mapping, unknown = map_columns(header, url)
    types: dict[str, pa.DataType] = {}
    for canonical, name in mapping.items():
        types[name] = pa.float64() if canonical in NUMBERS else _DICT
    wanted = [c for c in mapping if c in USED]
    read = pacsv.ReadOptions(block_size=BLOCK_SIZE, use_threads=True)
    convert = pacsv.ConvertOptions(
        column_types=types,
        include_columns=[mapping[c] for c in wanted],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        reader = pacsv.open_csv(stream, read_options=read, convert_options=convert)
    except pa.ArrowInvalid as exc:
        raise _csv_error(exc, header, url) from None

    def batches() -> Iterator[dict[str, pa.Array]]:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                raise _csv_error(exc, header, url) from None
            yield {c: batch.column(mapping[c]) for c in wanted}

    return batches(), unknown


def _csv_error(exc: Exception, header: list[str], url: str) -> DumpError:
    text = str(exc)
    m = re.search(
        r"CSV column #(\d+): CSV conversion error to (\w+): invalid value '([^']*)'", text
    )
    if m:
        index = int(m.group(1))
        column = header[index] if index < len(header) else f"#{index}"
        return DumpError("value", url, f"non-numeric value {m.group(3)[:40]!r} in {column}")
    if "Expected" in text and "columns" in text:
        return DumpError("value", url, f"malformed CSV row: {text.splitlines()[0][:200]}")
    return DumpError("value", url, f"unreadable CSV: {text.splitlines()[0][:200]}")


class PrefixedReader(io.RawIOBase):
    """A read-only stream: ``prefix`` bytes, then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Read without the extra copy of ``readinto`` (large reads of the JSON scanner)."""
        if self._prefix or size is None or size < 0:
            return super().read(size)
        return self._stream.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

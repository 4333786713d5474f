"""Streaming JSON forms of the dump: InfluxDB query output (``{"results": [{"series": [{"name",
"columns", "values"}]}]}``, one document or one chunk per line) and one row object per line.

The small structural parts are walked in Python; each ``values`` array is cut into multi-MB
slices at row boundaries (``],`` / ``]]``). A compact slice without escapes is parsed as CSV by
pyarrow (native, multi-threaded; see :func:`fast_rows`), any other by orjson in one call. A
wrong cut (a bracket inside a string) cannot parse, so it is detected and the scanner falls back
to row-at-a-time for that slice: results never depend on where the cuts fall."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv

from okr_tui.sources.dump_schema import NUMBERS, STRINGS, USED, DumpError, map_columns

CHUNK = 4 << 20
_WS = re.compile(rb"[ \t\r\n]*")
_END = re.compile(rb"\][ \t\r\n]*\]")
_SPECIAL = re.compile(rb'["\[\]{}]')
_SCALAR = re.compile(rb"[-+0-9.eE]+|true|false|null")
_QUOTE, _LBRACK, _LBRACE = 0x22, 0x5B, 0x7B
Batch = dict[str, pa.Array]
_DICT = pa.dictionary(pa.int32(), pa.string())
_SUSPECT = " \t"  # a string value starting/ending so may come from JSON whitespace


def to_batch(columns: dict[str, tuple[Any, ...] | list[Any]], url: str) -> Batch:
    """Python column values (canonical names) -> pyarrow arrays, checking value types."""
    out: Batch = {}
    for name, values in columns.items():
        try:
            if name in NUMBERS:
                out[name] = pa.array(values, type=pa.float64())
            elif name in STRINGS:
                try:
                    out[name] = pa.array(values, type=pa.string())
                except (pa.ArrowTypeError, pa.ArrowInvalid):
                    out[name] = pa.array([None if v is None else str(v) for v in values])
            else:
                try:
                    out[name] = pa.array(values)
                except (pa.ArrowTypeError, pa.ArrowInvalid):
                    out[name] = pa.array([None if v is None else str(v) for v in values])
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            bad = next((v for v in values if v is not None and not _is_number(v)), None)
            raise DumpError("value", url, f"non-numeric value {bad!r:.40} in {name}") from None
    return out


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class InfluxScanner:
    """Walks InfluxDB JSON output from a byte stream, emitting one batch per values slice."""

    def __init__(self, stream: BinaryIO, url: str, emit: Callable[[Batch], None]) -> None:
        self.stream, self.url, self.emit = stream, url, emit
        self.data, self.pos, self.eof = b"", 0, False
        self.results_seen = False
        self.unknown: list[str] = []

    # --- buffer -------------------------------------------------------------------------------
    def fill(self, need: int) -> bool:
        """Make ``need`` bytes available from ``pos``; False at end of stream."""
        while len(self.data) - self.pos < need and not self.eof:
            more = self.stream.read(max(CHUNK, need - (len(self.data) - self.pos)))
            if not more:
                self.eof = True
                break
            self.data = self.data[self.pos :] + more
            self.pos = 0
        return len(self.data) - self.pos >= need

    def _more(self) -> None:
        if not self.fill(len(self.data) - self.pos + 1):
            raise DumpError("truncated", self.url, "the JSON dump ends in the middle of a value")

    def peek(self) -> int | None:
        """The next non-blank byte (not consumed), None at end of stream."""
        while True:
            self.pos = _WS.match(self.data, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.data):
                return self.data[self.pos]
            if not self.fill(1):
                return None

    def expect(self, char: bytes) -> None:
        if self.peek() != char[0]:
            found = self.data[self.pos : self.pos + 20]
            raise DumpError("not-a-dump", self.url, f"expected {char!r} in JSON, found {found!r}")
        self.pos += 1

    def value(self) -> Any:
        """Parse the (small) JSON value at the current position."""
        self.peek()
        i, depth = 0, 0
        while True:
            data, base = self.data, self.pos
            j = base + i
            if j >= len(data):
                self._more()
                continue
            c = data[j]
            if c == _QUOTE:
                end = _string_end(data, j)
                if end < 0:
                    self._more()
                    continue
                i = end - base
                if depth == 0:
                    break
            elif c in (_LBRACK, _LBRACE):
                depth += 1
                i += 1
            elif c in (0x5D, 0x7D):
                depth -= 1
                i += 1
                if depth <= 0:
                    break
            elif depth == 0:
                m = _SCALAR.match(data, j)
                if m is None:
                    raise DumpError("not-a-dump", self.url, f"not JSON near {data[j : j + 20]!r}")
                if m.end() == len(data) and not self.eof:
                    self._more()
                    continue
                i = m.end() - base
                break
            else:
                m = _SPECIAL.search(data, j)
                if m is None:
                    i = len(data) - base
                    self._more()
                    continue
                i = m.start() - base
        text, self.pos = self.data[base : base + i], base + i
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise DumpError("not-a-dump", self.url, f"invalid JSON near {text[:40]!r}") from None

    # --- structure ----------------------------------------------------------------------------
    def _members(self, on_member: Callable[[str], None]) -> None:
        self.expect(b"{")
        if self.peek() == 0x7D:
            self.pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise DumpError("not-a-dump", self.url, "a JSON object key is not a string")
            self.expect(b":")
            on_member(key)
            nxt = self.peek()
            self.pos += 1
            if nxt == 0x2C:
                continue
            if nxt == 0x7D:
                return
            self._unexpected(nxt)

    def _elements(self, on_element: Callable[[], None]) -> None:
        self.expect(b"[")
        if self.peek() == 0x5D:
            self.pos += 1
            return
        while True:
            on_element()
            nxt = self.peek()
            self.pos += 1
            if nxt == 0x2C:
                continue
            if nxt == 0x5D:
                return
            self._unexpected(nxt)

    def _unexpected(self, found: int | None) -> None:
        if found is None:
            raise DumpError("truncated", self.url, "the JSON dump ends before its last bracket")
        raise DumpError("not-a-dump", self.url, f"unexpected {bytes([found])!r} in the JSON dump")

    def run(self) -> None:
        """Parse every top-level document (one, or one per line) to the end of the stream."""
        while self.peek() is not None:
            self._members(self._top)
        if not self.results_seen:
            raise DumpError("not-a-dump", self.url, 'JSON without "results": not a dump')

    def _top(self, key: str) -> None:
        if key == "results":
            self.results_seen = True
            self._elements(lambda: self._members(self._result))
        elif key == "error":
            raise DumpError("not-a-dump", self.url, f"the dump reports an error: {self.value()}")
        else:
            self.value()

    def _result(self, key: str) -> None:
        if key == "series":
            self._elements(self._series)
        elif key == "error":
            raise DumpError("value", self.url, f"a dump result reports an error: {self.value()}")
        else:
            self.value()

    def _series(self) -> None:
        state: dict[str, Any] = {}

        def member(key: str) -> None:
            if key == "columns":
                header = self.value()
                if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
                    raise DumpError("columns", self.url, "series columns are not names")
                mapping, unknown = map_columns(header, self.url)
                self.unknown.extend(u for u in unknown if u not in self.unknown)
                state["index"] = {c: header.index(n) for c, n in mapping.items() if c in USED}
                state["width"] = len(header)
            elif key == "values":
                if "index" not in state:
                    raise DumpError("columns", self.url, "a series has values before columns")
                self._values(state["index"], state["width"])
            else:
                self.value()

        self._members(member)

    def _values(self, index: dict[str, int], width: int) -> None:
        self.expect(b"[")
        if self.peek() == 0x5D:
            self.pos += 1
            return
        self.fill(CHUNK)
        pretty = self.data.find(b"\n", self.pos, self.pos + (64 << 10)) >= 0
        while True:
            self.fill(CHUNK)
            data, start = self.data, self.pos
            limit = min(len(data), start + CHUNK)
            # the values end (``]]``) is the last one before the series' closing brace: look
            # for a brace first (memchr-fast), then for ``]]`` only before it
            brace = data.find(b"}", start, limit)
            tail = brace if brace >= 0 else limit
            end = data.rfind(b"]]", start if brace >= 0 else max(start, limit - 256), tail)
            if end < 0 and brace >= 0:
                end = data.find(b"]]", start, limit)
            if end >= 0:
                end_span: tuple[int, int] | None = (end, end + 2)
            elif pretty:  # whitespace between the brackets: the slower regex
                m = _END.search(data, start, limit)
                end_span = m.span() if m else None
            else:
                end_span = None
            if end_span and self._emit_slice(data, start, end_span[0] + 1, index, width):
                self.pos = end_span[1]
                return
            cut = data.rfind(b"],", start, limit)
            if cut > start and self._emit_slice(data, start, cut + 1, index, width):
                self.pos = cut + 2
                self.peek()
                continue
            self._emit([self.value()], index, width)  # slow path: one row
            nxt = self.peek()
            self.pos += 1
            if nxt == 0x5D:
                return
            if nxt != 0x2C:
                self._unexpected(nxt)

    def _emit_slice(
        self, data: bytes, start: int, end: int, index: dict[str, int], width: int
    ) -> bool:
        """Emit the rows of ``data[start:end]`` (``[..],..,[..]``); False if not parseable."""
        batch = fast_rows(data[start:end], index, width)
        if batch is not None:
            self.emit(batch)
            return True
        rows = _try_rows(data, start, end)
        if rows is None:
            return False
        self._emit(rows, index, width)
        return True

    def _emit(self, rows: list[Any], index: dict[str, int], width: int) -> None:
        if any(type(r) is not list for r in rows) or set(map(len, rows)) != {width}:
            raise DumpError("value", self.url, f"a values row is not a list of {width} cells")
        cols = list(zip(*rows, strict=True))
        self.emit(to_batch({c: cols[i] for c, i in index.items()}, self.url))


def fast_rows(chunk: bytes, index: dict[str, int], width: int) -> Batch | None:
    """Compact rows of scalars (``["a",1,null],["b",2,3]``) parsed as CSV by pyarrow: after
    ``],[`` -> newline a row of JSON scalars without escapes is a valid CSV record with the same
    values. None (use orjson) whenever that cannot be guaranteed: escapes, whitespace or brackets
    outside the row delimiters, a ragged row, or a string value that would differ."""
    if len(chunk) < 2 or chunk[0] != _LBRACK or chunk[-1] != 0x5D:
        return None
    body = chunk[1:-1].replace(b"],[", b"\n\n\n")  # same length: replaced in place (fast)
    for bad in (b"\\", b"[", b"]", b"{", b"}", b"\r"):
        if bad in body:
            return None
    if b"\n" in chunk:
        return None
    names = [f"c{i}" for i in range(width)]
    types = {f"c{i}": pa.float64() if c in NUMBERS else _DICT for c, i in index.items()}
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=2 << 20),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=list(types),
                null_values=["null"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    out: Batch = {}
    for canonical, i in index.items():
        column = table.column(f"c{i}").combine_chunks()
        if pa.types.is_dictionary(column.type):
            for value in column.dictionary.to_pylist():
                if value and (value[0] in _SUSPECT or value[-1] in _SUSPECT or '"' in value):
                    return None
        out[canonical] = column
    return out


def _string_end(data: bytes, quote: int) -> int:
    """Index after the closing quote of the string opening at ``quote``; -1 if not in data."""
    k = quote + 1
    while True:
        q = data.find(b'"', k)
        if q < 0:
            return -1
        b = q - 1
        while data[b] == 0x5C:
            b -= 1
        if (q - 1 - b) % 2 == 0:
            return q + 1
        k = q + 1


def _try_rows(data: bytes, start: int, end: int) -> list[Any] | None:
    try:
        rows = orjson.loads(b"[" + data[start:end] + b"]")
    except orjson.JSONDecodeError:
        return None
    return rows if isinstance(rows, list) else None


def ndjson_rows(stream: BinaryIO, url: str) -> tuple[Iterator[Batch], list[str]]:
    """One row object per line: ``{"time": ..., "vo": ..., ...}``."""
    first = stream.read(CHUNK)
    try:
        head = orjson.loads(first.lstrip().split(b"\n", 1)[0])
    except orjson.JSONDecodeError:
        raise DumpError("value", url, "the first line is not a JSON object") from None
    if not isinstance(head, dict):
        raise DumpError("not-a-dump", url, "the first line is not a JSON object")
    mapping, unknown = map_columns(list(head), url)
    used = {c: n for c, n in mapping.items() if c in USED}

    def batches() -> Iterator[Batch]:
        pending, line_no = first, 0
        while True:
            more = stream.read(CHUNK)
            data = pending + more
            cut = len(data) if not more else data.rfind(b"\n") + 1
            block, pending = data[:cut], data[cut:]
            lines = [ln for ln in block.split(b"\n") if ln.strip()]
            if lines:
                try:
                    objs = orjson.loads(b"[" + b",".join(lines) + b"]")
                except orjson.JSONDecodeError:
                    kind = "truncated" if not more else "value"
                    raise DumpError(kind, url, f"a line after line {line_no} is not JSON") from None
                line_no += len(lines)
                if any(type(o) is not dict for o in objs):
                    raise DumpError("value", url, "a line is not a JSON object")
                yield to_batch({c: [o.get(n) for o in objs] for c, n in used.items()}, url)
            if not more:
                return

    return batches(), unknown

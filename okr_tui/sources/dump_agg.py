"""Streaming aggregation of dump rows (SPEC §3.4): de-duplication by 64-bit key hashes and
sums of ``raw_wc_time`` per (infrastructure, VO, month, site, NGI, country, tier).

Batches arrive as columns (pyarrow arrays, canonical names, see :mod:`dump_schema`). Memory is
~38 bytes per row (see :class:`Aggregator`); no row is kept as a Python object."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from okr_tui.sources.dump_schema import (
    ATTR_STRINGS,
    KEY_STRINGS,
    VALUE_NUMBERS,
    DumpError,
    month_key,
    parse_month,
)

_U64 = np.uint64
_C1, _C2 = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB)
_SEED, _PRIME = _U64(0x9E3779B97F4A7C15), _U64(0x100000001B3 | (0x9E37 << 48))
_NULL_FLOAT = np.float64(np.nan).view(np.uint64) ^ _U64(0x5A5A)  # a null is not a NaN value
GROUP_COLUMNS = ("infrastructure", "vo", "month", "site", "ngi", "country", "tier")
MAX_CONFLICT_DETAILS = 20


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place, wrapping uint64 arithmetic."""
    h ^= h >> _U64(30)
    h *= _C1
    h ^= h >> _U64(27)
    h *= _C2
    h ^= h >> _U64(31)
    return h


def _combine(parts: list[np.ndarray], n: int) -> np.ndarray:
    """64-bit hash of the tuples formed by ``parts`` (FNV-style over 64-bit words + finaliser)."""
    h = np.full(n, _SEED, dtype=np.uint64)
    for part in parts:
        h ^= part.astype(np.uint64, copy=False)
        h *= _PRIME
    return _mix(h)


class Vocab:
    """Global string ids (0 = null or empty) so that hashes agree across batches."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.names: list[str] = names if names is not None else [""]
        self.ids: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self._arrow: pa.Array | None = None

    def id(self, name: str | None) -> int:
        if not name:
            return 0
        found = self.ids.get(name)
        if found is None:
            found = self.ids[name] = len(self.names)
            self.names.append(name)
        return found

    def _lookup(self, values: pa.Array) -> np.ndarray:
        """Ids of distinct strings: a native hash lookup, Python only for new names."""
        if len(values) < 64:
            return np.fromiter((self.id(v) for v in values.to_pylist()), np.int32, len(values))
        if self._arrow is None or len(self._arrow) != len(self.names):
            self._arrow = pa.array(self.names, type=pa.string())
        found = pc.index_in(values, value_set=self._arrow)
        if found.null_count:
            for i in np.flatnonzero(np.asarray(found.is_null())).tolist():
                self.id(values[i].as_py())
            self._arrow = pa.array(self.names, type=pa.string())
            found = pc.index_in(values, value_set=self._arrow)
        # "" (index 0) and null -> id 0
        return pc.fill_null(found, 0).to_numpy(zero_copy_only=False).astype(np.int32)

    def encode(self, array: pa.Array) -> np.ndarray:
        """Ids of every value of a string (or dictionary) array."""
        if not pa.types.is_dictionary(array.type):
            if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
                array = pc.cast(array, pa.string())
            array = pc.dictionary_encode(array)
        table = np.append(self._lookup(array.dictionary), np.int32(0))  # index -1 (null) -> 0
        indices = array.indices
        if indices.null_count:
            indices = pc.fill_null(indices, -1)
        return table[indices.to_numpy(zero_copy_only=False)]


@dataclass
class DumpStats:
    rows: int = 0
    duplicates: int = 0
    conflicts: int = 0
    conflict_details: list[str] = field(default_factory=list)
    invalid: int = 0  # rows whose raw_wc_time is null, non-finite or negative


class Aggregator:
    """Feed column batches with :meth:`add`; :meth:`finish` returns the aggregate.

    Per row: two 64-bit hashes (key, values), raw_wc_time and seven int16 string ids (38 bytes;
    an id column is widened to int32 when its vocabulary passes 32,000 names).
    De-duplication and grouping happen at the end with vectorised sorts of the hashes; only the
    rows whose key or group repeats are sorted with their indices."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.vocabs = {name: Vocab() for name in (*KEY_STRINGS, *ATTR_STRINGS)}
        self.stats = DumpStats()
        # key hash, values hash, raw_wc_time; string ids of the group columns
        self._parts = (_Column(np.uint64), _Column(np.uint64), _Column(np.float64))
        self._ids = {name: _Column(np.int16) for name in GROUP_COLUMNS}  # widened on need
        self._months: dict[object, int] = {}

    def _month_ids(self, array: pa.Array) -> np.ndarray:
        if array.null_count:
            raise DumpError("time", self.url, "a row has no time")
        if not pa.types.is_dictionary(array.type):
            array = pc.dictionary_encode(array)
        values = array.dictionary.to_pylist()
        cache = self._months
        table = np.empty(len(values), dtype=np.int32)
        for i, value in enumerate(values):
            found = cache.get(value)
            if found is None:
                found = cache[value] = parse_month(value, self.url)
            table[i] = found
        return table[array.indices.to_numpy(zero_copy_only=False)]

    def add(self, columns: dict[str, pa.Array]) -> None:
        """Aggregate one batch of rows (canonical column names; absent optional columns ok)."""
        n = len(columns["vo"])
        if n == 0:
            return
        self.stats.rows += n
        zeros = np.zeros(n, dtype=np.int32)
        ids = {
            name: (self.vocabs[name].encode(columns[name]) if name in columns else zeros)
            for name in (*KEY_STRINGS, *ATTR_STRINGS)
        }
        ids["month"] = self._month_ids(columns["time"])
        keys = _combine([ids["month"]] + [ids[name] for name in KEY_STRINGS], n)
        value_parts = [ids[name] for name in ATTR_STRINGS]
        wc = np.zeros(n)
        for name in VALUE_NUMBERS:
            if name not in columns:
                continue
            arr = columns[name]
            if not pa.types.is_float64(arr.type):
                try:
                    arr = pc.cast(arr, pa.float64())
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise DumpError("value", self.url, f"non-numeric {name}: {exc}") from None
            values = arr.to_numpy(zero_copy_only=False)
            bits = values.view(np.uint64)
            if arr.null_count:
                bits = np.where(np.asarray(arr.is_null()), _NULL_FLOAT, bits)
            value_parts.append(bits)
            if name == "raw_wc_time":
                wc = values
        for store, part in zip(self._parts, (keys, _combine(value_parts, n), wc), strict=True):
            store.append(part)
        for name in GROUP_COLUMNS:
            self._ids[name].append(ids[name])

    def finish(self) -> tuple[dict[str, np.ndarray], dict[str, list[str]], DumpStats]:
        """(group columns, vocabularies, stats). Raises DumpError("empty") for no data rows."""
        if self.stats.rows == 0:
            raise DumpError("empty", self.url, "the dump has no data rows")
        keys, values, wc = (store.take() for store in self._parts)
        wide = any(self._ids[name].dtype != np.int16 for name in GROUP_COLUMNS)
        ids = np.empty((len(GROUP_COLUMNS), len(wc)), dtype=np.int32 if wide else np.int16)
        for i, name in enumerate(GROUP_COLUMNS):
            self._ids[name].take(ids[i])
        repeated = _repeated(keys)
        if len(repeated):
            drop = self._drop_repeats(keys, values, wc, ids, repeated)
            keep = np.ones(len(keys), dtype=bool)
            keep[drop] = False
            ids, wc = ids[:, keep], wc[keep]
        del keys, values
        bad = ~np.isfinite(wc) | (wc < 0)
        self.stats.invalid = int(np.count_nonzero(bad))
        hours = np.where(bad, 0.0, wc)
        del wc
        group = _combine(list(ids), len(hours))
        shared = _member(group, _repeated(group))
        shared_groups = group[shared]
        del group
        if not len(shared_groups):
            out = {name: ids[i] for i, name in enumerate(GROUP_COLUMNS)}
            out["hours"], out["bad"] = hours, bad.astype(np.int32)
        else:
            single = ~shared
            out = {name: ids[i][single] for i, name in enumerate(GROUP_COLUMNS)}
            out["hours"], out["bad"] = hours[single], bad[single].astype(np.int32)
            uniq, first, inverse = np.unique(shared_groups, return_index=True, return_inverse=True)
            sub = ids[:, shared]
            for i, name in enumerate(GROUP_COLUMNS):
                out[name] = np.concatenate([out[name], sub[i][first]])
            sums = np.bincount(inverse, weights=hours[shared], minlength=len(uniq))
            nbad = np.bincount(inverse, weights=bad[shared], minlength=len(uniq))
            out["hours"] = np.concatenate([out["hours"], sums])
            out["bad"] = np.concatenate([out["bad"], nbad.astype(np.int32)])
        vocab = {name: self.vocabs[name].names for name in (*KEY_STRINGS, *ATTR_STRINGS)}
        return out, vocab, self.stats

    def _drop_repeats(
        self,
        keys: np.ndarray,
        values: np.ndarray,
        wc: np.ndarray,
        ids: np.ndarray,
        repeated: np.ndarray,
    ) -> np.ndarray:
        """Rows to drop: every later row of a repeated key. Equal values -> duplicate,
        different -> conflict (the first row is kept, both are reported)."""
        rows = np.flatnonzero(_member(keys, repeated))
        order = rows[np.argsort(keys[rows], kind="stable")]
        sk = keys[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = sk[1:] != sk[:-1]
        start = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]
        later, start = order[~first], start[~first]
        same = values[later] == values[start]
        self.stats.duplicates = int(np.count_nonzero(same))
        self.stats.conflicts = int(len(later) - self.stats.duplicates)
        for row, kept in list(zip(later[~same], start[~same], strict=True))[:MAX_CONFLICT_DETAILS]:
            col = dict(zip(GROUP_COLUMNS, ids[:, row], strict=True))
            names = [month_key(int(col["month"]))]
            names += [self.vocabs[n].names[int(col[n])] for n in ("site", "vo", "infrastructure")]
            self.stats.conflict_details.append(
                f"conflict at ({', '.join(names)}): kept raw_wc_time {wc[kept]:g}, "
                f"dropped {wc[row]:g}"
            )
        return later


class _Column:
    """An append-only column stored in 1 Mi-row blocks: large allocations go back to the system
    when freed (many small per-batch arrays would fragment the heap and inflate the RSS)."""

    BLOCK = 1 << 20

    def __init__(self, dtype: type) -> None:
        self.dtype = dtype
        self.blocks: list[np.ndarray] = []
        self.used = self.BLOCK

    def append(self, values: np.ndarray) -> None:
        if self.dtype == np.int16 and len(values) and int(values.max()) > 32_000:
            self.dtype = np.int32  # a vocabulary outgrew int16: widen what is stored
            self.blocks = [b.astype(np.int32) for b in self.blocks]
        done = 0
        while done < len(values):
            if self.used == self.BLOCK:
                self.blocks.append(np.empty(self.BLOCK, dtype=self.dtype))
                self.used = 0
            n = min(len(values) - done, self.BLOCK - self.used)
            self.blocks[-1][self.used : self.used + n] = values[done : done + n]
            self.used += n
            done += n

    def take(self, out: np.ndarray | None = None) -> np.ndarray:
        """All values as one array (written into ``out`` if given); the blocks are released."""
        if self.blocks:
            self.blocks[-1] = self.blocks[-1][: self.used]
        total = sum(len(b) for b in self.blocks)
        if out is None:
            out = np.empty(total, dtype=self.dtype)
        pos = 0
        while self.blocks:
            block = self.blocks.pop(0)
            out[pos : pos + len(block)] = block
            pos += len(block)
        return out


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Mask of ``values`` found in the sorted array ``sorted_set`` (lighter than np.isin)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    pos = np.searchsorted(sorted_set, values)
    np.minimum(pos, len(sorted_set) - 1, out=pos)
    return sorted_set[pos] == values


def _repeated(hashes: np.ndarray) -> np.ndarray:
    """Hash values occurring more than once (np.sort is a fast vectorised sort)."""
    s = np.sort(hashes)
    return np.unique(s[1:][s[1:] == s[:-1]])

"""Streaming aggregation of dump rows (SPEC §3.4): de-duplication by 64-bit key hashes and
sums of ``raw_wc_time`` per (infrastructure, VO, month, site, NGI, country, tier).

Batches arrive as columns (pyarrow arrays, canonical names, see :mod:`dump_schema`). Memory is
bounded by 24 bytes per distinct key (hash of key, hash of values, raw_wc_time) plus the small
partial aggregates; no row is kept as a Python object."""

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

    def id(self, name: str | None) -> int:
        if not name:
            return 0
        found = self.ids.get(name)
        if found is None:
            found = self.ids[name] = len(self.names)
            self.names.append(name)
        return found

    def encode(self, array: pa.Array) -> np.ndarray:
        """Ids of every value of a string (or dictionary) array."""
        if not pa.types.is_dictionary(array.type):
            if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
                array = pc.cast(array, pa.string())
            array = pc.dictionary_encode(array)
        values = array.dictionary.to_pylist()
        table = np.fromiter((self.id(v) for v in values), dtype=np.int32, count=len(values))
        table = np.append(table, np.int32(0))  # index -1 (null) -> id 0
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
    """Feed column batches with :meth:`add`; :meth:`finish` returns the aggregate."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.vocabs = {name: Vocab() for name in (*KEY_STRINGS, *ATTR_STRINGS)}
        self.stats = DumpStats()
        self._runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._partials: list[dict[str, np.ndarray]] = []
        self._months: dict[object, int] = {}

    # --- per batch ----------------------------------------------------------------------------
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
        month = self._month_ids(columns["time"])
        keys = _combine([month] + [ids[name] for name in KEY_STRINGS], n)
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
        keep = self._dedupe(keys, _combine(value_parts, n), wc, month, ids)
        bad = ~np.isfinite(wc) | (wc < 0)
        self.stats.invalid += int(np.count_nonzero(bad & keep))
        group = [ids[name] if name != "month" else month for name in GROUP_COLUMNS]
        rows = np.flatnonzero(keep)
        ghash = _combine([g[rows] for g in group], len(rows))
        uniq, first, inverse = np.unique(ghash, return_index=True, return_inverse=True)
        partial = {"ghash": uniq}
        for name, col in zip(GROUP_COLUMNS, group):
            partial[name] = col[rows[first]]
        partial["hours"] = np.bincount(inverse, weights=np.where(bad, 0.0, wc)[rows])
        partial["bad"] = np.bincount(inverse, weights=bad[rows]).astype(np.int64)
        self._partials.append(partial)
        if len(self._partials) >= 32:
            self._partials = [_merge(self._partials)]

    def _dedupe(
        self,
        keys: np.ndarray,
        values: np.ndarray,
        wc: np.ndarray,
        month: np.ndarray,
        ids: dict[str, np.ndarray | None],
    ) -> np.ndarray:
        """Mask of the rows to keep: the first row of each key, across all batches."""
        n = len(keys)
        order = np.argsort(keys, kind="stable")
        sk, sv = keys[order], values[order]
        first = np.ones(n, dtype=bool)
        first[1:] = sk[1:] != sk[:-1]
        start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        same = sv == sv[start]
        repeated = ~first
        conflicts = np.flatnonzero(repeated & ~same)
        self.stats.duplicates += int(np.count_nonzero(repeated & same))
        for pos in conflicts[:MAX_CONFLICT_DETAILS]:
            row, kept = order[pos], order[start[pos]]
            self._conflict(row, wc[kept], wc[row], month, ids)
        self.stats.conflicts += len(conflicts)
        firsts = np.flatnonzero(first)
        uk, uv, rows = sk[firsts], sv[firsts], order[firsts]
        fresh = np.ones(len(uk), dtype=bool)
        for rk, rv, rw in self._runs:
            pos = np.minimum(np.searchsorted(rk, uk), len(rk) - 1)
            hit = rk[pos] == uk
            if not hit.any():
                continue
            same_v = rv[pos] == uv
            self.stats.duplicates += int(np.count_nonzero(hit & same_v))
            for i in np.flatnonzero(hit & ~same_v):
                self.stats.conflicts += 1
                if len(self.stats.conflict_details) < MAX_CONFLICT_DETAILS:
                    self._conflict(rows[i], rw[pos[i]], wc[rows[i]], month, ids)
            fresh &= ~hit
        self._push_run(uk[fresh], uv[fresh], wc[rows[fresh]])
        keep = np.zeros(n, dtype=bool)
        keep[rows[fresh]] = True
        return keep

    def _conflict(
        self,
        row: int,
        kept_wc: float,
        dropped_wc: float,
        month: np.ndarray,
        ids: dict[str, np.ndarray | None],
    ) -> None:
        if len(self.stats.conflict_details) >= MAX_CONFLICT_DETAILS:
            return
        parts = [month_key(int(month[row]))]
        for name in KEY_STRINGS:
            col = ids[name]
            parts.append(self.vocabs[name].names[int(col[row])] if col is not None else "")
        self.stats.conflict_details.append(
            f"conflict at ({', '.join(parts)}): kept raw_wc_time {kept_wc:g}, "
            f"dropped {dropped_wc:g}"
        )

    def _push_run(self, keys: np.ndarray, values: np.ndarray, wc: np.ndarray) -> None:
        order = np.argsort(keys)
        self._runs.append((keys[order], values[order], wc[order]))
        while len(self._runs) >= 2 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (k2, v2, w2), (k1, v1, w1) = self._runs.pop(), self._runs.pop()
            k, v, w = np.concatenate([k1, k2]), np.concatenate([v1, v2]), np.concatenate([w1, w2])
            order = np.argsort(k, kind="stable")
            self._runs.append((k[order], v[order], w[order]))

    # --- result -------------------------------------------------------------------------------
    def finish(self) -> tuple[dict[str, np.ndarray], dict[str, list[str]], DumpStats]:
        """(group columns, vocabularies, stats). Raises DumpError("empty") for no data rows."""
        if self.stats.rows == 0:
            raise DumpError("empty", self.url, "the dump has no data rows")
        groups = _merge(self._partials)
        self._runs.clear()
        vocab = {name: self.vocabs[name].names for name in ("infrastructure", "vo", "site")}
        vocab.update({name: self.vocabs[name].names for name in ("ngi", "country", "tier")})
        return groups, vocab, self.stats


def _merge(partials: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Combine partial aggregates with the same group hashes."""
    if len(partials) == 1:
        return partials[0]
    cat = {name: np.concatenate([p[name] for p in partials]) for name in partials[0]}
    uniq, first, inverse = np.unique(cat["ghash"], return_index=True, return_inverse=True)
    out = {name: cat[name][first] for name in ("ghash", *GROUP_COLUMNS)}
    out["hours"] = np.bincount(inverse, weights=cat["hours"], minlength=len(uniq))
    out["bad"] = np.bincount(inverse, weights=cat["bad"], minlength=len(uniq)).astype(np.int64)
    return out

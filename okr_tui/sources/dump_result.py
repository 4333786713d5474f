"""The aggregate of a dump: answers monthly hours and breakdowns, and is cached (numpy .npz)
so a second run, even in a fresh process, answers without re-parsing the dump."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from okr_tui.core.models import vo_key
from okr_tui.core.periods import Period
from okr_tui.sources.dump_agg import GROUP_COLUMNS, DumpStats
from okr_tui.sources.dump_schema import month_key, normalise_infra

FORMAT_VERSION = 2
_COLUMNS = (*GROUP_COLUMNS, "hours", "bad")


_COARSE = ("infrastructure", "vo", "month", "hours", "bad")
DENSE_LIMIT = 4_000_000  # cells of the dense (infrastructure, VO, month) grid


def _coarse(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sums per (infrastructure, VO, month): all that monthly hours need. A dense bincount
    over the (small) id ranges when it fits, else a sort."""
    infra, vo, month = columns["infrastructure"], columns["vo"], columns["month"]
    if not len(month):
        return {name: np.zeros(0, dtype=np.int32) for name in _COARSE}
    low = int(month.min())
    n_month = int(month.max()) - low + 1
    n_vo = int(vo.max()) + 1
    size = (int(infra.max()) + 1) * n_vo * n_month
    if size <= DENSE_LIMIT:
        code = (infra.astype(np.int64) * n_vo + vo) * n_month + (month - low)
        counts = np.bincount(code, minlength=size)
        hours = np.bincount(code, weights=columns["hours"], minlength=size)
        bad = np.bincount(code, weights=columns["bad"], minlength=size)
        del code
        cells = np.flatnonzero(counts)
        rest, m = np.divmod(cells, n_month)
        i, v = np.divmod(rest, n_vo)
        return {
            "infrastructure": i.astype(np.int32),
            "vo": v.astype(np.int32),
            "month": (m + low).astype(np.int32),
            "hours": hours[cells],
            "bad": bad[cells].astype(np.int32),
        }
    code = (infra.astype(np.int64) << 48) | (vo.astype(np.int64) << 16) | month.astype(np.int64)
    uniq, inverse = np.unique(code, return_inverse=True)
    return {
        "infrastructure": (uniq >> 48).astype(np.int32),
        "vo": ((uniq >> 16) & 0xFFFFFFFF).astype(np.int32),
        "month": (uniq & 0xFFFF).astype(np.int32),
        "hours": np.bincount(inverse, weights=columns["hours"], minlength=len(uniq)),
        "bad": np.bincount(inverse, weights=columns["bad"], minlength=len(uniq)).astype(np.int32),
    }


@dataclass
class DumpAggregate:
    """Summed raw_wc_time per (infrastructure, VO, month) for monthly hours (``coarse``) and per
    (infrastructure, VO, month, site, NGI, country, tier) for breakdowns (``columns``, read from
    the cache only when a breakdown is asked for)."""

    vocab: dict[str, list[str]]
    coarse: dict[str, np.ndarray]
    stats: DumpStats
    form: str = ""  # "csv" | "json" | "ndjson"
    unknown_columns: list[str] = field(default_factory=list)
    full: dict[str, np.ndarray] | None = None
    full_path: Path | None = None

    @classmethod
    def from_table(
        cls,
        groups: dict[str, np.ndarray],
        vocab: dict[str, list[str]],
        stats: DumpStats,
        form: str,
        unknown: list[str],
    ) -> DumpAggregate:
        cols = {name: groups[name] for name in _COLUMNS}
        return cls(vocab, _coarse(cols), stats, form, unknown, full=cols)

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """The site-level table (loaded from the cache file on first use)."""
        if self.full is None:
            if self.full_path is None:
                raise ValueError("the aggregate has no site-level table")
            with np.load(self.full_path, allow_pickle=False) as npz:
                self.full = {name: npz[name] for name in _COLUMNS}
        return self.full

    # --- queries ------------------------------------------------------------------------------
    def _infra_mask(self, table: dict[str, np.ndarray], infras: tuple[str, ...]) -> np.ndarray:
        names = self.vocab["infrastructure"]
        wanted = np.array([normalise_infra(n) in infras for n in names], dtype=bool)
        return wanted[table["infrastructure"]]

    @staticmethod
    def _period_mask(table: dict[str, np.ndarray], period: Period) -> np.ndarray:
        month = table["month"]
        return (month >= period.start.index) & (month <= period.end.index)

    def months_present(self, infras: tuple[str, ...]) -> set[str]:
        """Months ("YYYY-MM") with at least one row of these infrastructures."""
        months = np.unique(self.coarse["month"][self._infra_mask(self.coarse, infras)])
        return {month_key(int(m)) for m in months}

    def monthly(
        self, infras: tuple[str, ...], period: Period
    ) -> tuple[dict[str, dict[str, float]], dict[tuple[str, str], int]]:
        """(VO -> month -> hours, (VO, month) -> number of invalid rows) inside the period."""
        table = self.coarse
        mask = self._infra_mask(table, infras) & self._period_mask(table, period)
        vos, months = table["vo"][mask], table["month"][mask]
        hours, bad = table["hours"][mask], table["bad"][mask]
        code = vos.astype(np.int64) * 100_000 + months
        uniq, inverse = np.unique(code, return_inverse=True)
        sums = np.bincount(inverse, weights=hours, minlength=len(uniq))
        bads = np.bincount(inverse, weights=bad, minlength=len(uniq))
        out: dict[str, dict[str, float]] = defaultdict(dict)
        invalid: dict[tuple[str, str], int] = {}
        names = self.vocab["vo"]
        for c, total, nbad in zip(uniq.tolist(), sums.tolist(), bads.tolist(), strict=True):
            vo, month = names[c // 100_000], month_key(c % 100_000)
            out[vo][month] = total
            if nbad:
                invalid[(vo, month)] = int(nbad)
        return dict(out), invalid

    def breakdown(
        self, infras: tuple[str, ...], period: Period, vo: str, by: str
    ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
        """(key -> hours, key -> month -> hours) of one VO (matched case-insensitively)."""
        dim = "ngi" if by == "region" else by
        names = self.vocab["vo"]
        vo_ok = np.array([vo_key(n) == vo_key(vo) for n in names], dtype=bool)
        table = self.columns
        mask = self._infra_mask(table, infras) & self._period_mask(table, period)
        mask &= vo_ok[table["vo"]]
        keys, months, hours = table[dim][mask], table["month"][mask], table["hours"][mask]
        totals: dict[str, float] = defaultdict(float)
        monthly: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        labels = self.vocab[dim]
        for k, m, h in zip(keys.tolist(), months.tolist(), hours.tolist(), strict=True):
            label = labels[k] or "unknown"
            totals[label] += h
            monthly[label][month_key(m)] += h
        return dict(totals), {k: dict(v) for k, v in monthly.items()}

    # --- cache ---------------------------------------------------------------------------------
    def save(self, path: Path, meta: dict[str, Any]) -> None:
        """Write the aggregate atomically: ``path`` (header + per-month sums, loads in a few
        milliseconds) and ``<path>.full.npz`` (the site-level table, for breakdowns)."""
        doc = {
            "version": FORMAT_VERSION,
            "meta": meta,
            "form": self.form,
            "unknown_columns": self.unknown_columns,
            "vocab": self.vocab,
            "stats": asdict(self.stats),
        }
        header = np.frombuffer(orjson.dumps(doc), dtype=np.uint8)
        full = self.columns
        _write_npz(_full_path(path), {name: full[name] for name in _COLUMNS})
        _write_npz(path, {"header": header, **{n: self.coarse[n] for n in _COARSE}})

    @classmethod
    def load(cls, path: Path) -> tuple[DumpAggregate, dict[str, Any]]:
        """Read a cached aggregate. Raises ValueError/OSError when it is unusable."""
        with np.load(path, allow_pickle=False) as npz:
            doc = orjson.loads(npz["header"].tobytes())
            if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
                raise ValueError("not an aggregate of this version")
            coarse = {name: npz[name] for name in _COARSE}
        full = _full_path(path)
        if not full.is_file():
            raise ValueError("the site-level table of the aggregate is missing")
        stats = DumpStats(**doc["stats"])
        agg = cls(doc["vocab"], coarse, stats, doc["form"], doc["unknown_columns"], None, full)
        return agg, doc["meta"]


def _full_path(path: Path) -> Path:
    return path.with_name(path.name.replace(".npz", "") + ".full.npz")


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            np.savez(out, **arrays)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

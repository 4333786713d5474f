"""The aggregate of a dump: answers monthly hours and breakdowns, and is cached as JSON so a
second run (even in a fresh process) answers without re-parsing the dump."""

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

FORMAT_VERSION = 1
_COLUMNS = (*GROUP_COLUMNS, "hours", "bad")


@dataclass
class DumpAggregate:
    """Summed raw_wc_time per (infrastructure, VO, month, site, NGI, country, tier)."""

    vocab: dict[str, list[str]]
    columns: dict[str, np.ndarray]
    stats: DumpStats
    form: str = ""  # "csv" | "json" | "ndjson"
    unknown_columns: list[str] = field(default_factory=list)

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
        return cls(vocab, cols, stats, form, unknown)

    # --- queries ------------------------------------------------------------------------------
    def _infra_mask(self, infras: tuple[str, ...]) -> np.ndarray:
        names = self.vocab["infrastructure"]
        wanted = np.array([normalise_infra(n) in infras for n in names], dtype=bool)
        return wanted[self.columns["infrastructure"]]

    def _period_mask(self, period: Period) -> np.ndarray:
        month = self.columns["month"]
        return (month >= period.start.index) & (month <= period.end.index)

    def months_present(self, infras: tuple[str, ...]) -> set[str]:
        """Months ("YYYY-MM") with at least one row of these infrastructures."""
        months = np.unique(self.columns["month"][self._infra_mask(infras)])
        return {month_key(int(m)) for m in months}

    def monthly(
        self, infras: tuple[str, ...], period: Period
    ) -> tuple[dict[str, dict[str, float]], dict[tuple[str, str], int]]:
        """(VO -> month -> hours, (VO, month) -> number of invalid rows) inside the period."""
        mask = self._infra_mask(infras) & self._period_mask(period)
        vos, months = self.columns["vo"][mask], self.columns["month"][mask]
        hours, bad = self.columns["hours"][mask], self.columns["bad"][mask]
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
        mask = self._infra_mask(infras) & self._period_mask(period) & vo_ok[self.columns["vo"]]
        keys, months = self.columns[dim][mask], self.columns["month"][mask]
        hours = self.columns["hours"][mask]
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
        """Write the aggregate (numpy .npz, loads in milliseconds) atomically to ``path``."""
        doc = {
            "version": FORMAT_VERSION,
            "meta": meta,
            "form": self.form,
            "unknown_columns": self.unknown_columns,
            "vocab": self.vocab,
            "stats": asdict(self.stats),
        }
        header = np.frombuffer(orjson.dumps(doc), dtype=np.uint8)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as out:
                np.savez(out, header=header, **{name: self.columns[name] for name in _COLUMNS})
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> tuple[DumpAggregate, dict[str, Any]]:
        """Read a cached aggregate. Raises ValueError/OSError when it is unusable."""
        with np.load(path, allow_pickle=False) as npz:
            doc = orjson.loads(npz["header"].tobytes())
            if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
                raise ValueError("not an aggregate of this version")
            arrays = {name: npz[name] for name in _COLUMNS}
        stats = DumpStats(**doc["stats"])
        agg = cls(doc["vocab"], arrays, stats, doc["form"], doc["unknown_columns"])
        return agg, doc["meta"]

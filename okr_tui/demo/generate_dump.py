"""Deterministic generator of the demo accounting dump (``okr_tui/demo/data/dump``).

Input: the legacy demo responses in ``data/accounting`` (the real recorded Cloud 2024-10..12 and
the generated HTC / 2024-07..09 files). Output: the same data as a 2026-portal dump, in CSV and
InfluxDB JSON, covering 2023-01..2024-12: every (VO, month) value of the legacy files is split
over one to three sites of several NGIs/countries, so the dump sums back to it (Cloud rows ->
Cloud, Grid rows -> HTC); the other months are synthetic; Grid-Local rows (excluded by the
default selector) and a few exact duplicate rows (counted once) are added. Re-running it
reproduces the same bytes::

    python -m okr_tui.demo.generate_dump
"""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import orjson

from okr_tui.core.periods import Period

DATA = Path(__file__).resolve().parent / "data"
ACCOUNTING = DATA / "accounting"
OUT = DATA / "dump"
SPAN = Period.of("2023-01", "2024-12")
LEGACY_FILES = {
    "cloud": "cloud_sum_elap_processors_VO_DATE_{}_{}_egi_onlyinfrajobs.json",
    "htc": "egi_elap_processors_VO_DATE_{}_{}_egi_onlyinfrajobs.json",
}
QUARTERS = (Period.of("2024-07", "2024-09"), Period.of("2024-10", "2024-12"))
CLOSING_IDS = {"Total", "Percent", "xlegend", "ylegend", "var"}
COLUMNS = [
    "time", "benchmark", "ce", "country", "federation", "infrastructure", "site", "tier", "vo",
    "ngi", "number_of_jobs", "raw_cpu_eff", "raw_cpu_time", "raw_cpu_work", "raw_wc_time",
    "raw_wc_work",
]  # fmt: skip
# (site, ngi, country, tier)
GRID_SITES = [
    ("DESY-HH", "NGI_DE", "DE", "2"), ("GRIDKA-LCG2", "NGI_DE", "DE", "1"),
    ("INFN-T1", "NGI_IT", "IT", "1"), ("INFN-BARI", "NGI_IT", "IT", "2"),
    ("IN2P3-CC", "NGI_FRANCE", "FR", "1"), ("GRIF", "NGI_FRANCE", "FR", "2"),
    ("PIC", "NGI_IBERGRID", "ES", "1"), ("NCG-INGRID-PT", "NGI_IBERGRID", "PT", "2"),
    ("praguelcg2", "NGI_CZ", "CZ", "2"), ("CYFRONET-LCG2", "NGI_PL", "PL", "2"),
    ("SARA-MATRIX", "NGI_NL", "NL", "1"), ("RAL-LCG2", "NGI_UK", "GB", "1"),
]  # fmt: skip
CLOUD_SITES = [
    ("IFCA-LCG2", "NGI_IBERGRID", "ES", ""), ("CESNET-MCC", "NGI_CZ", "CZ", ""),
    ("IN2P3-IRES", "NGI_FRANCE", "FR", ""), ("INFN-CLOUD-BARI", "NGI_IT", "IT", ""),
    ("CYFRONET-CLOUD", "NGI_PL", "PL", ""), ("100IT", "NGI_UK", "GB", ""),
    ("UPV-GRyCAP", "NGI_IBERGRID", "ES", ""), ("SCAI", "NGI_DE", "DE", ""),
]  # fmt: skip
DUPLICATES = 4  # exact duplicate rows appended (a dump artefact; counted once)


def legacy_hours(scope: str) -> dict[str, dict[str, float]]:
    """VO -> month -> hours of the legacy demo files of ``scope`` (both quarters)."""
    out: dict[str, dict[str, float]] = {}
    for quarter in QUARTERS:
        name = LEGACY_FILES[scope].format(quarter.start, quarter.end)
        rows = orjson.loads((ACCOUNTING / name).read_bytes())
        for row in rows:
            if row.get("id") in CLOSING_IDS:
                continue
            for key, value in row.items():
                if re.fullmatch(r"\d{4}-\d{2}", key) and isinstance(value, (int, float)):
                    out.setdefault(row["id"], {})[key] = float(value)
    return out


def _split(total: float, parts: int, rnd: random.Random) -> list[float]:
    """``parts`` non-negative numbers summing to ``total`` (within float rounding)."""
    if parts == 1 or total < 10:
        return [total]
    weights = [rnd.uniform(0.2, 1.0) for _ in range(parts)]
    scale = sum(weights)
    head = [round(total * w / scale, 4) for w in weights[:-1]]
    return [*head, total - sum(head)]


def _rows(scope: str, rnd: random.Random) -> list[list[object]]:
    known = legacy_hours(scope)
    sites = CLOUD_SITES if scope == "cloud" else GRID_SITES
    infra = "Cloud" if scope == "cloud" else "Grid"
    rows: list[list[object]] = []
    for vo in sorted(known):
        values = list(known[vo].values())
        mean = sum(values) / len(values) if values else 0.0
        home = rnd.sample(sites, k=min(3, len(sites)))
        for month in SPAN.month_keys:
            if month in known[vo]:
                total = known[vo][month]
            elif month < "2024-07" and mean > 0:
                total = round(mean * rnd.uniform(0.6, 1.3), 4)
            else:
                continue
            parts = _split(total, rnd.randint(1, 3), rnd)
            for (site, ngi, country, tier), hours in zip(home, parts, strict=False):
                rows.append(_row(month, site, ngi, country, tier, vo, infra, hours, rnd))
                if scope == "htc" and rnd.random() < 0.15:
                    local = round(hours * rnd.uniform(0.05, 0.4), 4)
                    rows.append(_row(month, site, ngi, country, tier, vo, "Grid-Local", local, rnd))
    return rows


def _row(
    month: str, site: str, ngi: str, country: str, tier: str, vo: str, infra: str, hours: float,
    rnd: random.Random,
) -> list[object]:  # fmt: skip
    jobs = max(1, int(hours / rnd.uniform(4, 40)))
    eff = round(rnd.uniform(0.55, 0.98), 4)
    grid = infra != "Cloud"
    return [
        f"{month}-01T00:00:00Z",
        "HEPscore23" if grid else "",
        f"ce01.{site.lower()}.example.org" if grid else "",
        country,
        f"{ngi}-federation",
        infra,
        site,
        tier,
        vo,
        ngi,
        jobs,
        eff,
        round(hours * eff, 4),
        round(hours * 10.0, 4),
        hours,
        round(hours * 10.0, 4),
    ]


def generate() -> list[list[object]]:
    """Every row of the demo dump, in time order, duplicates included."""
    rnd = random.Random(20241231)
    rows = _rows("cloud", rnd) + _rows("htc", rnd)
    rows.sort(key=lambda r: (str(r[0]), str(r[5]), str(r[8]), str(r[6])))
    for i in range(DUPLICATES):
        rows.append(list(rows[(i * 997) % len(rows)]))
    return rows


def to_csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([repr(v) if isinstance(v, float) else v for v in row])
    return out.getvalue().encode()


def to_json(rows: list[list[object]]) -> bytes:
    """InfluxDB query output: one result (with one series) per year."""
    years = sorted({str(r[0])[:4] for r in rows})
    results = [
        {
            "statement_id": 0,
            "series": [
                {
                    "name": "accounting",
                    "columns": COLUMNS,
                    "values": [
                        [v if v != "" else None for v in r] for r in rows if str(r[0])[:4] == y
                    ],
                }
            ],
        }
        for y in years
    ]
    return orjson.dumps({"results": results})


def write(out: Path = OUT) -> list[Path]:
    """Write ``accounting.csv`` and ``accounting.json`` into ``out``."""
    rows = generate()
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "accounting.csv", out / "accounting.json"]
    paths[0].write_bytes(to_csv(rows))
    paths[1].write_bytes(to_json(rows))
    return paths


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")

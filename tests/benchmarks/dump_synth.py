"""Synthetic accounting dumps of any size (benchmarks): unique keys, realistic columns."""

from __future__ import annotations

import random
from pathlib import Path

import orjson

COLUMNS = [
    "time", "benchmark", "ce", "country", "federation", "infrastructure", "site", "tier", "vo",
    "ngi", "number_of_jobs", "raw_cpu_eff", "raw_cpu_time", "raw_cpu_work", "raw_wc_time",
    "raw_wc_work",
]  # fmt: skip
INFRAS = ("Grid", "Grid", "Cloud", "Grid-Local")
COUNTRIES = ("DE", "FR", "IT", "ES", "NL", "PL", "CZ", "GR", "PT", "UK", "CH", "SE")


def _rows(n: int, seed: int = 7):
    rnd = random.Random(seed)
    sites = [f"SITE-{i:03d}-{COUNTRIES[i % 12]}" for i in range(400)]
    vos = ["ATLAS", "CMS", "ALICE", "LHCb"] + [f"vo{i}.example.eu" for i in range(56)]
    per_month = 16_667
    for i in range(n):
        m, j = divmod(i, per_month)
        site, rest = j % 400, j // 400
        vo, combo = rest % 60, rest // 60
        year, month = 2015 + m // 12, m % 12 + 1
        infra = INFRAS[(site + combo) % 4]
        wc = round(rnd.random() * 5000, 4)
        jobs = rnd.randint(1, 900)
        yield [
            f"{year:04d}-{month:02d}-01T00:00:00Z",
            "HEPscore23" if combo % 2 else "HEPSPEC06",
            f"ce{combo}.{sites[site].lower()}.example.org",
            COUNTRIES[site % 12],
            f"FED-{site % 40}",
            infra,
            sites[site],
            str(site % 3 + 1),
            vos[vo],
            f"NGI_{COUNTRIES[site % 12]}",
            jobs,
            round(rnd.random(), 4),
            round(wc * 0.8, 4),
            round(wc * 10.1, 4),
            wc,
            round(wc * 11.3, 4),
        ]


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(COLUMNS) + "\n")
        buf: list[str] = []
        for row in _rows(n):
            buf.append(",".join(map(str, row)))
            if len(buf) >= 50_000:
                out.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            out.write("\n".join(buf) + "\n")


def write_json(path: Path, n: int, series_rows: int = 250_000) -> None:
    """InfluxDB style: several results, each with one series of ``series_rows`` rows."""
    with path.open("wb") as out:
        out.write(b'{"results":[')
        batch: list[list[object]] = []
        first = True

        def flush() -> None:
            nonlocal first
            series = {"name": "summary", "columns": COLUMNS, "values": batch, "partial": True}
            out.write((b"" if first else b",") + orjson.dumps({"series": [series]}))
            first = False
            batch.clear()

        for row in _rows(n):
            batch.append(row)
            if len(batch) >= series_rows:
                flush()
        if batch:
            flush()
        out.write(b"]}")

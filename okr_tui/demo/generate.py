"""Deterministic generator of the synthetic part of the demo dataset (``okr_tui/demo/data``).

The real recorded cloud response for 2024-10..2024-12 is copied in verbatim; everything else
(cloud 2024-07..09, HTC for both quarters, the Operations Portal dataset) is generated here in
the real response shapes from fixed seeds, so re-running it reproduces the same bytes::

    python -m okr_tui.demo.generate
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from okr_tui.core.models import round_half_up, vo_key
from okr_tui.core.periods import Period
from okr_tui.demo.generate_ops import write_operations

DATA = Path(__file__).resolve().parent / "data"
ACCOUNTING = DATA / "accounting"
RECORDED_CLOUD = "cloud_sum_elap_processors_VO_DATE_2024-10_2024-12_egi_onlyinfrajobs.json"
Q3 = Period.of("2024-07", "2024-09")
NON_PRODUCTION = {"vo.sixt.cern.ch"}  # in HTC accounting, not in the production VO list
Q4 = Period.of("2024-10", "2024-12")

# URL scope segment and metric of each report scope (SPEC §3.1)
URL_PARTS = {"cloud": ("cloud", "sum_elap_processors"), "htc": ("egi", "elap_processors")}

# HTC VOs: (accounting name, Q4 monthly core-hours scale). LHC VOs upper-cased as the portal does.
HTC_VOS: list[tuple[str, float]] = [
    ("ALICE", 41_000_000),
    ("ATLAS", 88_000_000),
    ("CMS", 63_000_000),
    ("LHCb", 27_000_000),
    ("belle", 5_200_000),
    ("biomed", 1_150_000),
    ("dteam", 1_200),
    ("ops", 95_000),
    ("vo.france-grilles.fr", 640_000),
    ("enmr.eu", 310_000),
    ("icecube", 880_000),
    ("virgo", 1_900_000),
    ("ligo", 2_400_000),
    ("km3net.org", 420_000),
    ("auger", 650_000),
    ("t2k.org", 120_000),
    ("snoplus.snolab.ca", 95_000),
    ("na62.vo.gridpp.ac.uk", 210_000),
    ("lsst", 330_000),
    ("vo.cta.in2p3.fr", 760_000),
    ("eiscat.se", 4_100),
    ("fusion", 37_000),
    ("gridpp", 15_000),
    ("vo.moedal.org", 9_800),
    ("dune", 1_400_000),
    ("skatelescope.eu", 56_000),
    ("lz", 240_000),
    ("pheno", 61_000),
    ("xenon.biggrid.nl", 190_000),
    ("juno", 520_000),
    ("hyperk.org", 88_000),
    ("compass", 45_000),
    ("ilc", 23_000),
    ("calice", 7_500),
    ("vo.complex-systems.eu", 12_400),
    ("vo.sbg.in2p3.fr", 2_900),
    ("training.egi.eu", 850),
    ("vo.grand-est.fr", 31_000),
    ("mice", 4_400),
    ("zeus", 3_300),
    ("vo.sixt.cern.ch", 18_000),  # not in the production VO list (non-production VO)
]

# Between the quarters: VOs present only in Q3 (disappear) / only in Q4 (appear), big changes.
CLOUD_ONLY_Q3 = {"vo.binare-oy.eu": 42_000.0, "vo.matrycs.eu": 6_100.0, "vo.inteligg.eu": 980.0}
CLOUD_NOT_IN_Q3 = {"dev.intertwin.eu", "vo.latitudo40.com.eu", "vo.ai4publicpolicy.eu"}
CLOUD_Q3_FACTOR = {"training.egi.eu": 2.7, "vo.imagine-ai.eu": 0.42, "perla-pv.ro": 0.31}
HTC_ONLY_Q3 = {"hone": 5_200.0, "vo.panda.gsi.de": 1_900.0}
HTC_NOT_IN_Q3 = {"hyperk.org", "calice"}
HTC_Q3_FACTOR = {"dune": 0.45, "lsst": 2.4, "juno": 0.6}
# (quarter, VO) -> months without any record (sparse rows)
SPARSE = {
    ("htc", "Q4", "zeus"): {"2024-11"},
    ("htc", "Q4", "mice"): {"2024-10", "2024-11"},
    ("htc", "Q4", "calice"): {"2024-10"},
    ("htc", "Q3", "ilc"): {"2024-09"},
    ("htc", "Q3", "hone"): {"2024-08", "2024-09"},
    ("cloud", "Q3", "vo.inteligg.eu"): {"2024-08", "2024-09"},
    ("cloud", "Q3", "openrisknet.org"): {"2024-07"},
}


def file_name(scope: str, period: Period) -> str:
    """Recorded-response file name of a legacy query (same form as the real fixture)."""
    url_scope, metric = URL_PARTS[scope]
    return f"{url_scope}_{metric}_VO_DATE_{period.start}_{period.end}_egi_onlyinfrajobs.json"


def _cell(rng: random.Random, value: float) -> float | int:
    """A month cell as the portal writes it: an int when whole, else 4 decimals."""
    if value >= 1000 and rng.random() < 0.3:
        return round(value)
    return round(value, 4)


def legacy_rows(
    monthly: dict[str, dict[str, float | int]], months: list[str], metric: str
) -> list[dict[str, Any]]:
    """Build a legacy path-API response (data rows, then Total/Percent/xlegend/ylegend/var)."""
    names = sorted(monthly, key=lambda n: (vo_key(n), n))
    vo_totals = {n: sum(monthly[n].values()) for n in names}
    grand = sum(vo_totals.values())
    rows: list[dict[str, Any]] = []
    for name in names:
        row: dict[str, Any] = {m: monthly[name][m] for m in months if m in monthly[name]}
        row["id"] = name
        row["Total"] = round_half_up(vo_totals[name])
        pct = round(100 * vo_totals[name] / grand, 2) if grand else 0
        row["Percent"] = int(pct) if pct == int(pct) else pct
        rows.append(row)
    month_sums = {m: sum(monthly[n].get(m, 0) for n in names) for m in months}
    total: dict[str, Any] = {m: round_half_up(month_sums[m]) for m in months}
    total.update({"id": "Total", "Total": round_half_up(grand), "Percent": ""})
    percent: dict[str, Any] = {m: f"{100 * month_sums[m] / grand:.2f}%" for m in months}
    percent.update({"id": "Percent", "Percent": "", "Total": ""})
    xlegend: dict[str, Any] = {"id": "xlegend"} | {str(i): n for i, n in enumerate(names)}
    ylegend: dict[str, Any] = {"id": "ylegend"} | {str(i): m for i, m in enumerate(months)}
    ylegend[str(len(months))] = "id"
    var = {"id": "var", "xrange": "DATE", "yrange": "VO", "query": metric}
    return [*rows, total, percent, xlegend, ylegend, var]


def _series(
    rng: random.Random, scale: float, months: list[str], skip: set[str]
) -> dict[str, float | int]:
    return {m: _cell(rng, scale * rng.uniform(0.85, 1.15)) for m in months if m not in skip}


def cloud_q3(recorded: list[dict[str, Any]]) -> dict[str, dict[str, float | int]]:
    """Cloud 2024-07..09 derived from the recorded Q4 averages with a seeded perturbation."""
    rng = random.Random(20240930)
    q4_months = Q4.month_keys
    out: dict[str, dict[str, float | int]] = {}
    for row in recorded:
        if row["id"] in {"Total", "Percent", "xlegend", "ylegend", "var"}:
            continue
        name = row["id"]
        if name in CLOUD_NOT_IN_Q3:
            continue
        avg = sum(float(row.get(m, 0)) for m in q4_months) / 3
        scale = max(avg, 300.0) * CLOUD_Q3_FACTOR.get(name, rng.uniform(0.8, 1.2))
        out[name] = _series(rng, scale, Q3.month_keys, SPARSE.get(("cloud", "Q3", name), set()))
    for name, scale in CLOUD_ONLY_Q3.items():
        skip = SPARSE.get(("cloud", "Q3", name), set())
        out[name] = _series(rng, scale, Q3.month_keys, skip)
    return out


def htc(quarter: str) -> dict[str, dict[str, float | int]]:
    """HTC monthly hours of one quarter ("Q3" or "Q4")."""
    rng = random.Random(20241231 if quarter == "Q4" else 20240701)
    period = Q4 if quarter == "Q4" else Q3
    out: dict[str, dict[str, float | int]] = {}
    for name, scale in HTC_VOS:
        if quarter == "Q3":
            if name in HTC_NOT_IN_Q3:
                continue
            scale *= HTC_Q3_FACTOR.get(name, rng.uniform(0.85, 1.15))
        skip = SPARSE.get(("htc", quarter, name), set())
        out[name] = _series(rng, scale, period.month_keys, skip)
    if quarter == "Q3":
        for name, scale in HTC_ONLY_Q3.items():
            out[name] = _series(
                rng, scale, period.month_keys, SPARSE.get(("htc", "Q3", name), set())
            )
    return out


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as the portal-like indented JSON (no trailing newline, like the fixture)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def accounting_vo_names(accounting: Path = ACCOUNTING) -> set[str]:
    """Every VO name that appears in any demo accounting file (for the Operations dataset)."""
    names: set[str] = set()
    for path in sorted(accounting.glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            if row.get("id") not in {"Total", "Percent", "xlegend", "ylegend", "var"}:
                names.add(row["id"])
    return names


def write_accounting(out: Path = ACCOUNTING) -> list[Path]:
    """Write the synthetic legacy accounting responses into ``out``; returns their paths."""
    recorded = json.loads((ACCOUNTING / RECORDED_CLOUD).read_text(encoding="utf-8"))
    outputs = {
        file_name("cloud", Q3): legacy_rows(
            cloud_q3(recorded), Q3.month_keys, "sum_elap_processors"
        ),
        file_name("htc", Q4): legacy_rows(htc("Q4"), Q4.month_keys, "elap_processors"),
        file_name("htc", Q3): legacy_rows(htc("Q3"), Q3.month_keys, "elap_processors"),
    }
    paths = []
    for name, rows in outputs.items():
        write_json(out / name, rows)
        paths.append(out / name)
    return paths


def generate(out: Path = DATA) -> list[Path]:
    """Write every synthetic file of the demo dataset under ``out`` (the real recorded cloud
    response is read from the bundled data and not rewritten)."""
    paths = write_accounting(out / "accounting")
    names = accounting_vo_names(ACCOUNTING) - NON_PRODUCTION
    return paths + write_operations(out / "operations", names)


def main() -> None:
    """Regenerate the bundled demo dataset."""
    for path in generate():
        print(f"wrote {path.relative_to(DATA)}")


if __name__ == "__main__":
    main()

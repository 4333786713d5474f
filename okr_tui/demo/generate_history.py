"""Deterministic generator of ``sheet_history.json``: the past rows of the demo workbook.

The 2024.07-09 CPU rows are computed from the bundled demo accounting data (so the demo push of
2024.10-12 compares against consistent names); older periods are derived from it with a fixed
seed (VOs appearing over time, totals growing). The users worksheet lists the production VOs of
the demo Operations Portal data, minus a few that a push will insert, with legacy quirks
(``ALICE`` upper case, one row out of order)::

    python -m okr_tui.demo.generate_history
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from okr_tui.core.models import round_half_up, sort_vos, vo_key
from okr_tui.core.periods import Period

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = HERE / "sheet_history.json"
SCOPES = {"cloud": "cloud_sum_elap_processors", "htc": "egi_elap_processors"}
CPU_PERIODS = [
    Period.of(f"{y}-{m:02d}", f"{y}-{m + 2:02d}")
    for y, m in [(2022, 10), (2023, 1), (2023, 4), (2023, 7), (2023, 10), (2024, 1), (2024, 4)]
]
LAST = Period.of("2024-07", "2024-09")
USER_PERIODS = [*CPU_PERIODS[2:], LAST]
NEW_IN_PUSH = ["vo.reana.eu", "vo.specfem.eu", "vo.matrycs.eu", "zeus"]  # rows a push inserts
OUT_OF_ORDER = ("webcentre.vo.egi.eu", "vo.access.egi.eu")  # legacy row placed before the other
_SKIP_IDS = {"Total", "Percent", "xlegend", "ylegend", "var"}


def _production() -> list[dict[str, Any]]:
    data = json.loads((DATA / "operations" / "vo-list.json").read_text())["data"]
    return [v for v in data if v.get("status") == "Production"]


def _accounting(scope: str) -> dict[str, float]:
    name = f"{SCOPES[scope]}_VO_DATE_2024-07_2024-09_egi_onlyinfrajobs.json"
    rows = json.loads((DATA / "accounting" / name).read_text())
    return {r["id"]: float(r.get("Total") or 0) for r in rows if r["id"] not in _SKIP_IDS}


def _changes(prev: list[str] | None, cur: list[str]) -> str:
    if prev is None:
        return "-"
    p, c = {vo_key(v) for v in prev}, {vo_key(v) for v in cur}
    appeared = [v for v in cur if vo_key(v) not in p] or ["-"]
    disappeared = [v for v in prev if vo_key(v) not in c] or ["-"]
    return f"APPEARED: {', '.join(appeared)}\nDISAPPEARED: {', '.join(disappeared)}"


def cpu_rows(scope: str, production: list[str], rng: random.Random) -> list[list[Any]]:
    spelling = {vo_key(v): v for v in production}  # the Operations Portal spelling
    hours = {spelling.get(vo_key(v), v): h for v, h in _accounting(scope).items()}
    prod_keys = set(spelling)
    last_with = sort_vos(
        [v for v, h in hours.items() if vo_key(v) in prod_keys and round_half_up(h) >= 1]
    )
    last_total = round_half_up(sum(h for v, h in hours.items() if vo_key(v) in prod_keys))
    lists = [last_with]
    for _ in CPU_PERIODS:  # walk back: a few VOs had not started yet, one stopped since
        cur = list(lists[0])
        for _ in range(rng.randint(1, 3)):
            if len(cur) > 5:
                cur.remove(rng.choice(cur[1:]))
        if rng.random() < 0.4:
            extra = rng.choice([v for v in production if vo_key(v) not in {vo_key(x) for x in cur}])
            cur = sort_vos([*cur, extra])
        lists.insert(0, cur)
    rows: list[list[Any]] = []
    total = last_total
    totals = [last_total]
    for _ in CPU_PERIODS:
        total = int(total * rng.uniform(0.86, 0.99))
        totals.insert(0, total)
    prev: list[str] | None = None
    for period, with_acc, tot in zip([*CPU_PERIODS, LAST], lists, totals, strict=True):
        keys = {vo_key(v) for v in with_acc}
        without = sort_vos([v for v in production if vo_key(v) not in keys])
        rows.append(
            [
                period.label,
                tot,
                len(with_acc),
                ", ".join(with_acc) or "-",
                len(without),
                ", ".join(without) or "-",
                _changes(prev, with_acc),
            ]
        )
        prev = with_acc
    return rows


def users_rows(vos: list[dict[str, Any]], rng: random.Random) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for vo in vos:
        name = vo["name"]
        if name in NEW_IN_PUSH:
            continue
        registered = int(float(vo.get("members") or 0))
        total = int(float(vo.get("membersTotal") or 0))
        if rng.random() < 0.5:  # the snapshot moved since the last push
            registered = max(0, registered - rng.randint(1, 5))
            total = max(registered, total - rng.randint(0, 6))
        base = max(1, registered)
        users = [max(0, int(base * rng.uniform(0.3, 0.9))) for _ in USER_PERIODS]
        rows.append(["ALICE" if name == "alice" else name, users, registered, total])
    first, second = OUT_OF_ORDER
    names = [r[0] for r in rows]
    if first in names and second in names:
        row = rows.pop(names.index(first))
        rows.insert([r[0] for r in rows].index(second), row)
    return rows


def build() -> dict[str, Any]:
    rng = random.Random(20241231)
    vos = sorted(_production(), key=lambda v: vo_key(v["name"]))
    production = [v["name"] for v in vos]
    return {
        "cpu": {scope: cpu_rows(scope, production, rng) for scope in ("cloud", "htc")},
        "users": {"periods": [p.label for p in USER_PERIODS], "rows": users_rows(vos, rng)},
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Deterministic generator of ``sheet_history.json``: the past rows of the demo workbook,
consistent with the bundled demo data::

    python -m okr_tui.demo.generate_history

- CPU worksheets: the 2024.07-09 row is computed (plain code, SPEC §4 rules) from the demo
  accounting files of 2024-07..09: total = the unrounded hours of the production VOs summed and
  rounded once, VOs with accounting = rounded hours >= 1, names in the Operations Portal
  spelling. Older rows walk back from it with a fixed seed: a few VOs had not started yet,
  one stopped since, totals shrink by 1-14 % per quarter (smooth, never a 10x jump).
- Users worksheet: users of a past period = ``total`` of the newest month of that period in the
  demo ``vo-users.json`` (an empty cell when the VO has no data, never 0); Registered/Total
  Users = an older snapshot of ``vo-list.json`` (a few users fewer for some VOs, so that a push
  shows changes). Legacy quirks: ``ALICE`` upper case, one row out of order, a few VOs no
  longer in the Operations Portal; the VOs a push inserts are left out.
"""

from __future__ import annotations

import json
import random
import re
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
# VOs deleted from the Operations Portal since: (name, users per USER_PERIODS, registered, total)
RETIRED: list[tuple[str, list[int | None], int, int]] = [
    ("vo.chain-project.eu", [14, 13, 11, None, None, None], 9, 31),
    ("vo.helix-nebula.eu", [27, 26, 26, 24, 22, None], 18, 64),
    ("vo.sci-bus.eu", [6, 6, None, None, None, None], 4, 12),
]
MONTH = re.compile(r"^\d{4}-\d{2}$")


def production() -> list[dict[str, Any]]:
    """The production VOs of the demo ``vo-list.json``, in name order."""
    data = json.loads((DATA / "operations" / "vo-list.json").read_text())["data"]
    return sorted(
        (v for v in data if v.get("status") == "Production"), key=lambda v: vo_key(v["name"])
    )


def accounting_hours(scope: str, period: Period) -> dict[str, tuple[str, float]]:
    """vo_key -> (accounting spelling, unrounded hours over the months of ``period``) from the
    demo legacy accounting file of ``period`` (closing rows skipped, spellings merged)."""
    start, end = period.month_keys[0], period.month_keys[-1]
    name = f"{SCOPES[scope]}_VO_DATE_{start}_{end}_egi_onlyinfrajobs.json"
    months = set(period.month_keys)
    out: dict[str, tuple[str, float]] = {}
    for row in json.loads((DATA / "accounting" / name).read_text()):
        if row["id"] in ("Total", "Percent", "xlegend", "ylegend", "var"):
            continue
        hours = sum(float(v) for k, v in row.items() if MONTH.match(k) and k in months)
        spelling, before = out.get(vo_key(row["id"]), (row["id"], 0.0))
        out[vo_key(row["id"])] = (spelling, before + hours)
    return out


def _changes(prev: list[str] | None, cur: list[str]) -> str:
    if prev is None:
        return "-"
    p, c = {vo_key(v) for v in prev}, {vo_key(v) for v in cur}
    appeared = [v for v in cur if vo_key(v) not in p] or ["-"]
    disappeared = [v for v in prev if vo_key(v) not in c] or ["-"]
    return f"APPEARED: {', '.join(appeared)}\nDISAPPEARED: {', '.join(disappeared)}"


def cpu_rows(scope: str, names: list[str], rng: random.Random) -> list[list[Any]]:
    """The rows of one CPU worksheet, oldest first, ending with the computed 2024.07-09 row."""
    spelling = {vo_key(v): v for v in names}  # the Operations Portal spelling
    hours = {k: h for k, (_, h) in accounting_hours(scope, LAST).items() if k in spelling}
    last_with = sort_vos([spelling[k] for k, h in hours.items() if round_half_up(h) >= 1])
    totals = [round_half_up(sum(hours.values()))]
    lists = [last_with]
    for _ in CPU_PERIODS:  # walk back: a few VOs had not started yet, one stopped since
        cur = list(lists[0])
        for _ in range(rng.randint(1, 3)):
            if len(cur) > 5:
                cur.remove(rng.choice(cur[1:]))
        if rng.random() < 0.4:
            extra = rng.choice([v for v in names if vo_key(v) not in {vo_key(x) for x in cur}])
            cur = sort_vos([*cur, extra])
        lists.insert(0, cur)
        totals.insert(0, round_half_up(totals[0] * rng.uniform(0.86, 0.99)))
    rows: list[list[Any]] = []
    prev: list[str] | None = None
    for period, with_acc, total in zip([*CPU_PERIODS, LAST], lists, totals, strict=True):
        keys = {vo_key(v) for v in with_acc}
        without = sort_vos([v for v in names if vo_key(v) not in keys])
        rows.append(
            [
                period.label,
                total,
                len(with_acc),
                ", ".join(with_acc) or "-",
                len(without),
                ", ".join(without) or "-",
                _changes(prev, with_acc),
            ]
        )
        prev = with_acc
    return rows


def users_in_periods(periods: list[Period]) -> dict[str, list[int | None]]:
    """vo_key -> users per period: ``total`` of the newest month of the period in the demo
    ``vo-users.json``; None when the VO has no month in it."""
    data = json.loads((DATA / "operations" / "vo-users.json").read_text())["vo"]
    out: dict[str, list[int | None]] = {}
    for vo in data:
        monthly = {u["month"]: int(float(u["total"])) for u in vo.get("users") or []}
        values: list[int | None] = []
        for period in periods:
            months = [m for m in period.month_keys if m in monthly]
            values.append(monthly[max(months)] if months else None)
        out[vo_key(vo["name"])] = values
    return out


def users_rows(vos: list[dict[str, Any]], rng: random.Random) -> list[list[Any]]:
    """Rows ``[name, users per period, registered, total]`` in the legacy sheet order."""
    per_vo = users_in_periods(USER_PERIODS)
    rows: list[list[Any]] = []
    for vo in vos:
        name = vo["name"]
        if name in NEW_IN_PUSH:
            continue
        registered = int(float(vo.get("members") or 0))
        total = int(float(vo.get("membersTotal") or 0))
        if rng.random() < 0.6:  # the snapshot moved since the last push
            registered = max(0, registered - rng.randint(1, 4))
            total = max(registered, total - rng.randint(0, 5))
        users = per_vo.get(vo_key(name), [None] * len(USER_PERIODS))
        rows.append(["ALICE" if name == "alice" else name, users, registered, total])
    for name, users, registered, total in RETIRED:
        rows.append([name, list(users), registered, total])
    rows.sort(key=lambda r: vo_key(r[0]))
    first, second = OUT_OF_ORDER
    names = [r[0] for r in rows]
    if first in names and second in names:
        row = rows.pop(names.index(first))
        rows.insert([r[0] for r in rows].index(second), row)
    return rows


def build() -> dict[str, Any]:
    """The whole history (what ``sheet_history.json`` holds)."""
    rng = random.Random(20241231)
    vos = production()
    names = [v["name"] for v in vos]
    return {
        "cpu": {scope: cpu_rows(scope, names, rng) for scope in ("cloud", "htc")},
        "users": {"periods": [p.label for p in USER_PERIODS], "rows": users_rows(vos, rng)},
    }


def main() -> None:
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

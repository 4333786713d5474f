"""The bundled demo dataset (shapes and properties the demo relies on) and the replay sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from okr_tui.core.models import vo_key
from okr_tui.core.periods import Period
from okr_tui.demo import DEMO_DATA, DEMO_PERIOD
from okr_tui.demo.generate import generate
from okr_tui.sources.base import SourceError
from okr_tui.sources.replay import ReplayAccounting, ReplayOperations

ACC = DEMO_DATA / "accounting"
OPS = DEMO_DATA / "operations"
CLOSING = ["Total", "Percent", "xlegend", "ylegend", "var"]
FILES = {
    ("cloud", "Q3"): "cloud_sum_elap_processors_VO_DATE_2024-07_2024-09_egi_onlyinfrajobs.json",
    ("cloud", "Q4"): "cloud_sum_elap_processors_VO_DATE_2024-10_2024-12_egi_onlyinfrajobs.json",
    ("htc", "Q3"): "egi_elap_processors_VO_DATE_2024-07_2024-09_egi_onlyinfrajobs.json",
    ("htc", "Q4"): "egi_elap_processors_VO_DATE_2024-10_2024-12_egi_onlyinfrajobs.json",
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def vo_rows(name: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in load(ACC / name) if r["id"] not in CLOSING}


def test_generator_reproduces_the_bundled_files(tmp_path: Path) -> None:
    written = generate(tmp_path)
    assert len(written) >= 10
    for path in written:
        bundled = DEMO_DATA / path.relative_to(tmp_path)
        assert path.read_bytes() == bundled.read_bytes(), bundled


@pytest.mark.parametrize("key", sorted(FILES))
def test_legacy_files_have_the_real_shape(key: tuple[str, str]) -> None:
    rows = load(ACC / FILES[key])
    assert [r["id"] for r in rows[-5:]] == CLOSING
    total = rows[-5]
    data = rows[:-5]
    assert total["Total"] == round(sum(v for r in data for k, v in r.items() if k[:2] == "20"))
    assert rows[-1]["query"] == FILES[key].split("_VO_")[0].split("_", 1)[1]
    for r in data:
        assert isinstance(r["Total"], int) and set(r) >= {"id", "Total", "Percent"}
        for k, v in r.items():
            if k[:2] == "20":
                assert isinstance(v, (int, float)) and round(v, 4) == v


def test_quarters_differ_like_real_data() -> None:
    for scope in ("cloud", "htc"):
        q3, q4 = vo_rows(FILES[(scope, "Q3")]), vo_rows(FILES[(scope, "Q4")])
        assert set(q3) - set(q4) and set(q4) - set(q3)  # VOs disappear and appear
        big = [v for v in set(q3) & set(q4) if abs(q4[v]["Total"] / q3[v]["Total"] - 1) > 0.5]
        assert len(big) >= 2
    sparse = [r for r in vo_rows(FILES[("htc", "Q4")]).values() if "2024-11" not in r]
    assert sparse  # some months have no record at all


def test_operations_dataset() -> None:
    vos = load(OPS / "vo-list.json")["data"]
    names = {v["name"] for v in vos}
    assert len(vos) >= 150 and {v["status"] for v in vos} == {"Production"}
    assert all(isinstance(v[k], str) for v in vos for k in ("members", "membersTotal"))
    assert any(v["members"] == "0.0" for v in vos)
    assert any(v["homeUrl"] == "NA" for v in vos) and any(
        v["homeUrl"].startswith("https://") for v in vos
    )
    recorded = vo_rows(FILES[("cloud", "Q4")])
    assert len(recorded) == 67 and "ALICE" in recorded and "alice" in names and "ALICE" not in names
    assert {vo_key(n) for n in recorded} <= {vo_key(n) for n in names}
    htc = vo_rows(FILES[("htc", "Q4")])
    assert {"ATLAS", "CMS", "LHCb"} <= set(htc) and {"atlas", "cms", "lhcb"} <= names
    groups = load(OPS / "vo-users.json")["vo"]
    assert {g["name"] for g in groups} == names
    without = [g for g in groups if "users" not in g]
    assert 0 < len(without) < len(groups) / 10
    series = [g["users"] for g in groups if "users" in g]
    full = [s for s in series if s[0]["month"] == "2026-11" and s[-1]["month"] == "2020-01"]
    assert len(full) > len(groups) / 2  # most VOs: 2020-01..2026-11
    for rows in series:  # newest first
        assert [r["month"] for r in rows] == sorted((r["month"] for r in rows), reverse=True)
    card = load(OPS / "vo-idcard" / "alice.json")
    assert "AcknowledgmentStatement" in json.dumps(card) and "PublicationsUrl" in json.dumps(card)


async def test_replay_accounting(frozen_clock) -> None:
    source = ReplayAccounting(DEMO_DATA, frozen_clock)
    cloud = await source.monthly_hours("cloud", DEMO_PERIOD)
    assert len(cloud.hours) == 67 and cloud.portal_total == 15_315_512 and not cloud.missing
    assert cloud.provenance[0].api == "replay"
    htc_q3 = await source.monthly_hours("htc", Period.of("2024-07", "2024-09"))
    assert "ATLAS" in htc_q3.hours and not htc_q3.missing
    none = await source.monthly_hours("htc", Period.of("2024-01", "2024-03"))
    assert none.failed and none.hours == {}
    assert none.missing[0].reason == (
        f"accounting htc: no recorded response for 2024-01..2024-03 in {ACC}"
    )
    with pytest.raises(SourceError, match="no recorded response"):
        await source.breakdown("cloud", DEMO_PERIOD, "ALICE", "site")


async def test_replay_operations(frozen_clock) -> None:
    source = ReplayOperations(DEMO_DATA, frozen_clock)
    data = await source.fetch(DEMO_PERIOD)
    groups = {g["name"]: g.get("users") for g in load(OPS / "vo-users.json")["vo"]}
    alice_dec = next(int(r["total"]) for r in groups["alice"] if r["month"] == "2024-12")
    assert data.users["alice"]["2024-12"] == alice_dec
    assert max(data.users["alice"]) == "2024-12"  # the portal answers up to the period end
    assert all(vo_key(n) not in data.users for n, rows in groups.items() if rows is None)
    assert not data.missing and not data.failed and len(data.vos) >= 150
    only = await source.fetch(DEMO_PERIOD, vos=["ALICE", "biomed"])
    assert set(only.users) == {"alice", "biomed"}
    listed = await source.fetch(DEMO_PERIOD, vos=[])  # the VO list only
    assert listed.vos == data.vos and listed.users == {} and not listed.missing
    assert [p.name for p in listed.provenance] == ["operations vo-list"]
    early = await source.fetch(Period.of("2019-10", "2019-12"))  # before the users history
    assert early.users == {} and not early.missing and not early.failed
    card = await source.vo_card("ALICE")
    assert card.publications_url == "https://publications.example.org/alice"
    plain = await source.vo_card("cms")
    assert plain.acknowledgement == "N/A" and plain.home_url != "N/A"
    report, prov = await source.vo_report(DEMO_PERIOD)
    assert {g.status for g in report} >= {"Production", "Deleted"} and prov.api == "replay"
    with pytest.raises(SourceError, match=r"no recorded response for 2023-01\.\.2023-03"):
        await source.vo_report(Period.of("2023-01", "2023-03"))


async def test_replay_operations_missing_dir(tmp_path: Path, frozen_clock) -> None:
    data = await ReplayOperations(tmp_path, frozen_clock).fetch(DEMO_PERIOD)
    assert data.failed and data.missing[0].vo is None
    assert "no recorded response" in data.missing[0].reason


def test_demo_total_users_cover_every_monthly_count() -> None:
    """All users ever (membersTotal) is never below a month's user count in the demo data."""
    listing = json.loads((DEMO_DATA / "operations" / "vo-list.json").read_text())["data"]
    groups = json.loads((DEMO_DATA / "operations" / "vo-users.json").read_text())["vo"]
    peak = {
        g["name"]: max(int(float(r["total"])) for r in g["users"]) for g in groups if g.get("users")
    }
    over = [r["name"] for r in listing if peak.get(r["name"], 0) > int(r["membersTotal"])]
    assert over == []

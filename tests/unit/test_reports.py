"""Reports per SPEC §4, on small hand-computed cases and the real recorded cloud response."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from okr_tui.core.models import (
    Missing,
    OperationsData,
    Provenance,
    ScopeHours,
    VoInfo,
    VoStatusGroup,
)
from okr_tui.core.periods import Period
from okr_tui.core.report_json import CSV_HEADER, report_csv_rows, report_to_json
from okr_tui.core.reports import (
    build_cpu_report,
    build_report,
    build_users_report,
    build_vos_report,
    find_anomalies,
    vo_hours,
)
from okr_tui.core.selection import Selection

P = Period.of("2024-10", "2024-12")
PREV = Period.of("2024-07", "2024-09")
SEL = Selection(period=P)
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "okr_tui/demo/data/accounting"
    / "cloud_sum_elap_processors_VO_DATE_2024-10_2024-12_egi_onlyinfrajobs.json"
)


def vos(*names: str, members: int = 0, total: int = 0) -> list[VoInfo]:
    return [VoInfo(n, members=members, members_total=total) for n in names]


def hours(data: dict[str, dict[str, float]], period: Period = P, **kw: object) -> ScopeHours:
    return ScopeHours("cloud", period, data, **kw)  # type: ignore[arg-type]


def cpu(data, prod, sel=SEL, excluded=(), previous=None, **kw):
    return build_cpu_report("cloud", P, hours(data, **kw), prod, sel, excluded, previous)


def test_vo_hours_is_none_unless_completely_fetched() -> None:
    data = {"ALICE": {"2024-10": 1.5, "2024-11": 2.25}}
    assert vo_hours(hours(data), "alice") == 3.75
    assert vo_hours(hours(data), "absent.vo") == 0.0  # fetched, no accounting
    assert vo_hours(hours({}, missing=[Missing("cloud", None, "HTTP 500")]), "alice") is None
    one_month_missing = [Missing("cloud", None, "no rows for 2024-12", month="2024-12")]
    assert vo_hours(hours(data, missing=one_month_missing), "alice") is None
    this_vo = [Missing("cloud", "ALICE", "HTTP 500")]
    assert vo_hours(hours(data, missing=this_vo), "alice") is None
    assert vo_hours(hours(data, missing=this_vo), "other.vo") == 0.0


# --- CPU report -----------------------------------------------------------------------------
def test_rounding_half_up_and_total_rounded_once() -> None:
    # a: 1.25+1.25 = 2.5 -> 3 (banker's would give 2); b: 0.5 -> 1; c: 0.4 -> 0 (without)
    r = cpu(
        {"a": {"2024-10": 1.25, "2024-11": 1.25}, "b": {"2024-12": 0.5}, "c": {"2024-10": 0.4}},
        vos("a", "b", "c"),
    )
    assert [(v.vo, v.cpu_hours) for v in r.with_accounting] == [("a", 3), ("b", 1)]
    assert r.without_accounting == ["c"]
    # 2.5 + 0.5 + 0.4 = 3.4 -> 3, whereas the sum of rounded values is 3 + 1 + 0 = 4
    assert r.total_hours == 3


def test_months_outside_period_ignored() -> None:
    r = cpu({"a": {"2024-09": 100.0, "2024-10": 2.0}}, vos("a"))
    assert r.with_accounting[0].cpu_hours == 2
    assert r.with_accounting[0].months == {"2024-10": 2.0}


def test_case_insensitive_matching_shows_portal_spelling() -> None:
    r = cpu({"ALICE": {"2024-10": 10.0}, "LHCb": {"2024-11": 5.0}}, vos("alice", "lhcb", "zeta"))
    assert [v.vo for v in r.with_accounting] == ["alice", "lhcb"]
    assert r.with_accounting[0].accounting_name == "ALICE"
    assert r.without_accounting == ["zeta"]
    assert r.non_production == []


def test_name_order_is_case_insensitive() -> None:
    r = cpu(
        {"b": {"2024-10": 5.0}, "A2": {"2024-10": 5.0}, "a1": {"2024-10": 5.0}},
        vos("b", "A2", "a1", "Zz", "yy"),
    )
    assert [v.vo for v in r.with_accounting] == ["a1", "A2", "b"]
    assert r.without_accounting == ["yy", "Zz"]


def test_vo_named_total_something_is_a_vo() -> None:
    r = cpu(
        {"Total-something": {"2024-10": 7.0}, "a": {"2024-10": 3.0}},
        vos("a", "Total-something"),
        portal_total=10,
    )
    assert [v.vo for v in r.with_accounting] == ["a", "Total-something"]
    assert r.total_hours == 10
    assert r.portal_check is None and not r.inconsistent


def test_deselection_and_settings_exclusion() -> None:
    data = {"a": {"2024-10": 10.0}, "b": {"2024-10": 20.0}, "c": {"2024-10": 40.0}}
    sel = Selection(period=P, exclude=("B",))
    r = cpu(data, vos("a", "b", "c", "d"), sel=sel, excluded=["c"], portal_total=70)
    assert [v.vo for v in r.with_accounting] == ["a"]
    assert r.without_accounting == ["d"]
    assert r.total_hours == 10
    # 60 h apart, more than 3 VO rows, but VOs were deselected: explained, not inconsistent
    assert not r.inconsistent
    assert "deselected" in (r.portal_check or "")


def test_only_named_vos() -> None:
    sel = Selection(period=P, vos=("B", "nothere"))
    r = cpu({"a": {"2024-10": 10.0}, "b": {"2024-10": 20.0}}, vos("a", "b"), sel=sel)
    assert [v.vo for v in r.with_accounting] == ["b"]
    assert r.without_accounting == ["nothere"]
    assert r.total_hours == 20


def test_non_production_excluded_unless_included() -> None:
    data = {"a": {"2024-10": 10.0}, "x.test": {"2024-10": 5.0}}
    r = cpu(data, vos("a"))
    assert [v.vo for v in r.with_accounting] == ["a"]
    assert [(v.vo, v.production) for v in r.non_production] == [("x.test", False)]
    assert "x.test" not in r.without_accounting and r.total_hours == 10
    sel = Selection(period=P, include_non_production=True)
    r2 = cpu(data, vos("a"), sel=sel)
    assert [v.vo for v in r2.with_accounting] == ["a", "x.test"]
    assert r2.total_hours == 15


def test_portal_total_cross_check() -> None:
    data = {"a": {"2024-10": 1.4}, "b": {"2024-10": 1.4}}  # 2.8 -> 3; rounded rows 1+1
    ok = cpu(data, vos("a", "b"), portal_total=4)
    assert not ok.inconsistent and "rounding" in (ok.portal_check or "")
    bad = cpu(data, vos("a", "b"), portal_total=9)  # 6 apart > 2 rows, all selected
    assert bad.inconsistent
    report = build_report(
        SEL, (), ops=OperationsData(vos("a", "b"), {}), hours={"cloud": hours(data, portal_total=9)}
    )
    assert [a.kind for a in report.anomalies] == ["total-mismatch"]


def test_missing_vo_in_neither_list_and_failed_scope() -> None:
    data = {"a": {"2024-10": 10.0}}
    miss = [Missing("cloud", "b", "HTTP 500 from http://acc/cloud")]
    r = cpu(data, vos("a", "b", "c"), missing=miss)
    assert [v.vo for v in r.with_accounting] == ["a"]
    assert r.without_accounting == ["c"]
    assert r.missing == miss and not r.complete
    failed = cpu({}, vos("a"), missing=[Missing("cloud", None, "timeout")])
    assert failed.failed and failed.with_accounting == [] and failed.without_accounting == []


def test_selected_vo_unknown_to_the_portal_is_warned() -> None:
    sel = Selection(period=P, vos=("A", "x.test", "typo.vo"))
    data = {"a": {"2024-10": 1.0}, "x.test": {"2024-10": 2.0}}
    report = build_report(sel, (), ops=OperationsData(vos("a"), {}), hours={"cloud": hours(data)})
    assert report.warnings == [
        "selected VO 'x.test' is not a production VO in the Operations Portal",
        "selected VO 'typo.vo' is not a production VO in the Operations Portal and has no "
        "accounting data: check the name",
    ]
    assert report.cloud is not None and report.cloud.without_accounting == ["typo.vo"]


def test_vo_list_failed_marks_without_list_missing() -> None:
    r = cpu({"a": {"2024-10": 10.0}}, None)
    assert [v.vo for v in r.with_accounting] == ["a"]
    assert any("vo-list" in m.reason for m in r.missing)


# --- users report ---------------------------------------------------------------------------
def test_users_report_newest_month_none_vs_zero_and_failures() -> None:
    ops = OperationsData(
        vos=[
            VoInfo("alice", members=0, members_total=3097),
            VoInfo("b", members=5, members_total=9),
            VoInfo("c"),
            VoInfo("d"),
        ],
        users={
            "alice": {"2024-12": 0, "2024-11": 40, "2025-01": 99},
            "b": {"2024-10": 7, "2024-11": 8},
            "c": {"2023-01": 3},
        },
        missing=[Missing("users", "d", "HTTP 502 from vo-users for d")],
    )
    rep = build_users_report(P, ops, SEL, ())
    rows = {r.vo: r for r in rep.rows}
    assert rows["alice"].users == 0 and rows["alice"].registered == 0
    assert rows["alice"].total == 3097
    assert rows["b"].users == 8  # newest month of the period present in the series
    assert rows["c"].users is None and "no users data" in (rows["c"].reason or "")
    assert rows["d"].users is None and "502" in (rows["d"].reason or "")
    assert rep.missing == [Missing("users", "d", "HTTP 502 from vo-users for d")]
    assert rows["alice"].series["2025-01"] == 99


def test_users_report_vo_list_failed() -> None:
    ops = OperationsData([], {}, missing=[Missing("users", None, "HTTP 401")], failed=True)
    rep = build_users_report(P, ops, SEL, ())
    assert rep.rows == [] and rep.missing[0].reason == "HTTP 401"
    out = report_to_json(build_report(SEL, (), ops=ops, hours={}))
    assert out["users"] is None


# --- VOs report -----------------------------------------------------------------------------
def test_vos_report_suffixes() -> None:
    groups = [
        VoStatusGroup("Production", 2, ("b.eu", "a.eu")),
        VoStatusGroup("Leaving", 1, ("c.eu",)),
        VoStatusGroup("Deleted", 3, ("d.eu",)),
        VoStatusGroup("Pending", 1, ("e.eu",)),
    ]
    r = build_vos_report(P, groups)
    assert (r.total, r.deleted, r.production) == (7, 3, 2)
    assert r.names == ["a.eu (P)", "b.eu (P)", "c.eu (L)", "d.eu (D)", "e.eu (PE)"]


# --- anomalies ------------------------------------------------------------------------------
def _report(now, before, prod=("a", "b", "c"), users=None):
    ops = OperationsData(vos(*prod), users or {})
    return build_report(
        SEL,
        (),
        ops=ops,
        hours={"cloud": hours(now), "htc": ScopeHours("htc", P, {})},
        previous={"cloud": hours(before, PREV), "htc": ScopeHours("htc", PREV, {})},
    )


def test_anomalies_change_and_lost_accounting() -> None:
    now = {"a": {"2024-10": 160.0}, "b": {"2024-10": 140.0}}
    before = {"a": {"2024-07": 100.0}, "b": {"2024-07": 100.0}, "c": {"2024-08": 50.0}}
    kinds = {(a.kind, a.vo) for a in _report(now, before).anomalies}
    # a +60 % flagged, b +40 % not; c had 50 h and has none now
    assert kinds == {("change", "a"), ("lost-accounting", "c")}
    assert not any(a.blocking for a in _report(now, before).anomalies)


def test_no_per_vo_comparisons_when_whole_months_are_missing() -> None:
    """Months missing (now or in the previous period) make change / lost-accounting flags
    meaningless: none are raised, and the missing months stay listed."""
    now = {"a": {"2024-10": 160.0}}
    before = {"a": {"2024-07": 100.0}, "c": {"2024-08": 50.0}}
    gap = [Missing("cloud", None, "no rows in the dump", month="2024-11")]
    ops = OperationsData(vos("a", "c"), {})
    partial_now = build_report(
        SEL, (), ops=ops,
        hours={"cloud": hours(now, missing=gap), "htc": ScopeHours("htc", P, {})},
        previous={"cloud": hours(before, PREV), "htc": ScopeHours("htc", PREV, {})},
    )  # fmt: skip
    assert [a.kind for a in partial_now.anomalies if a.scope == "cloud"] == []
    assert gap[0] in partial_now.missing
    partial_before = build_report(
        SEL, (), ops=ops,
        hours={"cloud": hours(now), "htc": ScopeHours("htc", P, {})},
        previous={
            "cloud": hours(before, PREV, missing=[Missing("cloud", None, "gap", month="2024-08")]),
            "htc": ScopeHours("htc", PREV, {}),
        },
    )  # fmt: skip
    assert partial_before.cloud is not None and partial_before.cloud.previous is None
    assert [a.kind for a in partial_before.anomalies if a.scope == "cloud"] == []


def test_anomaly_scale_blocks() -> None:
    now = {"a": {"2024-10": 1_100.0}}
    before = {"a": {"2024-07": 100.0}}
    anomalies = _report(now, before).anomalies
    scale = [a for a in anomalies if a.kind == "scale"]
    assert len(scale) == 1 and scale[0].blocking and scale[0].scope == "cloud"
    assert not [
        a for a in _report({"a": {"2024-10": 900.0}}, before).anomalies if a.kind == "scale"
    ]


def test_anomaly_users_without_accounting() -> None:
    r = _report({"a": {"2024-10": 5.0}}, {}, users={"b": {"2024-12": 4}, "c": {"2024-12": 0}})
    found = [(a.kind, a.vo) for a in r.anomalies]
    assert found == [("users-no-accounting", "b")]
    assert find_anomalies(r) == r.anomalies


# --- JSON / CSV -----------------------------------------------------------------------------
def test_json_shape_nulls_and_csv() -> None:
    ops = OperationsData(vos("a", "b"), {"a": {"2024-11": 3}})
    prov = Provenance(
        "accounting cloud", "legacy", "http://acc/x", datetime(2025, 1, 1, tzinfo=timezone.utc)
    )
    rep = build_report(
        SEL,
        (),
        ops=ops,
        hours={
            "cloud": hours({"a": {"2024-10": 2.5}}),
            "htc": ScopeHours("htc", P, {}, missing=[Missing("htc", None, "HTTP 503")]),
        },
        sources=[prov],
    )
    out = report_to_json(rep)
    assert list(out) == ["period", "cloud", "htc", "users", "missing", "anomalies", "sources"]
    assert out["period"] == {"start": "2024-10", "end": "2024-12", "label": "2024.10-12"}
    assert out["cloud"] == {
        "total_cpu_hours": 3,
        "vos_with_accounting": [{"vo": "a", "cpu_hours": 3, "months": {"2024-10": 2.5}}],
        "vos_without_accounting": ["b"],
    }
    assert out["htc"] is None
    assert out["users"]["vos"][1] == {"vo": "b", "users": None, "registered": 0, "total": 0}
    assert out["missing"] == [{"scope": "htc", "vo": None, "reason": "HTTP 503"}]
    assert out["sources"][0]["url"] == "http://acc/x"
    json.dumps(out)
    rows = report_csv_rows(rep)
    assert rows[0][: len(CSV_HEADER)] == CSV_HEADER and rows[0][-3:] == P.month_keys
    assert ["cloud", "a", "3", "", "", "", "with accounting", "2.5", "", ""] in rows
    assert any(r[0] == "htc" and r[6].startswith("missing: HTTP 503") for r in rows)
    assert next(r for r in rows if r[:2] == ["users", "b"])[:6] == ["users", "b", "", "", "0", "0"]


# --- the real recorded response -------------------------------------------------------------
def _read_legacy(path: Path) -> tuple[dict[str, dict[str, float]], int]:
    rows = json.loads(path.read_text())
    closing = {"Total", "Percent", "xlegend", "ylegend", "var"}
    data = {
        r["id"]: {k: float(v) for k, v in r.items() if k[:2] == "20"}
        for r in rows
        if r["id"] not in closing
    }
    total = next(r["Total"] for r in rows if r["id"] == "Total")
    return data, total


def test_real_recorded_cloud_response() -> None:
    data, portal_total = _read_legacy(FIXTURE)
    prod = [VoInfo(n.lower() if n == "ALICE" else n) for n in data]
    r = build_cpu_report("cloud", P, hours(data, portal_total=portal_total), prod, SEL, (), None)
    assert r.total_hours == 15_315_512  # from the issue text
    assert len(r.with_accounting) == 67
    assert r.without_accounting == []
    assert r.with_accounting[0].vo == "alice"
    assert r.portal_check is None and not r.inconsistent

"""Parsers of the portal responses: every rule with hand-written expected values."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from okr_tui.core.periods import Period
from okr_tui.sources.parsers import (
    ParseError,
    parse_bulk_vo_users,
    parse_legacy_accounting,
    parse_vo_card,
    parse_vo_list,
    parse_vo_report,
    parse_vo_users,
    read_bulk_vo_users,
    to_count,
    users_in_period,
)

# SHA-256 of the real recorded response (the shared fixture outside the repo), so the check
# also runs, and cannot be skipped, in a clean clone
FIXTURE_SHA256 = "7b4fbbfa7e05e73dbe338cc5d8de6fb56b209c4a1e80538d7f172ffb630eed36"
BUNDLED = (
    Path(__file__).resolve().parents[2]
    / "okr_tui/demo/data/accounting"
    / "cloud_sum_elap_processors_VO_DATE_2024-10_2024-12_egi_onlyinfrajobs.json"
)
Q4 = Period.of("2024-10", "2024-12")


def closing(total: Any = 30, *, with_total: bool = True) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if with_total:
        rows.append({"2024-10": 10, "2024-11": 10, "2024-12": 10, "id": "Total", "Total": total})
    return [
        *rows,
        {"2024-10": "33.33%", "id": "Percent", "Percent": "", "Total": ""},
        {"id": "xlegend", "0": "a"},
        {"id": "ylegend", "0": "2024-10", "1": "2024-11", "2": "2024-12", "3": "id"},
        {"id": "var", "xrange": "DATE", "yrange": "VO", "query": "sum_elap_processors"},
    ]


def row(vo: str, **months: Any) -> dict[str, Any]:
    cells = {k.replace("_", "-"): v for k, v in months.items()}
    return {**cells, "id": vo, "Total": 0, "Percent": 0}


# --- legacy accounting ------------------------------------------------------------------------
def test_real_fixture_67_vos_total_and_alice() -> None:
    rows = json.loads(BUNDLED.read_text(encoding="utf-8"))
    parsed = parse_legacy_accounting(rows, Q4, metric="sum_elap_processors")
    assert len(parsed.hours) == 67
    assert parsed.portal_total == 15_315_512
    assert parsed.hours["ALICE"] == {"2024-10": 5952.0, "2024-11": 5759.9978, "2024-12": 5952.0}
    assert parsed.hours["openrisknet.org"] == {
        "2024-10": 13956.9434,
        "2024-11": 0.0,
        "2024-12": 0.0,
    }
    assert not parsed.vo_errors and not parsed.warnings
    assert parsed.rows == 67 and parsed.duplicates == 0 and parsed.conflicts == 0
    assert round(sum(sum(m.values()) for m in parsed.hours.values())) == 15_315_512


def test_bundled_copy_is_the_recorded_fixture_verbatim() -> None:
    assert hashlib.sha256(BUNDLED.read_bytes()).hexdigest() == FIXTURE_SHA256


def test_closing_ids_match_exactly_and_vo_names_may_contain_total() -> None:
    rows = [
        row("vo.Total.eu", **{"2024_10": 1.5}),
        row("Totally", **{"2024_11": 2}),
        row("total", **{"2024_12": 3.25}),
        row("Percentage", **{"2024_10": 4}),
        *closing(11),
    ]
    parsed = parse_legacy_accounting(rows, Q4)
    assert parsed.hours == {
        "vo.Total.eu": {"2024-10": 1.5},
        "Totally": {"2024-11": 2.0},
        "total": {"2024-12": 3.25},
        "Percentage": {"2024-10": 4.0},
    }
    assert parsed.portal_total == 11


def test_sparse_months_are_absent_not_zero() -> None:
    parsed = parse_legacy_accounting([row("a", **{"2024_10": 5, "2024_12": 7}), *closing()], Q4)
    assert parsed.hours["a"] == {"2024-10": 5.0, "2024-12": 7.0}


@pytest.mark.parametrize("bad", ["n/a", None, True, "12.5", float("nan")])
def test_non_numeric_cell_makes_only_that_vo_missing(bad: Any) -> None:
    rows = [row("a", **{"2024_10": 1, "2024_11": bad}), row("b", **{"2024_10": 2}), *closing()]
    parsed = parse_legacy_accounting(rows, Q4)
    assert "a" not in parsed.hours
    assert parsed.hours["b"] == {"2024-10": 2.0}
    assert parsed.vo_errors["a"] == f"non-numeric value {bad!r} for 2024-11"


def test_identical_duplicate_row_counted_once_with_warning() -> None:
    rows = [row("a", **{"2024_10": 3}), row("a", **{"2024_10": 3}), *closing()]
    parsed = parse_legacy_accounting(rows, Q4)
    assert parsed.hours == {"a": {"2024-10": 3.0}}
    assert parsed.duplicates == 1
    assert parsed.warnings == ["a: duplicated row (identical, counted once)"]


def test_different_duplicate_rows_make_the_vo_missing() -> None:
    rows = [row("a", **{"2024_10": 3}), row("b", **{"2024_10": 1}), row("a", **{"2024_10": 4})]
    parsed = parse_legacy_accounting([*rows, *closing()], Q4)
    assert "a" not in parsed.hours and parsed.hours["b"] == {"2024-10": 1.0}
    assert parsed.vo_errors == {"a": "the response has different rows for this VO"}
    assert parsed.conflicts == 1


def test_missing_total_row_is_a_warning_only() -> None:
    parsed = parse_legacy_accounting([row("a", **{"2024_10": 3}), *closing(with_total=False)], Q4)
    assert parsed.hours == {"a": {"2024-10": 3.0}}
    assert parsed.portal_total is None
    assert parsed.warnings == ["no Total row: the portal total cannot be cross-checked"]


def test_non_numeric_portal_total_is_a_warning() -> None:
    parsed = parse_legacy_accounting([row("a", **{"2024_10": 3}), *closing("x")], Q4)
    assert parsed.portal_total is None
    assert parsed.warnings == ["the Total row has a non-numeric total 'x'"]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "empty list: the portal returned no rows"),
        ({"error": "no data"}, "expected a JSON list of rows, got an object"),
        ("oops", "expected a JSON list of rows, got a string"),
        ([{"2024-10": 1}], "row 0 is not an object with an id"),
        ([row("a"), 5], "row 1 is not an object with an id"),
    ],
)
def test_unusable_response_is_an_error_for_the_scope(doc: Any, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_legacy_accounting(doc, Q4)
    assert str(err.value) == message


def test_months_outside_the_period_and_wrong_metric_are_warned() -> None:
    rows = [row("a", **{"2024_09": 9, "2024_10": 1}), *closing()]
    parsed = parse_legacy_accounting(rows, Q4, metric="elap_processors")
    assert parsed.hours == {"a": {"2024-10": 1.0}}
    assert parsed.warnings == [
        "response is for metric 'sum_elap_processors', not 'elap_processors'",
        "months outside 2024.10-12 ignored: 2024-09",
    ]


# --- Operations Portal -------------------------------------------------------------------------
def test_to_count() -> None:
    assert [to_count("12", "x"), to_count("0.0", "x"), to_count(7, "x"), to_count(3.0, "x")] == [
        12,
        0,
        7,
        3,
    ]
    for bad in ("3.5", "", "abc", True, None):
        with pytest.raises(ParseError):
            to_count(bad, "vo x members")


def test_vo_list() -> None:
    doc = {
        "data": [
            {"serial": "2", "status": "Production", "name": "alice", "scope": "Global",
             "homeUrl": "https://alice.cern.ch", "members": "0.0", "membersTotal": "3097",
             "Vo": []},
            {"serial": "9", "status": "Production", "name": "biomed", "scope": "Global",
             "homeUrl": "NA", "members": "12", "membersTotal": "40", "Vo": []},
        ]
    }  # fmt: skip
    alice, biomed = parse_vo_list(doc)
    assert (alice.name, alice.members, alice.members_total) == ("alice", 0, 3097)
    assert alice.home_url == "https://alice.cern.ch" and alice.serial == "2"
    assert (biomed.home_url, biomed.members, biomed.members_total) == (None, 12, 40)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"items": []}, 'vo-list: expected an object with a "data" list, got an object'),
        ([], 'vo-list: expected an object with a "data" list, got a list'),
        ({"data": [{"status": "Production"}]}, "vo-list: entry 0 has no VO name"),
        (
            {"data": [{"name": "x", "members": "many"}]},
            "vo-list x members: expected a whole number, got 'many'",
        ),
    ],
)
def test_vo_list_errors(doc: Any, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_vo_list(doc)
    assert str(err.value) == message


USERS = {
    "users": [
        {"month": "2025-01", "total": "130", "nbadded": "2", "nbremoved": "0"},
        {"month": "2024-12", "total": "123", "nbadded": "2", "nbremoved": "0"},
        {"month": "2024-11", "total": "121", "nbadded": "1", "nbremoved": "3"},
        {"month": "2024-10", "total": "0.0", "nbadded": "0", "nbremoved": "0"},
    ]
}


def test_vo_users_series_and_users_in_period() -> None:
    series = parse_vo_users(USERS, "alice")
    assert series == {"2025-01": 130, "2024-12": 123, "2024-11": 121, "2024-10": 0}
    assert users_in_period(series, Q4) == 123  # newest month inside the period
    assert users_in_period(series, Period.of("2024-10", "2024-10")) == 0  # "0.0" is 0
    assert users_in_period(series, Period.of("2023-01", "2023-12")) is None  # no month inside


def test_vo_users_without_users_key_is_no_data() -> None:
    assert parse_vo_users({}, "x") is None
    assert users_in_period(None, Q4) is None


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "vo-users x: expected an object, got a list"),
        ({"users": "none"}, 'vo-users x: "users" is a string, expected a list of months'),
        (
            {"users": [{"month": "12/2024", "total": "1"}]},
            "vo-users x: month '12/2024' is not YYYY-MM",
        ),
        ({"users": [{"month": "2024-12"}]}, "vo-users x: month 2024-12 has no total"),
        (
            {"users": [{"month": "2024-12", "total": "n/a"}]},
            "vo-users x 2024-12 total: expected a whole number, got 'n/a'",
        ),
    ],
)
def test_vo_users_errors(doc: Any, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_vo_users(doc, "x")
    assert str(err.value) == message


def test_bulk_per_vo_shape_accepted() -> None:
    doc = {"vo": [{"name": "alice", "users": USERS["users"][:2]}, {"name": "dteam"}]}
    assert parse_bulk_vo_users(doc) == {"alice": {"2025-01": 130, "2024-12": 123}, "dteam": None}


def test_bulk_single_collapsed_group_accepted() -> None:
    doc = {"vo": {"name": "alice", "users": [{"month": "2024-12", "total": "5"}]}}
    assert parse_bulk_vo_users(doc) == {"alice": {"2024-12": 5}}


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (USERS, "bulk answer is one series, not per-VO groups"),
        ([], "bulk answer is a list, not per-VO groups"),
        ({}, 'bulk answer has no "vo" groups'),
        ({"vo": "alice"}, 'bulk "vo" is a string, not a list of groups'),
        ({"vo": [{"users": []}]}, "bulk group 0 has no VO name"),
        (
            {"vo": [{"name": "a", "users": [{"month": "x", "total": "1"}]}]},
            None,  # checked below: names the group and the bad month
        ),
    ],
)
def test_bulk_other_shapes_refused_with_reason(doc: Any, reason: str | None) -> None:
    result = read_bulk_vo_users(doc)
    assert result.users is None and parse_bulk_vo_users(doc) is None
    if reason is not None:
        assert result.reason == reason
    else:
        assert result.reason.startswith("bulk group a:") and "not YYYY-MM" in result.reason


CARD = {
    "VoDump": [
        {
            "IDCard": [
                {"Name": "alice"},
                {"Scope": "Global"},
                {"HomeUrl": "https://alice.cern.ch"},
                {"Description": "ALICE at the LHC"},
                {"AcknowledgmentStatement": "We thank EGI."},
                {"PublicationsUrl": "https://alice.cern.ch/pubs"},
                {"Contacts": [{"Contact": [{"Name": "Jane"}, {"Role": "MANAGER"}]}]},
            ]
        }
    ]
}


def test_vo_card_key_search_not_position() -> None:
    card = parse_vo_card("alice", CARD)
    assert card.acknowledgement == "We thank EGI."
    assert card.publications_url == "https://alice.cern.ch/pubs"
    assert (card.scope, card.home_url, card.description) == (
        "Global",
        "https://alice.cern.ch",
        "ALICE at the LHC",
    )
    reordered = {"IDCard": list(reversed(CARD["VoDump"][0]["IDCard"]))}
    assert parse_vo_card("alice", reordered).acknowledgement == "We thank EGI."


def test_vo_card_absent_fields_are_na() -> None:
    card = parse_vo_card("x", {"VoDump": [{"IDCard": [{"Name": "x"}, {"HomeUrl": "NA"}]}]})
    assert (card.acknowledgement, card.publications_url, card.home_url) == ("N/A", "N/A", "N/A")
    with pytest.raises(ParseError):
        parse_vo_card("x", "not a card")


def test_vo_report_groups() -> None:
    doc = {
        "report": [
            {"status": "Leaving", "count": "1", "vos": [{"vo": ["vo.x.eu"]}]},
            {"status": "Production", "count": "2", "vos": [{"vo": ["a.eu", "b.eu"]}]},
            {"status": "Pending", "count": "1", "vos": [{"vo": "p.eu"}]},
            {"status": "Deleted", "count": "0", "vos": []},
        ]
    }
    groups = parse_vo_report(doc)
    assert [(g.status, g.count, g.vos) for g in groups] == [
        ("Leaving", 1, ("vo.x.eu",)),
        ("Production", 2, ("a.eu", "b.eu")),
        ("Pending", 1, ("p.eu",)),
        ("Deleted", 0, ()),
    ]
    with pytest.raises(ParseError):
        parse_vo_report({"data": []})

"""Parsing and aggregation of the dump (SPEC §3.4) against the hand-computed dump."""

from __future__ import annotations

import io
import json

import pytest

from okr_tui.core.periods import Period
from okr_tui.sources.dump_parse import parse_dump
from okr_tui.sources.dump_result import DumpAggregate
from okr_tui.sources.dump_schema import DumpError, parse_month, scope_infras
from tests.unit import dump_cases as case

Q4 = Period.of("2024-10", "2024-12")


def parse(data: bytes) -> DumpAggregate:
    return parse_dump(io.BytesIO(data), "http://portal.test/csv")


def approx_hours(actual: dict[str, dict[str, float]], expected: dict[str, dict[str, float]]):
    assert set(actual) == set(expected)
    for vo, months in expected.items():
        assert set(actual[vo]) == set(months), vo
        for month, value in months.items():
            assert actual[vo][month] == pytest.approx(value, abs=1e-9), (vo, month)


@pytest.mark.parametrize("form", sorted(case.FORMS))
def test_every_form_gives_the_hand_computed_sums(form: str) -> None:
    agg = parse(case.FORMS[form]())
    assert agg.stats.rows == case.ROWS_READ
    assert agg.stats.duplicates == case.DUPLICATES
    assert agg.stats.conflicts == case.CONFLICTS
    approx_hours(agg.monthly(scope_infras("htc", "infra"), Q4)[0], case.HTC_INFRA)
    approx_hours(agg.monthly(scope_infras("htc", "infra+local"), Q4)[0], case.HTC_INFRA_LOCAL)
    approx_hours(agg.monthly(scope_infras("htc", "local"), Q4)[0], case.HTC_LOCAL)
    approx_hours(agg.monthly(scope_infras("cloud", "infra"), Q4)[0], case.CLOUD)
    assert case.MISSING_MONTH not in agg.months_present(("grid",))
    assert case.MISSING_MONTH not in agg.months_present(("cloud",))


def test_csv_and_json_forms_are_identical() -> None:
    a, b = parse(case.as_csv()), parse(case.as_json())
    for infras in (("grid",), ("cloud",), ("grid", "grid-local")):
        assert a.monthly(infras, Q4) == b.monthly(infras, Q4)


def test_conflict_keeps_the_first_row_and_reports_both() -> None:
    agg = parse(case.as_csv())
    (detail,) = agg.stats.conflict_details
    assert "SITE-B" in detail and "20.25" in detail and "99" in detail


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("site", case.ATLAS_BY_SITE),
        ("ngi", case.ATLAS_BY_NGI),
        ("region", case.ATLAS_BY_NGI),
        ("country", case.ATLAS_BY_COUNTRY),
        ("tier", case.ATLAS_BY_TIER),
    ],
)
def test_breakdowns(by: str, expected: dict[str, float]) -> None:
    hours, monthly = parse(case.as_json()).breakdown(("grid",), Q4, "atlas", by)
    assert hours == pytest.approx(expected)
    assert set(monthly) == set(expected)


def test_period_filter_excludes_other_months() -> None:
    agg = parse(case.as_csv())
    hours, _ = agg.monthly(("cloud",), Period.of("2024-12", "2024-12"))
    assert hours == {"biomed": {"2024-12": 12.5}}


def test_aggregate_round_trips_through_the_cache_file(tmp_path) -> None:
    agg = parse(case.as_csv())
    agg.save(tmp_path / "a.npz", {"validator": "etag:x"})
    back, meta = DumpAggregate.load(tmp_path / "a.npz")
    assert meta == {"validator": "etag:x"}
    assert back.monthly(("grid",), Q4) == agg.monthly(("grid",), Q4)
    assert back.stats == agg.stats
    assert back.full is None  # the site-level table is read only for a breakdown
    assert back.breakdown(("grid",), Q4, "ATLAS", "site")[0] == pytest.approx(case.ATLAS_BY_SITE)


def test_brackets_and_escapes_inside_strings_are_parsed_correctly() -> None:
    names = ["time", "site", "vo", "infrastructure", "raw_wc_time"]
    rows = [
        ["2024-10-01T00:00:00Z", 'odd]],["site', "vo.a", "Grid", 1.5],
        ["2024-10-01T00:00:00Z", 'quote\\"d', "vo.a", "Grid", 2.5],
        ["2024-10-01T00:00:00Z", " spaced ", "vo.b", "Grid", 4],
    ]
    doc = {"results": [{"series": [{"name": "s", "columns": names, "values": rows}]}]}
    agg = parse(json.dumps(doc).encode())
    hours, _ = agg.monthly(("grid",), Q4)
    assert hours == {"vo.a": {"2024-10": 4.0}, "vo.b": {"2024-10": 4.0}}
    sites, _ = agg.breakdown(("grid",), Q4, "vo.a", "site")
    assert set(sites) == {'odd]],["site', 'quote\\"d'}
    assert set(agg.breakdown(("grid",), Q4, "vo.b", "site")[0]) == {" spaced "}


def test_null_raw_wc_time_is_counted_invalid_not_zero() -> None:
    data = case.as_csv() + b"2024-12-01T00:00:00Z,SITE-C,biomed,Grid,HS06,,NGI_X,XX,,1,\n"
    agg = parse(data)
    hours, invalid = agg.monthly(("grid",), Q4)
    assert invalid == {("biomed", "2024-12"): 1}
    assert hours["biomed"]["2024-12"] == 8.0
    assert agg.stats.invalid == 1


@pytest.mark.parametrize(
    ("data", "kind", "words"),
    [
        (b"", "empty", "empty"),
        (b"  \n", "empty", "empty"),
        (case.HEADER.encode() + b"\n", "empty", "no data rows"),
        (b'{"results": [{"statement_id": 0}]}', "empty", "no data rows"),
        (b"<!DOCTYPE html><html><body>Portal</body></html>", "not-a-dump", "HTML"),
        (b"foo,bar,baz\n1,2,3\n", "not-a-dump", "not a dump"),
        (b'{"message": "hello"}\n', "columns", "raw_wc_time"),
        (b"time,site,vo,infrastructure\n2024-10-01T00:00:00Z,A,b,Grid\n", "columns", "raw_wc_time"),
        (case.as_json()[:-40], "truncated", "ends"),
        (case.as_csv() + b"2024-10-01T00:00:00Z,S,v,Grid,HS06,,N,C,1,1,abc\n", "value", "abc"),
        (case.as_csv() + b"2024-10-15T00:00:00Z,S,v,Grid,HS06,,N,C,1,1,2\n", "time", "first day"),
        (case.as_csv() + b"2024-10-01T06:00:00Z,S,v,Grid,HS06,,N,C,1,1,2\n", "time", "first day"),
        (case.as_csv() + b"1727740801,S,v,Grid,HS06,,N,C,1,1,2\n", "time", "first day"),
        (case.as_csv() + b"yesterday,S,v,Grid,HS06,,N,C,1,1,2\n", "time", "RFC3339"),
        (case.as_csv() + b"2024-10-01T00:00:00Z,S,v\n", "value", "malformed"),
        (case.as_gzip_csv()[:-30], "truncated", "gzip"),
    ],
)
def test_bad_input_gives_a_specific_error(data: bytes, kind: str, words: str) -> None:
    with pytest.raises(DumpError) as info:
        parse(data)
    assert info.value.kind == kind
    assert words.lower() in str(info.value).lower()


def test_non_numeric_raw_wc_time_in_json_is_a_value_error() -> None:
    names = ["time", "site", "vo", "infrastructure", "raw_wc_time"]
    row = ["2024-10-01T00:00:00Z", "S", "v", "Grid", "lots"]
    doc = {"results": [{"series": [{"columns": names, "values": [row]}]}]}
    with pytest.raises(DumpError) as info:
        parse(json.dumps(doc).encode())
    assert info.value.kind == "value" and "raw_wc_time" in str(info.value)


@pytest.mark.parametrize(
    ("value", "month"),
    [
        ("2024-10-01T00:00:00Z", "2024-10"),
        ("2024-10-01T02:00:00+02:00", "2024-10"),
        (1727740800, "2024-10"),
        (1727740800 * 10**9, "2024-10"),
        ("1727740800000000000", "2024-10"),
        (1733011200, "2024-12"),
    ],
)
def test_time_forms(value: object, month: str) -> None:
    index = parse_month(value, "u")
    assert f"{index // 12:04d}-{index % 12 + 1:02d}" == month


def test_unknown_selector_is_rejected() -> None:
    with pytest.raises(ValueError, match="accounting_selector"):
        scope_infras("htc", "everything")


def test_many_distinct_sites_widen_the_id_columns() -> None:
    lines = ["time,site,vo,infrastructure,raw_wc_time"]
    lines += [f"2024-10-01T00:00:00Z,site-{i},vo.{i % 3},Grid,1" for i in range(33_000)]
    lines.append("2024-10-01T00:00:00Z,site-0,vo.0,Grid,1")  # a duplicate of the first row
    agg = parse(("\n".join(lines) + "\n").encode())
    hours, _ = agg.monthly(("grid",), Q4)
    assert hours == {"vo.0": {"2024-10": 11_000.0}, "vo.1": {"2024-10": 11_000.0},
                     "vo.2": {"2024-10": 11_000.0}}  # fmt: skip
    assert agg.stats.duplicates == 1
    sites, _ = agg.breakdown(("grid",), Q4, "vo.2", "site")
    assert len(sites) == 11_000 and sites["site-32999"] == 1.0

"""Periods (SPEC §2): every input form, labels, defaults, ordering, rejections, settling."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from okr_tui.core.periods import (
    Month,
    Period,
    PeriodError,
    parse_period,
    previous_in,
    quick_picks,
    utc_today,
    validate,
)

TODAY = date(2025, 2, 10)


def P(a: str, b: str) -> Period:
    return Period(Month.parse(a), Month.parse(b))


# --- input forms ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-10..2024-12", "2024-10", "2024-12"),
        ("2024/10-2024/12", "2024-10", "2024-12"),
        ("2024-10-2024-12", "2024-10", "2024-12"),
        (" 2024-10 .. 2024-12 ", "2024-10", "2024-12"),
        ("2024-11..2025-02", "2024-11", "2025-02"),
        ("2024Q1", "2024-01", "2024-03"),
        ("2024Q2", "2024-04", "2024-06"),
        ("2024Q3", "2024-07", "2024-09"),
        ("2024Q4", "2024-10", "2024-12"),
        ("2024q4", "2024-10", "2024-12"),
        ("2024H1", "2024-01", "2024-06"),
        ("2024H2", "2024-07", "2024-12"),
        ("2024", "2024-01", "2024-12"),
        ("2024-10", "2024-10", "2024-10"),
        ("2024/3", "2024-03", "2024-03"),
        ("2024.10-12", "2024-10", "2024-12"),
        ("2024.10-10", "2024-10", "2024-10"),
        ("2024.11-2025.02", "2024-11", "2025-02"),
        ("2024.10 - 12", "2024-10", "2024-12"),
    ],
)
def test_parse_accepts_every_form(text: str, start: str, end: str) -> None:
    period = Period.parse(text)
    assert (str(period.start), str(period.end)) == (start, end)


def test_month_keys_and_length() -> None:
    period = Period.parse("2024-11..2025-02")
    assert period.month_keys == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert len(period) == 4
    assert "2025-01" in period
    assert Month(2024, 10) not in period
    assert period.contains_date(date(2024, 12, 31))
    assert not period.contains_date(date(2025, 3, 1))


def test_str_is_the_range_form_and_round_trips() -> None:
    period = Period.parse("2024Q4")
    assert str(period) == "2024-10..2024-12"
    assert Period.parse(str(period)) == period


def test_month_arithmetic_across_years() -> None:
    assert Month(2024, 12).shift(1) == Month(2025, 1)
    assert Month(2025, 1).shift(-1) == Month(2024, 12)
    assert Month(2024, 2).last_day() == date(2024, 2, 29)
    assert Month(2025, 2).last_day() == date(2025, 2, 28)


# --- labels ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2024-10", "2024-12", "2024.10-12"),
        ("2024-10", "2024-10", "2024.10-10"),
        ("2024-01", "2024-03", "2024.01-03"),
        ("2024-11", "2025-02", "2024.11-2025.02"),
        ("2023-07", "2024-06", "2023.07-2024.06"),
    ],
)
def test_label(start: str, end: str, label: str) -> None:
    assert P(start, end).label == label
    assert Period.from_label(label) == (P(start, end), False)


def test_cross_year_label_is_never_the_ambiguous_form() -> None:
    assert P("2024-11", "2025-02").label != "2024.11-02"


def test_legacy_wrapped_label_reads_as_crossing_the_year() -> None:
    period, legacy = Period.from_label("2024.11-02")
    assert legacy is True
    assert period == P("2024-11", "2025-02")
    assert period.label == "2024.11-2025.02"


def test_typed_legacy_wrapped_label_is_rejected_as_ambiguous() -> None:
    with pytest.raises(PeriodError, match=r"2024\.11-2025\.02"):
        Period.parse("2024.11-02")


@pytest.mark.parametrize("label", ["2024.13-12", "2024-10-12x", "Q4 2024", "2024.1O-12", ""])
def test_from_label_rejects_malformed(label: str) -> None:
    with pytest.raises(PeriodError):
        Period.from_label(label)


# --- default period -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2025, 1, 1), "2024-10", "2024-12"),
        (date(2025, 1, 31), "2024-10", "2024-12"),
        (date(2025, 2, 10), "2024-10", "2024-12"),
        (date(2025, 3, 31), "2024-10", "2024-12"),
        (date(2025, 4, 1), "2025-01", "2025-03"),
        (date(2025, 6, 30), "2025-01", "2025-03"),
        (date(2025, 7, 15), "2025-04", "2025-06"),
        (date(2025, 9, 30), "2025-04", "2025-06"),
        (date(2025, 10, 1), "2025-07", "2025-09"),
        (date(2025, 12, 31), "2025-07", "2025-09"),
    ],
)
def test_default_is_last_complete_quarter(today: date, start: str, end: str) -> None:
    assert Period.default(today) == P(start, end)


def test_parse_period_none_or_blank_gives_default() -> None:
    assert parse_period(None, TODAY)[0] == P("2024-10", "2024-12")
    assert parse_period("  ", TODAY)[0] == P("2024-10", "2024-12")


# --- previous -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "prev_start", "prev_end"),
    [
        ("2024-10", "2024-12", "2024-07", "2024-09"),
        ("2025-01", "2025-03", "2024-10", "2024-12"),
        ("2024-07", "2024-12", "2024-01", "2024-06"),
        ("2024-01", "2024-12", "2023-01", "2023-12"),
        ("2025-01", "2025-01", "2024-12", "2024-12"),
        ("2024-11", "2025-02", "2024-07", "2024-10"),
    ],
)
def test_previous_is_same_length_just_before(
    start: str, end: str, prev_start: str, prev_end: str
) -> None:
    assert P(start, end).previous() == P(prev_start, prev_end)


def test_previous_in_picks_the_nearest_period_ending_before() -> None:
    existing = [P("2024-01", "2024-03"), P("2024-07", "2024-09"), P("2024-04", "2024-06")]
    assert previous_in(existing, P("2024-10", "2024-12")) == P("2024-07", "2024-09")
    assert previous_in(existing, P("2024-05", "2024-09")) == P("2024-01", "2024-03")
    assert previous_in(existing, P("2024-01", "2024-03")) is None


# --- ordering -------------------------------------------------------------------------------
def test_sort_is_chronological_not_by_string() -> None:
    periods = [
        P("2024-10", "2024-12"),
        P("2024-11", "2025-02"),
        P("2024-07", "2024-09"),
        P("2024-10", "2024-10"),
        P("2023-01", "2023-12"),
    ]
    expected = [
        P("2023-01", "2023-12"),
        P("2024-07", "2024-09"),
        P("2024-10", "2024-10"),
        P("2024-10", "2024-12"),
        P("2024-11", "2025-02"),
    ]
    assert sorted(periods) == expected
    # a label typed with a one-digit month sorts wrongly as a string; periods sort by months
    labels = ["2024.9-12", "2024.10-12"]
    by_period = sorted(labels, key=lambda s: Period.from_label(s)[0])
    assert by_period == ["2024.9-12", "2024.10-12"]
    assert sorted(labels) != by_period


# --- rejections -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "2024-12..2024-10",
        "2024/12-2024/10",
        "2025-01..2024-12",
        "2024.12-2024.10",
    ],
)
def test_end_before_start_is_rejected(text: str) -> None:
    with pytest.raises(PeriodError, match="before its start"):
        Period.parse(text)


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "2024-10..2024-13", "2024.13-14"])
def test_bad_month_is_rejected(text: str) -> None:
    with pytest.raises(PeriodError, match="month"):
        Period.parse(text)


@pytest.mark.parametrize(
    "text", ["", "   ", "Q4", "2024Q5", "2024H3", "24-10", "2024-10..", "last quarter", "2024_10"]
)
def test_malformed_is_rejected_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    assert "2024Q4" in str(info.value)


@pytest.mark.parametrize("text", ["2025-03", "2025Q1", "2025", "2025-01..2025-03", "2026Q1"])
def test_future_months_are_rejected(text: str) -> None:
    with pytest.raises(PeriodError, match="future"):
        parse_period(text, TODAY)


def test_period_error_is_a_value_error() -> None:
    assert issubclass(PeriodError, ValueError)


# --- settling warning -----------------------------------------------------------------------
def test_period_including_current_month_is_allowed_with_warning() -> None:
    period, warning = parse_period("2025-01..2025-02", TODAY)
    assert period == P("2025-01", "2025-02")
    assert warning is not None
    assert "data may still change" in warning
    assert TODAY.isoformat() in warning


def test_recently_ended_period_warns_until_settling_days_have_passed() -> None:
    period = P("2025-01", "2025-01")  # ends at midnight starting 2025-02-01
    end = date(2025, 2, 1)
    assert validate(period, end + timedelta(days=13), settling_days=14) is not None
    assert validate(period, end + timedelta(days=14), settling_days=14) is None
    assert validate(period, end + timedelta(days=2), settling_days=3) is not None
    assert validate(period, end + timedelta(days=3), settling_days=3) is None
    assert validate(period, end, settling_days=0) is None


def test_settled_period_has_no_warning() -> None:
    assert parse_period("2024Q4", TODAY)[1] is None
    assert parse_period("2024-10", TODAY)[1] is None


# --- helpers --------------------------------------------------------------------------------
def test_quick_picks_are_complete_past_periods() -> None:
    picks = quick_picks(TODAY)
    assert picks["last quarter"] == P("2024-10", "2024-12")
    assert picks["this quarter to date"] == P("2025-01", "2025-02")
    assert picks["last half-year"] == P("2024-07", "2024-12")
    assert picks["last year"] == P("2024-01", "2024-12")


def test_utc_today_converts_aware_datetimes_to_utc() -> None:
    late_evening_new_york = datetime(2025, 1, 31, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_today(late_evening_new_york) == date(2025, 2, 1)
    assert utc_today(datetime(2025, 1, 31, 23, 59)) == date(2025, 1, 31)

"""Reporting periods: inclusive ranges of whole months (SPEC §2). Pure, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone


class PeriodError(ValueError):
    """A period that cannot be parsed or is not allowed; the message says why and what to do."""


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PeriodError(f"month {self.month} is not between 01 and 12")
        if not 1900 <= self.year <= 2999:
            raise PeriodError(f"year {self.year} is out of range")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM`` or ``YYYY/MM``."""
        m = re.fullmatch(r"\s*(\d{4})[-/](\d{1,2})\s*", text)
        if not m:
            raise PeriodError(f"{text!r} is not a month; write it as YYYY-MM (e.g. 2024-10)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0, for arithmetic."""
        return self.year * 12 + (self.month - 1)

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def shift(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def last_day(self) -> date:
        return self.shift(1).first_day() - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of whole months, ``start..end``. Sorts by (start, end)."""

    start: Month
    end: Month

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(
                f"period end {self.end} is before its start {self.start}; "
                "write the earlier month first"
            )

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def of(cls, start: str | Month, end: str | Month | None = None) -> Period:
        s = start if isinstance(start, Month) else Month.parse(start)
        e = s if end is None else (end if isinstance(end, Month) else Month.parse(end))
        return cls(s, e)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse every accepted form (SPEC §2); no check against today (see :func:`validate`)."""
        raw = text.strip()
        t = raw.upper().replace(" ", "")
        if not t:
            raise PeriodError("the period is empty; e.g. 2024Q4, 2024-10..2024-12 or 2024.10-12")
        if m := re.fullmatch(r"(\d{4})Q([1-4])", t):
            y, q = int(m.group(1)), int(m.group(2))
            return cls(Month(y, 3 * q - 2), Month(y, 3 * q))
        if m := re.fullmatch(r"(\d{4})H([12])", t):
            y, h = int(m.group(1)), int(m.group(2))
            return cls(Month(y, 6 * h - 5), Month(y, 6 * h))
        if m := re.fullmatch(r"(\d{4})", t):
            y = int(m.group(1))
            return cls(Month(y, 1), Month(y, 12))
        if m := re.fullmatch(r"(\d{4}[-/]\d{1,2})(?:\.\.|-|–|:)(\d{4}[-/]\d{1,2})", t):
            return cls(Month.parse(m.group(1)), Month.parse(m.group(2)))
        if m := re.fullmatch(r"(\d{4}[-/]\d{1,2})", t):
            month = Month.parse(m.group(1))
            return cls(month, month)
        if re.fullmatch(r"\d{4}\.\d{1,2}-(\d{4}\.)?\d{1,2}", t):
            period, legacy = cls.from_label(t)
            if legacy:
                raise PeriodError(
                    f"{raw!r} is ambiguous (its end month is before its start month); "
                    f"write {period.label} for a period crossing the year"
                )
            return period
        raise PeriodError(
            f"{raw!r} is not a period; accepted forms: 2024-10..2024-12, 2024/10-2024/12, "
            "2024Q4, 2024H2, 2024, 2024-10, 2024.10-12"
        )

    @classmethod
    def from_label(cls, label: str) -> tuple[Period, bool]:
        """Read a sheet label. Returns (period, legacy_wrap): ``legacy_wrap`` is True for a
        legacy label like ``2024.11-02`` whose end month precedes its start (read as crossing
        the year; callers should warn)."""
        t = label.strip()
        if m := re.fullmatch(r"(\d{4})\.(\d{1,2})-(\d{4})\.(\d{1,2})", t):
            return cls(
                Month(int(m.group(1)), int(m.group(2))), Month(int(m.group(3)), int(m.group(4)))
            ), False
        if m := re.fullmatch(r"(\d{4})\.(\d{1,2})-(\d{1,2})", t):
            y, a, b = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if b < a:
                return cls(Month(y, a), Month(y + 1, b)), True
            return cls(Month(y, a), Month(y, b)), False
        raise PeriodError(f"{label!r} is not a period label like 2024.10-12 or 2024.11-2025.02")

    @classmethod
    def default(cls, today: date) -> Period:
        """The last complete calendar quarter before ``today``."""
        q_start = Month(today.year, 3 * ((today.month - 1) // 3) + 1)
        return cls(q_start.shift(-3), q_start.shift(-1))

    # --- properties ---------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """Sheet label: ``2024.10-12`` within a year, ``2024.11-2025.02`` across years."""
        if self.start.year == self.end.year:
            return f"{self.start.year:04d}.{self.start.month:02d}-{self.end.month:02d}"
        return (
            f"{self.start.year:04d}.{self.start.month:02d}-{self.end.year:04d}.{self.end.month:02d}"
        )

    @property
    def months(self) -> list[Month]:
        return [Month.from_index(i) for i in range(self.start.index, self.end.index + 1)]

    @property
    def month_keys(self) -> list[str]:
        """Months as ``YYYY-MM`` strings, the keys used in every report."""
        return [str(m) for m in self.months]

    def __len__(self) -> int:
        return self.end.index - self.start.index + 1

    def __contains__(self, month: object) -> bool:
        if isinstance(month, str):
            month = Month.parse(month)
        return isinstance(month, Month) and self.start <= month <= self.end

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"

    def previous(self) -> Period:
        """The same number of months just before this period (for fetched comparisons)."""
        n = len(self)
        return Period(self.start.shift(-n), self.start.shift(-1))

    def contains_date(self, day: date) -> bool:
        return self.start <= Month.of(day) <= self.end


def validate(period: Period, today: date, settling_days: int = 14) -> str | None:
    """Reject periods in the future; return a warning text when data may still change."""
    current = Month.of(today)
    if period.end > current:
        raise PeriodError(
            f"period {period.label} ends in {period.end}, in the future (today is "
            f"{today.isoformat()}); choose months up to {current}"
        )
    ended = period.end.shift(1).first_day()  # the period ends at midnight starting this day
    if period.end == current or (today - ended).days < settling_days:
        return f"data may still change — as of {today.isoformat()}"
    return None


def parse_period(
    text: str | None, today: date, settling_days: int = 14
) -> tuple[Period, str | None]:
    """Parse user input (``None`` → default period) and validate it against today."""
    period = Period.default(today) if text is None or not text.strip() else Period.parse(text)
    return period, validate(period, today, settling_days)


def previous_in(periods: list[Period], target: Period) -> Period | None:
    """The nearest period in ``periods`` that ends before ``target`` starts."""
    before = [p for p in periods if p.end < target.start]
    return max(before, key=lambda p: (p.end, p.start)) if before else None


def quick_picks(today: date) -> dict[str, Period]:
    """Named periods for the start screen."""
    current = Month.of(today)
    q_start = Month(today.year, 3 * ((today.month - 1) // 3) + 1)
    h_start = Month(today.year, 1 if today.month <= 6 else 7)
    return {
        "last quarter": Period.default(today),
        "this quarter to date": Period(q_start, current),
        "last half-year": Period(h_start.shift(-6), h_start.shift(-1)),
        "last year": Period(Month(today.year - 1, 1), Month(today.year - 1, 12)),
    }


def utc_today(now: datetime) -> date:
    """The UTC date of ``now`` (a naive datetime is taken as UTC)."""
    return (now.astimezone(timezone.utc) if now.tzinfo else now).date()

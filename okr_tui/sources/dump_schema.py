"""Columns, errors and time handling of the 2026 accounting dump (SPEC §3.4). Pure, no I/O."""

from __future__ import annotations

from datetime import datetime, timezone

from okr_tui.sources.base import SourceError

# canonical column -> accepted spellings in the dump (name drift, SPEC §3.4)
ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time",),
    "site": ("site",),
    "vo": ("vo",),
    "infrastructure": ("infrastructure", "infra"),
    "benchmark": ("benchmark",),
    "ce": ("ce",),
    "ngi": ("ngi", "roc"),
    "country": ("country",),
    "tier": ("tier",),
    "federation": ("federation",),
    "number_of_jobs": ("number_of_jobs", "job_count"),
    "raw_cpu_eff": ("raw_cpu_eff",),
    "raw_cpu_time": ("raw_cpu_time",),
    "raw_cpu_work": ("raw_cpu_work",),
    "raw_wc_time": ("raw_wc_time",),
    "raw_wc_work": ("raw_wc_work",),
}
REQUIRED = ("time", "site", "vo", "infrastructure", "raw_wc_time")
KEY_STRINGS = ("site", "vo", "infrastructure", "benchmark", "ce")  # key of SPEC §3.4 (+ time)
ATTR_STRINGS = ("ngi", "country", "tier")
STRINGS = KEY_STRINGS + ATTR_STRINGS
NUMBERS = (
    "number_of_jobs",
    "raw_cpu_eff",
    "raw_cpu_time",
    "raw_cpu_work",
    "raw_wc_time",
    "raw_wc_work",
)
# values compared between rows of one key: the numbers okr-tui reads (other measurements such
# as cpu time/work are not read, so rows differing only there count as duplicates)
VALUE_NUMBERS = ("number_of_jobs", "raw_wc_time")
USED = ("time", *STRINGS, *VALUE_NUMBERS)  # the columns read from the dump
# columns of InfluxDB CSV output that carry no data
INFLUX_META = ("name", "tags")
BREAKDOWNS = ("site", "ngi", "country", "tier")

# scope -> selector -> normalised infrastructure values counted
SELECTORS: dict[str, tuple[str, ...]] = {
    "infra": ("grid",),
    "infra+local": ("grid", "grid-local"),
    "local": ("grid-local",),
}


class DumpError(SourceError):
    """The dump could not be used. ``kind`` says why: ``not-found``, ``not-a-dump``, ``empty``,
    ``truncated``, ``columns``, ``value``, ``time``, ``http``."""

    def __init__(self, kind: str, url: str, cause: str, *, status: int | None = None) -> None:
        self.kind = kind
        super().__init__("accounting dump", url, cause, status=status)


def normalise_infra(value: str) -> str:
    """``Grid-Local``/``grid_local``/``Grid Local`` -> ``grid-local``."""
    return value.strip().casefold().replace("_", "-").replace(" ", "-")


def scope_infras(scope: str, selector: str) -> tuple[str, ...]:
    """The normalised infrastructure values summed for a scope under the HTC selector."""
    if scope == "cloud":
        return ("cloud",)
    if selector not in SELECTORS:
        raise ValueError(f"accounting_selector {selector!r} is not one of {', '.join(SELECTORS)}")
    return SELECTORS[selector]


def map_columns(header: list[str], url: str) -> tuple[dict[str, str], list[str]]:
    """Map canonical names to the dump's own column names. Returns (mapping, unknown columns).

    Raises DumpError("columns") when a required column is missing."""
    lowered = {name.strip().casefold(): name for name in header}
    mapping: dict[str, str] = {}
    for canonical, spellings in ALIASES.items():
        for spelling in spellings:
            if spelling in lowered:
                mapping[canonical] = lowered[spelling]
                break
    known = set(mapping.values()) | {n for n in header if n.strip().casefold() in INFLUX_META}
    unknown = [n for n in header if n not in known]
    absent = [c for c in REQUIRED if c not in mapping]
    if absent:
        raise DumpError(
            "columns",
            url,
            f"the dump has no column {', '.join(absent)} (columns: {', '.join(header)[:300]})",
        )
    return mapping, unknown


def month_index(year: int, month: int) -> int:
    """Months since year 0 (as :attr:`okr_tui.core.periods.Month.index`)."""
    return year * 12 + month - 1


def month_key(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _from_epoch(value: int, url: str) -> datetime:
    if value < 0:
        raise DumpError("time", url, f"negative epoch time {value}")
    magnitude = abs(value)
    if magnitude >= 10**17:
        seconds, rest = divmod(value, 10**9)
    elif magnitude >= 10**14:
        seconds, rest = divmod(value, 10**6)
    elif magnitude >= 10**11:
        seconds, rest = divmod(value, 10**3)
    else:
        seconds, rest = value, 0
    if rest:
        raise DumpError("time", url, f"time {value} is not the first day of a month 00:00 UTC")
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def parse_month(value: object, url: str) -> int:
    """A dump ``time`` value (RFC3339, or epoch s/ms/us/ns) -> month index.

    Raises DumpError("time") unless it is the first day of a month, 00:00:00 UTC."""
    if value is None:
        raise DumpError("time", url, "a row has no time")
    if isinstance(value, bool):
        raise DumpError("time", url, f"time {value!r} is not a time")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        when = _from_epoch(value, url)
    else:
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            when = _from_epoch(int(text), url)
        else:
            try:
                when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                raise DumpError(
                    "time", url, f"time {text[:40]!r} is not RFC3339 or epoch"
                ) from None
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            when = when.astimezone(timezone.utc)
    if (when.day, when.hour, when.minute, when.second, when.microsecond) != (1, 0, 0, 0, 0):
        raise DumpError(
            "time", url, f"time {value!s:.40} is not the first day of a month 00:00 UTC"
        )
    return month_index(when.year, when.month)

"""Data shared by sources, reports, sheets and front ends. Pure dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from okr_tui.core.periods import Period

Scope = Literal["cloud", "htc"]
SCOPES: tuple[Scope, ...] = ("cloud", "htc")
REPORT_KINDS = ("cloud", "htc", "users", "vos")


def round_half_up(value: float) -> int:
    """Round to a whole number, halves away from zero (not Python's banker's rounding)."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vo_key(name: str) -> str:
    """The matching key of a VO name: case-insensitive (SPEC §3.3)."""
    return name.strip().casefold()


def sort_vos(names: list[str]) -> list[str]:
    """VO names in name order, case-insensitively."""
    return sorted(names, key=lambda n: (vo_key(n), n))


# --- provenance and missing data ------------------------------------------------------------
@dataclass
class Provenance:
    """Where a piece of data came from (SPEC §3.4 "provenance")."""

    name: str  # e.g. "accounting cloud", "operations vo-list", "operations vo-users"
    api: str  # "legacy" | "dump" | "operations" | "replay"
    url: str
    fetched_at: datetime
    cache: bool = False
    rows: int | None = None
    duplicates: int = 0
    conflicts: int = 0
    detail: str = ""  # e.g. "bulk", "per-vo: bulk form not per-VO", "fallback: dump 404"
    requests: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "api": self.api,
            "url": self.url,
            "fetched_at": self.fetched_at.isoformat().replace("+00:00", "Z"),
            "cache": self.cache,
            "rows": self.rows,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "detail": self.detail,
            "requests": self.requests,
        }


@dataclass(frozen=True)
class Missing:
    """Data that could not be fetched: never reported as a zero (SPEC §4, §6)."""

    scope: str  # "cloud" | "htc" | "users" | "vos"
    vo: str | None
    reason: str
    month: str | None = None  # "YYYY-MM" when only one month is missing

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scope": self.scope, "vo": self.vo, "reason": self.reason}
        if self.month:
            out["month"] = self.month
        return out


# --- what sources return --------------------------------------------------------------------
@dataclass
class ScopeHours:
    """Monthly CPU hours of one scope for a period, as an accounting source returns them."""

    scope: Scope
    period: Period
    hours: dict[str, dict[str, float]]  # VO as spelled by accounting -> "YYYY-MM" -> hours
    portal_total: int | None = None  # legacy "Total" row, a cross-check only
    missing: list[Missing] = field(default_factory=list)  # scope-wide (vo=None) or per month
    provenance: list[Provenance] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when the whole scope could not be fetched."""
        return any(m.vo is None and m.month is None for m in self.missing)


@dataclass(frozen=True)
class Breakdown:
    """CPU hours of one VO split by site / NGI / country / tier (drill-down)."""

    scope: Scope
    vo: str
    by: str  # "site" | "ngi" | "country" | "tier" | "region"
    hours: dict[str, float]
    monthly: dict[str, dict[str, float]] = field(default_factory=dict)  # key -> month -> h


@dataclass(frozen=True)
class VoInfo:
    """One production VO from the Operations Portal vo-list."""

    name: str
    status: str = "Production"
    scope: str = ""
    home_url: str | None = None
    members: int = 0  # registered / active users
    members_total: int = 0  # all users ever
    serial: str = ""


@dataclass
class OperationsData:
    """The Operations Portal's answer for a period."""

    vos: list[VoInfo]
    users: dict[str, dict[str, int]]  # vo_key -> "YYYY-MM" -> users (total); absent = no data
    missing: list[Missing] = field(default_factory=list)
    provenance: list[Provenance] = field(default_factory=list)
    failed: bool = False  # vo-list itself failed: no VO list at all


@dataclass(frozen=True)
class VoCard:
    """VO ID card fields for the drill-down; absent fields are "N/A"."""

    vo: str
    scope: str = "N/A"
    home_url: str = "N/A"
    acknowledgement: str = "N/A"
    publications_url: str = "N/A"
    description: str = "N/A"
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VoStatusGroup:
    status: str  # "Production" | "Leaving" | "Deleted" | "Pending" | ...
    count: int
    vos: tuple[str, ...]


# --- reports (computed by okr_tui.core.reports) ---------------------------------------------
@dataclass
class VoCpu:
    """CPU hours of one VO in a period."""

    vo: str  # display name: Operations Portal spelling when known
    hours: float  # unrounded sum over the months
    months: dict[str, float]
    production: bool = True
    accounting_name: str = ""

    @property
    def cpu_hours(self) -> int:
        return round_half_up(self.hours)


@dataclass
class CpuReport:
    scope: Scope
    period: Period
    with_accounting: list[VoCpu]  # reported CPU/h >= 1, name order
    without_accounting: list[str]  # name order
    total_hours: int  # sum of the unrounded VO hours, rounded once
    portal_total: int | None = None
    missing: list[Missing] = field(default_factory=list)
    previous: dict[str, float] | None = None  # vo_key -> hours in the previous period
    previous_period: Period | None = None
    non_production: list[VoCpu] = field(default_factory=list)  # shown, excluded by default
    portal_check: str | None = None  # why total differs from the portal Total (None = equal)
    inconsistent: bool = False  # total differs from the portal Total beyond rounding
    failed: bool = False  # the scope could not be fetched at all (reason in ``missing``)

    @property
    def complete(self) -> bool:
        return not self.missing

    def hours_of(self, vo: str) -> VoCpu | None:
        key = vo_key(vo)
        return next((v for v in self.with_accounting if vo_key(v.vo) == key), None)


@dataclass
class UsersRow:
    vo: str
    users: int | None  # users in the period; None = no data (reason says why)
    registered: int | None
    total: int | None
    series: dict[str, int] = field(default_factory=dict)  # "YYYY-MM" -> users, whole history
    reason: str | None = None


@dataclass
class UsersReport:
    period: Period
    rows: list[UsersRow]
    missing: list[Missing] = field(default_factory=list)
    previous: dict[str, int | None] | None = None  # vo_key -> users of the previous period

    def row(self, vo: str) -> UsersRow | None:
        key = vo_key(vo)
        return next((r for r in self.rows if vo_key(r.vo) == key), None)


@dataclass
class VosReport:
    period: Period
    total: int
    deleted: int
    production: int
    names: list[str]  # "vo.x.eu (P)" ...
    groups: list[VoStatusGroup] = field(default_factory=list)


@dataclass(frozen=True)
class Anomaly:
    scope: str
    vo: str | None
    kind: str  # "change", "lost-accounting", "total-mismatch", "users-no-accounting", "scale"
    detail: str
    blocking: bool = False  # needs an explicit confirmation before pushing

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "vo": self.vo, "kind": self.kind, "detail": self.detail}


@dataclass
class Report:
    """Everything computed for one period: what `fetch` prints and what plans are made from."""

    period: Period
    cloud: CpuReport | None = None
    htc: CpuReport | None = None
    users: UsersReport | None = None
    vos: VosReport | None = None
    missing: list[Missing] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    sources: list[Provenance] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    vo_info: dict[str, VoInfo] = field(default_factory=dict)  # vo_key -> VoInfo
    # how the VOs were restricted beyond the settings (--vo / extra --exclude-vo); None: all
    selection_note: str | None = None

    def cpu(self, scope: str) -> CpuReport | None:
        return self.cloud if scope == "cloud" else self.htc if scope == "htc" else None

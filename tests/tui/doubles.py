"""Test doubles for the TUI: a small deterministic report and fake service calls."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone

from okr_tui.core.models import (
    Anomaly,
    Breakdown,
    CpuReport,
    Missing,
    OperationsData,
    Provenance,
    Report,
    ScopeHours,
    UsersReport,
    UsersRow,
    VoCard,
    VoCpu,
    VoInfo,
    round_half_up,
)
from okr_tui.core.periods import Period
from okr_tui.core.selection import Selection
from okr_tui.services.sheet_history import PreviousRow, SheetPrevious
from okr_tui.sheets.base import SheetError
from okr_tui.sources.base import ProgressEvent, SourceError

FETCHED_AT = datetime(2025, 2, 10, 9, 0, tzinfo=timezone.utc)


def vo_names(n: int) -> list[str]:
    return ["alice"] + [f"vo{i:03d}.example.eu" for i in range(1, n)]


def make_vos(n: int = 6) -> list[VoInfo]:
    return [
        VoInfo(name, scope="Global" if i % 2 else "National", members=10 * i)
        for i, name in enumerate(vo_names(n))
    ]


def hours_for(i: int, month: int) -> float:
    """Deterministic CPU hours; VO number 2 has none (without accounting)."""
    return 0.0 if i == 2 else 1000.0 * (i + 1) + 10.5 * month


def make_report(selection: Selection, n: int = 6, missing_users: str | None = None) -> Report:
    period = selection.period
    keys = period.month_keys
    names = [v for v in vo_names(n) if selection.wants(v)]
    report = Report(period=period)
    for scope in ("cloud", "htc"):
        if scope not in selection.reports:
            continue
        factor = 1 if scope == "cloud" else 3
        with_acc, without = [], []
        for i, name in enumerate(vo_names(n)):
            if name not in names:
                continue
            months = {k: factor * hours_for(i, j) for j, k in enumerate(keys)}
            total = sum(months.values())
            if round_half_up(total) >= 1:
                with_acc.append(VoCpu(name, total, months))
            else:
                without.append(name)
        prev = {v.vo: v.hours / 2 for v in with_acc}  # every VO doubled: +100 %
        cpu = CpuReport(
            scope,
            period,
            with_acc,
            without,
            round_half_up(sum(v.hours for v in with_acc)),
            previous=prev,
            previous_period=period.previous(),
        )
        setattr(report, scope, cpu)
        report.anomalies.append(Anomaly(scope, with_acc[0].vo, "change", "CPU/h +100 %"))
    if "users" in selection.reports:
        rows = []
        for i, name in enumerate(names):
            if missing_users and name == missing_users:
                rows.append(UsersRow(name, None, 5, 9, reason="vo-users timed out"))
                continue
            series = {k: 20 * (i + 1) + j for j, k in enumerate(keys)}
            rows.append(UsersRow(name, series[keys[-1]], 10 * i, 30 * i, series=series))
        missing = [Missing("users", missing_users, "vo-users timed out")] if missing_users else []
        report.users = UsersReport(period, rows, missing=missing)
        report.missing += missing
    report.sources = [
        Provenance("accounting cloud", "replay", "https://acc.test/cloud", FETCHED_AT, rows=n)
    ]
    return report


def down_report(selection: Selection, reason: str) -> Report:
    """What fetch_report returns when every portal is down: Missing entries, no numbers."""
    period = selection.period
    report = Report(period=period)
    for scope in ("cloud", "htc"):
        if scope in selection.reports:
            missing = [Missing(scope, None, f"accounting {scope}: {reason}")]
            cpu = CpuReport(scope, period, [], [], 0, missing=missing, failed=True)
            setattr(report, scope, cpu)
            report.missing += missing
            report.warnings.append(f"{scope}: previous period 2024.07-09 incomplete ({reason})")
    if "users" in selection.reports:
        missing = [Missing("users", None, f"operations vo-list: {reason}")]
        report.users = UsersReport(period, [], missing=missing)
        report.missing += missing
    return report


def with_gap(report: Report, month: str) -> None:
    """``month`` has no CPU data (as when the dump does not cover it); the core still derives
    "change" / "lost-accounting" anomalies from the shortened totals."""
    for cpu in (report.cloud, report.htc):
        if cpu is None:
            continue
        for v in cpu.with_accounting:
            v.months.pop(month, None)
        gap = Missing(cpu.scope, None, f"no {cpu.scope} rows for {month}", month=month)
        cpu.missing.append(gap)
        report.missing.append(gap)
        report.anomalies.append(
            Anomaly(cpu.scope, cpu.with_accounting[-1].vo, "lost-accounting", "had accounting")
        )


@dataclass
class FakeServices:
    """Replaces the service calls the TUI makes; records what was asked."""

    n: int = 6
    delay: float = 0.0
    fail_vo_list: str | None = None
    fail_fetch: str | None = None
    missing_users: str | None = None
    selections: list[Selection] = field(default_factory=list)
    gate: threading.Event | None = None  # fetches run on a worker thread's own loop
    vo_list_refreshes: list[bool] = field(default_factory=list)
    sheet_rows: dict[str, PreviousRow | None] = field(default_factory=dict)
    sheet_error: str | None = None
    down: str | None = None  # every source fails with this reason (report of Missing only)
    gap_month: str | None = None  # this month has no CPU data at all (both scopes)

    async def load_vo_list(self, ctx: object, refresh: bool = False) -> list[VoInfo]:
        self.vo_list_refreshes.append(refresh)
        if self.fail_vo_list:
            raise SourceError("operations vo-list", "http://127.0.0.1:9/", self.fail_vo_list)
        return make_vos(self.n)

    def open_sources(self, ctx: object, selection: Selection) -> FakeSources:
        return FakeSources(self, selection)

    async def fetch_report(
        self, ctx: object, selection: Selection, progress=None, sources=None
    ) -> Report:
        self.selections.append(selection)
        if progress:
            progress(ProgressEvent("users", 1, self.n))
        if sources is not None:  # what arrives first, as the real sources would report it
            for scope in ("cloud", "htc"):
                if scope in selection.reports:
                    await sources.accounting.monthly_hours(scope, selection.period)
            await sources.operations.fetch(selection.period)
        while self.gate is not None and not self.gate.is_set():
            await asyncio.sleep(0.01)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_fetch:
            raise SourceError("accounting", "http://127.0.0.1:9/", self.fail_fetch)
        if progress:
            progress(ProgressEvent("users", self.n, self.n))
        if self.down:
            return down_report(selection, self.down)
        report = make_report(selection, self.n, self.missing_users)
        if self.gap_month:
            with_gap(report, self.gap_month)
        return report

    async def fetch_breakdown(self, ctx, scope, period, vo, by) -> Breakdown:
        return Breakdown(scope, vo, by, {f"NGI_{scope.upper()}_A": 1500.0, "NGI_B": 250.0})

    async def fetch_vo_card(self, ctx, vo) -> VoCard:
        return VoCard(vo, scope="Global", home_url=f"https://{vo}.org", acknowledgement="Thanks")

    async def fetch_cpu_history(self, ctx, scope, vo, periods) -> dict[Period, float | None]:
        return {p: 100.0 * (k + 1) for k, p in enumerate(periods)}

    def sheet_users_history(self, ctx, vo) -> dict[str, int | None]:
        return {"2024.04-06": 11, "2024.07-09": 12}

    def sheet_previous(self, ctx, period, scopes) -> SheetPrevious:
        """Every VO had 10 users in the sheet's previous period; vo001 has an empty cell. The
        CPU rows are ``sheet_rows`` (default: none, so the fetched previous period is used)."""
        if self.sheet_error:
            raise SheetError(self.sheet_error)
        users = {n: (None if n.startswith("vo001") else 10) for n in vo_names(self.n)}
        rows = {s: self.sheet_rows.get(s) for s in scopes}
        return SheetPrevious(users, period.previous().label, rows)


class FakeSources:
    """Stands in for fetching.Sources: hours and users from the test-double report."""

    def __init__(self, services: FakeServices, selection: Selection) -> None:
        self.report = make_report(selection, services.n)
        self.accounting = self
        self.operations = self
        self.notes: list[str] = []
        self.api = "fake"
        self.closed = False

    async def monthly_hours(self, scope, period, *, progress=None) -> ScopeHours:
        cpu = self.report.cpu(scope)
        return ScopeHours(
            scope, period, {v.vo.upper(): dict(v.months) for v in cpu.with_accounting}
        )

    async def fetch(self, period, *, vos=None, progress=None) -> OperationsData:
        users = {r.vo: dict(r.series) for r in self.report.users.rows} if self.report.users else {}
        return OperationsData(vos=[], users=users)

    async def aclose(self) -> None:
        self.closed = True

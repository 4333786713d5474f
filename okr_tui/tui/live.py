"""Partial results while a fetch runs: the sources of :func:`fetch_report` wrapped so each
scope's hours (and the users) reach the preview as soon as they arrive, before the report is
built. Pure delegation: the sources' own behaviour (and their errors) are unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from okr_tui.core.models import OperationsData, Scope, ScopeHours, VoInfo, vo_key
from okr_tui.core.periods import Period
from okr_tui.sources.base import AccountingSource, OperationsSource, ProgressCallback
from okr_tui.tui.tabledata import GridRow


class ObservedAccounting:
    """An AccountingSource that reports every ``monthly_hours`` result to ``on_hours``."""

    def __init__(self, inner: AccountingSource, on_hours: Callable[[ScopeHours], None]) -> None:
        self.inner = inner
        self.on_hours = on_hours

    @property
    def api(self) -> str:
        return self.inner.api

    async def monthly_hours(
        self, scope: Scope, period: Period, *, progress: ProgressCallback | None = None
    ) -> ScopeHours:
        got = await self.inner.monthly_hours(scope, period, progress=progress)
        self.on_hours(got)
        return got

    def __getattr__(self, name: str) -> Any:  # breakdown, aclose, anything else: the source's
        return getattr(self.inner, name)


class ObservedOperations:
    """An OperationsSource that reports the ``fetch`` result to ``on_data``."""

    def __init__(self, inner: OperationsSource, on_data: Callable[[OperationsData], None]) -> None:
        self.inner = inner
        self.on_data = on_data

    async def fetch(
        self,
        period: Period,
        *,
        vos: list[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> OperationsData:
        got = await self.inner.fetch(period, vos=vos, progress=progress)
        self.on_data(got)
        return got

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _names(selected: list[VoInfo]) -> dict[str, str]:
    return {vo_key(v.name): v.name for v in selected}


def partial_cpu_rows(hours: ScopeHours, selected: list[VoInfo]) -> list[GridRow]:
    """Rows of the selected VOs from one scope's raw hours (totals only; share, previous and
    flags come with the report). Without a VO list every VO in the hours is shown."""
    keys = hours.period.month_keys
    names = _names(selected)
    by_key: dict[str, tuple[str, dict[str, float]]] = {}
    for name, months in hours.hours.items():
        key = vo_key(name)
        if names and key not in names:
            continue
        by_key[key] = (names.get(key, name), months)
    for key, name in names.items():
        by_key.setdefault(key, (name, {}))
    reason = "; ".join(m.reason for m in hours.missing if m.vo is None and m.month is None)
    gap = sorted({m.month for m in hours.missing if m.vo is None and m.month})
    gap_reason = f"no data for {', '.join(gap)}" if gap else None
    rows = []
    for key, (name, months) in by_key.items():
        if reason:
            rows.append(GridRow(key, name, [None] * len(keys), None, reason=reason))
            continue
        values = [None if k in gap else months.get(k, 0.0) for k in keys]
        total = None if gap else sum(v or 0.0 for v in values)
        rows.append(GridRow(key, name, values, total, reason=gap_reason, partial=bool(gap)))
    rows.sort(key=lambda r: (-(r.total or 0.0), r.key))
    return rows


def partial_users_rows(
    data: OperationsData, period: Period, selected: list[VoInfo]
) -> list[GridRow]:
    """Rows of the selected VOs from the Operations Portal answer (users of the newest month)."""
    keys = period.month_keys
    names = _names(selected) or {vo_key(v.name): v.name for v in data.vos}
    rows = []
    for key, name in names.items():
        series = data.users.get(key, {})
        months = [None if k not in series else float(series[k]) for k in keys]
        inside = [m for m in months if m is not None]
        rows.append(GridRow(key, name, months, inside[-1] if inside else None))
    return rows

"""fetch_report orchestration with small in-memory sources: concurrency, failures, closing."""

from __future__ import annotations

import asyncio
import csv
import time
from datetime import datetime, timezone

import pytest

from okr_tui.core.clock import Clock
from okr_tui.core.models import (
    Breakdown,
    OperationsData,
    Provenance,
    ScopeHours,
    VoCard,
    VoInfo,
    VoStatusGroup,
)
from okr_tui.core.periods import Period
from okr_tui.paths import AppPaths
from okr_tui.services.context import AppContext
from okr_tui.services.fetching import Sources, default_selection, fetch_report
from okr_tui.settings import Settings
from okr_tui.sources.base import ProgressEvent, SourceError

P = Period.of("2024-10", "2024-12")
NOW = datetime(2025, 2, 10, tzinfo=timezone.utc)
DELAY = 0.15


def prov(name: str) -> Provenance:
    return Provenance(name, "test", f"http://127.0.0.1/{name}", NOW)


class Acc:
    api = "test"

    def __init__(self, fail: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.fail, self.calls, self.closed = fail, [], False

    async def monthly_hours(self, scope, period, *, progress=None):
        self.calls.append((scope, period))
        await asyncio.sleep(DELAY)
        if progress:
            progress(ProgressEvent(f"accounting {scope}", 1, 1))
        if f"{scope} {period}" in self.fail:
            raise SourceError(f"accounting {scope}", "http://127.0.0.1/acc", "HTTP 500")
        scale = 1.0 if period == P else 0.5
        data = {"ALICE": {"2024-10": 10.0 * scale, "2024-07": 10.0 * scale}, "b": {}}
        return ScopeHours(scope, period, data, provenance=[prov(f"{scope} {period}")])

    async def breakdown(self, scope, period, vo, by):
        return Breakdown(scope, vo, by, {})

    async def aclose(self) -> None:
        self.closed = True


class Ops:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.closed, self.vos_arg = fail, False, "unset"

    async def fetch(self, period, *, vos=None, progress=None):
        self.vos_arg = vos
        await asyncio.sleep(DELAY)
        if self.fail:
            raise SourceError("operations vo-list", "http://127.0.0.1/ops", "HTTP 401")
        infos = [VoInfo("alice", members=3, members_total=9), VoInfo("b")]
        return OperationsData(infos, {"alice": {"2024-12": 5}}, provenance=[prov("ops")])

    async def vo_card(self, vo):
        return VoCard(vo)

    async def vo_report(self, period):
        await asyncio.sleep(DELAY)
        return [VoStatusGroup("Production", 1, ("alice",))], prov("vo report")

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def ctx(tmp_path) -> AppContext:
    paths = AppPaths(tmp_path / "c", tmp_path / "k", tmp_path / "d", tmp_path / "l")
    return AppContext(Settings(), paths, Clock.frozen(NOW))


async def test_concurrent_and_complete(ctx: AppContext) -> None:
    acc, ops = Acc(), Ops()
    sel = default_selection(ctx, period=P, reports={"cloud", "htc", "users", "vos"})
    events: list[ProgressEvent] = []
    t0 = time.perf_counter()
    report = await fetch_report(ctx, sel, events.append, sources=Sources(acc, ops))
    elapsed = time.perf_counter() - t0
    # 6 tasks of DELAY each (ops, 2 scopes x 2 periods, vo report): concurrent, not serial
    assert elapsed < 3 * DELAY
    assert {(s, str(p)) for s, p in acc.calls} == {
        (s, p) for s in ("cloud", "htc") for p in (str(P), str(P.previous()))
    }
    assert ops.vos_arg is None  # users requested: every production VO
    assert report.cloud is not None and report.cloud.total_hours == 10
    assert report.cloud.with_accounting[0].vo == "alice"
    assert report.cloud.without_accounting == ["b"]
    assert report.cloud.previous == {"alice": 5.0, "b": 0.0}
    assert report.users is not None and report.users.row("alice").users == 5  # type: ignore[union-attr]
    assert report.vos is not None and report.vos.names == ["alice (P)"]
    assert not report.missing
    assert {s.name for s in report.sources} >= {"ops", f"cloud {P}", "vo report"}
    assert len(events) == 4
    assert not acc.closed and not ops.closed  # sources passed in stay open


async def test_failed_scope_is_missing_not_zero(ctx: AppContext) -> None:
    acc = Acc(fail={f"htc {P}"})
    sel = default_selection(ctx, period=P, reports={"cloud", "htc"})
    report = await fetch_report(ctx, sel, sources=Sources(acc, Ops()))
    assert report.htc is not None and report.htc.failed
    assert [m.scope for m in report.missing] == ["htc"]
    assert "HTTP 500" in report.missing[0].reason and "127.0.0.1" in report.missing[0].reason


async def test_users_not_requested_asks_for_no_users(ctx: AppContext) -> None:
    ops = Ops()
    sel = default_selection(ctx, period=P, reports={"cloud"})
    report = await fetch_report(ctx, sel, sources=Sources(Acc(), ops))
    assert ops.vos_arg == []
    assert report.users is None and report.htc is None


class SameNameAcc(Acc):
    """A source that names its provenance by scope only, like the real ones."""

    async def monthly_hours(self, scope, period, *, progress=None):
        got = await super().monthly_hours(scope, period, progress=progress)
        got.provenance = [prov(f"accounting {scope}")]
        return got


async def test_previous_period_provenance_is_named_distinctly(ctx: AppContext) -> None:
    sel = default_selection(ctx, period=P, reports={"cloud", "htc"})
    report = await fetch_report(ctx, sel, sources=Sources(SameNameAcc(), Ops()))
    names = [s.name for s in report.sources if s.name.startswith("accounting")]
    assert names == [
        "accounting cloud",
        "accounting cloud (previous 2024.07-09)",
        "accounting htc",
        "accounting htc (previous 2024.07-09)",
    ]


async def test_previous_failure_is_a_warning(ctx: AppContext) -> None:
    acc = Acc(fail={f"cloud {P.previous()}"})
    sel = default_selection(ctx, period=P, reports={"cloud"})
    report = await fetch_report(ctx, sel, sources=Sources(acc, Ops()))
    assert report.cloud is not None and report.cloud.previous is None
    assert not report.missing
    assert any("previous period" in w for w in report.warnings)


async def test_ops_failure(ctx: AppContext) -> None:
    sel = default_selection(ctx, period=P, reports={"cloud", "users"})
    report = await fetch_report(ctx, sel, sources=Sources(Acc(), Ops(fail=True)))
    reasons = [m.reason for m in report.missing]
    assert any("HTTP 401" in r for r in reasons)
    assert report.users is not None and report.users.rows == []


async def test_cancellation_closes_owned_sources(ctx: AppContext, monkeypatch) -> None:
    acc, ops = Acc(), Ops()
    monkeypatch.setattr("okr_tui.services.fetching.open_sources", lambda c, s: Sources(acc, ops))
    sel = default_selection(ctx, period=P)
    task = asyncio.create_task(fetch_report(ctx, sel))
    for _ in range(100):  # until the source calls are in flight (each then waits DELAY)
        if len(acc.calls) == 4 and ops.vos_arg != "unset":
            break
        await asyncio.sleep(0)
    assert len(acc.calls) == 4 and not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert acc.closed and ops.closed


def test_default_selection(ctx: AppContext) -> None:
    sel = default_selection(ctx)
    assert sel.period == Period.of("2024-10", "2024-12")  # last complete quarter of 2025-02-10
    assert sel.reports == frozenset({"cloud", "htc", "users"})
    recent = default_selection(ctx, period="2025-01")
    assert recent.period_warning and "2025-02-10" in recent.period_warning
    assert default_selection(ctx, vos=("x",)).vos == ("x",)


def _demo_dump_hours(vo: str, infrastructure: str, period: Period, by: str) -> dict[str, float]:
    """Hours of ``vo`` per ``by`` column summed straight from the bundled demo dump CSV (a
    repeated row key counts once), independently of the code under test."""
    from okr_tui.demo import DEMO_DATA

    months = set(period.month_keys)
    seen: set[tuple[str, ...]] = set()
    out: dict[str, float] = {}
    with (DEMO_DATA / "dump" / "accounting.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["vo"].casefold() != vo or row["infrastructure"] != infrastructure:
                continue
            if row["time"][:7] not in months:
                continue
            key = tuple(row.get(k, "") for k in ("time", "site", "vo", "infrastructure",
                                                 "benchmark", "ce"))  # fmt: skip
            if key in seen:
                continue
            seen.add(key)
            out[row[by]] = out.get(row[by], 0.0) + float(row["raw_wc_time"])
    return out


async def test_demo_drilldown_helpers(ctx: AppContext) -> None:
    from okr_tui.services.fetching import fetch_breakdown, fetch_cpu_history, fetch_vo_card

    demo = AppContext(ctx.settings, ctx.paths, ctx.clock, demo=True)
    history = await fetch_cpu_history(
        demo, "cloud", "alice", [P, P.previous(), Period.of("2019-01")]
    )
    # ALICE in the real recorded response: 5952 + 5759.9978 + 5952 hours
    assert history[P] == pytest.approx(17_663.9978)
    previous = sum(_demo_dump_hours("alice", "Cloud", P.previous(), "site").values())
    assert previous > 0 and history[P.previous()] == pytest.approx(previous)
    assert history[Period.of("2019-01")] is None  # not recorded: unknown, not 0
    card = await fetch_vo_card(demo, "alice")
    assert card.vo == "alice"
    for by in ("site", "country"):
        split = await fetch_breakdown(demo, "cloud", P, "alice", by)
        expected = _demo_dump_hours("alice", "Cloud", P, by)
        assert len(expected) >= 2  # a real split, not one bucket
        assert split.vo.casefold() == "alice" and split.by == by
        assert split.hours == pytest.approx(expected)
        assert sum(split.hours.values()) == pytest.approx(17_663.9978)


def test_summarise_missing_counts_whole_months_once() -> None:
    from okr_tui.core.models import Missing
    from okr_tui.services.fetching import summarise_missing

    months = [f"2021-{m:02d}" for m in range(1, 13)]
    missing = [
        Missing("htc", None, f"the accounting dump has no Grid rows for {m}", m) for m in months
    ]
    missing.append(Missing("htc", "biomed", "3 dump rows with an invalid raw_wc_time", "2021-03"))
    line = summarise_missing(missing)
    assert line.startswith("12 months without data (2021-01..2021-12)")
    assert line.count("has no Grid rows") == 1
    assert "biomed" not in line and "3 dump rows with an invalid raw_wc_time" in line

"""The choice of accounting API (SPEC §3.4): ``dump``, ``legacy`` or ``auto`` — the dump, with
a fallback to the legacy path API when the dump is missing or unusable, and months missing in
the dump filled from the legacy API. The provenance says which API answered and why."""

from __future__ import annotations

from dataclasses import replace

from okr_tui.core.clock import Clock
from okr_tui.core.models import Breakdown, Scope, ScopeHours
from okr_tui.core.periods import Month, Period
from okr_tui.settings import Settings
from okr_tui.sources.base import AccountingSource, ProgressCallback, SourceError
from okr_tui.sources.cache import ResponseCache
from okr_tui.sources.dump import DumpAccounting
from okr_tui.sources.dump_schema import DumpError

APIS = ("auto", "dump", "legacy")
DEMO_DUMPS = ("accounting.csv.gz", "accounting.csv", "accounting.json.gz", "accounting.json")


# dump failures that mean "no dump here" (SPEC §3.4: 404, or not a dump such as an HTML page);
# connection errors, timeouts and 5xx are reported as they are instead
FALLBACK_KINDS = frozenset({"not-found", "not-a-dump"})


class AutoAccounting:
    """``api = "auto"``: the dump first; the legacy source when the dump cannot be used."""

    api = "auto"

    def __init__(self, dump: DumpAccounting, legacy: AccountingSource) -> None:
        self.dump, self.legacy = dump, legacy

    async def aclose(self) -> None:
        """Close both sources."""
        await self.dump.aclose()
        await self.legacy.aclose()

    async def monthly_hours(
        self, scope: Scope, period: Period, *, progress: ProgressCallback | None = None
    ) -> ScopeHours:
        """Dump hours, months missing in the dump filled from the legacy API; or, when the
        dump is unusable, the legacy API's hours with the reason in the provenance."""
        try:
            loaded = await self.dump.load(progress)
            result = self.dump.hours_from(scope, period, loaded)
        except DumpError as exc:
            if exc.kind in FALLBACK_KINDS:
                return await self._fallback(scope, period, exc, progress)
            # the host is down or failing: the legacy API on the same host would only add
            # the same retries again, so report the dump's failure as it is
            return self.dump.failed(scope, period, exc)
        gaps = sorted(m.month for m in result.missing if m.vo is None and m.month)
        if gaps:
            await self._fill(result, gaps)
        return result

    async def _fallback(
        self, scope: Scope, period: Period, exc: DumpError, progress: ProgressCallback | None
    ) -> ScopeHours:
        why = f"fallback to the legacy API: dump {exc.kind} ({exc.cause})"
        result = await self.legacy.monthly_hours(scope, period, progress=progress)
        for prov in result.provenance:
            prov.detail = f"{prov.detail}; {why}" if prov.detail else why
        result.missing = [
            replace(m, reason=f"{m.reason}; the dump failed too: {exc}") if m.vo is None else m
            for m in result.missing
        ]
        result.warnings.append(f"accounting {scope}: {why}")
        return result

    async def _fill(self, result: ScopeHours, gaps: list[str]) -> None:
        """Fill the months the dump has no rows for from the legacy API, when it answers."""
        sub = Period(Month.parse(gaps[0]), Month.parse(gaps[-1]))
        legacy = await self.legacy.monthly_hours(result.scope, sub)
        if legacy.failed:
            reason = next(m.reason for m in legacy.missing if m.vo is None and m.month is None)
            result.missing = [
                replace(m, reason=f"{m.reason}; the legacy API could not fill it: {reason}")
                if m.vo is None and m.month in gaps
                else m
                for m in result.missing
            ]
            return
        still = {m.month for m in legacy.missing if m.vo is None and m.month}
        filled = [m for m in gaps if m not in still]
        for vo, months in legacy.hours.items():
            for month in filled:
                if month in months:
                    result.hours.setdefault(vo, {})[month] = months[month]
        result.missing = [m for m in result.missing if not (m.vo is None and m.month in filled)] + [
            m for m in legacy.missing if m.month in filled and m.vo is not None
        ]
        for prov in legacy.provenance:
            note = f"fills months missing in the dump: {', '.join(filled)}"
            prov.detail = f"{prov.detail}; {note}" if prov.detail else note
        result.provenance.extend(legacy.provenance)
        result.warnings.extend(legacy.warnings)

    async def breakdown(self, scope: Scope, period: Period, vo: str, by: str) -> Breakdown:
        """The dump's breakdown; the legacy API's when the dump is unusable."""
        try:
            return await self.dump.breakdown(scope, period, vo, by)
        except DumpError:
            return await self.legacy.breakdown(scope, period, vo, by)


def make_accounting_source(
    settings: Settings,
    cache: ResponseCache | None,
    clock: Clock,
    api: str | None = None,
    demo: bool = False,
) -> AccountingSource:
    """The accounting source for ``api`` (default ``settings.accounting_api``).

    ``demo``: the bundled demo dump read from disk (no HTTP) and the recorded legacy responses
    (ReplayAccounting), so ``fetch --demo`` works through either API."""
    choice = (api or settings.accounting_api or "auto").strip().lower()
    if choice not in APIS:
        raise SourceError(
            "accounting", settings.accounting_url, f"unknown accounting_api {choice!r} ({APIS})"
        )
    if demo:
        from okr_tui.demo import DEMO_DATA
        from okr_tui.sources.replay import ReplayAccounting

        replay = ReplayAccounting(DEMO_DATA, clock)
        if choice == "legacy":
            return replay
        path = next(
            (DEMO_DATA / "dump" / n for n in DEMO_DUMPS if (DEMO_DATA / "dump" / n).is_file()),
            DEMO_DATA / "dump" / DEMO_DUMPS[0],
        )
        dump = DumpAccounting(settings, None, clock, local=path)
        return dump if choice == "dump" else AutoAccounting(dump, replay)
    from okr_tui.sources.accounting_legacy import LegacyAccounting

    if choice == "legacy":
        return LegacyAccounting(settings, cache, clock)
    dump = DumpAccounting(settings, cache, clock)
    if choice == "dump":
        return dump
    return AutoAccounting(dump, LegacyAccounting(settings, cache, clock))

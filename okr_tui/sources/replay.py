"""Replay sources: the same parsers as the live sources, fed from a directory of recorded
responses (the bundled demo dataset, or a user's recordings).

Layout (``data_dir`` or its ``accounting/`` / ``operations/`` subdirectories)::

    accounting/{url_scope}_{metric}_{ROWS}_DATE_{YYYY-MM}_{YYYY-MM}_{vo_group}_onlyinfrajobs.json
    operations/vo-list.json
    operations/vo-users.json            bulk per-VO form, whole monthly series
    operations/vo-idcard/<vo>.json
    operations/egi-reports-vo/<YYYY-MM-DD>_<YYYY-MM-DD>.json   (end date exclusive)
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from okr_tui.core.clock import Clock
from okr_tui.core.models import (
    Breakdown,
    Missing,
    OperationsData,
    Provenance,
    Scope,
    ScopeHours,
    VoCard,
    VoStatusGroup,
    vo_key,
)
from okr_tui.core.periods import Period
from okr_tui.sources.accounting_legacy import SCOPE_QUERY, breakdown_from, scope_hours_from
from okr_tui.sources.base import ProgressCallback, ProgressEvent, SourceError
from okr_tui.sources.parsers import (
    ParseError,
    parse_legacy_accounting,
    parse_vo_card,
    parse_vo_list,
    parse_vo_report,
    read_bulk_vo_users,
)

HISTORY_START = "2020-01"


def recorded_name(scope: str, period: Period, *, rows: str = "VO", vo_group: str = "egi") -> str:
    """File name of a recorded legacy response (the form of the real fixture)."""
    url_scope, metric = SCOPE_QUERY[scope]
    dates = f"{period.start}_{period.end}"
    return f"{url_scope}_{metric}_{rows}_DATE_{dates}_{vo_group}_onlyinfrajobs.json"


def _subdir(data_dir: Path, name: str) -> Path:
    sub = Path(data_dir) / name
    return sub if sub.is_dir() else Path(data_dir)


def _load(path: Path, source: str) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise SourceError(source, str(path), f"cannot read the recorded response: {exc}") from None
    except orjson.JSONDecodeError as exc:
        raise SourceError(source, str(path), f"invalid JSON ({exc})") from None


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


class ReplayAccounting:
    """AccountingSource over recorded legacy responses (``api = "replay"``)."""

    api = "replay"

    def __init__(self, data_dir: Path, clock: Clock) -> None:
        self.dir = _subdir(data_dir, "accounting")
        self.clock = clock

    async def aclose(self) -> None:
        """Nothing to close."""

    async def monthly_hours(
        self, scope: Scope, period: Period, *, progress: ProgressCallback | None = None
    ) -> ScopeHours:
        """Hours from the recorded response for exactly ``period``; none -> Missing."""
        name = f"accounting {scope}"
        path = self.dir / recorded_name(scope, period)
        if progress:
            progress(ProgressEvent(name, 0, 1))
        if not path.is_file():
            reason = f"{name}: no recorded response for {period} in {self.dir}"
            prov = Provenance(name, self.api, str(path), self.clock.now())
            return ScopeHours(
                scope, period, {}, missing=[Missing(scope, None, reason)], provenance=[prov]
            )
        try:
            parsed = parse_legacy_accounting(
                _load(path, name), period, metric=SCOPE_QUERY[scope][1]
            )
        except (SourceError, ParseError) as exc:
            reason = str(exc) if isinstance(exc, SourceError) else f"{name}: {exc} ({path})"
            prov = Provenance(name, self.api, str(path), self.clock.now())
            return ScopeHours(
                scope, period, {}, missing=[Missing(scope, None, reason)], provenance=[prov]
            )
        finally:
            if progress:
                progress(ProgressEvent(name, 1, 1))
        prov = Provenance(
            name, self.api, str(path), _mtime(path), cache=False, rows=parsed.rows,
            duplicates=parsed.duplicates, conflicts=parsed.conflicts,
        )  # fmt: skip
        return scope_hours_from(scope, period, parsed, prov)

    async def breakdown(self, scope: Scope, period: Period, vo: str, by: str) -> Breakdown:
        """A recorded REGION/SITE response for ``vo``; raises SourceError when none exists."""
        rows = {"region": "REGION", "site": "SITE"}.get(by, by.upper())
        path = self.dir / recorded_name(scope, period, rows=rows, vo_group=f"custom-{vo}")
        source = f"accounting {scope} {vo} by {by}"
        if not path.is_file():
            raise SourceError(source, str(path), f"no recorded response for {period} in {self.dir}")
        try:
            parsed = parse_legacy_accounting(_load(path, source), period)
        except ParseError as exc:
            raise SourceError(source, str(path), str(exc)) from None
        return breakdown_from(scope, vo, by, parsed, source, str(path))


class ReplayOperations:
    """OperationsSource over a recorded Operations Portal dataset."""

    api = "replay"

    def __init__(self, data_dir: Path, clock: Clock) -> None:
        self.dir = _subdir(data_dir, "operations")
        self.clock = clock

    async def aclose(self) -> None:
        """Nothing to close."""

    async def fetch(
        self,
        period: Period,
        *,
        vos: list[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> OperationsData:
        """VO list and users as the portal would answer for ``period`` (series up to its end)."""
        list_path = self.dir / "vo-list.json"
        try:
            if not list_path.is_file():
                raise SourceError("operations vo-list", str(list_path), "no recorded response")
            infos = parse_vo_list(_load(list_path, "operations vo-list"))
        except (SourceError, ParseError) as exc:
            reason = str(exc) if isinstance(exc, SourceError) else f"operations vo-list: {exc}"
            prov = Provenance("operations vo-list", self.api, str(list_path), self.clock.now())
            return OperationsData([], {}, [Missing("users", None, reason)], [prov], failed=True)
        list_prov = Provenance(
            "operations vo-list", self.api, str(list_path), _mtime(list_path), rows=len(infos)
        )
        if vos == []:  # the VO list only
            return OperationsData(infos, {}, [], [list_prov])
        known = {vo_key(i.name): i.name for i in infos}
        targets = list(known.values()) if vos is None else [known.get(vo_key(v), v) for v in vos]
        total = len(targets)
        if progress:
            progress(ProgressEvent("users", 0, total, "recorded vo-users"))
        users_path = self.dir / "vo-users.json"
        source = "operations vo-users"
        missing: list[Missing] = []
        users: dict[str, dict[str, int]] = {}
        try:
            if not users_path.is_file():
                raise SourceError(source, str(users_path), f"no recorded response in {self.dir}")
            bulk = read_bulk_vo_users(_load(users_path, source))
            if bulk.users is None:
                raise SourceError(source, str(users_path), bulk.reason)
        except SourceError as exc:
            missing = [Missing("users", vo, str(exc)) for vo in targets]
            users_prov = Provenance(source, self.api, str(users_path), self.clock.now())
        else:
            wanted = {vo_key(t) for t in targets}
            end = str(period.end)  # "YYYY-MM" keys sort chronologically
            for name, series in bulk.users.items():
                kept = {m: n for m, n in (series or {}).items() if HISTORY_START <= m <= end}
                if kept and vo_key(name) in wanted:
                    users[vo_key(name)] = kept
            users_prov = Provenance(
                source, self.api, str(users_path), _mtime(users_path), rows=len(users),
                detail="bulk (recorded)",
            )  # fmt: skip
        if progress:
            progress(ProgressEvent("users", total, total, "recorded vo-users"))
        return OperationsData(infos, users, missing, [list_prov, users_prov])

    async def vo_card(self, vo: str) -> VoCard:
        """The recorded ID card; without one, a card from the VO list fields (rest "N/A")."""
        cards = self.dir / "vo-idcard"
        path = next(
            (p for p in sorted(cards.glob("*.json")) if vo_key(p.stem) == vo_key(vo)), None
        ) if cards.is_dir() else None  # fmt: skip
        source = f"operations vo-idcard {vo}"
        if path is not None:
            try:
                return parse_vo_card(vo, _load(path, source))
            except ParseError as exc:
                raise SourceError(source, str(path), str(exc)) from None
        list_path = self.dir / "vo-list.json"
        if list_path.is_file():
            for info in parse_vo_list(_load(list_path, "operations vo-list")):
                if vo_key(info.name) == vo_key(vo):
                    return VoCard(
                        vo=info.name,
                        scope=info.scope or "N/A",
                        home_url=info.home_url or "N/A",
                        extra={"note": f"no recorded ID card in {cards}"},
                    )
        raise SourceError(source, str(cards), f"no recorded response for {vo} in {cards}")

    async def vo_report(self, period: Period) -> tuple[list[VoStatusGroup], Provenance]:
        """The recorded egi-reports/vo answer for ``period``; raises SourceError when none."""
        start, end = period.start.first_day(), period.end.shift(1).first_day()
        path = self.dir / "egi-reports-vo" / f"{start}_{end}.json"
        source = "operations egi-reports/vo"
        if not path.is_file():
            raise SourceError(
                source, str(path), f"no recorded response for {period} in {path.parent}"
            )
        try:
            groups = parse_vo_report(_load(path, source))
        except ParseError as exc:
            raise SourceError(source, str(path), str(exc)) from None
        return groups, Provenance(source, self.api, str(path), _mtime(path), rows=len(groups))

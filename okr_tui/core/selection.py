"""What the user asked for: period, reports and VOs (the CLI's SELECT, the start screen)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from okr_tui.core.models import vo_key
from okr_tui.core.periods import Period


@dataclass(frozen=True)
class Selection:
    period: Period
    reports: frozenset[str] = frozenset({"cloud", "htc", "users"})
    vos: tuple[str, ...] = ()  # only these (case-insensitive); empty = every production VO
    exclude: tuple[str, ...] = ()  # never these
    include_non_production: bool = False
    accounting_api: str | None = None  # overrides the setting
    refresh: bool = False  # bypass caches
    period_warning: str | None = None  # "data may still change — as of ..."

    def wants(self, vo: str) -> bool:
        """Whether ``vo`` passes the --vo / --exclude-vo filters."""
        key = vo_key(vo)
        if self.vos and key not in {vo_key(v) for v in self.vos}:
            return False
        return key not in {vo_key(v) for v in self.exclude}

    def restriction(self, excluded: Sequence[str] = (), limit: int = 5) -> str | None:
        """What restricts the VOs beyond the settings' ``excluded`` VOs, as text (``--vo`` names,
        extra ``--exclude-vo`` names, at most ``limit`` of each); None: every production VO."""
        settings_keys = {vo_key(v) for v in excluded}
        extra = [v for v in self.exclude if vo_key(v) not in settings_keys]
        parts = []
        if self.vos:
            parts.append(f"only {_names(self.vos, limit)}")
        if extra:
            parts.append(f"excluding {_names(extra, limit)}")
        return "; ".join(parts) or None


def _names(names: Sequence[str], limit: int) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"

"""What a source promises. Accounting and Operations Portal sources — live (httpx), replayed
(recorded files) or dump-based — all satisfy these protocols, so reports never care which."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from okr_tui.core.models import (
    Breakdown,
    OperationsData,
    Provenance,
    Scope,
    ScopeHours,
    VoCard,
    VoStatusGroup,
)
from okr_tui.core.periods import Period


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of one task: ``source`` e.g. "users", ``done``/``total`` requests or rows."""

    source: str
    done: int
    total: int | None
    message: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


class SourceError(Exception):
    """A fetch failed. The message names the source/URL and the cause; never a secret."""

    def __init__(self, source: str, url: str, cause: str, *, status: int | None = None) -> None:
        self.source, self.url, self.cause, self.status = source, url, cause, status
        super().__init__(f"{source}: {cause} ({url})")


class AccountingSource(Protocol):
    """Monthly CPU hours per (scope, VO, month)."""

    api: str  # "legacy" | "dump" | "auto" | "replay"

    async def monthly_hours(
        self, scope: Scope, period: Period, *, progress: ProgressCallback | None = None
    ) -> ScopeHours:
        """Hours of every VO in the period. Failures are recorded in ``ScopeHours.missing``."""
        ...

    async def breakdown(self, scope: Scope, period: Period, vo: str, by: str) -> Breakdown:
        """One VO's hours split by ``by`` (site/ngi/country/tier/region). Raises SourceError."""
        ...

    async def aclose(self) -> None: ...


class OperationsSource(Protocol):
    """The EGI Operations Portal (users, VO list, ID cards, VO status report)."""

    async def fetch(
        self,
        period: Period,
        *,
        vos: list[str] | None = None,
        progress: ProgressCallback | None = None,
    ) -> OperationsData:
        """vo-list, then users of ``vos`` (default: every production VO) for the period."""
        ...

    async def vo_card(self, vo: str) -> VoCard: ...

    async def vo_report(self, period: Period) -> tuple[list[VoStatusGroup], Provenance]: ...

    async def aclose(self) -> None: ...

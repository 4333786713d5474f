"""An injectable clock: the application asks it for "now" (UTC); tests freeze it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone


@dataclass
class Clock:
    """Returns the current UTC time from ``source``; ``Clock.frozen(...)`` for tests and demos."""

    source: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    def now(self) -> datetime:
        value = self.source()
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    def today(self) -> date:
        return self.now().date()

    @classmethod
    def frozen(cls, at: datetime) -> Clock:
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
        return cls(lambda: at)

"""What a sheet backend promises (Google Sheets through gspread, or a local .xlsx workbook).

Backends are blocking; front ends call them from thread workers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from okr_tui.core.grid import Grid, WorksheetPlan


class SheetError(Exception):
    """A sheet operation failed; the message says what, where and what to do next."""


class SheetNotShared(SheetError):
    """The spreadsheet exists but the identity has no access (name the e-mail to share with)."""


class SheetNotFound(SheetError):
    pass


class WorksheetMissing(SheetError):
    def __init__(self, worksheet: str, message: str) -> None:
        self.worksheet = worksheet
        super().__init__(message)


class SheetConflict(SheetError):
    """The sheet changed since the plan was made (exit code 5)."""


class VerificationFailed(SheetError):
    """Read-back after a push does not match the target (exit code 6)."""


@dataclass(frozen=True)
class SheetTarget:
    """A human description of where a backend writes."""

    kind: str  # "google" | "xlsx"
    name: str  # spreadsheet title or workbook file name
    location: str  # spreadsheet URL or file path
    identity: str  # service-account e-mail / OAuth user / OS user for xlsx


class SheetBackend(Protocol):
    def target(self) -> SheetTarget:
        """Where this backend writes (may open the spreadsheet)."""
        ...

    def read(self, worksheets: list[str]) -> dict[str, Grid | None]:
        """Read the named worksheets (values, formulas, notes) in one request;
        ``None`` for a worksheet that does not exist."""
        ...

    def apply(self, plans: list[WorksheetPlan]) -> None:
        """Apply the plans atomically (one batchUpdate / one file replace)."""
        ...

    def restore(self, grids: dict[str, Grid], current: dict[str, Grid | None]) -> None:
        """Write ``grids`` back exactly (undo), atomically."""
        ...

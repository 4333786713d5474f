"""App-wide messages: small dataclasses posted by workers and widgets (toolong style)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from okr_tui.core.models import Breakdown, Report, VoCard, VoInfo
from okr_tui.core.periods import Period
from okr_tui.sources.base import ProgressEvent
from okr_tui.tui.tabledata import GridRow


@dataclass
class FetchProgress(Message):
    """A source reported progress (e.g. ``users 212/309``)."""

    event: ProgressEvent


@dataclass
class ReportFetched(Message):
    """The report for the selection is complete (possibly with missing parts). ``rows``: the
    grid rows per scope, built in the worker so the UI thread only shows them."""

    report: Report
    rows: dict[str, list[GridRow]] | None = None


@dataclass
class LiveRows(Message):
    """Rows of one grid from data that just arrived, before the report is complete."""

    scope: str
    rows: list[GridRow]


@dataclass
class FetchFailed(Message):
    """A fetch could not run at all; ``text`` says why, ``hint`` what to do next."""

    text: str
    hint: str = ""


@dataclass
class VoListLoaded(Message):
    """The production VO list for the start screen (``error`` set when it failed)."""

    vos: list[VoInfo]
    error: str | None = None


@dataclass
class BreakdownLoaded(Message):
    """A drill-down breakdown arrived (``breakdown`` None with ``error`` on failure)."""

    scope: str
    vo: str
    breakdown: Breakdown | None
    error: str | None = None


@dataclass
class VoCardLoaded(Message):
    """VO ID card metadata for the drill-down."""

    vo: str
    card: VoCard | None
    error: str | None = None


@dataclass
class CpuHistoryLoaded(Message):
    """CPU/h of a VO for earlier periods, fetched on demand."""

    scope: str
    vo: str
    hours: dict[Period, float | None]
    error: str | None = None


@dataclass
class HistoryLoaded(Message):
    """Users of a VO per period label, read from the users worksheet."""

    vo: str
    users: dict[str, int | None]
    error: str | None = None

"""Write safety through the push service on both backends: a concurrent edit between plan and
push aborts without writing; a read-back that differs fails verification; undo restores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from okr_tui.core.clock import Clock
from okr_tui.paths import AppPaths
from okr_tui.services.context import AppContext
from okr_tui.services.sheet_ops import plan_for, push, undo
from okr_tui.settings import Settings
from okr_tui.sheets.base import SheetBackend, SheetConflict
from okr_tui.sheets.google import GoogleSheetsBackend
from okr_tui.sheets.xlsx import XlsxBackend, xlsx_title
from tests.fakes.google import FakeGoogle
from tests.fakes.google_model import FakeSpreadsheet
from tests.fakes.push_scenario import build_report, build_spreadsheet

N_VOS = 20
Edit = Callable[[str, int, int, object], None]


def xlsx_from_book(book: FakeSpreadsheet, path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet in book.sheets:
        ws = wb.create_sheet(xlsx_title(sheet.title))
        for row in sheet.values():
            ws.append(row)
    wb.save(path)
    return path


@pytest.fixture(params=["google", "xlsx"])
def setup(
    request: pytest.FixtureRequest,
    fake_google: FakeGoogle,
    google_settings: Settings,
    tmp_path: Path,
) -> tuple[SheetBackend, Edit, Callable[[], dict[str, list[list[object]]]]]:
    book = build_spreadsheet(fake_google, google_settings, N_VOS)
    if request.param == "google":

        def edit(title: str, r: int, c: int, value: object) -> None:
            sheet = book.sheet(title)
            assert sheet is not None
            sheet.cells[(r, c)] = {"userEnteredValue": {"numberValue": value}}

        def snapshot() -> dict[str, list[list[object]]]:
            return {s.title: s.values() for s in book.sheets}

        return GoogleSheetsBackend(google_settings), edit, snapshot
    path = xlsx_from_book(book, tmp_path / "okr.xlsx")

    def edit_x(title: str, r: int, c: int, value: object) -> None:
        wb = openpyxl.load_workbook(path)
        wb[xlsx_title(title)].cell(r + 1, c + 1).value = value
        wb.save(path)

    def snapshot_x() -> dict[str, list[list[object]]]:
        backend = XlsxBackend(path)
        grids = backend.read([s.title for s in book.sheets])
        return {
            k: [[c.formula or c.value for c in row] for row in g.rows]
            for k, g in grids.items()
            if g is not None
        }

    return XlsxBackend(path), edit_x, snapshot_x


def ctx_for(settings: Settings, paths: AppPaths, clock: Clock) -> AppContext:
    return AppContext(settings, paths, clock)


def test_concurrent_edit_aborts_push(
    setup: tuple[SheetBackend, Edit, Callable[[], dict[str, list[list[object]]]]],
    google_settings: Settings,
    app_paths: AppPaths,
    frozen_clock: Clock,
) -> None:
    backend, edit, snapshot = setup
    ctx = ctx_for(google_settings, app_paths, frozen_clock)
    report = build_report(N_VOS)
    plan = plan_for(ctx, report, backend)
    edit(google_settings.worksheet_users, 3, 3, 12345)  # someone edits meanwhile
    edited = snapshot()

    with pytest.raises(SheetConflict, match="changed since"):
        push(ctx, plan, report, backend, confirmed=True)
    assert snapshot() == edited


def test_push_then_undo(
    setup: tuple[SheetBackend, Edit, Callable[[], dict[str, list[list[object]]]]],
    google_settings: Settings,
    app_paths: AppPaths,
    frozen_clock: Clock,
) -> None:
    backend, _edit, snapshot = setup
    ctx = ctx_for(google_settings, app_paths, frozen_clock)
    before = snapshot()
    report = build_report(N_VOS)
    result = push(ctx, plan_for(ctx, report, backend), report, backend, confirmed=True)
    assert result.verified and snapshot() != before
    undo(ctx, backend)
    assert snapshot() == before


def test_verification_failure_is_reported(
    fake_google: FakeGoogle,
    google_settings: Settings,
    app_paths: AppPaths,
    frozen_clock: Clock,
) -> None:
    book = build_spreadsheet(fake_google, google_settings, N_VOS)

    def tamper(b: FakeSpreadsheet) -> None:
        sheet = b.sheet(google_settings.worksheet_cloud)
        assert sheet is not None
        sheet.cells[(1, 1)] = {"userEnteredValue": {"numberValue": -1}}

    fake_google.after_batch = tamper
    ctx = ctx_for(google_settings, app_paths, frozen_clock)
    backend = GoogleSheetsBackend(google_settings)
    report = build_report(N_VOS)
    result = push(ctx, plan_for(ctx, report, backend), report, backend, confirmed=True)
    assert not result.verified
    assert any(p.endswith("!B2") for p in result.problems)
    assert book.sheet(google_settings.worksheet_cloud) is not None


def test_verification_failure_is_reported_xlsx(
    fake_google: FakeGoogle,
    google_settings: Settings,
    app_paths: AppPaths,
    frozen_clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = xlsx_from_book(
        build_spreadsheet(fake_google, google_settings, N_VOS), tmp_path / "okr.xlsx"
    )
    real_apply = XlsxBackend.apply

    def apply_then_tamper(self: XlsxBackend, plans: list) -> None:  # type: ignore[type-arg]
        real_apply(self, plans)
        wb = openpyxl.load_workbook(path)
        wb[xlsx_title(google_settings.worksheet_cloud)]["B2"].value = -1
        wb.save(path)

    monkeypatch.setattr(XlsxBackend, "apply", apply_then_tamper)
    ctx = ctx_for(google_settings, app_paths, frozen_clock)
    backend = XlsxBackend(path)
    report = build_report(N_VOS)
    result = push(ctx, plan_for(ctx, report, backend), report, backend, confirmed=True)
    assert not result.verified
    assert any(p.endswith("!B2") for p in result.problems)

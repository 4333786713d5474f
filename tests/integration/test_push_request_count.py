"""A whole push through the services (plan read, pre-write re-read, one batchUpdate, verify
read) costs at most 5 Sheets API requests, whatever the number of VOs (token requests are not
counted) — asserted on the fake's request log."""

from __future__ import annotations

import pytest

from okr_tui.core.clock import Clock
from okr_tui.paths import AppPaths
from okr_tui.services.context import AppContext
from okr_tui.services.sheet_ops import open_backend, plan_for, push, undo
from okr_tui.settings import Settings
from tests.fakes.google import FakeGoogle
from tests.fakes.push_scenario import build_report, build_spreadsheet

MAX_REQUESTS = 5


@pytest.mark.parametrize("n_vos", [30, 300])
def test_push_is_at_most_five_requests(
    fake_google: FakeGoogle,
    google_settings: Settings,
    app_paths: AppPaths,
    frozen_clock: Clock,
    n_vos: int,
) -> None:
    book = build_spreadsheet(fake_google, google_settings, n_vos)
    ctx = AppContext(google_settings, app_paths, frozen_clock)
    fake_google.reset_log()

    backend = open_backend(ctx)
    plan = plan_for(ctx, build_report(n_vos), backend)
    assert not plan.blocked and plan.cells_changed > n_vos  # a real, sizeable push
    result = push(ctx, plan, build_report(n_vos), backend, confirmed=True)

    assert result.verified, result.problems
    sheets = fake_google.sheets_requests
    assert len(sheets) <= MAX_REQUESTS
    assert [r.method for r in sheets].count("POST") == 1  # one batchUpdate for 3 worksheets
    assert all(r.status == 200 for r in sheets)
    users = book.sheet(google_settings.worksheet_users)
    assert users is not None
    # the TOTAL row still covers every VO row after the inserts
    last = 2 + n_vos
    assert users.entered(1, 1) == f"=SUM(B3:B{last})"
    assert users.effective(1, 3) == sum(users.effective(r, 3) or 0 for r in range(2, last))


def test_push_then_undo_restores_the_sheet(
    fake_google: FakeGoogle, google_settings: Settings, app_paths: AppPaths, frozen_clock: Clock
) -> None:
    book = build_spreadsheet(fake_google, google_settings, 40)
    before = {s.title: s.values() for s in book.sheets}
    ctx = AppContext(google_settings, app_paths, frozen_clock)
    backend = open_backend(ctx)
    report = build_report(40)
    result = push(ctx, plan_for(ctx, report, backend), report, backend, confirmed=True)
    assert result.verified
    assert {s.title: s.values() for s in book.sheets} != before

    undo(ctx, open_backend(ctx))

    assert {s.title: s.values() for s in book.sheets} == before

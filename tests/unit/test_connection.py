"""Connection tests of the settings screen (okr_tui.services.connection) in demo mode."""

from __future__ import annotations

import json
from dataclasses import replace

from okr_tui.services import connection
from okr_tui.services.bootstrap import load_context


def test_service_account_email_is_read_from_the_key_file(tmp_path, fast_settings):
    key = tmp_path / "sa.json"
    key.write_text(json.dumps({"type": "service_account", "client_email": "okr@p.iam.example"}))
    assert connection.service_account_email(replace(fast_settings, credentials=key)) == (
        "okr@p.iam.example"
    )
    assert connection.service_account_email(replace(fast_settings, credentials=tmp_path)) is None


def test_spreadsheet_test_opens_the_demo_workbook(frozen_clock):
    ctx = load_context(demo=True, clock=frozen_clock)
    ok, message = connection.test_spreadsheet(ctx)
    assert ok, message
    assert ctx.paths.demo_workbook.name in message and ctx.settings.worksheet_users in message


def test_spreadsheet_test_without_spreadsheet_names_the_setting(frozen_clock):
    ctx = load_context(demo=False, clock=frozen_clock)
    ok, message = connection.test_spreadsheet(ctx)
    assert not ok and "spreadsheet" in message


async def test_operations_test_without_key_refuses(frozen_clock):
    ctx = load_context(demo=False, clock=frozen_clock)
    ok, message = await connection.test_operations(ctx)
    assert not ok and "API key" in message


async def test_operations_and_accounting_tests_on_demo_data(frozen_clock):
    ctx = load_context(demo=True, clock=frozen_clock)
    ok, message = await connection.test_operations(ctx)
    assert ok and "production VOs" in message, message
    ok, message = await connection.test_accounting(ctx)
    assert ok and "VOs with Cloud CPU/h in" in message, message

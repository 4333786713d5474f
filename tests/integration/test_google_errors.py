"""Google backend failures against the fake: quota/server errors with bounded retries, a write
that fails leaves the sheet unchanged, not shared / not found, credentials problems, OAuth."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from okr_tui.core.grid import Cell, CellChange, WorksheetPlan
from okr_tui.paths import AppPaths
from okr_tui.settings import Settings
from okr_tui.sheets.auth import OAUTH_IDENTITY, CredentialsError, oauth_token_path
from okr_tui.sheets.base import SheetError, SheetNotFound, SheetNotShared
from okr_tui.sheets.google import GoogleSheetsBackend
from tests.fakes.google import SA_EMAIL, FakeGoogle, Fault

WS = "Accounting Cloud CPU/h"
ROWS = [["Period", "Total CPU/h"], ["2024.07-09", 120]]


def book(fake: FakeGoogle, **kw: object) -> None:
    fake.add_spreadsheet(**kw).add_sheet(WS, ROWS)  # type: ignore[arg-type]


def one_change_plan(backend: GoogleSheetsBackend) -> WorksheetPlan:
    base = backend.read([WS])[WS]
    assert base is not None
    target = base.copy()
    target.set(1, 1, Cell(999))
    ch = CellChange(1, 1, base.get(1, 1), Cell(999), "changed", "Total CPU/h", "2024.07-09")
    return WorksheetPlan(WS, base, target, [], [ch])


def test_429_then_success(fake_google: FakeGoogle, google_settings: Settings) -> None:
    book(fake_google)
    waits: list[str] = []
    backend = GoogleSheetsBackend(google_settings, on_wait=waits.append)
    backend.target()
    fake_google.add_fault(Fault(429, times=2, method="GET"))
    fake_google.reset_log()

    grid = backend.read([WS])[WS]

    assert grid is not None and grid.get(1, 1).value == 120
    assert [r.status for r in fake_google.sheets_requests] == [429, 429, 200]
    assert len(waits) == 2 and "429" in waits[0] and "retrying" in waits[0]


def test_persistent_429_gives_up_within_budget(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    backend.target()
    fake_google.add_fault(Fault(429, times=None, method="GET"))
    fake_google.reset_log()
    with pytest.raises(SheetError, match="429"):
        backend.read([WS])
    assert 1 < len(fake_google.sheets_requests) <= google_settings.retries + 1


def test_500_on_write_leaves_sheet_unchanged(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    plan = one_change_plan(backend)
    fake_google.add_fault(Fault(500, times=None, method="POST", path_contains=":batchUpdate"))

    with pytest.raises(SheetError, match="500") as info:
        backend.apply([plan])

    assert "Nothing was written" in str(info.value)
    sheet = fake_google.spreadsheets["fakeKey123"].sheet(WS)
    assert sheet is not None and sheet.values() == ROWS
    posts = [r for r in fake_google.sheets_requests if r.method == "POST"]
    assert 1 < len(posts) <= google_settings.retries + 1


def test_500_once_on_write_is_retried(fake_google: FakeGoogle, google_settings: Settings) -> None:
    book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    plan = one_change_plan(backend)
    fake_google.add_fault(Fault(503, times=1, method="POST"))
    backend.apply([plan])
    after = backend.read([WS])[WS]
    assert after is not None and after.get(1, 1).value == 999


def test_invalid_request_is_not_retried(fake_google: FakeGoogle, google_settings: Settings) -> None:
    book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    plan = one_change_plan(backend)
    plan.base.sheet_id = 4242  # no such sheet: the API answers 400
    fake_google.reset_log()
    with pytest.raises(SheetError, match="400"):
        backend.apply([plan])
    assert len(fake_google.sheets_requests) == 1


def test_not_shared_names_the_service_account(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book(fake_google, shared_with={"someone@example.org"})
    backend = GoogleSheetsBackend(google_settings)
    with pytest.raises(SheetNotShared) as info:
        backend.read([WS])
    assert SA_EMAIL in str(info.value) and "Share" in str(info.value)
    assert "PRIVATE KEY" not in str(info.value)


def test_not_found(fake_google: FakeGoogle, google_settings: Settings) -> None:
    book(fake_google)
    backend = GoogleSheetsBackend(replace(google_settings, spreadsheet="otherKey"))
    with pytest.raises(SheetNotFound, match="otherKey"):
        backend.target()


def test_missing_spreadsheet_setting(google_settings: Settings) -> None:
    with pytest.raises(SheetError, match="spreadsheet"):
        GoogleSheetsBackend(replace(google_settings, spreadsheet=None))


def test_credentials_file_missing(google_settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    backend = GoogleSheetsBackend(replace(google_settings, credentials=missing))
    with pytest.raises(CredentialsError, match="not found") as info:
        backend.target()
    assert str(missing) in str(info.value) and "service-account key" in str(info.value)


def test_credentials_not_a_service_account(google_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "client.json"
    path.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    backend = GoogleSheetsBackend(replace(google_settings, credentials=path))
    with pytest.raises(CredentialsError, match="not a service-account key") as info:
        backend.read([WS])
    assert "oauth" in str(info.value)


def test_credentials_not_json(google_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    backend = GoogleSheetsBackend(replace(google_settings, credentials=path))
    with pytest.raises(CredentialsError, match="not a readable JSON"):
        backend.target()


def test_credentials_unreadable(google_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", denied)
    backend = GoogleSheetsBackend(google_settings)
    with pytest.raises(CredentialsError, match="permission denied"):
        backend.target()


def test_world_readable_credentials_warn(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book(fake_google)
    os.chmod(google_settings.credentials, 0o644)
    backend = GoogleSheetsBackend(google_settings)
    backend.target()
    assert any("chmod 600" in w for w in backend.warnings)
    os.chmod(google_settings.credentials, 0o600)
    quiet = GoogleSheetsBackend(google_settings)
    quiet.target()
    assert quiet.warnings == []


def test_token_rejected_is_a_credentials_error(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book(fake_google)
    info = json.loads(Path(google_settings.credentials).read_text())
    info["client_email"] = "x@y"  # still signed by the session key: change the URI instead
    info["token_uri"] = fake_google.url + "/no-token-here"
    path = Path(google_settings.credentials).with_name("bad.json")
    path.write_text(json.dumps(info))
    os.chmod(path, 0o600)
    backend = GoogleSheetsBackend(replace(google_settings, credentials=path))
    with pytest.raises(SheetError) as exc:
        backend.target()
    assert "PRIVATE KEY" not in str(exc.value)


def test_oauth_cached_token_is_refreshed_and_kept_private(
    fake_google: FakeGoogle, google_settings: Settings, app_paths: AppPaths
) -> None:
    book(fake_google)
    fake_google.refresh_tokens["refresh-abc"] = "person@example.org"
    token = oauth_token_path(app_paths)
    token.parent.mkdir(parents=True, exist_ok=True)
    expired = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token.write_text(
        json.dumps(
            {
                "refresh_token": "refresh-abc",
                "client_id": "cid",
                "client_secret": "csecret",
                "token": "stale",
                "expiry": expired,
                "token_uri": fake_google.token_uri,
            }
        )
    )
    settings = replace(google_settings, auth="oauth")
    backend = GoogleSheetsBackend(settings, paths=app_paths)

    assert backend.target().identity == OAUTH_IDENTITY
    assert backend.read([WS])[WS] is not None
    assert token.stat().st_mode & 0o777 == 0o600
    assert json.loads(token.read_text())["token"].startswith("fake-access-")


def test_oauth_without_client_secret_explains(
    google_settings: Settings, app_paths: AppPaths
) -> None:
    backend = GoogleSheetsBackend(replace(google_settings, auth="oauth"), paths=app_paths)
    with pytest.raises(CredentialsError, match="oauth_client_secret"):
        backend.target()


def test_worksheet_deleted_after_open_reads_as_missing(
    fake_google: FakeGoogle, google_settings: Settings
) -> None:
    book(fake_google)
    backend = GoogleSheetsBackend(google_settings)
    backend.target()
    sheets = fake_google.spreadsheets["fakeKey123"].sheets
    sheets[:] = [s for s in sheets if s.title != WS]
    assert backend.read([WS]) == {WS: None}


def test_no_key_material_in_logs(
    fake_google: FakeGoogle, google_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    book(fake_google)
    caplog.set_level(logging.DEBUG)
    fake_google.add_fault(Fault(429, times=1, method="GET"))
    backend = GoogleSheetsBackend(google_settings)
    backend.read([WS])
    pem = Path(google_settings.credentials).read_text()
    key_line = json.loads(pem)["private_key"].splitlines()[1]
    assert "PRIVATE KEY" not in caplog.text and key_line not in caplog.text
    assert "fake-access-" not in caplog.text

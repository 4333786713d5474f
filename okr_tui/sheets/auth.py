"""Google credentials for the Sheets backend: a service-account key file, or a person's OAuth
sign-in (``auth = "oauth"``) with the token cached under the config dir (mode 0600).

Every failure is a :class:`CredentialsError` whose message says what to do next; no message ever
contains key material."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError, RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import service_account
from google.oauth2.credentials import Credentials as UserCredentials

from okr_tui.paths import AppPaths
from okr_tui.settings import Settings
from okr_tui.sheets.base import SheetError

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
OAUTH_TOKEN_FILE = "oauth-token.json"
OAUTH_IDENTITY = "Google account signed in with OAuth"


class CredentialsError(SheetError):
    """The Google credentials cannot be used (missing, unreadable, wrong kind, rejected)."""


@dataclass
class LoadedCredentials:
    """Credentials ready for an authorised session, who they are, and warnings to show."""

    credentials: Credentials
    identity: str  # service-account e-mail, or a description of the OAuth user
    kind: str  # "service_account" | "oauth"
    warnings: list[str] = field(default_factory=list)


def load_credentials(settings: Settings, paths: AppPaths | None = None) -> LoadedCredentials:
    """Credentials per ``settings.auth`` (``service_account`` or ``oauth``)."""
    if settings.auth == "oauth":
        return load_oauth(settings, paths or AppPaths.default())
    if settings.auth != "service_account":
        raise CredentialsError(
            f'Unknown auth "{settings.auth}": set auth = "service_account" or "oauth" '
            "in the config file."
        )
    return load_service_account(Path(settings.credentials).expanduser())


def _permission_warning(path: Path) -> list[str]:
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        return [
            f"The credentials file {path} is readable by other users; restrict it with "
            f"`chmod 600 {path}`."
        ]
    return []


def _read_json(path: Path, what: str, hint: str) -> dict[str, Any]:
    if not path.exists():
        raise CredentialsError(f"{what} {path} not found. {hint}")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except PermissionError:
        raise CredentialsError(
            f"{what} {path} cannot be read (permission denied). Make it readable by your user "
            f"(`chmod 600 {path}` as its owner)."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CredentialsError(
            f"{what} {path} is not a readable JSON file ({type(exc).__name__}). {hint}"
        ) from None
    if not isinstance(info, dict):
        raise CredentialsError(f"{what} {path} does not hold a JSON object. {hint}")
    return info


def load_service_account(path: Path) -> LoadedCredentials:
    """Load and check a service-account key file (existence, JSON, kind, permissions)."""
    hint = (
        "Create a service-account key (Google Cloud console → IAM & Admin → Service accounts → "
        "Keys → Add key → JSON), save it there, or point `credentials` "
        "(OKR_TUI_CREDENTIALS) at it."
    )
    info = _read_json(path, "Google credentials file", hint)
    kind = info.get("type")
    if kind != "service_account":
        extra = (
            ' It looks like an OAuth client or user file: set auth = "oauth" and '
            "oauth_client_secret to use it."
            if kind == "authorized_user" or "installed" in info or "web" in info
            else ""
        )
        raise CredentialsError(
            f"{path} is not a service-account key (type: {kind or 'missing'}).{extra} {hint}"
        )
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise CredentialsError(
            f"The service-account key {path} lacks {', '.join(missing)}; download a new JSON "
            "key for the service account."
        )
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, GoogleAuthError) as exc:
        raise CredentialsError(
            f"The service-account key {path} cannot be used ({type(exc).__name__}); download a "
            "new JSON key for the service account."
        ) from None
    return LoadedCredentials(
        credentials=creds,
        identity=str(info["client_email"]),
        kind="service_account",
        warnings=_permission_warning(path),
    )


def oauth_token_path(paths: AppPaths) -> Path:
    return paths.config_dir / OAUTH_TOKEN_FILE


def _store_token(creds: UserCredentials, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(creds.to_json())
    os.chmod(path, 0o600)


def load_oauth(settings: Settings, paths: AppPaths) -> LoadedCredentials:
    """A person's OAuth credentials: the cached token (refreshed when expired), else gspread's
    client-secret flow in the browser; the token is then cached with mode 0600."""
    token_path = oauth_token_path(paths)
    creds: UserCredentials | None = None
    if token_path.exists():
        info = _read_json(token_path, "OAuth token file", f"Delete {token_path} to sign in again.")
        try:
            parsed = UserCredentials.from_authorized_user_info(info, scopes=SCOPES)
            # google-auth always uses Google's token endpoint; honour the file's token_uri
            creds = UserCredentials(
                token=parsed.token,
                refresh_token=parsed.refresh_token,
                token_uri=str(info.get("token_uri") or parsed.token_uri),
                client_id=parsed.client_id,
                client_secret=parsed.client_secret,
                scopes=SCOPES,
                expiry=parsed.expiry,
            )
        except ValueError:
            raise CredentialsError(
                f"The OAuth token file {token_path} is incomplete; delete it to sign in again."
            ) from None
        if not creds.valid and creds.refresh_token:
            try:
                creds.refresh(Request())
            except RefreshError:
                raise CredentialsError(
                    f"Google refused to refresh the OAuth sign-in; delete {token_path} and "
                    "sign in again."
                ) from None
            _store_token(creds, token_path)
        elif not creds.valid:
            creds = None
    if creds is None:
        creds = _run_flow(settings, token_path)
    return LoadedCredentials(creds, OAUTH_IDENTITY, "oauth", [])


def _run_flow(settings: Settings, token_path: Path) -> UserCredentials:
    from gspread.auth import local_server_flow

    if settings.oauth_client_secret is None:
        raise CredentialsError(
            'auth = "oauth" needs oauth_client_secret: download an OAuth client ID of type '
            '"Desktop app" (Google Cloud console → APIs & Services → Credentials) and set '
            "oauth_client_secret to its path."
        )
    secret = Path(settings.oauth_client_secret).expanduser()
    client_config = _read_json(
        secret,
        "OAuth client-secret file",
        'Download an OAuth client ID of type "Desktop app" and set oauth_client_secret.',
    )
    if "installed" not in client_config and "web" not in client_config:
        raise CredentialsError(
            f"{secret} is not an OAuth client-secret file (no 'installed' section); download "
            'an OAuth client ID of type "Desktop app".'
        )
    try:
        creds = local_server_flow(client_config, SCOPES)
    except (GoogleAuthError, ValueError, OSError) as exc:
        raise CredentialsError(
            f"The OAuth sign-in did not complete ({type(exc).__name__}); try again."
        ) from None
    _store_token(creds, token_path)
    return creds

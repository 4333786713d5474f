"""Typed settings (SPEC §7). The loader/saver lives in :mod:`okr_tui.config`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LEGACY_TEMPLATE = (
    "{base}/{scope}/{metric}/VO/DATE/{start_year}/{start_month}/{end_year}/{end_month}/"
    "{vo_group}/{job_selector}/JSON/"
)


def default_credentials() -> Path:
    """gspread's own default location of the service-account file."""
    return Path("~/.config/gspread/service_account.json").expanduser()


@dataclass(frozen=True)
class Settings:
    """Every setting of okr-tui, built once (config file + environment) and passed in."""

    accounting_url: str = "https://accounting.egi.eu"
    accounting_api: str = "auto"  # auto | dump | legacy
    accounting_url_template: str = DEFAULT_LEGACY_TEMPLATE
    accounting_selector: str = "infra"  # dump: infra | infra+local | local
    dump_max_age_hours: float = 12.0
    operations_url: str = "https://operations-portal.egi.eu/api/"
    operations_api_key: str | None = field(default=None, repr=False)  # secret
    auth: str = "service_account"  # service_account | oauth
    credentials: Path = field(default_factory=default_credentials)
    oauth_client_secret: Path | None = None
    spreadsheet: str | None = None  # key or URL
    sheets_api_url: str | None = None  # advanced: replaces the Google API hosts (tests)
    worksheet_cloud: str = "Accounting Cloud CPU/h"
    worksheet_htc: str = "Accounting HTC CPU/h"
    worksheet_users: str = "VOs statistics (certs)"
    worksheet_vos: str = "Num. of VOs created"
    vos_report: bool = False  # produce the VOs report with --report all
    concurrency: int = 8
    timeout: float = 30.0  # seconds, per request (read)
    connect_timeout: float = 10.0
    retries: int = 4
    retry_base_delay: float = 0.5  # seconds; doubled each retry
    retry_max_wait: float = 60.0  # cap on the total time spent waiting between retries
    verify_tls: bool = True
    excluded_vos: tuple[str, ...] = ()
    settling_days: int = 14
    theme: str = "okr-dark"
    # keys whose value comes from the environment (shown read-only in the settings screen)
    env_overridden: frozenset[str] = frozenset()
    # where the values came from, for messages ("config.toml" path)
    source_file: Path | None = None

    def worksheet(self, report: str) -> str:
        return {
            "cloud": self.worksheet_cloud,
            "htc": self.worksheet_htc,
            "users": self.worksheet_users,
            "vos": self.worksheet_vos,
        }[report]

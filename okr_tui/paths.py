"""Where okr-tui keeps its files (platformdirs; XDG_* respected on Linux)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "okr-tui"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    cache_dir: Path
    data_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME)),
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def push_log(self) -> Path:
        return self.data_dir / "push-log.jsonl"

    @property
    def demo_workbook(self) -> Path:
        return self.data_dir / "demo" / "OKR_Reports-demo.xlsx"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "okr-tui.log"

"""The append-only push log (JSON lines in the user data dir, SPEC §6)."""

from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import asdict, dataclass, field
from typing import Any

from okr_tui.paths import AppPaths


@dataclass(frozen=True)
class PushRecord:
    """One line of the push log: a push or an undo."""

    time: str  # ISO 8601, UTC
    action: str  # "push" | "undo"
    user: str  # OS user@host
    identity: str  # Google identity (service-account e-mail / OAuth user) or the OS user
    spreadsheet: str  # spreadsheet title or workbook file name
    location: str  # spreadsheet URL or file path
    worksheets: list[str] = field(default_factory=list)
    cells_changed: int = 0
    verification: str = "ok"  # "ok" or "failed: <what differs>"
    period: str = ""
    backup: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PushRecord:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def os_user() -> str:
    """``user@host`` of the person running okr-tui."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def append(paths: AppPaths, record: PushRecord) -> None:
    """Append one JSON line (the file is created with mode 0600)."""
    paths.push_log.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(record), ensure_ascii=False) + "\n"
    fd = os.open(paths.push_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line)


def records(paths: AppPaths) -> list[PushRecord]:
    """Every readable record, oldest first (damaged lines are skipped)."""
    try:
        lines = paths.push_log.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out: list[PushRecord] = []
    for line in lines:
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            try:
                out.append(PushRecord.from_json(data))
            except TypeError:
                continue
    return out

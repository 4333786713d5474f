"""Backups of the worksheets a push changes (SPEC §6): the grids before and after (values,
formulas, notes), the report (JSON + provenance) and what the push was, one directory each under
``paths.backups_dir/<UTC timestamp>-<n>/``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from okr_tui.core.grid import Cell, Grid
from okr_tui.paths import AppPaths

BEFORE = "before.json"
AFTER = "after.json"
REPORT = "report.json"
META = "meta.json"
UNDONE = "undone.json"


def grid_to_json(grid: Grid) -> dict[str, Any]:
    """A grid as JSON: each cell ``[value, formula, note]`` or ``null`` when blank."""

    def cell(c: Cell) -> list[Any] | None:
        if c.value in (None, "") and c.formula is None and c.note is None:
            return None
        return [c.value, c.formula, c.note]

    return {
        "title": grid.title,
        "sheet_id": grid.sheet_id,
        "row_count": grid.row_count,
        "col_count": grid.col_count,
        "rows": [[cell(c) for c in row] for row in grid.rows],
    }


def grid_from_json(data: dict[str, Any]) -> Grid:
    """The inverse of :func:`grid_to_json`."""
    rows = [
        [Cell() if c is None else Cell(value=c[0], formula=c[1], note=c[2]) for c in row]
        for row in data.get("rows", [])
    ]
    return Grid(
        str(data["title"]),
        rows,
        sheet_id=data.get("sheet_id"),
        row_count=data.get("row_count"),
        col_count=data.get("col_count"),
    )


@dataclass
class Backup:
    """One push's backup directory, loaded."""

    path: Path
    meta: dict[str, Any]
    before: dict[str, Grid]  # as read before the push; a worksheet the push created: no rows
    after: dict[str, Grid]  # the targets the push wrote
    undone: bool = False

    @property
    def worksheets(self) -> list[str]:
        return list(self.before)

    @property
    def location(self) -> str:
        return str(self.meta.get("location", ""))

    @property
    def created(self) -> list[str]:
        return list(self.meta.get("created", []))


@dataclass
class BackupInput:
    """What a push hands over to be saved before it writes."""

    before: dict[str, Grid | None]
    after: dict[str, Grid]
    report: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def save_backup(paths: AppPaths, now: datetime, data: BackupInput) -> Path:
    """Write a new backup directory and return it (files written before the push writes)."""
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    paths.backups_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    n = 1
    while (paths.backups_dir / f"{stamp}-{n:03d}").exists():
        n += 1
    directory = paths.backups_dir / f"{stamp}-{n:03d}"
    directory.mkdir(mode=0o700)
    created = [name for name, g in data.before.items() if g is None]
    before = {
        name: grid_to_json(g if g is not None else Grid(name)) for name, g in data.before.items()
    }
    _write_json(directory / BEFORE, before)
    _write_json(directory / AFTER, {name: grid_to_json(g) for name, g in data.after.items()})
    _write_json(directory / REPORT, data.report)
    _write_json(directory / META, {**data.meta, "created": created, "time": now.isoformat()})
    return directory


def load_backup(directory: Path) -> Backup:
    """Read a backup directory (raises OSError / ValueError when it is damaged)."""
    before = json.loads((directory / BEFORE).read_text(encoding="utf-8"))
    after = json.loads((directory / AFTER).read_text(encoding="utf-8"))
    meta = json.loads((directory / META).read_text(encoding="utf-8"))
    return Backup(
        path=directory,
        meta=meta,
        before={k: grid_from_json(v) for k, v in before.items()},
        after={k: grid_from_json(v) for k, v in after.items()},
        undone=(directory / UNDONE).exists(),
    )


def latest_backup(paths: AppPaths, location: str) -> Backup | None:
    """The newest backup of a push to ``location`` that has not been undone."""
    if not paths.backups_dir.is_dir():
        return None
    for directory in sorted(paths.backups_dir.iterdir(), reverse=True):
        if not (directory / META).is_file() or (directory / UNDONE).exists():
            continue
        try:
            backup = load_backup(directory)
        except (OSError, ValueError, KeyError):
            continue
        if backup.location == location and backup.meta.get("applied", False):
            return backup
    return None


def mark(directory: Path, name: str, data: dict[str, Any]) -> None:
    """Add a marker file to a backup (``undone.json``, or update meta after the push)."""
    if name == META:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        meta.update(data)
        data = meta
    _write_json(directory / name, data)

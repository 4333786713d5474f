"""``okr-tui fetch --demo`` end to end: in-process through ``okr_tui.cli.main`` and once as a
subprocess. Expected numbers come from the issue text and the raw demo files, not the code."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from okr_tui.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, main
from okr_tui.demo import DEMO_DATA

ARGS = ["fetch", "--demo", "--period", "2024-10..2024-12", "--report", "all"]
MONTHS = ["2024-10", "2024-11", "2024-12"]


def _vo_list() -> dict[str, dict]:
    raw = json.loads((DEMO_DATA / "operations" / "vo-list.json").read_text())
    return {v["name"]: v for v in raw["data"]}


def _vo_users() -> dict[str, list[dict]]:
    raw = json.loads((DEMO_DATA / "operations" / "vo-users.json").read_text())
    groups = raw["vo"] if isinstance(raw["vo"], list) else [raw["vo"]]
    return {g["name"]: g.get("users", []) for g in groups}


def _half_up(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def run(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main([*ARGS, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def check_demo_json(data: dict) -> None:
    assert list(data)[:4] == ["period", "cloud", "htc", "users"]
    assert data["period"] == {"start": "2024-10", "end": "2024-12", "label": "2024.10-12"}
    cloud = data["cloud"]
    # the real recorded cloud response, every VO production (issue 2 "Done when")
    assert cloud["total_cpu_hours"] == 15_315_512
    assert len(cloud["vos_with_accounting"]) == 67
    names = [v["vo"] for v in cloud["vos_with_accounting"]]
    assert names == sorted(names, key=str.casefold)
    assert "alice" in names and "ALICE" not in names  # portal spelling
    for scope in ("cloud", "htc"):
        block = data[scope]
        assert isinstance(block["total_cpu_hours"], int) and block["total_cpu_hours"] > 0
        for v in block["vos_with_accounting"]:
            assert v["cpu_hours"] == _half_up(sum(v["months"].values())) >= 1
            assert set(v["months"]) <= set(MONTHS)
        listed = {v["vo"].casefold() for v in block["vos_with_accounting"]}
        assert not listed & {n.casefold() for n in block["vos_without_accounting"]}
    # users: every production VO, numbers as in the raw portal files
    vo_list, series = _vo_list(), _vo_users()
    rows = {r["vo"]: r for r in data["users"]["vos"]}
    assert set(rows) == set(vo_list)
    nulls = 0
    for name, row in rows.items():
        assert row["registered"] == int(float(vo_list[name]["members"]))
        assert row["total"] == int(float(vo_list[name]["membersTotal"]))
        in_period = [u for u in series.get(name, []) if u["month"] in MONTHS]
        expected = (
            int(float(max(in_period, key=lambda u: u["month"])["total"])) if in_period else None
        )
        assert row["users"] == expected
        nulls += expected is None
    assert nulls > 0  # some demo VOs have no users: null, never 0
    assert data["missing"] == []
    assert data["sources"] and all(s["url"] and s["fetched_at"] for s in data["sources"])


def test_fetch_demo_json_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--format", "json")
    assert code == EXIT_OK
    check_demo_json(json.loads(out))


def test_fetch_demo_json_subprocess(tmp_path: Path) -> None:
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "okr_tui", *ARGS, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == EXIT_OK, proc.stderr
    check_demo_json(json.loads(proc.stdout))  # stdout is only JSON
    assert "Traceback" not in proc.stderr


def test_fetch_demo_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == EXIT_OK
    assert "Cloud CPU/h 2024.10-12" in out and "HTC CPU/h 2024.10-12" in out
    assert "15,315,512" in out and "Sources" in out and "alice" in out
    code, out, _ = run(capsys, "--format", "csv")
    assert code == EXIT_OK
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "report",
        "vo",
        "cpu_hours",
        "users",
        "registered",
        "total",
        "status",
        *MONTHS,
    ]
    assert rows[1][:3] == ["cloud", "TOTAL", "15315512"]
    assert sum(1 for r in rows if r[0] == "cloud" and r[6] == "with accounting") == 67


def test_fetch_selection_options(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "fetch",
            "--demo",
            "--period",
            "2024Q4",
            "--report",
            "cloud",
            "--vo",
            "ALICE",
            "--format",
            "json",
        ]
    )
    out, _ = capsys.readouterr()
    data = json.loads(out)
    assert code == EXIT_OK
    assert [v["vo"] for v in data["cloud"]["vos_with_accounting"]] == ["alice"]
    assert data["htc"] is None and data["users"] is None
    code = main(
        [
            "fetch",
            "--demo",
            "--period",
            "2024Q4",
            "--report",
            "cloud",
            "--exclude-vo",
            "alice",
            "--format",
            "json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert len(data["cloud"]["vos_with_accounting"]) == 66


@pytest.mark.parametrize("period", ["2024-13", "2024-12..2024-10", "2999Q1", "soon"])
def test_fetch_bad_period_is_usage_error(capsys: pytest.CaptureFixture[str], period: str) -> None:
    code = main(["fetch", "--demo", "--period", period, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == EXIT_USAGE
    assert out == "" and "period" in err and "Traceback" not in err


def test_fetch_bad_config_is_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TUI_CONCURRENCY", "-3")
    code = main(["fetch", "--demo", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == EXIT_ERROR
    assert out == "" and "concurrency" in err.lower() and "Traceback" not in err

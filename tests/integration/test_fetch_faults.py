"""The fault matrix of issue 2 item 8: ``okr-tui fetch`` against the fake Accounting and
Operations Portal servers (real HTTP on 127.0.0.1) with one fault injected per case.

Every case asserts the exit code, that stderr names the source/URL (or VO) and the cause, that
missing data is null (never 0), and that the API key appears nowhere: stdout, stderr, the log,
every file under HOME (config, cache, logs) and every logged exception text."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from okr_tui.cli import EXIT_ERROR, EXIT_MISSING, EXIT_OK, main
from okr_tui.demo import DEMO_DATA
from tests.fakes.portals import FakePortals, Fault, refuse_connections

SECRET = "test-SECRET-key-7f3a9c"
CLOUD = "/cloud/"
HTC = "/egi/"
VO_LIST = "/api/vo-list"
VO_USERS = "/api/egi-reports/vo-users"
CLOUD_FILE = (
    DEMO_DATA
    / "accounting"
    / "cloud_sum_elap_processors_VO_DATE_2024-10_2024-12_egi_onlyinfrajobs.json"
)
CLOUD_TOTAL = 15_315_512  # issue 2: the real recorded response, all its VOs selected
CLOUD_VOS = 67


def cloud_rows() -> list[dict[str, Any]]:
    return json.loads(CLOUD_FILE.read_text())


def without_total() -> list[dict[str, Any]]:
    return [r for r in cloud_rows() if r["id"] != "Total"]


def non_numeric() -> list[dict[str, Any]]:
    rows = cloud_rows()
    rows[0] = {**rows[0], "2024-11": "n/a"}  # ALICE
    return rows


def duplicated(conflict: bool) -> list[dict[str, Any]]:
    rows = cloud_rows()
    dup = dict(rows[0])
    if conflict:
        dup["2024-10"] = dup["2024-10"] + 1000
    return [rows[0], dup, *rows[1:]]


@dataclass
class Case:
    """One fault: what to inject, the exit code, the parts that must be null, and the words
    stderr must contain (``{acc}``/``{ops}`` stand for the fake's host:port)."""

    faults: dict[str, Fault] = field(default_factory=dict)
    exit: int = EXIT_MISSING
    null: tuple[str, ...] = ()
    stderr: tuple[str, ...] = ()
    refuse: tuple[str, ...] = ()  # "accounting" / "operations": point at a closed port
    fake_key: str = SECRET  # the key the fake portal accepts
    refuse_bulk: bool = False
    check: Callable[[dict[str, Any]], None] | None = None


def all_users_null(data: dict[str, Any]) -> None:
    rows = data["users"]["vos"]
    assert rows and all(r["users"] is None for r in rows)
    assert all(isinstance(r["registered"], int) for r in rows)  # vo-list still answered
    assert {m["vo"] for m in data["missing"] if m["scope"] == "users"} >= {rows[0]["vo"]}


def cloud_complete(data: dict[str, Any]) -> None:
    assert data["cloud"]["total_cpu_hours"] == CLOUD_TOTAL
    assert len(data["cloud"]["vos_with_accounting"]) == CLOUD_VOS


def alice_missing(data: dict[str, Any]) -> None:
    cloud = data["cloud"]
    assert "alice" not in [v["vo"] for v in cloud["vos_with_accounting"]]
    assert "alice" not in cloud["vos_without_accounting"]
    assert len(cloud["vos_with_accounting"]) == CLOUD_VOS - 1
    assert cloud["total_cpu_hours"] < CLOUD_TOTAL
    assert any(m["scope"] == "cloud" and m["vo"] in ("ALICE", "alice") for m in data["missing"])


def no_users_is_null(data: dict[str, Any]) -> None:
    raw = json.loads((DEMO_DATA / "operations" / "vo-users.json").read_text())["vo"]
    empty = {g["name"] for g in raw if not g.get("users")}
    rows = {r["vo"]: r for r in data["users"]["vos"]}
    assert empty and all(rows[n]["users"] is None for n in empty if n in rows)
    assert data["missing"] == []


CASES: dict[str, Case] = {
    "http-401-wrong-key": Case(
        fake_key="another-key", null=("users",), stderr=("{ops}", "vo-list", "401")
    ),
    "http-401-accounting": Case(
        faults={CLOUD: Fault(status=401, json={"error": "Unauthorized"})},
        null=("cloud",), stderr=("{acc}", "cloud", "401"),
    ),
    "http-403": Case(
        faults={VO_LIST: Fault(status=403, json={"error": "Forbidden"})},
        null=("users",), stderr=("{ops}", "vo-list", "403"),
    ),
    "http-404": Case(
        faults={HTC: Fault(status=404, body="not here", content_type="text/plain")},
        null=("htc",), stderr=("{acc}", "htc", "404"),
    ),
    "http-429": Case(
        faults={CLOUD: Fault(status=429, retry_after="0", json={"error": "slow down"})},
        null=("cloud",), stderr=("{acc}", "cloud", "429"),
    ),
    "http-500-users": Case(
        faults={VO_USERS: Fault(status=500, json={"error": "boom"})},
        stderr=("{ops}", "vo-users", "500"), check=all_users_null,
    ),
    "http-502-html": Case(
        faults={HTC: Fault.html(502)}, null=("htc",), stderr=("{acc}", "htc", "502"),
    ),
    "http-500-once-retried": Case(
        faults={CLOUD: Fault(status=500, times=1)}, exit=EXIT_OK, check=cloud_complete
    ),
    "timeout": Case(
        faults={VO_LIST: Fault(delay=1.5)}, null=("users",), stderr=("{ops}", "vo-list", "tim"),
    ),
    "connection-refused": Case(
        refuse=("accounting",), null=("cloud", "htc"), stderr=("{acc}", "refused"),
    ),
    "everything-refused": Case(
        refuse=("accounting", "operations"), exit=EXIT_ERROR,
        null=("cloud", "htc", "users"), stderr=("{acc}", "{ops}", "refused", "nothing"),
    ),
    "invalid-json": Case(
        faults={HTC: Fault.invalid_json()}, null=("htc",), stderr=("{acc}", "htc", "JSON"),
    ),
    "wrong-shape": Case(
        faults={VO_LIST: Fault(json={"items": []})},
        null=("users",), stderr=("{ops}", "vo-list", "data"),
    ),
    "accounting-object": Case(
        faults={CLOUD: Fault(json={"rows": []})}, null=("cloud",), stderr=("{acc}", "list"),
    ),
    "missing-total-row": Case(
        faults={CLOUD: Fault(json=without_total())}, exit=EXIT_OK,
        stderr=("no Total row",), check=cloud_complete,
    ),
    "non-numeric-cell": Case(
        faults={CLOUD: Fault(json=non_numeric())},
        stderr=("{acc}", "ALICE", "non-numeric"), check=alice_missing,
    ),
    "empty-list": Case(
        faults={HTC: Fault(json=[])}, null=("htc",), stderr=("{acc}", "htc", "empty"),
    ),
    "missing-users-key": Case(refuse_bulk=True, exit=EXIT_OK, check=no_users_is_null),
    "duplicated-vo-row": Case(
        faults={CLOUD: Fault(json=duplicated(conflict=False))}, exit=EXIT_OK,
        stderr=("ALICE", "duplicated"), check=cloud_complete,
    ),
    "duplicated-vo-row-conflict": Case(
        faults={CLOUD: Fault(json=duplicated(conflict=True))},
        stderr=("{acc}", "ALICE", "different rows"), check=alice_missing,
    ),
    "redirect-chain": Case(
        faults={CLOUD: Fault(redirects=3), VO_LIST: Fault(redirects=2)},
        exit=EXIT_OK, check=cloud_complete,
    ),
    "redirect-loop": Case(
        faults={CLOUD: Fault(redirects=40)}, null=("cloud",),
        stderr=("{acc}", "cloud", "redirect"),
    ),
}  # fmt: skip


def _scan_for_secret(home: Path, *texts: str) -> None:
    for text in texts:
        assert SECRET not in text
    for file in home.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), f"API key found in {file}"


@pytest.mark.parametrize("name", list(CASES))
def test_fault(
    name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    isolated_env: Path,
) -> None:
    case = CASES[name]
    caplog.set_level(logging.INFO)
    with (
        FakePortals(api_key=case.fake_key, refuse_bulk=case.refuse_bulk) as fake,
        refuse_connections() as closed,
    ):
        for prefix, fault in case.faults.items():
            fake.set_fault(prefix, fault)
        acc_url = closed if "accounting" in case.refuse else fake.accounting_url
        ops_url = closed + "/api/" if "operations" in case.refuse else fake.operations_url
        for var, value in {
            "OKR_TUI_ACCOUNTING_URL": acc_url,
            "OKR_TUI_OPERATIONS_URL": ops_url,
            "OKR_TUI_OPERATIONS_API_KEY": SECRET,
            "OKR_TUI_ACCOUNTING_API": "legacy",
            "OKR_TUI_RETRIES": "1",
            "OKR_TUI_CONCURRENCY": "16",
            "OKR_TUI_RETRY_BASE_DELAY": "0.001",
            "OKR_TUI_RETRY_MAX_WAIT": "0.05",
            "OKR_TUI_TIMEOUT": "0.3",
            "OKR_TUI_CONNECT_TIMEOUT": "0.3",
        }.items():
            monkeypatch.setenv(var, value)
        code = main(
            ["fetch", "--period", "2024-10..2024-12", "--report", "all", "--format", "json"]
        )
        out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == case.exit, err
    assert "Traceback" not in err
    hosts = {"{acc}": acc_url.split("//")[1], "{ops}": ops_url.split("//")[1].split("/")[0]}
    for word in case.stderr:
        assert hosts.get(word, word).lower() in err.lower(), f"{word!r} not in stderr:\n{err}"
    for part in case.null:
        assert data[part] is None
    for part in {"cloud", "htc", "users"} - set(case.null):
        assert data[part] is not None
    if case.exit != EXIT_OK:
        assert data["missing"], "a failure must be listed under missing"
        assert all(m["reason"] for m in data["missing"])
    if case.check:
        case.check(data)
    _scan_for_secret(isolated_env, out, err, caplog.text)

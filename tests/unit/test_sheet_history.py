"""The sheet's previous period rows: the CPU worksheets' VO lists and the users column."""

from __future__ import annotations

import pytest

from okr_tui.core.periods import Period
from okr_tui.services.context import AppContext
from okr_tui.services.sheet_history import (
    PreviousRow,
    cpu_previous_row,
    cpu_vos_by_period,
    sheet_history,
    sheet_previous,
)
from tests.unit.memory_backend import MemoryBackend
from tests.unit.plan_factory import grid

CLOUD, HTC, USERS = "Accounting Cloud CPU/h", "Accounting HTC CPU/h", "VOs statistics (certs)"
# the columns in another order than the legacy one: found by header text
CPU_H = ["Period", "VOs with accounting", "Total CPU/h", "Num. of VOs with accounting",
         "Num. of VOs without accounting", "VOs without accounting", "VOs changes"]  # fmt: skip
Q4 = Period.of("2024-10", "2024-12")


@pytest.fixture
def ctx(fast_settings, app_paths, frozen_clock):
    return AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock)


def cloud():
    return grid(CLOUD, [
        CPU_H,
        ["2024.01-03", "a.eu, b.eu", 5, 2, 0, "-", "-"],
        ["2024.07-09", "ALICE, ops", 10, 2, 1, "x.eu", "APPEARED: ops\nDISAPPEARED: -"],
        ["2025.01-03", "-", 0, 0, 0, "-", "-"],
    ])  # fmt: skip


def users():
    return grid(USERS, [["VO", "2024.04-06", "2024.07-09", "Registered Users", "Total Users"],
                        ["alice", 3, 1, 2, 3], ["ops", 2, "", 5, 6]])  # fmt: skip


def test_cpu_vos_by_period_reads_the_lists_by_header():
    assert cpu_vos_by_period(cloud()) == {
        "2024.01-03": ["a.eu", "b.eu"],
        "2024.07-09": ["ALICE", "ops"],
        "2025.01-03": [],
    }


def test_previous_row_is_the_nearest_row_ending_before_the_period():
    assert cpu_previous_row(cloud(), Q4) == PreviousRow("2024.07-09", ["ALICE", "ops"])
    assert cpu_previous_row(cloud(), Period.of("2024-04", "2024-06")) == PreviousRow(
        "2024.01-03", ["a.eu", "b.eu"]
    )
    assert cpu_previous_row(cloud(), Period.of("2025-04", "2025-04")).vos == []
    assert cpu_previous_row(cloud(), Period.of("2024-01", "2024-03")) is None
    assert cpu_previous_row(None, Q4) is None


def test_sheet_previous_one_read_for_users_and_cpu(ctx):
    backend = MemoryBackend({CLOUD: cloud(), USERS: users()})
    got = sheet_previous(ctx, backend, Q4, ["cloud", "htc"])
    assert backend.reads == 1
    assert got.cpu == {"cloud": PreviousRow("2024.07-09", ["ALICE", "ops"]), "htc": None}
    assert got.users_label == "2024.07-09"
    assert got.users == {"alice": 1, "ops": None}
    first = sheet_previous(ctx, backend, Period.of("2024-01", "2024-03"), ["cloud"])
    assert first.cpu == {"cloud": None} and first.users is None and first.users_label is None


def test_sheet_previous_without_users_worksheet(ctx):
    got = sheet_previous(ctx, MemoryBackend({CLOUD: cloud()}), Q4, [])
    assert got.users is None and got.cpu == {}


def test_sheet_history_keeps_the_vo_lists_per_period(ctx):
    history = sheet_history(ctx, MemoryBackend({CLOUD: cloud(), HTC: cloud()}))
    assert history.cpu_vos["htc"]["2024.07-09"] == ["ALICE", "ops"]
    assert history.cpu["cloud"] == {"2024.01-03": 5, "2024.07-09": 10, "2025.01-03": 0}
    assert history.previous_cpu_row("cloud", Q4) == PreviousRow("2024.07-09", ["ALICE", "ops"])
    assert history.previous_cpu_row("vos", Q4) is None

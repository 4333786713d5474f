"""The README stays true: the quick start matches CI and every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import tomlkit

from okr_tui.config_schema import SPECS, toml_default

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"(?ms)^## {re.escape(title)}\n(.*?)(?=^## )", README)
    assert match, title
    return match.group(1)


def test_quick_start_has_exactly_two_one_line_commands_and_ci_runs_the_test_one() -> None:
    blocks = re.findall(r"(?ms)^```sh\n(.*?)^```", section("Quick start"))
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == [
        "python3 -m pip install . && okr-tui --demo",
        'python3 -m pip install -e ".[test]" && python3 -m pytest -n 2 -q',
    ]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_command = next(line for line in ci.splitlines() if "pytest" in line)
    assert ci_command.replace(" -q -e", " -e") == commands[1]


def test_every_setting_is_in_the_configuration_table_with_its_default_and_env_var() -> None:
    text = section("Configuration")
    for name, spec in SPECS.items():
        row = re.search(rf"(?m)^\| `{name}` \|(.*)$", text)
        assert row, name
        default = toml_default(spec)
        shown = "not set" if default is None else f"`{tomlkit.item(default).as_string()}`"
        assert shown in row.group(1), name
        assert f"`{spec.env_var}`" in row.group(1), name

"""The core is pure (SPEC §9): no UI, HTTP, Google or spreadsheet library, not even indirectly."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import okr_tui.core

CORE = Path(okr_tui.core.__file__).parent
FORBIDDEN = ("textual", "httpx", "gspread", "openpyxl", "google")


def core_modules() -> list[str]:
    names = []
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(CORE.parent.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def is_forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def test_there_are_core_modules_to_check() -> None:
    modules = core_modules()
    assert "okr_tui.core.periods" in modules
    assert "okr_tui.core.models" in modules


def test_importing_the_core_loads_no_forbidden_library() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "okr_tui.core.periods" in loaded
    assert [m for m in loaded if is_forbidden(m)] == []


def forbidden_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if is_forbidden(a.name)]
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and is_forbidden(node.module or "")
        ):
            found.append(node.module or "")
    return found


def test_no_core_file_contains_a_forbidden_import_statement() -> None:
    offenders = {
        str(path.relative_to(CORE)): bad
        for path in sorted(CORE.rglob("*.py"))
        if (bad := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_statement_check_catches_lazy_and_aliased_imports() -> None:
    source = (
        "import os\n"
        "def f():\n"
        "    import httpx as h\n"
        "    from google.oauth2 import service_account\n"
        "    from textual.app import App\n"
        "from .models import vo_key\n"
        "import googleapiclient\n"
    )
    assert forbidden_imports(source) == ["httpx", "google.oauth2", "textual.app"]

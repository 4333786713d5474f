"""Take screenshots of every okr-tui screen from the real app in demo mode.

    python screenshots/make_screenshots.py [OUTPUT_DIR]

Runs the app headless (Textual Pilot, 140x45, frozen clock) in a throw-away HOME, walks
start → preview → drill-down → diff → confirm → result, then help, settings and onboarding, and
writes ``<screen>.svg`` (plus ``<screen>.png`` when cairosvg is installed) to OUTPUT_DIR
(default: this folder)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

SIZE = (140, 45)
NOW = datetime(2025, 2, 10, 9, 30, tzinfo=timezone.utc)
SCREENS = (
    "start",
    "preview",
    "drilldown",
    "diff",
    "confirm",
    "result",
    "help",
    "settings",
    "onboarding",
)


def _isolate(home: Path) -> None:
    os.environ["HOME"] = str(home)
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        os.environ[var] = str(home / sub)
    os.environ["TEXTUAL_ANIMATIONS"] = "none"
    for var in [v for v in os.environ if v.startswith("OKR_TUI_")]:
        del os.environ[var]


def _to_png(svg: Path) -> Path | None:
    try:
        import cairosvg
    except ImportError:
        return None
    png = svg.with_suffix(".png")
    cairosvg.svg2png(url=str(svg), write_to=str(png))
    return png


async def _take(out: Path) -> list[Path]:
    from okr_tui.core.clock import Clock
    from okr_tui.demo.workbook import ensure_demo_workbook
    from okr_tui.services.bootstrap import load_context
    from okr_tui.tui.app import OkrApp
    from okr_tui.tui.screens.onboarding import OnboardingScreen

    ctx = load_context(demo=True, clock=Clock.frozen(NOW))
    ensure_demo_workbook(ctx.paths, reset=True)
    app = OkrApp(ctx)
    saved: list[Path] = []

    async with app.run_test(size=SIZE) as pilot:

        async def settle() -> None:
            for _ in range(3):
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()

        def shot(name: str) -> None:
            svg = out / f"{name}.svg"
            app.save_screenshot(svg.name, str(out))
            saved.append(svg)
            print(f"{name:<11} {type(app.screen).__name__}")

        await settle()
        shot("start")
        await pilot.press("ctrl+r")
        await settle()
        shot("preview")
        preview = app.screen
        await pilot.press("enter")
        await settle()
        shot("drilldown")
        if app.screen is not preview:
            await pilot.press("escape")
            await settle()
        await pilot.press("d")
        await settle()
        shot("diff")
        diff = app.screen
        label = diff.plan.period_label  # type: ignore[attr-defined]
        await pilot.press("p", *label[:-1])
        await pilot.pause()
        shot("confirm")
        await pilot.press(label[-1], "enter")
        await settle()
        shot("result")
        await pilot.press("question_mark")
        await pilot.pause()
        shot("help")
        await pilot.press("escape")
        await pilot.press("f2")
        await settle()
        shot("settings")
        await pilot.press("escape")
        await pilot.pause()
        app.push_screen(OnboardingScreen())
        await pilot.pause()
        shot("onboarding")
    return saved


def main(argv: list[str]) -> int:
    """Write the screenshots; returns a process exit code."""
    out = Path(argv[0]).resolve() if argv else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.gettempdir()) / "okr-tui-demo"  # a stable path in the images
    shutil.rmtree(home, ignore_errors=True)
    try:
        _isolate(home)
        svgs = asyncio.run(_take(out))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    pngs = [p for p in (_to_png(svg) for svg in svgs) if p is not None]
    print(f"{len(svgs)} SVG and {len(pngs)} PNG files in {out}")
    if not pngs:
        print("PNG skipped: `pip install cairosvg` to render them.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

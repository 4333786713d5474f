"""Start screen: period validation, quick picks, VO list, exclusions, keyboard-only use."""

from __future__ import annotations

from okr_tui.tui.screens.preview import PreviewScreen
from okr_tui.tui.screens.start import StartScreen
from okr_tui.tui.widgets.vo_list import VoList
from tests.tui.conftest import SIZE


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_start_defaults_to_last_complete_quarter_and_lists_vos(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert app.screen.query_one("#period").value == "2024-10..2024-12"
        assert "2024.10-12" in _text(app, "#period-status")
        vos = app.screen.query_one(VoList)
        assert vos.row_count == services.n
        assert "6 of 6 VOs selected" in _text(app, "#vo-count")
        assert "sheet-key-123" in _text(app, "#target-info")


async def test_bad_period_shows_the_reason_and_blocks_preview(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        period = app.screen.query_one("#period")
        period.value = ""
        await pilot.press(*"2025-13")
        await pilot.pause()
        assert "between 01 and 12" in _text(app, "#period-status")
        period.value = "2025-06"
        await pilot.pause()
        assert "in the future" in _text(app, "#period-status")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        assert any("period" in n.message.lower() for n in app._notifications)
        assert services.selections == []


async def test_quick_pick_sets_the_period(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        app.screen.query_one("#quick-picks").focus()
        await pilot.press("down", "down", "down", "enter")  # third pick: last half-year
        await pilot.pause()
        assert app.screen.query_one("#period").value == "2024-07..2024-12"
        assert "2024.07-12" in _text(app, "#period-status")


async def test_filter_select_none_toggle_and_remembered_exclusions(app, services, ctx):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+f", *"vo001")
        await pilot.pause()
        vos = app.screen.query_one(VoList)
        assert [v.name for v in vos.shown] == ["vo001.example.eu"]
        await pilot.press("ctrl+n")  # none of the shown VOs
        await pilot.pause()
        assert "5 of 6 VOs selected" in _text(app, "#vo-count")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)
        await app.workers.wait_for_complete()
        sel = services.selections[-1]
        assert sel.exclude == ("vo001.example.eu",)
        assert "vo001.example.eu" not in sel.vos
        assert ctx.settings.excluded_vos == ("vo001.example.eu",)
        text = ctx.paths.config_file.read_text()
        assert "vo001.example.eu" in text


async def test_vo_list_down_is_a_warning_not_a_crash(app, services):
    services.fail_vo_list = "connection refused"
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "connection refused" in _text(app, "#vo-count")
        assert any("VO list unavailable" in (n.title or "") for n in app._notifications)
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)
        assert services.selections[-1].vos == ()  # every production VO


async def test_demo_quick_picks_are_relative_to_the_demo_quarter(ctx, services):
    from dataclasses import replace
    from datetime import datetime, timezone

    from okr_tui.core.clock import Clock
    from okr_tui.tui.app import OkrApp

    later = Clock.frozen(datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc))
    app = OkrApp(replace(ctx, demo=True, clock=later))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#period").value == "2024-10..2024-12"
        assert "as of 2025-01-15" in _text(app, "#quick-picks-title")
        picks = app.screen.query_one("#quick-picks")
        texts = [str(picks.get_option_at_index(i).prompt) for i in range(picks.option_count)]
        assert texts[0].startswith("last quarter") and "2024.10-12" in texts[0]
        assert "2025.01-01" in texts[1] and "(no demo data)" in texts[1]
        assert all("no demo data" not in t for t in texts[2:])
        picks.focus()
        await pilot.press("down", "down", "down", "down", "enter")  # last year
        await pilot.pause()
        assert app.screen.query_one("#period").value == "2024-01..2024-12"
        app.screen.query_one("#period").value = "2025-06"
        await pilot.pause()
        assert "demo data covers 2023-01..2024-12 only" in _text(app, "#period-status")


def test_demo_months_match_the_bundled_dump():
    import csv

    from okr_tui.demo import DEMO_DATA
    from okr_tui.tui.screens.start import DEMO_MONTHS

    with (DEMO_DATA / "dump" / "accounting.csv").open(newline="") as handle:
        months = {row["time"][:7] for row in csv.DictReader(handle)}
    assert (min(months), max(months)) == (str(DEMO_MONTHS.start), str(DEMO_MONTHS.end))


async def test_ctrl_l_reloads_the_vo_list_bypassing_the_cache(app, services):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+l")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert services.vo_list_refreshes == [False, True]


async def test_all_vos_ticked_is_every_production_vo_not_a_named_list(app, services, ctx):
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+r")
        await pilot.pause()
        await app.workers.wait_for_complete()
        sel = services.selections[-1]
        assert sel.vos == () and sel.exclude == ()
        assert sel.restriction(ctx.settings.excluded_vos) is None  # not a partial selection

"""fetch_vo_list: the production VO list alone (demo: the recorded list; errors raise)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from okr_tui.demo import DEMO_DATA
from okr_tui.services.context import AppContext
from okr_tui.services.fetching import fetch_vo_list
from okr_tui.sources.base import SourceError


async def test_demo_replays_the_recorded_vo_list(fast_settings, app_paths, frozen_clock):
    ctx = AppContext(settings=fast_settings, paths=app_paths, clock=frozen_clock, demo=True)
    recorded = json.loads((DEMO_DATA / "operations" / "vo-list.json").read_text())["data"]
    vos = await fetch_vo_list(ctx)
    assert {v.name for v in vos} == {r["name"] for r in recorded}


async def test_unreachable_portal_raises_a_source_error_without_the_key(
    fast_settings, app_paths, frozen_clock
):
    settings = replace(fast_settings, operations_url="http://127.0.0.1:9/api/")
    ctx = AppContext(settings=settings, paths=app_paths, clock=frozen_clock)
    with pytest.raises(SourceError) as exc:
        await fetch_vo_list(ctx, refresh=True)
    assert "127.0.0.1:9" in str(exc.value)
    assert settings.operations_api_key not in str(exc.value)


async def test_live_list_and_a_wrong_key_keeps_its_status(fast_settings, app_paths, frozen_clock):
    from tests.fakes.portals import FakePortals

    with FakePortals() as fake:
        settings = replace(fast_settings, operations_url=fake.operations_url)
        ctx = AppContext(settings=settings, paths=app_paths, clock=frozen_clock)
        assert "alice" in {v.name for v in await fetch_vo_list(ctx)}
        wrong = replace(settings, operations_api_key="not-the-key")
        ctx = AppContext(settings=wrong, paths=app_paths, clock=frozen_clock)
        with pytest.raises(SourceError) as exc:
            await fetch_vo_list(ctx, refresh=True)
    assert exc.value.status in (401, 403)
    text = str(exc.value)
    assert text.count("operations vo-list") == 1 and text.count(fake.operations_url) <= 1

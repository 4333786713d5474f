"""The real services in demo mode (recorded data, demo workbook): start → preview →
drill-down → diff, keyboard only."""

from __future__ import annotations

from okr_tui.services.bootstrap import load_context
from okr_tui.tui.app import OkrApp
from okr_tui.tui.screens.drilldown import DrillDownScreen
from okr_tui.tui.screens.preview import PreviewScreen
from okr_tui.tui.widgets.report_grid import ReportGrid
from tests.tui.conftest import SIZE

# SPEC §3.1: the recorded legacy response for cloud 2024-10..2024-12 (67 VOs) totals this.
CLOUD_TOTAL_2024Q4 = 15_315_512


async def _settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_demo_flow_keyboard_only(frozen_clock):
    app = OkrApp(load_context(demo=True, clock=frozen_clock))
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        assert app.screen.query_one("#period").value == "2024-10..2024-12"
        await pilot.press("enter")
        await _settle(app, pilot)
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        report = preview.report
        assert report is not None and report.cloud is not None
        assert report.cloud.total_hours == CLOUD_TOTAL_2024Q4
        assert len(report.cloud.with_accounting) == 67
        assert f"{CLOUD_TOTAL_2024Q4:,}" in str(preview.query_one("#summary").render())
        assert "users" in str(preview.query_one("#progress").render())
        grid = preview.query_one("#grid-cloud", ReportGrid)
        first = report.cloud.with_accounting[0]
        assert str(grid.get_cell_at((0, 0))) == first.vo
        total_col = grid.get_column_index("total")
        assert str(grid.get_cell_at((0, total_col))) == f"{first.cpu_hours:,}"
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, DrillDownScreen)
        assert first.vo in str(app.screen.query_one("#drill-title").render())
        assert "Acknowledgment" in str(app.screen.query_one("#card").render())
        await pilot.press("n")
        await _settle(app, pilot)
        assert report.cloud.with_accounting[1].vo in str(
            app.screen.query_one("#drill-title").render()
        )
        await pilot.press("escape", "d")
        await pilot.pause()
        from okr_tui.tui.screens.diff import DiffScreen

        assert isinstance(app.screen, DiffScreen)
        await _settle(app, pilot)
        app.screen.workers.cancel_all()

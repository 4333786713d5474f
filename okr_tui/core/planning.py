"""From a report and the worksheets as read to a plan: inserts + cell changes (SPEC §6). Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from okr_tui.core.grid import Cell, CellChange, Grid, Insert, Plan, WorksheetPlan
from okr_tui.core.layouts import cpu, users, vos
from okr_tui.core.layouts.common import LayoutResult, norm_header
from okr_tui.core.models import REPORT_KINDS, SCOPES, Report, vo_key

NOTE_PREFIX = "Last update on: "


def update_note(now: datetime) -> str:
    """The A1 note of a worksheet whose data changed: ``Last update on: DD-MM-YYYY HH:MM:SS``."""
    utc = now.astimezone(timezone.utc) if now.tzinfo else now
    return f"{NOTE_PREFIX}{utc:%d-%m-%Y %H:%M:%S}"


def layout(kind: str, base: Grid | None, report: Report, worksheet: str) -> LayoutResult:
    """Run the layout of one report kind ("cloud", "htc", "users", "vos")."""
    if kind in ("cloud", "htc"):
        return cpu.target_grid(base, report, kind, worksheet)  # type: ignore[arg-type]
    if kind == "users":
        return users.target_grid(base, report, worksheet)
    if kind == "vos":
        return vos.target_grid(base, report, worksheet)
    raise ValueError(f"unknown report kind {kind!r}; expected one of {', '.join(REPORT_KINDS)}")


def make_plan(
    grids: dict[str, Grid | None],
    report: Report,
    worksheets: dict[str, str],
    now: datetime,
    allow_partial: bool = False,
) -> Plan:
    """Plan the writes of ``report`` into the worksheets (report kind -> worksheet name) whose
    current grids are ``grids`` (``None``: the worksheet does not exist and will be created).

    Cells depending on missing data are left out; they block the plan (``Plan.blocked``)
    unless ``allow_partial``, then they are listed in ``Plan.left_out``. Blocking anomalies
    go to ``Plan.confirmations``. A report that changes nothing gives an empty plan."""
    plan = Plan(period_label=report.period.label)
    cpu_changed = False
    for kind, name in worksheets.items():
        base = grids.get(name)
        result = layout(kind, base, report, name)
        wp = diff_grids(name, base, result.target, result.inserts)
        wp.warnings = list(result.warnings)
        plan.warnings.extend(result.warnings)
        if result.missing:
            if allow_partial:
                wp.skipped = list(result.missing)
                plan.left_out.extend(result.missing)
            else:
                plan.blocked.extend(result.missing)
        if wp.changes:
            wp.note = update_note(now)
            _set_note(wp, wp.note)
            cpu_changed = cpu_changed or kind in SCOPES
        plan.worksheets.append(wp)
    kinds = set(worksheets)
    plan.confirmations = [
        f"{a.scope}{f' {a.vo}' if a.vo else ''}: {a.detail}"
        for a in report.anomalies
        if a.blocking and (a.scope in kinds or a.scope not in REPORT_KINDS)
    ]
    _partial_selection(plan, report, cpu_changed)
    return plan


def included_vos(report: Report) -> int:
    """How many VOs the report covers (CPU lists of both scopes and users rows, by key)."""
    keys: set[str] = set()
    for scope in SCOPES:
        cpu_report = report.cpu(scope)
        if cpu_report is not None:
            keys |= {vo_key(r.vo) for r in cpu_report.with_accounting}
            keys |= {vo_key(v) for v in cpu_report.without_accounting}
    if report.users is not None:
        keys |= {vo_key(r.vo) for r in report.users.rows}
    return len(keys)


def _partial_selection(plan: Plan, report: Report, cpu_changed: bool) -> None:
    """A report of some VOs only (``--vo`` / extra ``--exclude-vo``): warn, and when CPU rows
    would be written (totals and VO lists of the selected VOs only) ask for a confirmation."""
    note = report.selection_note
    if not note or plan.empty:
        return
    n = included_vos(report)
    vos = f"{n} VO{'s' if n != 1 else ''}"
    if cpu_changed:
        plan.warnings.append(
            f"partial selection ({note}): the CPU totals and VO lists written cover {vos} "
            "only, not every production VO"
        )
        plan.confirmations.append(
            f"partial selection: write CPU totals and VO lists of {vos} only ({note})"
        )
    else:
        plan.warnings.append(f"partial selection ({note}): only the rows of {vos} are updated")


def diff_grids(
    worksheet: str, base: Grid | None, target: Grid, inserts: list[Insert]
) -> WorksheetPlan:
    """The worksheet plan turning ``base`` into ``target`` through ``inserts`` + cell writes.
    For a worksheet to create (``base`` is None) every non-empty target cell is added."""
    create = base is None
    shifted = Grid(worksheet) if base is None else base.copy()
    if create:
        inserts = []
    new_rows: set[int] = set()
    new_cols: set[int] = set()
    for ins in inserts:
        if ins.dimension == "ROWS":
            shifted.insert_row(ins.index, ins.count)
            new_rows = {r + ins.count if r >= ins.index else r for r in new_rows}
            new_rows |= set(range(ins.index, ins.index + ins.count))
        else:
            shifted.insert_col(ins.index, ins.count)
            new_cols = {c + ins.count if c >= ins.index else c for c in new_cols}
            new_cols |= set(range(ins.index, ins.index + ins.count))
    key_col = _key_column(target)
    header = target.header()
    changes: list[CellChange] = []
    for r in range(max(target.n_rows, shifted.n_rows)):
        width = max(len(target.rows[r]) if r < target.n_rows else 0, shifted.n_cols)
        for c in range(width):
            new, old = target.get(r, c), shifted.get(r, c)
            if new.same_content(old):
                continue
            fresh = create or r in new_rows or c in new_cols
            changes.append(
                CellChange(
                    row=r,
                    col=c,
                    old=None if fresh else old,
                    new=new,
                    kind="added" if fresh or old.is_empty else "changed",
                    field=header[c] if c < len(header) and r > 0 else "header",
                    key=target.get(r, key_col).text() if r > 0 else "header",
                )
            )
    base_grid = base if base is not None else Grid(worksheet)
    return WorksheetPlan(
        worksheet=worksheet,
        base=base_grid,
        target=target,
        inserts=list(inserts),
        changes=changes,
        create=create,
    )


def _key_column(grid: Grid) -> int:
    """The column naming each row: "Period" or "VO" by header, else column A."""
    for c, text in enumerate(grid.header()):
        if norm_header(text) in ("period", "vo"):
            return c
    return 0


def _set_note(wp: WorksheetPlan, note: str) -> None:
    """Put the A1 note into the target (and into a change of A1, when there is one)."""
    a1 = wp.target.get(0, 0)
    wp.target.set(0, 0, Cell(value=a1.value, formula=a1.formula, note=note))
    wp.changes = [
        replace(ch, new=replace(ch.new, note=note)) if (ch.row, ch.col) == (0, 0) else ch
        for ch in wp.changes
    ]

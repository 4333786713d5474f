"""Anomalies flagged in the preview (SPEC §4). Pure."""

from __future__ import annotations

from okr_tui.core.models import SCOPES, Anomaly, CpuReport, Report, round_half_up, vo_key

CHANGE_LIMIT = 0.5  # ±50 % vs the previous period
SCALE_LIMIT = 10.0  # a scope total changing more than 10× blocks the push


def _cpu_anomalies(cpu: CpuReport) -> list[Anomaly]:
    scope = cpu.scope
    out: list[Anomaly] = []
    if cpu.inconsistent:
        out.append(Anomaly(scope, None, "total-mismatch", cpu.portal_check or ""))
    if cpu.previous is None or cpu.failed:
        return out
    if any(m.vo is None for m in cpu.missing):
        return out  # whole months are missing: per-VO comparisons would be wrong
    prev_label = cpu.previous_period.label if cpu.previous_period else "the previous period"
    missing_vos = {vo_key(m.vo) for m in cpu.missing if m.vo is not None}
    for row in cpu.with_accounting:
        before = cpu.previous.get(vo_key(row.vo))
        if before is None or round_half_up(before) < 1:
            continue
        change = (row.hours - before) / before
        if abs(change) > CHANGE_LIMIT:
            out.append(
                Anomaly(
                    scope,
                    row.vo,
                    "change",
                    f"{row.cpu_hours:,} CPU/h vs {round_half_up(before):,} in {prev_label} "
                    f"({change:+.0%})",
                )
            )
    without = {vo_key(v): v for v in cpu.without_accounting}
    for key, before in sorted(cpu.previous.items()):
        if key in without and key not in missing_vos and round_half_up(before) >= 1:
            out.append(
                Anomaly(
                    scope,
                    without[key],
                    "lost-accounting",
                    f"had {round_half_up(before):,} CPU/h in {prev_label}, none now",
                )
            )
    if cpu.missing:
        return out  # an incomplete total says nothing about its scale
    prev_total = round_half_up(sum(cpu.previous.values()))
    now = cpu.total_hours
    if prev_total >= 1 and (
        now == 0 or now > SCALE_LIMIT * prev_total or now * SCALE_LIMIT < prev_total
    ):
        factor = f"{now / prev_total:.3g}×" if now else "to zero"
        out.append(
            Anomaly(
                scope,
                None,
                "scale",
                f"total {now:,} CPU/h vs {prev_total:,} in {prev_label} (changed {factor}); "
                "a unit error after a portal change? confirm before pushing",
                blocking=True,
            )
        )
    return out


def find_anomalies(report: Report) -> list[Anomaly]:
    """±50 % VO changes, lost accounting, totals inconsistent with the portal, users without
    accounting in either scope, and (blocking) a scope total changing more than 10×."""
    out: list[Anomaly] = []
    for scope in SCOPES:
        cpu = report.cpu(scope)
        if cpu is not None:
            out += _cpu_anomalies(cpu)
    cpus = [report.cloud, report.htc]
    if report.users is not None and all(c is not None and not c.failed for c in cpus):
        accounted = {vo_key(v.vo) for c in cpus if c for v in c.with_accounting}
        unknown = {vo_key(m.vo) for c in cpus if c for m in c.missing if m.vo is not None}
        for row in report.users.rows:
            key = vo_key(row.vo)
            if row.users and key not in accounted and key not in unknown:
                out.append(
                    Anomaly(
                        "users",
                        row.vo,
                        "users-no-accounting",
                        f"{row.users:,} users in {report.period.label} but no Cloud or HTC "
                        "accounting",
                    )
                )
    return out

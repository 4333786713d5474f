"""The report as the JSON object and CSV rows of ``okr-tui fetch`` (SPEC §8). Pure.

JSON: ``period``, ``cloud``, ``htc``, ``users``, ``missing``, ``anomalies``, ``sources`` (plus
``vos`` when the VOs report was requested). A scope that was not requested or could not be
fetched at all is ``null``; a VO without users data has ``"users": null`` — never 0.

CSV columns (:data:`CSV_HEADER`, then one column per month of the period with CPU hours):
``report`` (cloud | htc | users | vos), ``vo`` (``TOTAL`` for a scope total), ``cpu_hours``,
``users``, ``registered``, ``total``, ``status`` (with accounting | without accounting |
non-production | missing: reason | ok | no data: reason). Empty cell = no data.
"""

from __future__ import annotations

from typing import Any

from okr_tui.core.models import CpuReport, Report, UsersReport, VosReport

CSV_HEADER = ["report", "vo", "cpu_hours", "users", "registered", "total", "status"]


def _cpu_json(cpu: CpuReport | None) -> dict[str, Any] | None:
    if cpu is None or cpu.failed:
        return None
    return {
        "total_cpu_hours": cpu.total_hours,
        "vos_with_accounting": [
            {"vo": v.vo, "cpu_hours": v.cpu_hours, "months": dict(v.months)}
            for v in cpu.with_accounting
        ],
        "vos_without_accounting": list(cpu.without_accounting),
    }


def _users_json(users: UsersReport | None) -> dict[str, Any] | None:
    if users is None or (not users.rows and users.missing):
        return None
    return {
        "vos": [
            {"vo": r.vo, "users": r.users, "registered": r.registered, "total": r.total}
            for r in users.rows
        ]
    }


def _vos_json(vos: VosReport) -> dict[str, Any]:
    return {
        "total": vos.total,
        "deleted": vos.deleted,
        "production": vos.production,
        "vos": list(vos.names),
    }


def report_to_json(report: Report, *, include_vos: bool = False) -> dict[str, Any]:
    """The SPEC §8 object. ``include_vos``: add the ``vos`` key (null when it failed)."""
    period = report.period
    out: dict[str, Any] = {
        "period": {"start": str(period.start), "end": str(period.end), "label": period.label},
        "cloud": _cpu_json(report.cloud),
        "htc": _cpu_json(report.htc),
        "users": _users_json(report.users),
    }
    if include_vos or report.vos is not None:
        out["vos"] = _vos_json(report.vos) if report.vos is not None else None
    out["missing"] = [m.to_json() for m in report.missing]
    out["anomalies"] = [a.to_json() for a in report.anomalies]
    out["sources"] = [s.to_json() for s in report.sources]
    return out


def _num(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.4f}".rstrip("0").rstrip(".")


def _cpu_rows(cpu: CpuReport, months: list[str]) -> list[list[str]]:
    scope = cpu.scope
    blank = [""] * len(months)
    if cpu.failed:
        reason = "; ".join(m.reason for m in cpu.missing)
        return [[scope, "TOTAL", "", "", "", "", f"missing: {reason}", *blank]]
    rows = [[scope, "TOTAL", str(cpu.total_hours), "", "", "", "total", *blank]]
    for v in cpu.with_accounting:
        monthly = [_num(v.months.get(m)) for m in months]
        rows.append([scope, v.vo, str(v.cpu_hours), "", "", "", "with accounting", *monthly])
    for name in cpu.without_accounting:
        rows.append([scope, name, "0", "", "", "", "without accounting", *blank])
    for v in cpu.non_production:
        if cpu.hours_of(v.vo) is None and v.vo not in cpu.without_accounting:
            monthly = [_num(v.months.get(m)) for m in months]
            rows.append([scope, v.vo, str(v.cpu_hours), "", "", "", "non-production", *monthly])
    for m in cpu.missing:
        rows.append([scope, m.vo or "", "", "", "", "", f"missing: {m.reason}", *blank])
    return rows


def report_csv_rows(report: Report) -> list[list[str]]:
    """Header + one row per scope/VO (see the module docstring for the columns)."""
    months = report.period.month_keys
    rows: list[list[str]] = [CSV_HEADER + months]
    blank = [""] * len(months)
    for cpu in (report.cloud, report.htc):
        if cpu is not None:
            rows += _cpu_rows(cpu, months)
    if report.users is not None:
        for r in report.users.rows:
            status = "ok" if r.users is not None else f"no data: {r.reason or 'unknown'}"
            rows.append(
                [
                    "users",
                    r.vo,
                    "",
                    _num(r.users),
                    _num(r.registered),
                    _num(r.total),
                    status,
                    *blank,
                ]
            )
        if not report.users.rows:
            for m in report.users.missing:
                rows.append(["users", m.vo or "", "", "", "", "", f"missing: {m.reason}", *blank])
    if report.vos is not None:
        v = report.vos
        status = f"total {v.total}, deleted {v.deleted}, production {v.production}"
        rows += [["vos", name, "", "", "", "", status, *blank] for name in v.names]
    return rows

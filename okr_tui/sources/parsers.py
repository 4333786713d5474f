"""Pure parsers of the portal responses (SPEC §3.1, §3.2), shared by live and replay sources.

Strict: a document of the wrong shape raises :class:`ParseError` with a specific message; a
problem confined to one VO is reported for that VO only. Nothing here does I/O."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from okr_tui.core.models import VoCard, VoInfo, VoStatusGroup
from okr_tui.core.periods import Period

CLOSING_IDS = frozenset({"Total", "Percent", "xlegend", "ylegend", "var"})
_MONTH = re.compile(r"\d{4}-\d{2}")
_INT_TEXT = re.compile(r"[+-]?\d+(\.0*)?")

UserSeries = dict[str, int]  # "YYYY-MM" -> users (total)


class ParseError(ValueError):
    """A response that does not have the documented shape; the message says what is wrong."""


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(
        type(value), type(value).__name__
    )


def to_count(value: Any, what: str) -> int:
    """A portal count (a string such as ``"12"`` or ``"0.0"``, or a number) as an int."""
    if isinstance(value, bool):
        raise ParseError(f"{what}: expected a count, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(float(value))
    raise ParseError(f"{what}: expected a whole number, got {value!r}")


# --- Operations Portal ------------------------------------------------------------------------
def parse_vo_list(doc: Any) -> list[VoInfo]:
    """``vo-list/json`` -> VoInfo list (``members`` registered, ``membersTotal`` total)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise ParseError(f'vo-list: expected an object with a "data" list, got {_kind(doc)}')
    out: list[VoInfo] = []
    for i, entry in enumerate(doc["data"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ParseError(f"vo-list: entry {i} has no VO name")
        name = entry["name"].strip()
        home = entry.get("homeUrl")
        out.append(
            VoInfo(
                name=name,
                status=str(entry.get("status") or "Production"),
                scope=str(entry.get("scope") or ""),
                home_url=home if isinstance(home, str) and home.strip() not in ("", "NA") else None,
                members=to_count(entry.get("members", 0), f"vo-list {name} members"),
                members_total=to_count(
                    entry.get("membersTotal", 0), f"vo-list {name} membersTotal"
                ),
                serial=str(entry.get("serial") or ""),
            )
        )
    return out


def _series(rows: Any, who: str) -> UserSeries:
    if not isinstance(rows, list):
        raise ParseError(f'{who}: "users" is {_kind(rows)}, expected a list of months')
    series: UserSeries = {}
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("month"), str):
            raise ParseError(f'{who}: a "users" row has no month')
        month = row["month"].strip()
        if not _MONTH.fullmatch(month):
            raise ParseError(f"{who}: month {month!r} is not YYYY-MM")
        if "total" not in row:
            raise ParseError(f"{who}: month {month} has no total")
        series[month] = to_count(row["total"], f"{who} {month} total")
    return series


def parse_vo_users(doc: Any, vo: str = "") -> UserSeries | None:
    """One VO's ``egi-reports/vo-users`` answer -> month -> users; None when it has no data
    (no ``users`` key). Months arrive newest first; the whole series is kept."""
    who = f"vo-users {vo}".strip()
    if not isinstance(doc, dict):
        raise ParseError(f"{who}: expected an object, got {_kind(doc)}")
    if "users" not in doc:
        return None
    return _series(doc["users"], who)


def users_in_period(series: UserSeries | None, period: Period) -> int | None:
    """Users in the period: the total of the newest month inside it (None: no such month)."""
    if not series:
        return None
    inside = [m for m in series if m in period.month_keys]
    return series[max(inside)] if inside else None


@dataclass
class BulkUsers:
    """Outcome of the bulk vo-users form: ``users`` when accepted, else why it was refused."""

    users: dict[str, UserSeries | None] | None
    reason: str = ""


def read_bulk_vo_users(doc: Any) -> BulkUsers:
    """Accept only the per-VO shape ``{"vo": [{"name", "users"}, ...]}`` (or one collapsed group
    object); anything else is refused with a reason so the caller falls back to per-VO requests."""
    if not isinstance(doc, dict):
        return BulkUsers(None, f"bulk answer is {_kind(doc)}, not per-VO groups")
    groups = doc.get("vo")
    if groups is None:
        if "users" in doc:
            return BulkUsers(None, "bulk answer is one series, not per-VO groups")
        return BulkUsers(None, 'bulk answer has no "vo" groups')
    if isinstance(groups, dict):
        groups = [groups]
    if not isinstance(groups, list):
        return BulkUsers(None, f'bulk "vo" is {_kind(groups)}, not a list of groups')
    users: dict[str, UserSeries | None] = {}
    for i, group in enumerate(groups):
        name = group.get("name") if isinstance(group, dict) else None
        if not isinstance(name, str) or not name.strip():
            return BulkUsers(None, f"bulk group {i} has no VO name")
        try:
            users[name.strip()] = _series(group["users"], name) if "users" in group else None
        except ParseError as exc:
            return BulkUsers(None, f"bulk group {name}: {exc}")
    return BulkUsers(users)


def parse_bulk_vo_users(doc: Any) -> dict[str, UserSeries | None] | None:
    """VO name -> series (None: no data) when ``doc`` is per-VO shaped, else None."""
    return read_bulk_vo_users(doc).users


_CARD_KEYS = {
    "scope": ("scope",),
    "home_url": ("homeurl", "homepage", "url"),
    "acknowledgement": ("acknowledgmentstatement", "acknowledgementstatement", "acknowledgment",
                        "acknowledgement", "acknowledgments", "acknowledgements"),
    "publications_url": ("publicationsurl", "publicationurl", "publications"),
    "description": ("description",),
}  # fmt: skip


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _scalars(node: Any, out: dict[str, str]) -> None:
    """Collect the first scalar value of every key, depth-first, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                text = str(value).strip()
                if text and _norm(key) not in out:
                    out[_norm(key)] = text
            else:
                _scalars(value, out)
    elif isinstance(node, list):
        for item in node:
            _scalars(item, out)


def parse_vo_card(vo: str, doc: Any) -> VoCard:
    """``vo-idcard/<vo>/json`` (XML as JSON, positional children) by key search; "N/A" when
    a field is absent."""
    if not isinstance(doc, (dict, list)):
        raise ParseError(f"vo-idcard {vo}: expected an object, got {_kind(doc)}")
    found: dict[str, str] = {}
    _scalars(doc, found)
    values: dict[str, str] = {}
    used: set[str] = set()
    for attr, keys in _CARD_KEYS.items():
        key = next((k for k in keys if k in found and found[k] != "NA"), None)
        values[attr] = found[key] if key else "N/A"
        used.update(keys)
    extra = {k: v for k, v in found.items() if k not in used and k != "name"}
    return VoCard(vo=vo, extra=extra, **values)


def parse_vo_report(doc: Any) -> list[VoStatusGroup]:
    """``egi-reports/vo`` -> one group per status with its count and VO names."""
    report = doc.get("report") if isinstance(doc, dict) else None
    if isinstance(report, dict):
        report = [report]
    if not isinstance(report, list):
        raise ParseError(
            f'egi-reports/vo: expected an object with a "report" list, got {_kind(doc)}'
        )
    groups: list[VoStatusGroup] = []
    for i, entry in enumerate(report):
        if not isinstance(entry, dict) or not isinstance(entry.get("status"), str):
            raise ParseError(f"egi-reports/vo: group {i} has no status")
        names: list[str] = []
        holders = entry.get("vos") or []
        for holder in holders if isinstance(holders, list) else [holders]:
            value = holder.get("vo") if isinstance(holder, dict) else holder
            items = value if isinstance(value, list) else [value]
            names.extend(str(v).strip() for v in items if isinstance(v, str) and v.strip())
        status = entry["status"].strip()
        count = to_count(entry.get("count", len(names)), f"egi-reports/vo {status} count")
        groups.append(VoStatusGroup(status=status, count=count, vos=tuple(names)))
    return groups


# --- legacy Accounting path API ----------------------------------------------------------------
@dataclass
class LegacyHours:
    """Parsed legacy response: hours per VO and month (sparse), the portal Total, problems."""

    hours: dict[str, dict[str, float]]
    portal_total: int | None
    vo_errors: dict[str, str] = field(default_factory=dict)  # VO -> why it is missing
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    duplicates: int = 0
    conflicts: int = 0


def _cell_value(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def parse_legacy_accounting(rows: Any, period: Period, *, metric: str | None = None) -> LegacyHours:
    """A legacy path-API response -> hours per VO/month. Closing rows are matched by exact id.
    Raises ParseError when the whole response is unusable (empty, wrong shape)."""
    if isinstance(rows, dict):
        raise ParseError("expected a JSON list of rows, got an object")
    if not isinstance(rows, list):
        raise ParseError(f"expected a JSON list of rows, got {_kind(rows)}")
    if not rows:
        raise ParseError("empty list: the portal returned no rows")
    wanted = set(period.month_keys)
    result = LegacyHours(hours={}, portal_total=None)
    seen: dict[str, dict[str, Any]] = {}
    has_total = False
    outside: set[str] = set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
            raise ParseError(f"row {i} is not an object with an id")
        vo = row["id"]
        if vo in CLOSING_IDS:
            if vo == "Total":
                has_total = True
                total = _cell_value(row.get("Total"))
                if total is None:
                    result.warnings.append(
                        f"the Total row has a non-numeric total {row.get('Total')!r}"
                    )
                else:
                    result.portal_total = round(total)
            elif vo == "var" and metric and row.get("query") not in (None, metric):
                result.warnings.append(
                    f"response is for metric {row.get('query')!r}, not {metric!r}"
                )
            continue
        result.rows += 1
        if vo in seen:
            if seen[vo] == row:
                result.duplicates += 1
                result.warnings.append(f"{vo}: duplicated row (identical, counted once)")
            else:
                result.conflicts += 1
                result.vo_errors[vo] = "the response has different rows for this VO"
                result.hours.pop(vo, None)
            continue
        seen[vo] = row
        months: dict[str, float] = {}
        for key, value in row.items():
            if not _MONTH.fullmatch(key):
                continue
            if key not in wanted:
                outside.add(key)
                continue
            number = _cell_value(value)
            if number is None:
                result.vo_errors[vo] = f"non-numeric value {value!r} for {key}"
                break
            months[key] = number
        else:
            result.hours[vo] = months
    if outside:
        result.warnings.append(
            f"months outside {period.label} ignored: {', '.join(sorted(outside))}"
        )
    if not has_total:
        result.warnings.append("no Total row: the portal total cannot be cross-checked")
    return result

"""Deterministic generator of the demo Operations Portal dataset (real response shapes).

Files written under ``operations/``:
- ``vo-list.json``                 ``GET vo-list/json``
- ``vo-users.json``                the bulk per-VO form of ``egi-reports/vo-users`` (whole series)
- ``vo-idcard/<vo>.json``          ``GET vo-idcard/<vo>/json`` (XML as JSON, positional children)
- ``egi-reports-vo/<start>_<end>.json``  ``GET egi-reports/vo`` (end date exclusive)
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from okr_tui.core.models import vo_key
from okr_tui.core.periods import Month, Period

# Production VOs of the portal that have no accounting in the demo quarters.
EXTRA_VOS = [
    "argo",
    "auger.org.ar",
    "balticgrid",
    "beapps",
    "bitp",
    "cernatschool.org",
    "chem.vo.ibergrid.eu",
    "cosmo",
    "desy",
    "drihm.eu",
    "earth.vo.ibergrid.eu",
    "eng.vo.ibergrid.eu",
    "esr",
    "fermilab",
    "gaussian",
    "geant4",
    "glast.org",
    "highgeo.eu",
    "iber.vo.ibergrid.eu",
    "ific",
    "imath.cesga.es",
    "ipv6.hepix.org",
    "ukqcd",
    "lofar",
    "magic",
    "meteo.unican.es",
    "na48",
    "ncf",
    "nordugrid.org",
    "pamela",
    "planck",
    "projects.nl",
    "see",
    "sivvp.slovakgrid.sk",
    "snemo",
    "solidexperiment.org",
    "superbvo.org",
    "swetest",
    "tut.vo.ibergrid.eu",
    "vo.apc.univ-paris7.fr",
    "vo.cictest.fr",
    "vo.cs.br",
    "vo.dariah.eu",
    "vo.elixir-europe.org",
    "vo.emsodev.eu",
    "vo.epos-eric.eu",
    "vo.esc.pithia.eu",
    "vo.eu-openscreen.eu",
    "vo.gear.cern.ch",
    "vo.grif.fr",
    "vo.indigo-datacloud.eu",
    "vo.irfu.cea.fr",
    "vo.lal.in2p3.fr",
    "vo.llr.in2p3.fr",
    "vo.mpi-hd.mpg.de",
    "vo.neugrid.eu",
    "vo.northgrid.ac.uk",
    "vo.plgrid.pl",
    "vo.reana.eu",
    "vo.scigne.fr",
    "vo.southgrid.ac.uk",
    "vo.specfem.eu",
    "vo.seadatanet.org",
    "vo.uncertainty-quantification.eu",
    "webcentre.vo.egi.eu",
]
LHC = {"ALICE": "alice", "ATLAS": "atlas", "CMS": "cms", "LHCb": "lhcb"}
WITHOUT_USERS = {
    "vo.inteligg.eu", "balticgrid", "na48", "vo.cs.br", "swetest", "pamela", "vo.gear.cern.ch",
    "openrisknet.org",
}  # fmt: skip
GLOBAL = {"alice", "atlas", "cms", "lhcb", "belle", "biomed", "dteam", "ops", "icecube", "virgo"}
FIRST_MONTH = Month(2020, 1)
LAST_MONTH = Month(2026, 11)
REPORT_PERIODS = [
    Period.of("2024-07", "2024-09"),
    Period.of("2024-10", "2024-12"),
    Period.of("2024-07", "2024-12"),
    Period.of("2024-01", "2024-12"),
    Period.of("2025-01", "2025-03"),
]
ID_CARDS = {
    "alice": ("ALICE experiment at the CERN LHC", True, True),
    "atlas": ("ATLAS experiment at the CERN LHC", True, True),
    "biomed": ("Large-scale biomedical applications", True, True),
    "vo.ai4eosc.eu": ("AI4EOSC platform for AI/ML in the EOSC", True, True),
    "vo.imagine-ai.eu": ("iMagine: imaging data and AI for marine science", True, False),
    "training.egi.eu": ("Training infrastructure of EGI", False, False),
}


def _write(path: Path, data: Any, indent: int | None = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent, ensure_ascii=False), encoding="utf-8")
    return path


def portal_names(accounting_names: set[str]) -> list[str]:
    """Production VO names as the portal spells them (LHC VOs in lower case), name order."""
    names = {LHC.get(n, n) for n in accounting_names} | set(EXTRA_VOS)
    return sorted(names, key=vo_key)


def _home_url(rng: random.Random, name: str) -> str:
    if rng.random() < 0.15:
        return "NA"
    host = name[3:] if name.startswith("vo.") else f"{name}.example.org"
    host = host if "." in host else f"{host}.org"
    return f"https://{host}/"


def vo_list(rng: random.Random, names: list[str]) -> dict[str, Any]:
    """The ``vo-list/json`` document."""
    data = []
    for serial, name in enumerate(names, start=2):
        total = rng.randint(3, 4000) if name in GLOBAL else rng.randint(1, 240)
        members = "0.0" if rng.random() < 0.08 else str(rng.randint(0, total))
        data.append(
            {
                "serial": str(serial),
                "status": "Production",
                "name": name,
                "scope": "Global"
                if name in GLOBAL
                else rng.choice(["Global", "Regional", "Local"]),
                "homeUrl": _home_url(rng, name),
                "members": members,
                "membersTotal": str(total),
                "Vo": [],
            }
        )
    return {"data": data}


def users_series(rng: random.Random, start: Month) -> list[dict[str, str]]:
    """Monthly ``users`` rows from ``start`` to LAST_MONTH, newest first, as strings."""
    rows = []
    total = rng.randint(0, 60)
    zeroed = rng.random() < 0.05
    for index in range(start.index, LAST_MONTH.index + 1):
        added = rng.randint(0, 6)
        removed = min(total, rng.randint(0, 4))
        total += added - removed
        value = "0.0" if zeroed else str(total)
        rows.append(
            {
                "month": str(Month.from_index(index)),
                "total": value,
                "nbadded": str(added),
                "nbremoved": str(removed),
            }
        )
    return rows[::-1]


def vo_users(rng: random.Random, names: list[str]) -> dict[str, Any]:
    """The bulk per-VO ``egi-reports/vo-users`` document over 2020-01..2026-11."""
    groups: list[dict[str, Any]] = []
    span = Month(2024, 6).index - FIRST_MONTH.index
    for name in names:
        if name in WITHOUT_USERS:
            groups.append({"name": name})
            continue
        late = rng.random() < 0.25
        start = FIRST_MONTH.shift(rng.randint(1, span)) if late else FIRST_MONTH
        groups.append({"name": name, "users": users_series(rng, start)})
    return {"vo": groups}


def id_card(name: str, info: dict[str, str], about: str, ack: bool, pubs: bool) -> dict[str, Any]:
    """A ``vo-idcard`` document: XML converted to JSON with positional children."""
    children: list[dict[str, Any]] = [
        {"Name": name},
        {"Serial": info["serial"]},
        {"Status": "Production"},
        {"Scope": info["scope"]},
        {"HomeUrl": info["homeUrl"]},
        {"Description": about},
        {"ValidationDate": "2023-05-17"},
    ]
    if ack:
        children.append(
            {"AcknowledgmentStatement": f"This work used resources of the {name} VO of EGI."}
        )
    if pubs:
        children.append({"PublicationsUrl": f"https://publications.example.org/{name}"})
    children.append({"Contacts": [{"Contact": [{"Name": "VO Manager"}, {"Role": "MANAGER"}]}]})
    return {"VoDump": [{"IDCard": children}]}


def vo_report(rng: random.Random, period: Period) -> dict[str, Any]:
    """An ``egi-reports/vo`` document for VOs created in ``period``, grouped by status."""
    report = []
    for status, low, high in (("Production", 2, 6), ("Leaving", 0, 2), ("Deleted", 1, 3)):
        count = rng.randint(low, high)
        vos = [f"vo.{rng.choice(['eosc', 'demo', 'lab', 'proj'])}{rng.randint(10, 99)}.eu"]
        vos += [f"vo.new{rng.randint(100, 999)}.{period.start.year}.eu" for _ in range(count - 1)]
        report.append({"status": status, "count": str(len(vos)), "vos": [{"vo": vos}]})
    report.append({"status": "Pending", "count": "1", "vos": [{"vo": "vo.pending.example.eu"}]})
    return {"report": report}


def report_file_name(period: Period) -> str:
    """``<start>_<end>.json`` with the start day and the EXCLUSIVE end day of the query."""
    return f"{period.start.first_day()}_{period.end.shift(1).first_day()}.json"


def _total_covers_series(listing: dict[str, Any], users: dict[str, Any]) -> None:
    """All users ever (membersTotal) is at least the largest monthly user count of the VO."""
    peak = {
        g["name"]: max(int(float(r["total"])) for r in g["users"])
        for g in users["vo"]
        if g.get("users")
    }
    for row in listing["data"]:
        row["membersTotal"] = str(max(int(row["membersTotal"]), peak.get(row["name"], 0)))


def write_operations(out: Path, accounting_names: set[str]) -> list[Path]:
    """Write the whole Operations Portal demo dataset under ``out``."""
    rng = random.Random(3_2024)
    names = portal_names(accounting_names)
    listing = vo_list(rng, names)
    users = vo_users(rng, names)
    _total_covers_series(listing, users)
    by_name = {row["name"]: row for row in listing["data"]}
    paths = [
        _write(out / "vo-list.json", listing),
        _write(out / "vo-users.json", users, None),
    ]
    for name, (about, ack, pubs) in ID_CARDS.items():
        doc = id_card(name, by_name[name], about, ack, pubs)
        paths.append(_write(out / "vo-idcard" / f"{name}.json", doc))
    for period in REPORT_PERIODS:
        paths.append(
            _write(out / "egi-reports-vo" / report_file_name(period), vo_report(rng, period))
        )
    return paths

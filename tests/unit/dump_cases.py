"""A small hand-made dump (duplicates, a conflict, Grid-Local rows, a missing month) in every
accepted form, with its expected sums worked out by hand below."""

from __future__ import annotations

import gzip
import json

# columns spelled with the drifted aliases (infra, roc, job_count) and a ce column
HEADER = "time,site,vo,infra,benchmark,ce,roc,country,tier,job_count,raw_wc_time"
ROWS = [
    "2024-10-01T00:00:00Z,SITE-A,ATLAS,Grid,HS06,ce1.a,NGI_DE,DE,1,10,100.5",
    "2024-10-01T00:00:00Z,SITE-A,ATLAS,Grid,HS06,ce2.a,NGI_DE,DE,1,5,50",  # other CE: own key
    "2024-10-01T00:00:00Z,SITE-B,ATLAS,Grid,HS06,ce1.b,NGI_FR,FR,2,3,20.25",
    "2024-10-01T00:00:00Z,SITE-A,ATLAS,Grid,HS06,ce1.a,NGI_DE,DE,1,10,100.5",  # duplicate of 1
    "2024-10-01T00:00:00Z,SITE-B,ATLAS,Grid,HS06,ce1.b,NGI_FR,FR,2,4,99",  # conflict with 3
    "2024-10-01T00:00:00Z,SITE-A,ATLAS,Grid-Local,HS06,,NGI_DE,DE,1,7,70",
    "2024-10-01T00:00:00Z,CLOUD-X,biomed,Cloud,,,NGI_IT,IT,,2,300",
    "2024-12-01T00:00:00Z,SITE-B,biomed,Grid,HS06,ce1.b,NGI_FR,FR,2,1,8",
    "2024-12-01T00:00:00Z,CLOUD-X,biomed,Cloud,,,NGI_IT,IT,,1,12.5",
    "2024-12-01T00:00:00Z,SITE-A,ATLAS,Grid-Local,HS06,,NGI_DE,DE,1,1,5",
]  # 2024-11: no rows at all
EPOCH = {"2024-10-01T00:00:00Z": 1727740800, "2024-12-01T00:00:00Z": 1733011200}

# --- expected, by hand ------------------------------------------------------------------------
ROWS_READ, DUPLICATES, CONFLICTS = 10, 1, 1
HTC_INFRA = {"ATLAS": {"2024-10": 100.5 + 50 + 20.25}, "biomed": {"2024-12": 8.0}}
HTC_INFRA_LOCAL = {
    "ATLAS": {"2024-10": 100.5 + 50 + 20.25 + 70, "2024-12": 5.0},
    "biomed": {"2024-12": 8.0},
}
HTC_LOCAL = {"ATLAS": {"2024-10": 70.0, "2024-12": 5.0}}
CLOUD = {"biomed": {"2024-10": 300.0, "2024-12": 12.5}}
MISSING_MONTH = "2024-11"
ATLAS_BY_SITE = {"SITE-A": 150.5, "SITE-B": 20.25}
ATLAS_BY_NGI = {"NGI_DE": 150.5, "NGI_FR": 20.25}
ATLAS_BY_COUNTRY = {"DE": 150.5, "FR": 20.25}
ATLAS_BY_TIER = {"1": 150.5, "2": 20.25}


def _cells() -> tuple[list[str], list[list[object]]]:
    names = HEADER.split(",")
    rows: list[list[object]] = []
    for line in ROWS:
        cells: list[object] = []
        for name, raw in zip(names, line.split(","), strict=True):
            if raw == "":
                cells.append(None)
            elif name in ("job_count", "raw_wc_time"):
                cells.append(float(raw) if "." in raw else int(raw))
            else:
                cells.append(raw)
        rows.append(cells)
    return names, rows


def as_csv() -> bytes:
    return ("\n".join([HEADER, *ROWS]) + "\n").encode()


def as_influx_csv() -> bytes:
    """InfluxDB CSV: ``name,tags,time,...`` with epoch-nanosecond times."""
    lines = ["name,tags," + HEADER]
    for line in ROWS:
        time, rest = line.split(",", 1)
        lines.append(f"summary,,{EPOCH[time] * 10**9},{rest}")
    return ("\n".join(lines) + "\n").encode()


def as_json(indent: bool = False) -> bytes:
    """InfluxDB JSON, the rows split over two results (and two series in the second)."""
    names, rows = _cells()
    doc = {
        "results": [
            {
                "statement_id": 0,
                "series": [{"name": "summary", "columns": names, "values": rows[:4]}],
            },
            {
                "statement_id": 1,
                "series": [
                    {"name": "summary", "columns": names, "values": rows[4:7], "partial": True},
                    {"name": "summary", "tags": {}, "columns": names, "values": rows[7:]},
                ],
            },
        ]
    }
    return json.dumps(
        doc, indent=2 if indent else None, separators=None if indent else (",", ":")
    ).encode()


def as_influx_chunks() -> bytes:
    """Raw chunked InfluxDB output: one ``{"results": ...}`` object per line."""
    names, rows = _cells()
    lines = []
    for part in (rows[:3], rows[3:8], rows[8:]):
        series = {"name": "summary", "columns": names, "values": part}
        lines.append(json.dumps({"results": [{"statement_id": 0, "series": [series]}]}))
    return ("\n".join(lines) + "\n").encode()


def as_ndjson() -> bytes:
    """One row object per line, epoch-second times."""
    names, rows = _cells()
    out = []
    for row in rows:
        obj = dict(zip(names, row, strict=True))
        obj["time"] = EPOCH[str(obj["time"])]
        out.append(json.dumps(obj))
    return ("\n".join(out) + "\n").encode()


def as_gzip_csv() -> bytes:
    return gzip.compress(as_csv(), mtime=0)


FORMS = {
    "csv": as_csv,
    "influx-csv": as_influx_csv,
    "json": as_json,
    "json-indented": lambda: as_json(indent=True),
    "influx-chunks": as_influx_chunks,
    "ndjson": as_ndjson,
    "gzip-csv": as_gzip_csv,
}

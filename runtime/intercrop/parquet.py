"""The intercrop input as Parquet tables (one folder): the same fields as the JSON format,
one table per entity with id and parent-id columns, read with pyarrow.

    meta.json          format, name, synthetic, description
    farms.parquet      farm_id, name, first_project_year (optional column)
    systems.parquet    farm_id, system_id, name
    weather.parquet    station_id, date, T_mean, radiation, rainfall, ET0
    plots.parquet      plot_id, rpg_id, farm_id, system_id, area_ha, geometry (GeoJSON text or null),
                       station_id, soil_clay, soil_CaCO3, soil_pH, soil_CN, soil_depth, soil_thickness,
                       soil_initial_stock (all soil_* null: no soil)
    succession.parquet plot_id, year, crop, yield, water, residues
    intercrops.parquet plot_id, campaign, start, end, ci_type, sowing, destruction
    weighings.parquet  plot_id, campaign, date, biomass, sd
    lai.parquet        plot_id, date, value, sd, qa, sensor

Rows keep their order within a parent.  A bad value is located by table, row and column
(`lai.parquet row 57 (plot P3) column date: ...`).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Dict, List, Tuple

from carbonspec.compiler.errors import InputError

from .inputs import IntercropInput, load_document

SOIL = ("clay", "CaCO3", "pH", "CN", "depth", "thickness", "initial_stock")
TABLES = {
    "farms": ("farm_id", "name", "first_project_year"),
    "systems": ("farm_id", "system_id", "name"),
    "weather": ("station_id", "date", "T_mean", "radiation", "rainfall", "ET0"),
    "plots": ("plot_id", "rpg_id", "farm_id", "system_id", "area_ha", "geometry", "station_id")
             + tuple(f"soil_{k}" for k in SOIL),
    "succession": ("plot_id", "year", "crop", "yield", "water", "residues"),
    "intercrops": ("plot_id", "campaign", "start", "end", "ci_type", "sowing", "destruction"),
    "weighings": ("plot_id", "campaign", "date", "biomass", "sd"),
    "lai": ("plot_id", "date", "value", "sd", "qa", "sensor"),
}


def _read_table(folder: Path, name: str) -> List[dict]:
    import pyarrow.parquet as pq

    path = folder / f"{name}.parquet"
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise InputError(str(path), "missing table (every table of the format must be there, even empty)") from None
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a broken file
        raise InputError(str(path), f"not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    cols = table.column_names
    unknown = [c for c in cols if c not in TABLES[name]]
    if unknown:
        raise InputError(str(path), f"unknown column(s) {', '.join(unknown)}; expected {', '.join(TABLES[name])}")
    rows = table.to_pylist()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, (dt.date, dt.datetime)):
                r[k] = v.isoformat()[:10]
    return rows


def read_parquet(folder: Path) -> IntercropInput:
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(folder / "meta.json"), f"cannot read: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(str(folder / "meta.json"), f"invalid JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise InputError(str(folder / "meta.json"), "expected a JSON object")
    t = {name: _read_table(folder, name) for name in TABLES}
    where: Dict[Tuple, str] = {}

    def child(table: str, key: str, value, path: Tuple, fields) -> List[dict]:
        out = []
        for row_no, r in enumerate(t[table]):
            if r.get(key) == value:
                where[path + (len(out),)] = f"{table}.parquet row {row_no}"
                out.append({f: r.get(c) for f, c in fields if r.get(c) is not None})
        return out

    plot_ids = set()
    doc = {**meta, "farms": [], "weather": [], "plots": []}
    for i, f in enumerate(t["farms"]):
        where[("farms", i)] = f"farms.parquet row {i}"
        doc["farms"].append({"id": f["farm_id"], "name": f.get("name"),
                             **({"first_project_year": f["first_project_year"]}
                                if f.get("first_project_year") is not None else {}),
                             "systems": child("systems", "farm_id", f["farm_id"], ("farms", i, "systems"),
                                              (("id", "system_id"), ("name", "name")))})
    stations: Dict[str, List[int]] = {}
    for row_no, r in enumerate(t["weather"]):
        stations.setdefault(r["station_id"], []).append(row_no)
    for i, (sid, rows) in enumerate(stations.items()):
        for j, row_no in enumerate(rows):
            where[("weather", i, "daily", j)] = f"weather.parquet row {row_no}"
        doc["weather"].append({"id": sid, "daily": [{k: t["weather"][n][k] for k in TABLES["weather"][1:]}
                                                    for n in rows]})
    for i, p in enumerate(t["plots"]):
        pid = p["plot_id"]
        plot_ids.add(pid)
        where[("plots", i)] = f"plots.parquet row {i}"
        soil = {k: p[f"soil_{k}"] for k in SOIL if p.get(f"soil_{k}") is not None}
        try:
            geometry = json.loads(p["geometry"]) if p.get("geometry") else None
        except ValueError as exc:
            raise InputError(f"{folder / 'plots.parquet'} row {i} column geometry", f"invalid GeoJSON: {exc}") from None
        ics = child("intercrops", "plot_id", pid, ("plots", i, "intercrops"),
                    [(k, k) for k in TABLES["intercrops"][1:]])
        for j, ic in enumerate(ics):
            ic["weighings"] = [w for w in child("weighings", "plot_id", pid, ("plots", i, "intercrops", j, "weighings"),
                                                [(k, k) for k in TABLES["weighings"][1:]])
                               if w.pop("campaign", None) == ic["campaign"]]
        doc["plots"].append({
            "id": pid, "rpg_id": p["rpg_id"], "farm": p["farm_id"], "system": p["system_id"], "area_ha": p["area_ha"],
            **({"geometry": geometry} if geometry is not None else {}), "weather": p["station_id"],
            **({"soil": soil} if soil else {}),
            "succession": child("succession", "plot_id", pid, ("plots", i, "succession"),
                                [(k, k) for k in TABLES["succession"][1:]]),
            "intercrops": ics,
            "lai": child("lai", "plot_id", pid, ("plots", i, "lai"), [(k, k) for k in TABLES["lai"][1:]])})
    for table in ("succession", "intercrops", "weighings", "lai"):
        for row_no, r in enumerate(t[table]):
            if r.get("plot_id") not in plot_ids:
                raise InputError(f"{folder / table}.parquet row {row_no} column plot_id",
                                 f"no plot {r.get('plot_id')!r} in plots.parquet")

    def locate(loc) -> str:
        for n in range(len(loc), 0, -1):
            if tuple(loc[:n]) in where:
                rest = ".".join(str(x) for x in loc[n:])
                return f"{folder}: {where[tuple(loc[:n])]}" + (f" column {rest}" if rest else "")
        return str(folder)

    return load_document(doc, str(folder), locate)


def write_parquet(doc: IntercropInput, folder: Path) -> None:
    """The inverse of read_parquet (JSON -> Parquet conversion)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = {name: [] for name in TABLES}
    for f in doc.farms:
        rows["farms"].append({"farm_id": f.id, "name": f.name, "first_project_year": f.first_project_year})
        for s in f.systems:
            rows["systems"].append({"farm_id": f.id, "system_id": s.id, "name": s.name})
    for st in doc.weather:
        for d in st.daily:
            rows["weather"].append({"station_id": st.id, **d.model_dump()})
    for p in doc.plots:
        soil = p.soil.model_dump() if p.soil else {}
        rows["plots"].append({"plot_id": p.id, "rpg_id": p.rpg_id, "farm_id": p.farm, "system_id": p.system,
                              "area_ha": p.area_ha, "geometry": json.dumps(p.geometry) if p.geometry else None,
                              "station_id": p.weather, **{f"soil_{k}": soil.get(k) for k in SOIL}})
        for c in p.succession:
            rows["succession"].append({"plot_id": p.id, **c.model_dump(by_alias=True)})
        for w in p.intercrops:
            rows["intercrops"].append({"plot_id": p.id, **w.model_dump(exclude={"weighings"})})
            for x in w.weighings:
                rows["weighings"].append({"plot_id": p.id, "campaign": w.campaign, **x.model_dump()})
        for o in p.lai:
            rows["lai"].append({"plot_id": p.id, **o.model_dump()})
    for name, cols in TABLES.items():
        data = {c: [r.get(c) for r in rows[name]] for c in cols}
        pq.write_table(pa.table(data) if rows[name] else pa.table({c: pa.array([], pa.string()) for c in cols}),
                       folder / f"{name}.parquet")
    meta = {"format": doc.format, "name": doc.name, "synthetic": doc.synthetic, "description": doc.description}
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

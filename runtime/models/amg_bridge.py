"""The AMG v2 library run for a dossier, as a spec's `model amg` declaration says (registry.py).

A method reads end-of-project soil C stocks as inputs (LBC GC: Sfin, Sfin_ref of Équation 25)
and does not care where they come from (an external model run).  Its spec may declare the AMG
model instead (`model amg ...`, model.json `external_models`): the entity whose rows may give a
block (`block`), the inputs the simulated stocks fill (`gives stock_end ... feeds`,
`gives stock_end_ref ... feeds`), and by name what this adapter needs of the method (`bind`):
`rows` the timeline entity of the block entity's years (its index and scenario ranges give the
reference and Projet years), `area` the rows' area, optionally `reference_type = FIELD VALUE`
(an analysis before the Projet only for that value of an ancestor's field),
`initial_stock_mode = FIELD VALUE` (a value refused when the initial stock is simulated from an
older analysis) and `excluded_by = COLLECTION` (rows of that collection forbid a block).
Nothing here names a method's symbol: every such name comes from the declaration.  Before the
dossier is read, `apply` validates every block, runs `simulate_pairs` once for all blocks
(vectorised), writes the outputs into the rows, removes the blocks, and returns one provenance
record per block that the results document carries under `soil_model`.

The text below describes the block with LBC GC's names, the one method that declares it today.

The block (documented in `annexes/amg/README.md`, "In an LBC dossier"; JSON Schema
`amg_block_schema()`, committed as `examples/lbc_gc/amg-block.schema.json`) reuses the
models of `runtime/models/amg/io.py` (the `carbonspec amg` format) so a user learns one format:
`soil` is io.Soil, weather values are io.Weather's fields, each crop entry of a year is an
io.Year without `year` and `weather` (built from io.Year's own fields) plus its `area`:

    "amg": {"first_project_year": 2024,
            "soil": {"clay": 310, "CaCO3": 45, "pH": 8.1, "CN": 9.8, "analysis": [...]},
            "soil_analysis_year": 2022,                       (optional, specific reference)
            "weather": {"series": [{"year": 2014, "T_mean": .., "rainfall": .., "PET": ..}, x10]}
                     | {"years": [{"k": 0, "T_mean": .., "rainfall": .., "PET": ..}, x5]},
            "reference": [{"k": -3, "crops": [{"area": 60, "crop": "winter_wheat", "yield": 7.5,
                                                "water": 15, "residues": "returned",
                                                "cover_crop": {...}, "organic": [...],
                                                "irrigation": 0}, ...]}, k = -2, k = -1],
            "project": [{"k": 0, "crops": [...]}, ... k = 4]}

Choices (the method does not say):
- A system-year is its assolement: each crop entry covers `area` ha and carries what grows
  or is applied on that area (cover crop, catch crop, organic products in t FW/ha of that
  area, irrigation in mm on that area).  AMG is linear in the C inputs, so the system's
  stock is simulated with the area-weighted inputs of the year (crop and product weights =
  area / system area), which is the mean of the stocks of its plots started from the same
  initial stock.  The areas of a year must add up to the dossier's `Surf` of that year (a
  mismatch is an error, not a silent rescaling).
- reference = the three pre-Projet years k = -3, -2, -1 (6.3.2 L1848 for a specific
  reference; for a (semi-)generic one, the assolement of those years with the regional
  practices, 5.4); it is projected over the 5 Projet years as a 3-year cycle, mean over
  its phases (pairs.py, 6.3.4 L1953).  project = the five Projet years k = 0..4, simulated
  as given ("les pratiques réelles de chacune des 5 années", L1951), even when the dossier
  holds fewer project years.  Rotations given whole over more than 5 years are not taken
  by this block (simulate_pairs supports them).
- `soil_analysis_year` before `first_project_year` (at most 5 years, 6.3.2 L1848) starts
  the reference from that analysis (history simulated with the reference practices); only
  for a specific reference (Tableau 15, "Simulations" column) and with the Annexe 3 series
  (the history runs under one constant climate).
- Tableau 17 data-collection modes stay the dossier's `mode_donnees_*` year inputs: the
  bridge never sets them (an analysis in the block does not prove an in-situ measurement,
  and the spec's default « données moyennes » is the highest rate).  It refuses one
  contradiction: `mode_donnees_C_initial = mesure` on a system whose initial stock is
  simulated from an older analysis (Tableau 15 puts that under « simulations »).
- A system may not give both `amg` and `Sfin`/`Sfin_ref`; a miscanthus system (one with
  `parcelles_miscanthus`) may not give `amg` (its storage is Équation 28's, X1).
"""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from carbonspec.compiler.errors import InputError

from carbonspec.runtime.models.amg import ClimateColumns, Practices, SoilColumns, annexe3_climate, load_params, simulate_pairs
from carbonspec.runtime.models.amg.io import Soil, Weather, Year, _loc, crop_rows
from carbonspec.runtime.models.amg.pairs import LBC_HORIZON, MAX_ANALYSIS_AGE_YEARS
from carbonspec.runtime.models.amg.model import resolve_backend

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)
_AREA_RTOL = 1e-9
STOCK_END, STOCK_END_REF = "stock_end", "stock_end_ref"   # this library's outputs (simulate_pairs)


@dataclass(frozen=True)
class Binding:
    """What the adapter needs of a method, read from its `model amg` declaration and model.json."""
    label: str
    block: str                           # the block's field on the block entity
    chain: Tuple[str, ...]               # collections from the root's key down to the block entity's
    rows: str                            # collection of the block entity's timeline rows
    index: str                           # their timeline index
    reference_ks: Tuple[int, ...]
    project_ks: Tuple[int, ...]
    area: str                            # the rows' area field
    outputs: Dict[str, str]              # this library's output -> the input it fills
    reference_type: Optional[Tuple[str, str]] = None
    initial_stock_mode: Optional[Tuple[str, str]] = None
    excluded_by: Optional[str] = None
    entity_class: str = ""               # the block entity's name in the dossier's JSON Schema
    reasons: Optional[Dict[str, str]] = None  # bind -> the spec's reason, shown in the messages

    def why(self, key: str) -> str:
        r = (self.reasons or {}).get(key)
        return f" ({r})" if r else ""


def binding(decl: dict, model: dict) -> Binding:
    """The declaration resolved against model.json; InputError naming the missing bind."""
    ents = {e["name"]: e for e in model["entities"]}
    where = f"model '{decl['name']}' ({decl.get('spec')})"
    binds = decl.get("binds") or {}

    def need(key: str, n: int = 1) -> List[str]:
        v = binds.get(key)
        if not v or len(v) < n:
            raise InputError(where, f"the declaration needs 'bind {key} = ...' ({n} name(s)) for the AMG library")
        return v

    block = decl.get("block") or {}
    if not block:
        raise InputError(where, "the declaration needs 'block ENTITY.FIELD' for the AMG library")
    chain, e = [], block["entity"]
    while e is not None:
        chain.append(ents[e]["collection"])
        e = ents[e]["parent"]
    rows_entity = need("rows")[0]
    timeline = next((t for t in model["timelines"] if t["entity"] == rows_entity), None)
    if timeline is None or ents.get(rows_entity, {}).get("parent") != block["entity"]:
        raise InputError(where, f"bind rows: '{rows_entity}' is not a timeline entity under '{block['entity']}'")
    ref = tuple(k for s in timeline["scenarios"] if s["last"] < 0 for k in range(s["first"], s["last"] + 1))
    proj = tuple(k for s in timeline["scenarios"] if s["first"] >= 0 for k in range(s["first"], s["last"] + 1))
    outputs = {o["name"]: o["feeds"] for o in decl.get("outputs") or []}
    if set(outputs) != {STOCK_END, STOCK_END_REF}:
        raise InputError(where, f"the AMG library gives '{STOCK_END}' and '{STOCK_END_REF}'; the declaration gives "
                                + ", ".join(sorted(outputs)))
    opt = {k: tuple(binds[k][:2]) for k in ("reference_type", "initial_stock_mode") if k in binds}
    for k, v in opt.items():
        if len(v) != 2:
            raise InputError(where, f"bind {k} = FIELD VALUE: two names")
    return Binding(f"{decl.get('label')} — {decl.get('version')}", block["field"], tuple(reversed(chain)),
                   ents[rows_entity]["collection"], timeline["index"], ref, proj, need("area")[0], outputs,
                   opt.get("reference_type"), opt.get("initial_stock_mode"),
                   (binds.get("excluded_by") or [None])[0], block["entity"].capitalize(), decl.get("reasons") or {})

# ------------------------------------------------------------------ format --
# A crop entry is io.Year's fields except `year` and `weather`, plus `area`: built from
# io.Year's own field definitions so the two formats cannot drift apart.
AmgCrop = create_model(
    "AmgCrop", __config__=_STRICT,
    __doc__="One crop of the system's assolement in the year, on `area` ha, with what grows or is applied "
            "on that area (the fields of a `carbonspec amg` year, without year and weather).",
    area=(float, Field(..., gt=0, allow_inf_nan=False,
                       description="ha of the system under this crop in the year; the areas of a year add up "
                                   "to the system's area of that year (the field the spec binds as area)")),
    **{name: (f.annotation, copy.deepcopy(f)) for name, f in Year.model_fields.items()
       if name not in ("year", "weather")})


class AmgYear(BaseModel):
    """Practices of one year k of the system."""
    model_config = _STRICT
    k: int = Field(..., description="year index of the dossier (reference -3..-1, Projet 0..4)")
    crops: List[AmgCrop] = Field(..., min_length=1)  # type: ignore[valid-type]


class SeriesWeather(Weather):
    """One calendar year of the Annexe 3 ten-year series."""
    year: int = Field(..., ge=1900, le=2200)


class YearWeather(Weather):
    """Weather of Projet year k (per simulated year)."""
    k: int = Field(..., ge=0, le=LBC_HORIZON - 1)


class AmgWeather(BaseModel):
    """Either the Annexe 3 series (10 years; every simulated year takes its mean,
    runtime/models/amg/climate.py) or the weather of each Projet year k = 0..4."""
    model_config = _STRICT
    series: Optional[List[SeriesWeather]] = Field(None, description="Annexe 3 (L3665-L3668): the 10 years before "
                                                                    "the Projet, or the 5 before and the 5 of it")
    years: Optional[List[YearWeather]] = Field(None, description="per Projet year k = 0..4")

    @model_validator(mode="after")
    def _one(self):
        if (self.series is None) == (self.years is None):
            raise ValueError("give either series (Annexe 3, 10 years) or years (k = 0..4), not both")
        return self


class AmgBlock(BaseModel):
    """What a cropping system gives instead of Sfin and Sfin_ref: AMG v2 runs them."""
    model_config = _STRICT
    first_project_year: int = Field(..., ge=1900, le=2200, description="calendar year of k = 0")
    soil: Soil
    soil_analysis_year: Optional[int] = Field(
        None, ge=1900, le=2200,
        description="calendar year of the soil analysis giving the initial stock, if before the Projet (at most "
                    "5 years, specific reference only, 6.3.2 L1848); default: at the start of the Projet")
    weather: AmgWeather
    reference: List[AmgYear] = Field(..., description="the practices of k = -3, -2, -1")
    project: List[AmgYear] = Field(..., description="the practices of k = 0..4")


def amg_block_schema() -> dict:
    """JSON Schema of a block (committed as examples/lbc_gc/amg-block.schema.json)."""
    return AmgBlock.model_json_schema(by_alias=True)


def schema_option(schema: dict, decl: dict, model: dict) -> dict:
    """The dossier's JSON Schema with the block as an alternative on the block entity: the spec
    reads the outputs' inputs, and this runtime step may fill them from AMG."""
    b = binding(decl, model)
    target = schema.get("$defs", {}).get(b.entity_class)
    if target is None or not all(f in target.get("properties", {}) for f in b.outputs.values()):
        return schema
    block = amg_block_schema()
    defs = block.pop("$defs", {})
    schema["$defs"].update({k: v for k, v in defs.items() if k not in schema["$defs"]})
    block["description"] = (f"{b.label} inputs: instead of " + " and ".join(b.outputs.values())
                            + ", which the run then fills from the simulated stocks")
    target["properties"][b.block] = block
    return schema


# ------------------------------------------------------------------ reading --
def _blocks_rows(raw: Any, b: Binding):
    """(indices, path, ancestors' dicts, row dict) of every row of the block entity, following
    the collections of the binding; nothing for any other shape (the reader reports those)."""
    def walk(obj, depth, idx, path, ancestors):
        if depth == len(b.chain):
            yield idx, path, ancestors, obj
            return
        items = obj.get(b.chain[depth]) if isinstance(obj, dict) else None
        if depth == 0:
            if isinstance(items, dict):
                yield from walk(items, 1, idx, b.chain[0], ancestors + [items])
            return
        if not isinstance(items, list):
            return
        for n, it in enumerate(items):
            if isinstance(it, dict):
                yield from walk(it, depth + 1, idx + (n,), f"{path}.{b.chain[depth]}[{n}]", ancestors + [it])
    yield from walk(raw, 0, (), "", [])


def has_blocks(raw: Any, b: Binding) -> bool:
    """True when some row of the dossier gives a block."""
    return any(b.block in s for _, _, _, s in _blocks_rows(raw, b))


def _validate(block: Any, path: str, where: str) -> AmgBlock:
    try:
        return AmgBlock.model_validate(block)
    except ValidationError as exc:
        e = exc.errors()[0]
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] not in ("missing", "value_error") and "input" in e \
                and not isinstance(e["input"], (dict, list)):
            msg += f" (got {json.dumps(e['input'], ensure_ascii=False)[:60]})"
        more = f" (and {exc.error_count() - 1} more error(s))" if exc.error_count() > 1 else ""
        loc = _loc(e["loc"])
        raise InputError(f"{where}: {path}" + (f".{loc}" if loc and not loc.startswith("[") else loc),
                         msg + more) from None


def _years_by_k(years: List[AmgYear], want, path: str, what: str, where: str) -> List[AmgYear]:
    seen: Dict[int, int] = {}
    for n, y in enumerate(years):
        if y.k in seen:
            raise InputError(f"{where}: {path}[{n}].k", f"year k = {y.k} is given twice (also {path}[{seen[y.k]}])")
        if y.k not in want:
            raise InputError(f"{where}: {path}[{n}].k",
                             f"k = {y.k} is not a {what} year (expected k = {', '.join(map(str, want))})")
        seen[y.k] = n
    missing = [k for k in want if k not in seen]
    if missing:
        raise InputError(f"{where}: {path}", f"the {what} practices of every year k = {', '.join(map(str, want))} "
                                             f"are required; missing k = {', '.join(map(str, missing))}")
    return [years[seen[k]] for k in want]


def _as_list(value) -> list:
    """The raw dossier is read here before its validation: a malformed list (e.g. a number)
    is skipped, and the validation that follows refuses it with its path."""
    return value if isinstance(value, list) else []


def _dossier_years(system: dict, b: Binding) -> Dict[int, dict]:
    out = {}
    for y in _as_list(system.get(b.rows)):
        k = y.get(b.index) if isinstance(y, dict) else None
        if isinstance(k, int) and not isinstance(k, bool):
            out.setdefault(k, y)
    return out


class _Columns:
    """Practices columns of one scenario, filled system by system (run = system)."""

    def __init__(self):
        self.cr = {k: [] for k in ("run", "year", "crop", "yield", "water", "returned", "weight", "irrigation")}
        self.er = {k: [] for k in ("run", "year", "eom", "dose", "weight")}
        self.n_years: List[int] = []

    def add(self, params, run: int, years: List[AmgYear], path: str, where: str, surf: Dict[int, dict],
            idx_of: Dict[int, int], area: str):
        self.n_years.append(len(years))
        for j, y in enumerate(years):
            n = idx_of[y.k]
            yl = f"{where}: {path}[{n}]"
            total = math.fsum(c.area for c in y.crops)
            dy = surf.get(y.k)
            s = dy.get(area) if dy is not None else None
            if isinstance(s, (int, float)) and not isinstance(s, bool) and math.isfinite(s) and s > 0 \
                    and abs(total - s) > _AREA_RTOL * s:
                raise InputError(f"{yl}.crops", f"the crop areas of k = {y.k} add up to {total:g} ha, the system's "
                                                f"{area} of k = {y.k} is {s:g} ha (the amg crops must cover the system)")
            for c, crop in enumerate(y.crops):
                cl = f"{yl}.crops[{c}]"
                w = crop.area / total
                for ctype, name, yld, water, residues, loc, irr in crop_rows(crop, cl):
                    self.cr["run"].append(run)
                    self.cr["year"].append(j)
                    self.cr["crop"].append(params.crop_index(ctype, name, loc))
                    self.cr["yield"].append(yld)
                    self.cr["water"].append(water)
                    self.cr["returned"].append(residues == "returned")
                    self.cr["weight"].append(w)
                    self.cr["irrigation"].append(irr)
                for m, o in enumerate(crop.organic):
                    self.er["run"].append(run)
                    self.er["year"].append(j)
                    self.er["eom"].append(params.eom_index(o.product, f"{cl}.organic[{m}].product"))
                    self.er["dose"].append(o.dose)
                    self.er["weight"].append(w)

    def practices(self) -> Practices:
        cr, er = self.cr, self.er
        return Practices(n_runs=len(self.n_years), n_years=self.n_years, crop_run=cr["run"], crop_year=cr["year"],
                         crop=cr["crop"], crop_yield=cr["yield"], crop_water=cr["water"],
                         crop_returned=cr["returned"], crop_weight=cr["weight"], crop_irrigation=cr["irrigation"],
                         eom_run=er["run"], eom_year=er["year"], eom=er["eom"], eom_dose=er["dose"],
                         eom_weight=er["weight"])


def _floats(a) -> List[float]:
    return [float(x) for x in np.asarray(a).reshape(-1)]


# ------------------------------------------------------------------ running --
def apply(raw: dict, decl: dict, model: dict, where: str = "<dossier>", backend: str = "numba",
          annexes_amg_dir: Optional[Path] = None, rounding: bool = True) -> Tuple[dict, Dict[str, dict]]:
    """Replace every block by the stocks AMG v2 simulates (the registry's entry point)."""
    return apply_amg(raw, where, annexes_amg_dir, backend, rounding, b=binding(decl, model))


def apply_amg(raw: dict, where: str = "<dossier>", annexes_amg_dir: Optional[Path] = None,
              backend: str = "numba", rounding: bool = True, *, b: Binding) -> Tuple[dict, Dict[str, dict]]:
    """Replace every block by the stocks AMG v2 simulates.

    Returns (dossier, provenance): a copy of `raw` (the caller's dict is not modified) whose
    rows give the declared inputs and no block, and per row path (e.g.
    `project.farms[i].systems[j]`) the provenance record of its stocks.  A bad block is an
    InputError naming `<row path>.<block>.<field>` (exit code 2)."""
    found = [(idx, path, anc, s) for idx, path, anc, s in _blocks_rows(raw, b) if b.block in s]
    if not found:
        return raw, {}
    out_end, out_ref = b.outputs[STOCK_END], b.outputs[STOCK_END_REF]
    horizon = len(b.project_ks)
    params = load_params(annexes_amg_dir)
    blocks: List[Tuple[tuple, str, AmgBlock]] = []
    soil = {k: [] for k in ("clay", "caco3", "pH", "cn", "depth", "C0")}
    ref_cols, proj_cols = _Columns(), _Columns()
    history_years: List[int] = []
    climates: List[Tuple[str, Any]] = []
    for run, (idx, path, ancestors, system) in enumerate(found):
        both = [k for k in (out_end, out_ref) if system.get(k) is not None]
        if both:
            raise InputError(f"{where}: {path}", f"gives both an {b.block} block and {' and '.join(both)}: the stocks "
                                                 f"come either from the model ({b.block}) or from an external model "
                                                 f"run ({out_end} and {out_ref}), not both")
        if b.excluded_by and system.get(b.excluded_by):
            raise InputError(f"{where}: {path}.{b.block}", f"a row with {b.excluded_by} may not give an {b.block} "
                                                           f"block{b.why('excluded_by')}; remove the block")
        apath = f"{path}.{b.block}"
        blk = _validate(system[b.block], apath, where)
        try:
            z, c0 = blk.soil.resolve()
        except ValueError as exc:
            raise InputError(f"{where}: {apath}.soil", str(exc)) from None
        for k, v in (("clay", blk.soil.clay), ("caco3", blk.soil.CaCO3), ("pH", blk.soil.pH), ("cn", blk.soil.CN),
                     ("depth", z), ("C0", c0)):
            soil[k].append(v)
        t = blk.first_project_year
        m = 0
        if blk.soil_analysis_year is not None:
            m = t - blk.soil_analysis_year
            if m < 0 or m > MAX_ANALYSIS_AGE_YEARS:
                raise InputError(f"{where}: {apath}.soil_analysis_year",
                                 f"{blk.soil_analysis_year} is {'after the start of' if m < 0 else 'more than 5 years before'}"
                                 f" the Projet ({t}): the analysis may be at most {MAX_ANALYSIS_AGE_YEARS} years "
                                 f"before it (6.3.2 L1848)")
            if m > 0 and b.reference_type is not None:
                field, allowed = b.reference_type
                got = next((a[field] for a in reversed(ancestors[:-1]) if field in a), None)
                if got != allowed:
                    raise InputError(f"{where}: {apath}.soil_analysis_year",
                                     f"starting from an analysis made before the Projet needs {field} = {allowed!r}"
                                     f"{b.why('reference_type')}; this row's {field} is {got!r}")
            if m > 0 and blk.weather.series is None:
                raise InputError(f"{where}: {apath}.weather",
                                 "an analysis before the Projet needs the Annexe 3 series (weather.series): the "
                                 "years between the analysis and the Projet are simulated under its mean climate")
        history_years.append(m)
        dyears = _dossier_years(system, b)
        if m > 0 and b.initial_stock_mode is not None:
            field, refused = b.initial_stock_mode
            for n, y in enumerate(_as_list(system.get(b.rows))):
                if isinstance(y, dict) and y.get(field) == refused:
                    raise InputError(f"{where}: {path}.{b.rows}[{n}].{field}",
                                     f"{refused!r}, but the initial stock is simulated from the "
                                     f"{blk.soil_analysis_year} analysis ({m} year(s) before the Projet)"
                                     f"{b.why('initial_stock_mode')}")
        # weather
        w = blk.weather
        if w.series is not None:
            s = w.series
            try:
                cl = annexe3_climate([x.year for x in s], [x.T_mean for x in s], [x.rainfall for x in s],
                                     [x.PET for x in s], t)
            except ValueError as exc:
                raise InputError(f"{where}: {apath}.weather.series", str(exc)) from None
            climates.append(("series", cl))
        else:
            ys = {}
            for n, y in enumerate(w.years):
                if y.k in ys:
                    raise InputError(f"{where}: {apath}.weather.years[{n}].k", f"year k = {y.k} is given twice")
                ys[y.k] = y
            missing = [k for k in b.project_ks if k not in ys]
            if missing:
                raise InputError(f"{where}: {apath}.weather.years",
                                 f"the weather of every Projet year k = {b.project_ks[0]}..{b.project_ks[-1]} is "
                                 f"required; missing k = {', '.join(map(str, missing))}")
            climates.append(("years", [ys[k] for k in b.project_ks]))
        # practices
        ref = _years_by_k(blk.reference, b.reference_ks, f"{apath}.reference", "reference", where)
        proj = _years_by_k(blk.project, b.project_ks, f"{apath}.project", "Projet", where)
        ref_cols.add(params, run, ref, f"{apath}.reference", where, dyears,
                     {y.k: n for n, y in enumerate(blk.reference)}, b.area)
        proj_cols.add(params, run, proj, f"{apath}.project", where, dyears,
                      {y.k: n for n, y in enumerate(blk.project)}, b.area)
        blocks.append((idx, path, blk))

    S = len(found)
    soil_cols = SoilColumns(**{k: np.asarray(v, dtype=np.float64) for k, v in soil.items()})
    history_climate = None
    if all(kind == "series" for kind, _ in climates):
        climate = ClimateColumns(*(np.array([getattr(c, f) for _, c in climates]) for f in ("T_mean", "rainfall", "PET")))
    else:
        # one simulate_pairs call: a series' mean climate is repeated over the 5 years (the
        # same numbers the (S,) form gives); the history climate is the series mean
        # (systems with per-year weather have no history, their row is never read).
        cols = {f: np.zeros((S, horizon)) for f in ("T_mean", "rainfall", "PET")}
        hist = {f: np.zeros(S) for f in cols}
        for s_, (kind, c) in enumerate(climates):
            for f in cols:
                if kind == "series":
                    cols[f][s_, :] = getattr(c, f)
                    hist[f][s_] = getattr(c, f)
                else:
                    cols[f][s_, :] = [getattr(y, f) for y in c]
                    hist[f][s_] = cols[f][s_, 0]
        climate = ClimateColumns(cols["T_mean"], cols["rainfall"], cols["PET"])
        history_climate = ClimateColumns(hist["T_mean"], hist["rainfall"], hist["PET"])
    reference = ref_cols.practices()
    project = proj_cols.practices()
    m = np.asarray(history_years, dtype=np.int64)
    use_history = bool(m.max() > 0)
    # resolved here so the provenance names the backend that ran (a pair: reference + project grids)
    backend = resolve_backend(backend, 2 * S * (horizon + int(m.max()) + 1))
    res = simulate_pairs(soil_cols, climate, reference, project, horizon=horizon,
                         history=reference if use_history else None, history_years=m if use_history else None,
                         history_climate=history_climate if use_history else None, params=params,
                         backend=backend, rounding=rounding)

    out = _copy_path(raw, b, [idx for idx, _, _ in blocks])
    provenance: Dict[str, dict] = {}
    for s_, (idx, path, blk) in enumerate(blocks):
        sfin, sref = float(res.stock_end[s_]), float(res.stock_end_ref[s_])
        if not (math.isfinite(sfin) and math.isfinite(sref)):  # never a silent NaN into the method
            raise InputError(f"{where}: {path}.{b.block}",
                             f"AMG gave a non-finite stock ({out_end} {sfin}, {out_ref} {sref})")
        system = _row(out, b, idx)
        del system[b.block]  # (a null output, i.e. not given, is overwritten below)
        system[out_end], system[out_ref] = sfin, sref
        b_ = blk
        kind, c = climates[s_]
        climate_rec = ({"annexe3_series_mean": {"T_mean": c.T_mean, "rainfall": c.rainfall, "PET": c.PET},
                        "years": [x.year for x in b_.weather.series]} if kind == "series" else
                       {"per_project_year": [{"k": y.k, "T_mean": y.T_mean, "rainfall": y.rainfall, "PET": y.PET}
                                             for y in c]})
        rec = {
            "model": b.label,
            "tables": {"directory": str(params.directory), "hash": params.content_hash},
            "backend": backend, "rounding": "AMG_base (R round)" if rounding else "none",
            out_ref: sref, out_end: sfin, "unit": "t C/ha",
            "depth_cm": float(soil_cols.depth[s_]), "initial_stock": float(soil_cols.C0[s_]),
            "soil_analysis_years_before_project": int(m[s_]),
            "C_start": float(res.C_start[s_]),
            "first_project_year": b_.first_project_year,
            "climate": climate_rec,
            "stocks_ref": _floats(res.stocks_ref[s_]), "stocks": _floats(res.stocks[s_]),
            "stocks_note": "stocks after j simulated years, j = 0..5 (column 0: start of the Projet; "
                           "reference: mean over its 3 rotation phases)",
            "humified_inputs_ref": _floats(res.M_ref[s_]), "humified_inputs": _floats(res.M[s_]),
            "rotation_phases_ref": int(res.phases_ref[s_]), "rotation_phases": int(res.phases[s_]),
        }
        if res.history_stocks is not None and m[s_] > 0:
            rec["history_stocks"] = _floats(res.history_stocks[s_, :m[s_] + 1])
        provenance[path] = rec
    return out, provenance


def _copy_path(raw: dict, b: Binding, rows: List[tuple]) -> dict:
    """A copy of the dossier sharing everything but the objects on the way to the given rows
    (those are copied, so the caller's dossier is left as it was)."""
    out = dict(raw)
    top = out[b.chain[0]] = dict(raw[b.chain[0]])
    copied = set()
    for idx in rows:
        obj, key = top, ()
        for coll, n in zip(b.chain[1:], idx):
            if key + (coll,) not in copied:
                obj[coll] = list(obj[coll])
                copied.add(key + (coll,))
            key = key + (coll, n)
            if key not in copied:
                obj[coll][n] = dict(obj[coll][n])
                copied.add(key)
            obj = obj[coll][n]
    return out


def _row(out: dict, b: Binding, idx: tuple) -> dict:
    obj = out[b.chain[0]]
    for coll, n in zip(b.chain[1:], idx):
        obj = obj[coll][n]
    return obj

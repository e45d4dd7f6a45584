"""The JSON description `carbonspec amg FILE.json` reads, and the tables it prints.

Why pydantic: every field is checked (type, range, required, no unknown key) and a bad
one is reported as `FILE: plots[0].years[3].yield: message`, exit code 2, no traceback
(DESIGN.md "Command line").  Crop and product names are then resolved against the AMG
tables with the same kind of located message.

The format (JSON Schema in `examples/amg/amg-input.schema.json`, documentation in
`annexes/amg/README.md`): `plots`, each with a `soil` and consecutive `years`; a year has
its weather, its main crop (`crop`, `yield`, `water`, `residues`), optionally a
`cover_crop` (AMG type cc) and a `catch_crop` (harvested cover crop, AMG type cch), its
organic products and its irrigation.  The run follows AMG_base (kernel.py): the first
year's row holds the initial stock, each year's inputs act on the next year's stock.
"""
from __future__ import annotations

import csv
import io as _io
import json
from pathlib import Path
from typing import Dict, List, Literal, Optional, Tuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carbonspec.compiler.errors import InputError

from .inputs import Practices
from .model import SoilColumns, simulate
from .params import AmgParams, load_params
from .soil import LBC_DEPTH_CM, bulk_density_ptf, considered_depth, initial_stock_layers

FORMAT_ID = "carbonspec-amg/1"
_STRICT = ConfigDict(extra="forbid", populate_by_name=True)


class Weather(BaseModel):
    """Annual weather of the year (Annexe 3 Tableau 1, L3675-L3679)."""
    model_config = _STRICT
    T_mean: float = Field(..., ge=-50, le=50, allow_inf_nan=False, description="annual mean air temperature, degC")
    rainfall: float = Field(..., ge=0, le=20000, allow_inf_nan=False, description="annual rainfall, mm")
    PET: float = Field(..., ge=0, le=5000, allow_inf_nan=False,
                       description="annual potential evapotranspiration (Penman), mm")


class Organic(BaseModel):
    """An organic product (MAFOR) applied in the year (notes §1.5)."""
    model_config = _STRICT
    product: str = Field(..., min_length=1, description="key or English name in annexes/amg/organic_products.csv")
    dose: float = Field(..., ge=0, le=1000, allow_inf_nan=False, description="t fresh matter / ha")


Residues = Literal["returned", "exported"]


class CoverCrop(BaseModel):
    """Cover crop (couvert intermédiaire, AMG type cc): its above-ground biomass."""
    model_config = _STRICT
    crop: str = Field(..., min_length=1, description="cc key or English name in annexes/amg/crops.csv")
    biomass: float = Field(..., ge=0, le=300, allow_inf_nan=False, description="above-ground biomass, t fresh matter / ha")
    water: float = Field(0.0, ge=0, lt=100, allow_inf_nan=False, description="water content, % of fresh matter")
    residues: Residues = "returned"


class CatchCrop(BaseModel):
    """Harvested cover crop (culture dérobée, AMG type cch)."""
    model_config = _STRICT
    crop: str = Field(..., min_length=1, description="cch key or English name in annexes/amg/crops.csv")
    yield_: float = Field(..., alias="yield", ge=0, le=300, allow_inf_nan=False,
                          description="harvested yield, t fresh matter / ha")
    water: float = Field(0.0, ge=0, lt=100, allow_inf_nan=False,
                         description="water content of the harvested organ, % of fresh matter")
    residues: Residues = "returned"


class Year(BaseModel):
    """One calendar year of a plot."""
    model_config = _STRICT
    year: int = Field(..., ge=1900, le=2200)
    weather: Weather
    crop: str = Field(..., min_length=1, description="main crop (mc): key or English name in annexes/amg/crops.csv")
    yield_: float = Field(..., alias="yield", ge=0, le=300, allow_inf_nan=False,
                          description="main-crop yield (harvested organ), t fresh matter / ha")
    water: float = Field(0.0, ge=0, lt=100, allow_inf_nan=False,
                         description="water content of the harvested organ, % of fresh matter")
    residues: Residues = Field("returned", description="crop residues returned to the soil or exported")
    cover_crop: Optional[CoverCrop] = None
    catch_crop: Optional[CatchCrop] = None
    organic: List[Organic] = Field(default_factory=list)
    irrigation: float = Field(0.0, ge=0, le=5000, allow_inf_nan=False,
                              description="sum of the irrigations of the crop year, mm (Annexe 3 Tableau 4 L3717)")


class Texture(BaseModel):
    """Particle sizes (without decarbonation) and organic matter, %: the inputs of the
    Annexe 14 pedotransfer function (L2254-L2263)."""
    model_config = _STRICT
    clay: float = Field(..., ge=0, le=100, allow_inf_nan=False)
    silt: float = Field(..., ge=0, le=100, allow_inf_nan=False)
    sand: float = Field(..., ge=0, le=100, allow_inf_nan=False)
    OM: float = Field(..., ge=0, le=100, allow_inf_nan=False, description="organic matter, %")

    @model_validator(mode="after")
    def _sums(self):
        total = self.clay + self.silt + self.sand
        if not 98.0 <= total <= 102.0:
            raise ValueError(f"clay + silt + sand is {total:g} %, expected 100 % (within 2)")
        return self


class Horizon(BaseModel):
    """One soil analysis horizon (6.3.3.2 L1892; Annexe 3 Tableau 6 L3736-L3745)."""
    model_config = _STRICT
    top: float = Field(..., ge=0, le=200, allow_inf_nan=False, description="cm")
    bottom: float = Field(..., gt=0, le=200, allow_inf_nan=False, description="cm")
    SOC: float = Field(..., ge=0, le=600, allow_inf_nan=False, description="organic C, g C / kg fine earth")
    bulk_density: Optional[float] = Field(None, gt=0, le=3, allow_inf_nan=False,
                                          description="measured fine-earth bulk density, g/cm3")
    texture: Optional[Texture] = Field(None, description="for the Annexe 14 pedotransfer function when the "
                                                         "bulk density is not measured")
    stones: float = Field(0.0, ge=0, lt=100, allow_inf_nan=False, description="coarse elements, % of volume")

    @model_validator(mode="after")
    def _one_density(self):
        if (self.bulk_density is None) == (self.texture is None):
            raise ValueError("give either bulk_density (measured) or texture (Annexe 14 pedotransfer), not both")
        if self.bottom <= self.top:
            raise ValueError("bottom must be deeper than top")
        return self

    def density(self) -> float:
        if self.bulk_density is not None:
            return self.bulk_density
        t = self.texture
        return float(bulk_density_ptf(t.clay, t.silt, t.sand, t.OM))


class Soil(BaseModel):
    """Soil of the plot over the considered depth (notes §1.3, §1.6)."""
    model_config = _STRICT
    clay: float = Field(..., ge=0, le=1000, allow_inf_nan=False, description="clay, g/kg, after decarbonation")
    CaCO3: float = Field(..., ge=0, le=1000, allow_inf_nan=False, description="g/kg")
    pH: float = Field(..., ge=3, le=11, allow_inf_nan=False, description="pH in water")
    CN: float = Field(..., gt=0, le=100, allow_inf_nan=False, description="soil C:N ratio")
    depth: Optional[float] = Field(None, gt=0, le=LBC_DEPTH_CM, allow_inf_nan=False,
                                   description="considered depth, cm (<= 30, 6.3.1 L1830); default: 30, or "
                                               "the thinner soil or analysed layer")
    thickness: Optional[float] = Field(None, gt=0, le=1000, allow_inf_nan=False, description="soil thickness, cm, if < 30")
    initial_stock: Optional[float] = Field(None, ge=0, le=1000, allow_inf_nan=False,
                                           description="initial SOC stock over the considered depth, t C / ha")
    analysis: Optional[List[Horizon]] = Field(None, min_length=1,
                                              description="soil analysis horizons giving the initial stock")

    @model_validator(mode="after")
    def _stock(self):
        if (self.initial_stock is None) == (self.analysis is None):
            raise ValueError("give either initial_stock (t C/ha) or analysis (horizons), not both")
        if self.initial_stock is not None and self.depth is None:
            raise ValueError("initial_stock needs the depth (cm) it covers")
        return self

    def resolve(self) -> Tuple[float, float]:
        """(considered depth cm, initial stock t C/ha); raises ValueError."""
        data_depth = max(h.bottom for h in self.analysis) if self.analysis else None
        z = considered_depth(self.thickness, data_depth)
        if self.depth is not None:
            if self.depth > z:
                raise ValueError(f"depth {self.depth:g} cm is deeper than the soil or the analysed layer "
                                 f"({z:g} cm): no extrapolation (6.3.1 L1832)")
            z = self.depth
        if self.initial_stock is not None:
            return z, self.initial_stock
        hs = self.analysis
        dens = [h.density() for h in hs]
        for i, d in enumerate(dens):
            if not d > 0:
                raise ValueError(f"analysis[{i}]: the pedotransfer function gives a bulk density of {d:g} g/cm3")
        c0 = initial_stock_layers([h.top for h in hs], [h.bottom for h in hs], [h.SOC for h in hs], dens,
                                  [h.stones for h in hs], z)
        return z, c0


class Plot(BaseModel):
    model_config = _STRICT
    id: str = Field(..., min_length=1)
    soil: Soil
    years: List[Year] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _consecutive(self):
        ys = [y.year for y in self.years]
        for a, b in zip(ys, ys[1:]):
            if b != a + 1:
                raise ValueError(f"years must be consecutive and increasing (AMG has a yearly step): {a} then {b}")
        return self


class AmgInput(BaseModel):
    """`carbonspec amg` input: one or more plots, each simulated alone."""
    model_config = _STRICT
    format: Literal["carbonspec-amg/1"] = FORMAT_ID
    description: Optional[str] = None
    source: Optional[str] = None
    plots: List[Plot] = Field(..., min_length=1, description="plot ids must be unique")


def schema() -> dict:
    """The JSON Schema of the input format (written to examples/amg/amg-input.schema.json)."""
    return AmgInput.model_json_schema(by_alias=True)


# ------------------------------------------------------------------ reading --
def _loc(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_input(path: Path) -> AmgInput:
    """Parse and validate FILE; InputError('FILE: field.path', message) otherwise."""
    name = str(path)
    from carbonspec.runtime.io.strict_json import load_file

    raw = load_file(Path(path), "AMG input")  # duplicate keys, overflowing numbers, deep nesting: located
    try:
        doc = AmgInput.model_validate(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] not in ("missing", "value_error", "extra_forbidden") and "input" in e:
            msg += f" (got {json.dumps(e['input'])[:60]})"
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        more = f" (and {exc.error_count() - 1} more error(s))" if exc.error_count() > 1 else ""
        where = f"{name}: {_loc(e['loc'])}" if e["loc"] else name
        raise InputError(where, msg + more) from None
    seen: Dict[str, int] = {}
    for i, p in enumerate(doc.plots):
        if p.id in seen:
            raise InputError(f"{name}: plots[{i}].id", f"duplicate plot id {p.id!r} (also plots[{seen[p.id]}])")
        seen[p.id] = i
    return doc


def crop_rows(entry, where: str) -> list:
    """The AMG crop rows of one year's entry: the main crop, then its cover crop and catch
    crop if any, as (type, crop name, yield or biomass, water %, residues, location of the
    crop field for errors, irrigation mm).  Shared by `carbonspec amg` and the LBC bridge."""
    rows = [("mc", entry.crop, entry.yield_, entry.water, entry.residues, f"{where}.crop", entry.irrigation)]
    if entry.cover_crop is not None:
        c = entry.cover_crop
        rows.append(("cc", c.crop, c.biomass, c.water, c.residues, f"{where}.cover_crop.crop", 0.0))
    if entry.catch_crop is not None:
        c = entry.catch_crop
        rows.append(("cch", c.crop, c.yield_, c.water, c.residues, f"{where}.catch_crop.crop", 0.0))
    return rows


def to_columns(doc: AmgInput, params: AmgParams, name: str):
    """The plots as (SoilColumns, T, rainfall, PET, Practices) per group of plots with the
    same number of years (a rectangular grid per group): a list of (plot indices, ...)."""
    groups: Dict[int, List[int]] = {}
    for i, p in enumerate(doc.plots):
        groups.setdefault(len(p.years), []).append(i)
    out = []
    for R, idx in groups.items():
        soil = {k: [] for k in ("clay", "caco3", "pH", "cn", "depth", "C0")}
        T, rain, pet = (np.zeros((len(idx), R)) for _ in range(3))
        cr = {k: [] for k in ("run", "year", "crop", "yield", "water", "returned", "irrigation")}
        er = {k: [] for k in ("run", "year", "eom", "dose")}
        for run, i in enumerate(idx):
            p = doc.plots[i]
            try:
                z, c0 = p.soil.resolve()
            except ValueError as exc:
                raise InputError(f"{name}: plots[{i}].soil", str(exc)) from None
            for k, v in (("clay", p.soil.clay), ("caco3", p.soil.CaCO3), ("pH", p.soil.pH), ("cn", p.soil.CN),
                         ("depth", z), ("C0", c0)):
                soil[k].append(v)
            for j, y in enumerate(p.years):
                where = f"{name}: plots[{i}].years[{j}]"
                T[run, j], rain[run, j], pet[run, j] = y.weather.T_mean, y.weather.rainfall, y.weather.PET
                for ctype, cname, yld, water, residues, w, irr in crop_rows(y, where):
                    cr["run"].append(run)
                    cr["year"].append(j)
                    cr["crop"].append(params.crop_index(ctype, cname, w))
                    cr["yield"].append(yld)
                    cr["water"].append(water)
                    cr["returned"].append(residues == "returned")
                    cr["irrigation"].append(irr)
                for m, o in enumerate(y.organic):
                    er["run"].append(run)
                    er["year"].append(j)
                    er["eom"].append(params.eom_index(o.product, f"{where}.organic[{m}].product"))
                    er["dose"].append(o.dose)
        practices = Practices(
            n_runs=len(idx), n_years=np.full(len(idx), R), crop_run=cr["run"], crop_year=cr["year"], crop=cr["crop"],
            crop_yield=cr["yield"], crop_water=cr["water"], crop_returned=cr["returned"],
            crop_irrigation=cr["irrigation"], eom_run=er["run"], eom_year=er["year"], eom=er["eom"],
            eom_dose=er["dose"])
        out.append((idx, SoilColumns(**soil), T, rain, pet, practices))
    return out


# ------------------------------------------------------------------ running --
COLUMNS = ("plot", "year", "time", "T_mean", "rainfall", "PET", "irrigation", "C_input", "C_input_hum",
           "fT", "fH", "k", "QC", "QCS", "QCA")


def run_document(doc: AmgInput, params: AmgParams, name: str, backend: str, rounding: bool) -> List[dict]:
    """Simulate every plot; one dict per plot with its yearly rows (COLUMNS)."""
    results: List[Optional[dict]] = [None] * len(doc.plots)
    for idx, soil, T, rain, pet, practices in to_columns(doc, params, name):
        sim = simulate(soil, T, rain, pet, practices, params, backend, rounding)
        for run, i in enumerate(idx):
            p = doc.plots[i]
            rows = []
            for j, y in enumerate(p.years):
                rows.append({"plot": p.id, "year": y.year, "time": j, "T_mean": y.weather.T_mean,
                             "rainfall": y.weather.rainfall, "PET": y.weather.PET,
                             "irrigation": float(sim.irrigation[run, j]), "C_input": float(sim.C_total[run, j]),
                             "C_input_hum": float(sim.M[run, j]), "fT": float(sim.FT[run, j]),
                             "fH": float(sim.FH[run, j]), "k": float(sim.K[run, j]), "QC": float(sim.QC[run, j]),
                             "QCS": float(sim.CS[run]), "QCA": float(sim.QCA[run, j])})
            results[i] = {"id": p.id, "depth_cm": float(soil.depth[run]), "initial_stock": float(soil.C0[run]),
                          "final_year": p.years[-1].year, "final_stock": rows[-1]["QC"], "years": rows}
    return results  # type: ignore[return-value]


def render(results: List[dict], fmt: str, meta: dict) -> str:
    if fmt == "json":
        return json.dumps({**meta, "plots": results}, ensure_ascii=False, indent=1) + "\n"
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for plot in results:
        for row in plot["years"]:
            w.writerow([repr(row[c]) if isinstance(row[c], float) else row[c] for c in COLUMNS])
    return buf.getvalue()


def run_file(path: Path, fmt: str = "json", backend: str = "numba", rounding: bool = True,
             table_dir: Optional[Path] = None) -> Tuple[str, str]:
    """What `carbonspec amg` does: (text for stdout, one-line summary for stderr)."""
    params = load_params(table_dir)
    doc = read_input(Path(path))
    from .model import resolve_backend

    backend = resolve_backend(backend, sum(len(p.years) for p in doc.plots))  # the one that runs, in the output
    results = run_document(doc, params, str(path), backend, rounding)
    meta = {"model": "AMG v2 (Clivot et al. 2019), AMG_base semantics", "backend": backend,
            "rounding": "AMG_base (R round)" if rounding else "none",
            "tables": {"directory": str(params.directory), "hash": params.content_hash}, "units": UNITS}
    summary = "; ".join(f"{r['id']}: {r['final_stock']:.4f} t C/ha in {r['final_year']}" for r in results)
    note = "" if rounding else (" (rounding emulation off: on AMG_base's own 18-year example the stocks then differ "
                                "from AMG_base's by up to 0.031 t C/ha)")
    return render(results, fmt, meta), f"AMG v2 · backend {backend} · rounding {meta['rounding']}{note} · {summary}"


UNITS = {"T_mean": "degC", "rainfall": "mm", "PET": "mm", "irrigation": "mm", "C_input": "t C/ha/yr",
         "C_input_hum": "t C/ha/yr (humified)", "fT": "1", "fH": "1", "k": "1/yr", "QC": "t C/ha",
         "QCS": "t C/ha", "QCA": "t C/ha", "depth_cm": "cm", "initial_stock": "t C/ha", "final_stock": "t C/ha"}

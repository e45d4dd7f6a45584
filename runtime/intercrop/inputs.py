"""The `carbonspec intercrop` input format (`carbonspec-intercrop/1`), checked field by field
with pydantic; a bad value stops with `FILE: plots[2].lai[5].date: message` (exit 2).

Entities (digest B.3): farms with their cropping systems; weather stations with a daily
series (SAFRAN-like: mean air temperature, global radiation, rainfall, reference ET);
plots with RPG id, area and optional GeoJSON geometry, their farm and cropping system, the
crop succession per campaign (main crop for AMG), intercrop windows (harvest of the
campaign's main crop -> sowing of the next one) with the CI type, sowing and destruction
dates and optional field weighings, the LAI series (date, value, sd, QA flag, sensor), and
the soil (AMG format) when recent analyses exist.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.models.amg.io import Residues, Soil, _loc

FORMAT_ID = "carbonspec-intercrop/1"
_STRICT = ConfigDict(extra="forbid", populate_by_name=True)
SENSORS = ("S2A", "S2B", "S2C", "L8", "L9", "SPOT6", "SPOT7")


class Day(BaseModel):
    model_config = _STRICT
    date: dt.date
    T_mean: float = Field(..., ge=-50, le=50, allow_inf_nan=False, description="daily mean air temperature, degC")
    radiation: float = Field(..., ge=0, le=45, allow_inf_nan=False, description="global radiation, MJ/m2/day")
    rainfall: float = Field(..., ge=0, le=1000, allow_inf_nan=False, description="mm/day")
    ET0: float = Field(..., ge=0, le=30, allow_inf_nan=False, description="reference (Penman) evapotranspiration, mm/day")


class Station(BaseModel):
    model_config = _STRICT
    id: str = Field(..., min_length=1)
    description: Optional[str] = None
    daily: List[Day] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _consecutive(self):
        for i in range(1, len(self.daily)):
            if (self.daily[i].date - self.daily[i - 1].date).days != 1:
                raise ValueError(f"daily[{i}].date {self.daily[i].date}: days must be consecutive "
                                 f"(previous {self.daily[i - 1].date})")
        return self


class System(BaseModel):
    model_config = _STRICT
    id: str = Field(..., min_length=1)
    name: Optional[str] = None


class Farm(BaseModel):
    model_config = _STRICT
    id: str = Field(..., min_length=1)
    name: Optional[str] = None
    first_project_year: Optional[int] = Field(
        None, ge=1900, le=2200,
        description="calendar year of the first project year (k = 0) of the farm's dossier, for `--dossier`: the "
                    "cover crop of campaign c goes to year k = c - first_project_year (the spec's choice)")
    systems: List[System] = Field(..., min_length=1)


class Campaign(BaseModel):
    """The main crop of a campaign (harvest year), in AMG terms."""
    model_config = _STRICT
    year: int = Field(..., ge=1900, le=2200)
    crop: str = Field(..., min_length=1, description="main crop (mc): key or English name in annexes/amg/crops.csv")
    yield_: float = Field(..., alias="yield", ge=0, allow_inf_nan=False, description="t fresh matter / ha")
    water: float = Field(0.0, ge=0, lt=100, allow_inf_nan=False, description="% of fresh matter")
    residues: Residues = "returned"


class Weighing(BaseModel):
    model_config = _STRICT
    date: dt.date
    biomass: float = Field(..., ge=0, le=30, allow_inf_nan=False, description="above-ground biomass, t DM / ha")
    sd: float = Field(..., gt=0, le=30, allow_inf_nan=False, description="standard deviation, t DM / ha")


class Intercrop(BaseModel):
    """One intercrop window, after the harvest of `campaign`'s main crop."""
    model_config = _STRICT
    campaign: int = Field(..., description="year of the main crop harvested before the window")
    start: dt.date = Field(..., description="harvest of the previous main crop")
    end: dt.date = Field(..., description="sowing of the next main crop")
    ci_type: Optional[str] = Field(None, description="cover-crop type (AMG cc key); absent: no CI declared")
    sowing: Optional[dt.date] = None
    destruction: Optional[dt.date] = None
    weighings: List[Weighing] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates(self):
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        if self.ci_type is None:
            if self.sowing or self.destruction or self.weighings:
                raise ValueError("sowing, destruction and weighings need a ci_type")
            return self
        if self.destruction is None:
            raise ValueError("a cover crop needs its destruction date")
        if not self.start < self.destruction <= self.end:
            raise ValueError(f"destruction {self.destruction} must be inside the window {self.start} .. {self.end}")
        if self.sowing is not None and not self.start <= self.sowing < self.destruction:
            raise ValueError(f"sowing {self.sowing} must be between start {self.start} and destruction "
                             f"{self.destruction}")
        for w in self.weighings:
            if not self.start <= w.date <= self.destruction:
                raise ValueError(f"weighing of {w.date} is outside {self.start} .. {self.destruction}")
        return self


class LaiObs(BaseModel):
    model_config = _STRICT
    date: dt.date
    value: float = Field(..., ge=0, le=15, allow_inf_nan=False, description="green LAI, m2/m2")
    sd: float = Field(0.2, gt=0, le=5, allow_inf_nan=False, description="uncertainty of the retrieval, m2/m2")
    qa: Literal["ok", "cloud", "shadow", "snow"] = Field("ok", description="only 'ok' observations are fitted")
    sensor: Literal[SENSORS] = "S2A"  # type: ignore[valid-type]


class Plot(BaseModel):
    model_config = _STRICT
    id: str = Field(..., min_length=1)
    rpg_id: str = Field(..., min_length=1, description="RPG parcel (îlot) identifier")
    farm: str
    system: str
    area_ha: float = Field(..., gt=0, le=10000, allow_inf_nan=False)
    geometry: Optional[Dict[str, Any]] = Field(None, description="GeoJSON Polygon/MultiPolygon, WGS 84 lon/lat")
    weather: str = Field(..., description="id of a weather station")
    soil: Optional[Soil] = Field(None, description="AMG soil (recent analyses); without it, no AMG coupling")
    succession: List[Campaign] = Field(..., min_length=1)
    intercrops: List[Intercrop] = Field(default_factory=list)
    lai: List[LaiObs] = Field(default_factory=list)

    @model_validator(mode="after")
    def _order(self):
        ys = [c.year for c in self.succession]
        for a, b in zip(ys, ys[1:]):
            if b != a + 1:
                raise ValueError(f"succession years must be consecutive: {a} then {b}")
        return self


class IntercropInput(BaseModel):
    model_config = _STRICT
    format: Literal["carbonspec-intercrop/1"] = FORMAT_ID
    name: str = Field(..., min_length=1)
    synthetic: bool = Field(False, description="true for made-up data (examples): said on every output")
    description: Optional[str] = None
    farms: List[Farm] = Field(..., min_length=1)
    weather: List[Station] = Field(..., min_length=1)
    plots: List[Plot] = Field(..., min_length=1)


def _pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r} in a JSON object")
        out[k] = v
    return out


def load_document(raw: Any, name: str, locate=None) -> IntercropInput:
    """Validate a decoded document (from JSON or Parquet tables); InputError, located (by the
    JSON path, or by `locate(loc)` for the Parquet tables)."""
    try:
        doc = IntercropInput.model_validate(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] not in ("missing", "value_error") and "input" in e:
            msg += f" (got {json.dumps(e['input'], default=str)[:60]})"
        more = f" (and {exc.error_count() - 1} more error(s))" if exc.error_count() > 1 else ""
        where = locate(e["loc"]) if locate else (f"{name}: {_loc(e['loc'])}" if e["loc"] else name)
        raise InputError(where, msg + more) from None
    check_links(doc, name)
    return doc


def read_json(path: Path) -> IntercropInput:
    name = str(path)
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=_pairs)
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(name, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(name, f"invalid JSON: {exc}") from None
    return load_document(raw, name)


def _unique(items, what: str, where: str):
    seen: Dict[str, int] = {}
    for i, it in enumerate(items):
        if it.id in seen:
            raise InputError(f"{where}[{i}].id", f"duplicate {what} id {it.id!r} (also {where}[{seen[it.id]}])")
        seen[it.id] = i
    return seen


def _closest(word: str, known) -> str:
    near = difflib.get_close_matches(word, list(known), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(sorted(known))}"


def check_links(doc: IntercropInput, name: str) -> None:
    """Ids unique, every reference resolves, LAI dates increasing, windows inside the data."""
    farms = {f.id: f for f in doc.farms}
    _unique(doc.farms, "farm", f"{name}: farms")
    stations = {s.id: s for s in doc.weather}
    _unique(doc.weather, "station", f"{name}: weather")
    _unique(doc.plots, "plot", f"{name}: plots")
    for i, p in enumerate(doc.plots):
        at = f"{name}: plots[{i}]"
        if p.farm not in farms:
            raise InputError(f"{at}.farm", f"no farm {p.farm!r}{_closest(p.farm, farms)}")
        systems = {s.id for s in farms[p.farm].systems}
        if p.system not in systems:
            raise InputError(f"{at}.system", f"farm {p.farm!r} has no cropping system {p.system!r}"
                                             f"{_closest(p.system, systems)}")
        if p.weather not in stations:
            raise InputError(f"{at}.weather", f"no weather station {p.weather!r}{_closest(p.weather, stations)}")
        for j in range(1, len(p.lai)):
            if p.lai[j].date <= p.lai[j - 1].date:
                raise InputError(f"{at}.lai[{j}].date", f"{p.lai[j].date} is not after the previous observation "
                                                        f"({p.lai[j - 1].date}): dates must be increasing")
        years = {c.year for c in p.succession}
        daily = stations[p.weather].daily
        for j, w in enumerate(p.intercrops):
            wat = f"{at}.intercrops[{j}]"
            if w.campaign not in years:
                raise InputError(f"{wat}.campaign", f"{w.campaign} is not a campaign of the succession "
                                                    f"({min(years)} .. {max(years)})")
            if w.ci_type is None:
                continue
            if not (daily[0].date <= w.start and w.destruction <= daily[-1].date):
                raise InputError(f"{wat}", f"the window {w.start} .. {w.destruction} is outside the weather series "
                                           f"of {p.weather!r} ({daily[0].date} .. {daily[-1].date})")
            inside = [o for o in p.lai if w.start <= o.date <= w.destruction]
            if not inside:
                span = f"{p.lai[0].date} .. {p.lai[-1].date}" if p.lai else "no observation"
                raise InputError(f"{wat}", f"the window {w.start} .. {w.destruction} is outside the LAI series "
                                           f"({span})")
        for j, w in enumerate(p.intercrops):
            for k in range(j):
                o = p.intercrops[k]
                if w.start < o.end and o.start < w.end:
                    raise InputError(f"{at}.intercrops[{j}]", f"overlaps intercrops[{k}] ({o.start} .. {o.end})")

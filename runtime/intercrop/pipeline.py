"""From the checked input to per-plot results: CI presence, SAFY fit, biomass at
destruction with its uncertainty, AMG with and without the CI, aggregation plot ->
cropping system -> farm, and the provenance record of each plot (the audit evidence LBC
Tableau 32 row 18 asks of remote-sensing or crop-model biomass, L3371-L3373).

Choices of this tool (the QUANTICA text gives no rule; digest B.3 "derived: CI presence flag"):
- a CI is *present* in a window when at least PRESENCE_MIN_OBS cloud-free observations between
  start and destruction show LAI >= PRESENCE_LAI; otherwise its biomass is 0 and nothing is
  fitted (bare soil and residues retrieve LAI ~0-0.2);
- without a declared ci_type no biomass is counted, but vegetation seen in the window is
  reported as a warning (regrowth or weeds are no cover crop);
- AMG runs only for plots with a soil (QUANTICA, Q8: "when recent soil analyses are
  available at the plot"); with and without differ only by the CI rows.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.models.amg import io as amg_io
from carbonspec.runtime.models.amg.params import AmgParams, load_params as load_amg
from carbonspec.runtime.models.crop import SafyParams, load_params as load_safy
from carbonspec.runtime.models.crop.fit import fit_plot

from .geometry import area_ha
from .inputs import IntercropInput, Plot

PRESENCE_LAI = 0.3          # m2/m2
PRESENCE_MIN_OBS = 2
AREA_TOLERANCE = (0.02, 0.05)   # relative, absolute ha: geometry vs declared area
C_TO_CO2 = 44.0 / 12.0
MODEL = "SAFY daily core (Duchemin et al. 2008), the crop model of SAFYE-CO2 / AgriCarbon-EO (Wijmer et al. 2024)"
MODEL_VERSION = "carbonspec-safy/1"
MODES = {"remote_sensing": "télédétection seule", "coupled": "couplage pesée / télédétection"}


@dataclass
class Season:
    """One intercrop window of one plot."""
    plot: str
    campaign: int
    ci_type: Optional[str]
    start: dt.date
    end: dt.date
    destruction: Optional[dt.date]
    present: bool
    biomass: float = 0.0             # t DM / ha at destruction
    biomass_sd: float = 0.0
    mode: Optional[str] = None       # "remote_sensing" | "coupled" (field weighings used in the fit)
    fit: Optional[dict] = None
    series: Optional[dict] = None    # dates, observed, fitted (for the chart)
    warnings: List[str] = field(default_factory=list)


def _window(station, start: dt.date, stop: dt.date):
    first = station.daily[0].date
    a, b = (start - first).days, (stop - first).days
    days = station.daily[a:b + 1]
    return (np.array([d.T_mean for d in days]), np.array([d.radiation for d in days]))


def _season(p: Plot, j: int, station, safy: SafyParams, where: str) -> Season:
    w = p.intercrops[j]
    s = Season(p.id, w.campaign, w.ci_type, w.start, w.end, w.destruction, present=False)
    stop = w.destruction or w.end
    valid = [o for o in p.lai if o.qa == "ok" and w.start <= o.date <= stop]
    green = [o for o in valid if o.value >= PRESENCE_LAI]
    if w.ci_type is None:
        if len(green) >= PRESENCE_MIN_OBS:
            s.warnings.append(f"{where} : végétation observée (LAI >= {PRESENCE_LAI} à {len(green)} dates) sans culture "
                              f"intermédiaire déclarée : aucune biomasse comptée (repousses ou adventices ?)")
        return s
    if len(green) < PRESENCE_MIN_OBS:
        s.warnings.append(f"{where} : culture intermédiaire {w.ci_type!r} déclarée mais non observée (moins de "
                          f"{PRESENCE_MIN_OBS} dates sans nuage avec LAI >= {PRESENCE_LAI}) : biomasse 0")
        s.mode = "coupled" if w.weighings else "remote_sensing"
        return s
    s.present = True
    T, Rg = _window(station, w.start, w.destruction)
    obs_day = np.array([(o.date - w.start).days for o in valid])
    lai = np.array([o.value for o in valid])
    sd = np.array([o.sd for o in valid])
    bounds = dict(safy.bounds)
    dmax = (w.destruction - w.start).days - 10
    if w.sowing is not None:
        s0 = (w.sowing - w.start).days
        bounds["D0"] = (float(s0), float(min(s0 + 25, dmax)))
    else:
        bounds["D0"] = (bounds["D0"][0], float(min(bounds["D0"][1], dmax)))
    if not bounds["D0"][0] < bounds["D0"][1]:
        raise InputError(where, f"the window {w.start} .. {w.destruction} is too short for a cover crop to "
                                f"emerge and grow (at least 10 days after emergence)")
    wd = np.array([(x.date - w.start).days for x in w.weighings], dtype=np.int64)
    fixed = safy.for_type(w.ci_type)
    f = fit_plot(T, Rg, obs_day, lai, sd, len(T) - 1, fixed, bounds,
                 wd, np.array([x.biomass * 100 for x in w.weighings]), np.array([x.sd * 100 for x in w.weighings]))
    s.biomass, s.biomass_sd = f.biomass / 100.0, f.biomass_sd / 100.0    # g/m2 -> t/ha
    s.mode = "coupled" if w.weighings else "remote_sensing"
    s.fit = {"parameters": {**f.theta, "D0_date": (w.start + dt.timedelta(days=f.theta["D0"])).isoformat()},
             "rmse_lai": f.rmse, "r2": f.r2, "chi2_red": f.chi2_red, "n_obs": f.n_obs,
             "n_weighings": int(wd.size), "evaluations": f.nfev, "converged": f.success}
    if not f.success or f.r2 < 0.5:
        s.warnings.append(f"{where} : ajustement médiocre de la série LAI (R² {f.r2:.2f}, RMSE {f.rmse:.2f}) : "
                          f"vérifier la série avant d'utiliser la biomasse")
    s.series = {"start": w.start.isoformat(), "fitted_lai": [round(float(x), 4) for x in f.gla],
                "observed": [{"day": int(d), "lai": float(v), "sd": float(e)} for d, v, e in zip(obs_day, lai, sd)]}
    return s


def _amg_plot(p: Plot, station, seasons: List[Season], with_ci: bool) -> amg_io.Plot:
    """The plot as a `carbonspec amg` plot: calendar-year weather from the daily series, the
    succession's main crops, and (with_ci) each present CI as the cover crop of its campaign."""
    years = []
    by_campaign = {s.campaign: s for s in seasons if s.present}
    for c in p.succession:
        days = [d for d in station.daily if d.date.year == c.year]
        n_days = 366 if c.year % 4 == 0 and (c.year % 100 != 0 or c.year % 400 == 0) else 365
        if len(days) != n_days:
            raise InputError(f"plot {p.id!r} campaign {c.year}", f"the weather station {p.weather!r} does not cover "
                                                                  f"the whole calendar year {c.year} (AMG's step)")
        y = {"year": c.year, "weather": {"T_mean": float(np.mean([d.T_mean for d in days])),
                                         "rainfall": float(sum(d.rainfall for d in days)),
                                         "PET": float(sum(d.ET0 for d in days))},
             "crop": c.crop, "yield": c.yield_, "water": c.water, "residues": c.residues}
        s = by_campaign.get(c.year)
        if with_ci and s is not None and s.biomass > 0:
            y["cover_crop"] = {"crop": s.ci_type, "biomass": s.biomass, "water": 0.0, "residues": "returned"}
        years.append(y)
    return amg_io.Plot.model_validate({"id": p.id, "soil": p.soil.model_dump(exclude_none=True), "years": years})


def run(doc: IntercropInput, name: str, amg: Optional[AmgParams] = None, safy: Optional[SafyParams] = None,
        backend: str = "numba") -> dict:
    amg = amg or load_amg()
    safy = safy or load_safy()
    stations = {s.id: s for s in doc.weather}
    plots_out, seasons_all, warnings = [], [], []
    for i, p in enumerate(doc.plots):
        at = f"{name}: plots[{i}]"
        geo = None
        if p.geometry is not None:
            try:
                geo = area_ha(p.geometry)
            except ValueError as exc:
                raise InputError(f"{at}.geometry", str(exc)) from None
            rel, absolute = AREA_TOLERANCE
            if abs(geo - p.area_ha) > max(rel * p.area_ha, absolute):
                raise InputError(f"{at}.area_ha", f"declared {p.area_ha:g} ha but the geometry measures {geo:.2f} ha "
                                                  f"in Lambert-93 (EPSG:2154); tolerance {rel:.0%} or {absolute} ha")
        for j, w in enumerate(p.intercrops):
            if w.ci_type is not None:
                amg.crop_index("cc", w.ci_type, f"{at}.intercrops[{j}].ci_type")
        for j, c in enumerate(p.succession):
            amg.crop_index("mc", c.crop, f"{at}.succession[{j}].crop")
        seasons = [_season(p, j, stations[p.weather], safy, f"{at}.intercrops[{j}]") for j in range(len(p.intercrops))]
        for s in seasons:
            warnings.extend(s.warnings)
        soil_out = None
        if p.soil is not None:
            docs = [amg_io.AmgInput(plots=[_amg_plot(p, stations[p.weather], seasons, flag)]) for flag in (True, False)]
            with_, without = (amg_io.run_document(d, amg, f"{at}", backend, True)[0] for d in docs)
            dS = with_["final_stock"] - without["final_stock"]
            soil_out = {"initial_stock": with_["initial_stock"], "depth_cm": with_["depth_cm"],
                        "final_year": with_["final_year"],
                        "stocks_with_ci": [r["QC"] for r in with_["years"]],
                        "stocks_without_ci": [r["QC"] for r in without["years"]],
                        "years": [r["year"] for r in with_["years"]],
                        "additional_storage_t_C_ha": dS, "additional_storage_t_CO2e_ha": dS * C_TO_CO2,
                        "additional_storage_t_CO2e": dS * C_TO_CO2 * p.area_ha}
        sensors = sorted({o.sensor for o in p.lai})
        plots_out.append({
            "id": p.id, "rpg_id": p.rpg_id, "farm": p.farm, "system": p.system, "area_ha": p.area_ha,
            "area_geometry_ha": geo, "seasons": [_season_json(s) for s in seasons], "soil_carbon": soil_out,
            "provenance": {
                "crop_model": MODEL, "crop_model_version": MODEL_VERSION,
                "parameters": {"directory": str(safy.directory), "hash": safy.content_hash,
                               "placeholders": sorted({x for s in seasons if s.present for x in safy.placeholders(s.ci_type)})},
                "images": {"sensors": sensors, "n": len(p.lai), "n_clear": sum(o.qa == "ok" for o in p.lai),
                           "first": p.lai[0].date.isoformat() if p.lai else None,
                           "last": p.lai[-1].date.isoformat() if p.lai else None,
                           "dates": [o.date.isoformat() for o in p.lai if o.qa == "ok"]},
                "acquisition_modes": sorted({MODES[s.mode] for s in seasons if s.mode}),
                "soil_model": ("AMG v2 (Clivot et al. 2019), tables " + amg.content_hash) if soil_out else
                              "not run: no soil analysis for the plot",
            }})
        seasons_all.extend((p, s) for s in seasons)
    return {"format": "carbonspec-intercrop-results/1", "name": doc.name, "synthetic": doc.synthetic,
            "plots": plots_out, **_aggregate(doc, plots_out, seasons_all), "warnings": warnings,
            "caveat": CAVEAT}


CAVEAT = ("SAFY/SAFYE-CO2 n'est pas un modèle sol de l'Annexe 13 de la méthode Label Bas-Carbone Grandes Cultures : "
          "il fournit la biomasse des cultures intermédiaires et les entrées de carbone, et c'est AMG qui calcule "
          "le stockage (digest B.4). Le mode d'acquisition (télédétection seule, ou couplée à des pesées) fixe le "
          "rabais d'incertitude r_biomasse de la méthode.")


def _season_json(s: Season) -> dict:
    return {"campaign": s.campaign, "ci_type": s.ci_type, "start": s.start.isoformat(), "end": s.end.isoformat(),
            "destruction": s.destruction.isoformat() if s.destruction else None, "present": s.present,
            "biomass_t_DM_ha": s.biomass, "biomass_sd_t_DM_ha": s.biomass_sd, "acquisition_mode": s.mode,
            "fit": s.fit, "series": s.series, "warnings": s.warnings}


def _aggregate(doc: IntercropInput, plots_out: List[dict], seasons) -> dict:
    """Plot -> cropping system -> farm.  Per system and campaign: area with a declared CI,
    CI biomass area-weighted over that area (what a dossier gives as the system's cover-crop
    biomass), the main CI type (largest area) and the acquisition mode covering the largest area
    of those plots (a tie takes remote sensing alone, the less precise; the reading LBC's spec
    records for its dossiers, 56-biomasse-intercultures.cspec choice Q2).  Per system
    and farm: the summed additional storage of the plots that have an AMG run."""
    camp: Dict[tuple, dict] = defaultdict(lambda: {"area_ci": 0.0, "bw": 0.0, "types": defaultdict(float),
                                                   "modes": defaultdict(float), "plots": []})
    for p, s in seasons:
        if s.ci_type is None:
            continue
        g = camp[(p.farm, p.system, s.campaign)]
        g["area_ci"] += p.area_ha
        g["bw"] += s.biomass * p.area_ha
        g["types"][s.ci_type] += p.area_ha
        g["modes"][s.mode] += p.area_ha
        g["plots"].append(p.id)
    systems: Dict[tuple, dict] = {}
    for f in doc.farms:
        for sy in f.systems:
            systems[(f.id, sy.id)] = {"farm": f.id, "system": sy.id, "area_ha": 0.0, "plots": [],
                                      "plots_with_amg": [], "additional_storage_t_CO2e": 0.0, "campaigns": []}
    for p in plots_out:
        sy = systems[(p["farm"], p["system"])]
        sy["area_ha"] += p["area_ha"]
        sy["plots"].append(p["id"])
        if p["soil_carbon"]:
            sy["plots_with_amg"].append(p["id"])
            sy["additional_storage_t_CO2e"] += p["soil_carbon"]["additional_storage_t_CO2e"]
    for (farm, system, campaign), g in sorted(camp.items()):
        systems[(farm, system)]["campaigns"].append({
            "campaign": campaign, "ci_area_ha": g["area_ci"], "ci_type": max(g["types"], key=g["types"].get),
            "biomass_t_DM_ha": g["bw"] / g["area_ci"],
            "acquisition_mode": max(sorted(g["modes"], key=list(MODES).index), key=g["modes"].get),
            "plots": g["plots"]})
    farms = []
    for f in doc.farms:
        mine = [v for (fid, _), v in systems.items() if fid == f.id]
        farms.append({"farm": f.id, "area_ha": sum(v["area_ha"] for v in mine),
                      "additional_storage_t_CO2e": sum(v["additional_storage_t_CO2e"] for v in mine)})
    return {"systems": [v for v in systems.values() if v["plots"]], "farms": farms}

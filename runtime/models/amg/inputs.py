"""Carbon inputs of AMG v2: humified C per crop row and per organic-product application,
summed into one value M per (run, year).

Why here and in NumPy for both backends: the inputs are a handful of vectorised
multiplications per crop row (no recurrence); they are checked directly against the C
supply the R reference writes (`outputs_C_SUPPLY.csv`), not by backend agreement.

Crop rows (notes §1.4, AMG_base step 3.1; Bolinder allometry):
  Y_DM = yield (1 - water/100)                         t DM/ha (yield in t FW/ha)
  MC, CCH: C_SS = Y_DM (1 - HI)/HI C_AG ;  C_R = Y_DM / (SR HI) C_BG
  CC:      C_SS = Y_DM C_AG             ;  C_R = Y_DM / SR C_BG    (yield = above-ground biomass)
  C_R,z = (1 - beta^z) C_R ;  C_E,z = 0.65 C_R,z      (z = considered depth, cm)
  C_AG_in = PSS_eff C_SS with PSS_eff = 1 when residues are returned, else table PSS
  C_BG_in = C_R,z + C_E,z ;  humified = h_AG C_AG_in + h_BG C_BG_in
Organic products (notes §1.5): C = dose (t FW/ha) C_conc (kg C/t FW) / 1000 ; humified = h_EOM C
(h_EOM is the method's K1_MAFOR, Tableaux 14-16 L1869, L1889, L1926).

Each crop row and each application carries a `weight` (1 by default): the crop frequency
when a rotation is given as frequencies (6.3.4 L1953).  Irrigation (mm) is carried by the
crop rows and summed per year, as AMG_base does (notes §1.9; Annexe 3 Tableau 4 L3717:
"Somme (mm) des irrigations de la campagne culturale").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional

import numpy as np

from .params import AmgParams


def _i(a) -> np.ndarray:
    return np.asarray(a, dtype=np.int64).reshape(-1)


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).reshape(-1)


@dataclass
class Practices:
    """Yearly practices of `n_runs` runs, column-wise (one entry per crop row and per
    organic-product application; DESIGN.md "Data model").

    n_years[run]      number of years given for the run (years 0..n_years-1; 0 only where
                      a run has no practices, e.g. no history before the Projet)
    crop_*            crop rows: run, year (0-based), crop (row of crops.csv, see
                      AmgParams.crop_index), yield (t FW/ha: harvested organ for mc/cch,
                      above-ground biomass for cc), water (% of FW), returned (residues
                      returned to the soil, else exported), weight, irrigation (mm)
    eom_*             applications: run, year, product (row of organic_products.csv),
                      dose (t FW/ha), weight
    """
    n_runs: int
    n_years: np.ndarray
    crop_run: np.ndarray
    crop_year: np.ndarray
    crop: np.ndarray
    crop_yield: np.ndarray
    crop_water: np.ndarray
    crop_returned: np.ndarray
    crop_weight: Optional[np.ndarray] = None
    crop_irrigation: Optional[np.ndarray] = None
    eom_run: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    eom_year: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    eom: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    eom_dose: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eom_weight: Optional[np.ndarray] = None

    def __post_init__(self):
        self.n_years = _i(self.n_years)
        self.crop_run, self.crop_year, self.crop = _i(self.crop_run), _i(self.crop_year), _i(self.crop)
        self.crop_yield, self.crop_water = _f(self.crop_yield), _f(self.crop_water)
        self.crop_returned = np.asarray(self.crop_returned, dtype=bool).reshape(-1)
        n = self.crop_run.size
        self.crop_weight = np.ones(n) if self.crop_weight is None else _f(self.crop_weight)
        self.crop_irrigation = np.zeros(n) if self.crop_irrigation is None else _f(self.crop_irrigation)
        self.eom_run, self.eom_year, self.eom = _i(self.eom_run), _i(self.eom_year), _i(self.eom)
        self.eom_dose = _f(self.eom_dose)
        self.eom_weight = np.ones(self.eom_run.size) if self.eom_weight is None else _f(self.eom_weight)
        self.check()

    def check(self) -> None:
        """Shapes and domains; a violation is a programming error of the caller (the
        JSON and dossier readers report located errors before building this)."""
        if self.n_years.shape != (self.n_runs,):
            raise ValueError("Practices.n_years must have one entry per run")
        if self.n_runs and self.n_years.min() < 0:
            raise ValueError("Practices.n_years must be >= 0")
        for name in ("crop_year", "crop", "crop_yield", "crop_water", "crop_returned", "crop_weight",
                     "crop_irrigation"):
            if getattr(self, name).shape != self.crop_run.shape:
                raise ValueError(f"Practices.{name} must have one entry per crop row")
        for name in ("eom_year", "eom", "eom_dose", "eom_weight"):
            if getattr(self, name).shape != self.eom_run.shape:
                raise ValueError(f"Practices.{name} must have one entry per application")
        for run, year, what in ((self.crop_run, self.crop_year, "crop"), (self.eom_run, self.eom_year, "eom")):
            if run.size and (run.min() < 0 or run.max() >= self.n_runs):
                raise ValueError(f"Practices.{what}_run out of range")
            if run.size and (year.min() < 0 or np.any(year >= self.n_years[run])):
                raise ValueError(f"Practices.{what}_year outside the run's years")
        for name in ("crop_yield", "crop_weight", "crop_irrigation", "eom_dose", "eom_weight"):
            v = getattr(self, name)
            if not np.all(np.isfinite(v)) or np.any(v < 0):
                raise ValueError(f"Practices.{name} must be finite and >= 0")
        if np.any(~np.isfinite(self.crop_water)) or np.any(self.crop_water < 0) or np.any(self.crop_water >= 100):
            raise ValueError("Practices.crop_water must be in [0, 100) % of fresh weight")


def crop_inputs(params: AmgParams, crop, yield_fw, water_pct, returned, depth_cm) -> Dict[str, np.ndarray]:
    """C inputs of crop rows (t C/ha), notes §1.4: CAG, CBG and their humified parts."""
    crop = _i(crop)
    c = params.crop
    is_cc = c["is_cc"][crop] > 0.0
    HI, SR, beta = c["HI"][crop], c["SR"][crop], c["beta"][crop]
    y_dm = _f(yield_fw) * (1.0 - _f(water_pct) / 100.0)
    hi_safe = np.where(is_cc, 1.0, HI)  # cc rows have HI = 0 in the table; their branch does not use it
    c_ss = np.where(is_cc, y_dm * c["C_AG"][crop], y_dm * ((1.0 - hi_safe) / hi_safe) * c["C_AG"][crop])
    c_r = np.where(is_cc, (y_dm / SR) * c["C_BG"][crop], y_dm / (SR * hi_safe) * c["C_BG"][crop])
    c_r_z = (1.0 - beta ** _f(depth_cm)) * c_r               # roots within the considered depth
    c_e_z = c_r_z * params.model["rhizodeposition"]          # extra-root C within that depth
    pss = np.where(np.asarray(returned, dtype=bool), 1.0, c["PSS"][crop])
    cag = pss * c_ss
    cbg = c_r_z + c_e_z
    cag_hum = cag * c["h_AG"][crop]
    cbg_hum = cbg * c["h_BG"][crop]
    return {"CAG": cag, "CBG": cbg, "CPLT": cag + cbg, "CAG_hum": cag_hum, "CBG_hum": cbg_hum,
            "CPLT_hum": cag_hum + cbg_hum}


def eom_inputs(params: AmgParams, eom, dose) -> Dict[str, np.ndarray]:
    """C inputs of organic-product applications (t C/ha), notes §1.5."""
    eom = _i(eom)
    c_eom = _f(dose) * params.eom["C_conc"][eom] / 1000.0
    return {"CEOM": c_eom, "CEOM_hum": c_eom * params.eom["h_EOM"][eom]}


@dataclass
class YearlyInputs:
    """Per (run, year), shape (n_runs, max n_years): humified inputs M, total fresh C
    inputs and irrigation (mm).  Years beyond a run's n_years are 0."""
    M: np.ndarray
    C_total: np.ndarray
    irrigation: np.ndarray


def yearly_inputs(params: AmgParams, practices: Practices, depth_cm) -> YearlyInputs:
    """Sum the weighted crop and organic inputs of each (run, year).  `depth_cm` is the
    considered depth of each run (n_runs,)."""
    pr = practices
    n_y = int(pr.n_years.max()) if pr.n_runs else 0
    size = pr.n_runs * n_y
    depth = _f(depth_cm)
    crops = crop_inputs(params, pr.crop, pr.crop_yield, pr.crop_water, pr.crop_returned, depth[pr.crop_run])
    eoms = eom_inputs(params, pr.eom, pr.eom_dose)
    cell_c = pr.crop_run * n_y + pr.crop_year
    cell_e = pr.eom_run * n_y + pr.eom_year
    M = (np.bincount(cell_c, pr.crop_weight * crops["CPLT_hum"], minlength=size)
         + np.bincount(cell_e, pr.eom_weight * eoms["CEOM_hum"], minlength=size))
    C = (np.bincount(cell_c, pr.crop_weight * crops["CPLT"], minlength=size)
         + np.bincount(cell_e, pr.eom_weight * eoms["CEOM"], minlength=size))
    irr = np.bincount(cell_c, pr.crop_weight * pr.crop_irrigation, minlength=size)
    shape = (pr.n_runs, n_y)
    return YearlyInputs(M.reshape(shape), C.reshape(shape), irr.reshape(shape))


_CROP_KEYS = {"type", "crop", "yield", "water", "residues", "weight", "irrigation"}
_EOM_KEYS = {"product", "dose", "weight"}


def practices_from_records(params: AmgParams, systems, where: str = "systems") -> Practices:
    """Practices from plain records, one list of years per run (for callers that hold
    dicts, e.g. the LBC dossier wiring):

        systems[i][j] = {"crops":   [{"type": "mc" | "cc" | "cch", "crop": key or AMG name,
                                      "yield": t FW/ha, "water": % FW (0), "residues":
                                      "returned" (default) | "exported", "weight": 1,
                                      "irrigation": mm (0)}, ...],
                         "organic": [{"product": key or AMG name, "dose": t FW/ha, "weight": 1}, ...]}

    A bad record raises InputError located as `where[i][j].crops[c].field`."""
    from carbonspec.compiler.errors import InputError

    cols = {k: [] for k in ("run", "year", "crop", "yield", "water", "returned", "weight", "irrigation")}
    ecols = {k: [] for k in ("run", "year", "eom", "dose", "weight")}

    def number(rec, key, default, loc, upper=None):
        v = rec.get(key, default)
        if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0 \
                or (upper is not None and v >= upper):
            bound = f" and < {upper}" if upper is not None else ""
            raise InputError(f"{loc}.{key}", f"expected a finite number >= 0{bound}, got {v!r}")
        return float(v)

    n_years = []
    for i, years in enumerate(systems):
        n_years.append(len(years))
        for j, year in enumerate(years):
            loc = f"{where}[{i}][{j}]"
            extra = set(year) - {"crops", "organic"}
            if extra:
                raise InputError(f"{loc}.{sorted(extra)[0]}", "unknown field (expected crops, organic)")
            for c, rec in enumerate(year.get("crops", [])):
                cl = f"{loc}.crops[{c}]"
                extra = set(rec) - _CROP_KEYS
                if extra:
                    raise InputError(f"{cl}.{sorted(extra)[0]}",
                                     f"unknown field (expected {', '.join(sorted(_CROP_KEYS))})")
                ctype = rec.get("type", "mc")
                if ctype not in ("mc", "cc", "cch"):
                    raise InputError(f"{cl}.type", f"expected mc, cc or cch, got {ctype!r}")
                residues = rec.get("residues", "returned")
                if residues not in ("returned", "exported"):
                    raise InputError(f"{cl}.residues", f"expected returned or exported, got {residues!r}")
                if "crop" not in rec or "yield" not in rec:
                    raise InputError(cl, "a crop needs 'crop' and 'yield'")
                cols["run"].append(i)
                cols["year"].append(j)
                cols["crop"].append(params.crop_index(ctype, str(rec["crop"]), f"{cl}.crop"))
                cols["yield"].append(number(rec, "yield", None, cl))
                cols["water"].append(number(rec, "water", 0.0, cl, upper=100.0))
                cols["returned"].append(residues == "returned")
                cols["weight"].append(number(rec, "weight", 1.0, cl))
                cols["irrigation"].append(number(rec, "irrigation", 0.0, cl))
            for e, rec in enumerate(year.get("organic", [])):
                el = f"{loc}.organic[{e}]"
                extra = set(rec) - _EOM_KEYS
                if extra:
                    raise InputError(f"{el}.{sorted(extra)[0]}",
                                     f"unknown field (expected {', '.join(sorted(_EOM_KEYS))})")
                if "product" not in rec:
                    raise InputError(el, "an application needs 'product' and 'dose'")
                ecols["run"].append(i)
                ecols["year"].append(j)
                ecols["eom"].append(params.eom_index(str(rec["product"]), f"{el}.product"))
                ecols["dose"].append(number(rec, "dose", None, el))
                ecols["weight"].append(number(rec, "weight", 1.0, el))
    return Practices(n_runs=len(n_years), n_years=n_years, crop_run=cols["run"], crop_year=cols["year"],
                     crop=cols["crop"], crop_yield=cols["yield"], crop_water=cols["water"],
                     crop_returned=cols["returned"], crop_weight=cols["weight"], crop_irrigation=cols["irrigation"],
                     eom_run=ecols["run"], eom_year=ecols["year"], eom=ecols["eom"], eom_dose=ecols["dose"],
                     eom_weight=ecols["weight"])

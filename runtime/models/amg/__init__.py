"""AMG v2 soil organic carbon model (Clivot et al. 2019), the Annexe 13 model that most
tools use for RE_stockage_carbone_sol (Équations 24-25, 6.3) and the miscanthus storage
(Équation 28, 6.4) of LBC Grandes Cultures v2.0.

Sources: `../shared/reference/amg-v2-model.md` ("notes §n"), AMG_base (inrae/AMG_base@cc2c148,
the consortium's R version, which our runs reproduce exactly with `rounding=True`), the
method text (`Lnnnn` = line of lbc-grandes-cultures-v2.0.fr.txt).  Tables: `annexes/amg/`.

Modules, one job each:
  params.py     the AMG tables (crops, organic products, model parameters, miscanthus)
  soil.py       considered depth (0-30 cm, 6.3.1), bulk density (Annexe 14 PTF), initial stock
  climate.py    Annexe 3 ten-year weather series -> the climate of the simulated years
  inputs.py     humified C inputs from crops, residues, cover crops and organic products
  kernel.py     the yearly loop, Numba, vectorised over runs (scenario x system)
  reference.py  the same loop in plain NumPy (cross-check, 1e-9 relative)
  model.py      one simulation on a (run x year) grid, AMG_base semantics (`carbonspec amg`)
  pairs.py      reference and Projet from the same start: Sfin_ref, Sfin (Équation 25)
  miscanthus.py Équation 28 stocks (phase parameters are PLACEHOLDERS)
  io.py         the JSON description read by `carbonspec amg` (pydantic) and its output

API for the LBC wiring
----------------------
    simulate_pairs(soil: SoilColumns, climate: ClimateColumns,
                   reference: Practices, project: Practices, *,
                   horizon: int = 5,
                   history: Practices | None = None, history_years=None,
                   history_climate: ClimateColumns | None = None,
                   params: AmgParams | None = None,
                   backend: "numba" | "reference" = "numba",
                   rounding: bool = True) -> PairResult

S cropping systems, column-wise (NumPy arrays):
- soil = SoilColumns(clay g/kg after decarbonation, caco3 g/kg, pH water, cn, depth cm,
  C0 t C/ha over depth), each (S,).  `soil.considered_depth`, `bulk_density_ptf`,
  `soc_stock` / `initial_stock_layers` build depth and C0 from analyses (6.3.1, Annexe 14).
- climate = ClimateColumns(T_mean degC, rainfall mm, PET mm), each (S,) (same climate every
  simulated year, e.g. `annexe3_climate(...)` of the 10-year series) or (S, Y) per
  simulated year.  The same object drives both scenarios (Tableau 16).
- reference, project = Practices: per system a cycle of L years (project: the 5 Projet
  years; reference: the 3 pre-Projet years, or 1 mean year with crop frequencies as
  weights); crop rows (run, year, crop row of crops.csv via `AmgParams.crop_index`, yield
  t FW/ha, water % FW, residues returned, weight, irrigation mm) and organic-product
  applications (run, year, product via `AmgParams.eom_index`, dose t FW/ha, weight);
  `practices_from_records(params, systems)` builds it from plain per-year dicts.
- history, history_years (S,) 0..5: a specific reference started from a soil analysis
  made m years before the Projet (6.3.2 L1848): C0 is that analysis, the pre-Projet
  practices are simulated for m years, both scenarios start from the result.
Returns PairResult: stock_end_ref, stock_end (S,; Sfin_ref, Sfin) in t C/ha at the end of the horizon (after 5
simulated years; when a scenario's cycle is not the 5 years themselves, the mean over the
L phases of its rotation, each simulated 5 years: the "linéarisation" of 6.3.4 L1953),
C_start (S,) the common initial stock, stocks_ref / stocks (S, 6) the yearly stocks
(column j = after j simulated years), phases_ref / phases, M_ref / M and k_ref / k per year.
Équation 25 is then sum_i (Sfin_i - Sfin_ref_i) Surf_i; Équation 24 multiplies by 44/12.

Year convention (pairs.py docstring): simulated year j uses the inputs, the irrigation
and the climate of Projet year j, so Sfin contains the inputs of the 5 Projet years.

    simulate_miscanthus(soil, climate, reference, planting_year, yield_t_dm, *,
                        before_planting=None, lease_years=None, ..., allow_placeholders=False)
        -> MiscanthusResult (stock_end_miscanthus, stock_end_ref: Sfin_miscanthus, Sfin_ref at t+20 or t+X, t C/ha)

refuses to run on the placeholder phase parameters unless `allow_placeholders=True`.

Also: `simulate(soil, T, rainfall, PET, practices, ...)` (AMG_base semantics on a
rectangular grid, what `carbonspec amg FILE.json` runs), `load_params(dir)`.
"""
from .climate import Climate, ClimateColumns, annexe3_climate
from .inputs import Practices, crop_inputs, eom_inputs, practices_from_records, yearly_inputs
from .miscanthus import MiscanthusResult, simulate_miscanthus
from .model import SoilColumns, Simulation, initial_pools, run_kernel, simulate
from .pairs import PairResult, simulate_pairs
from .params import AmgParams, load_params
from .soil import bulk_density_ptf, considered_depth, initial_stock_layers, soc_stock

__all__ = [
    "AmgParams", "Climate", "ClimateColumns", "MiscanthusResult", "PairResult", "Practices", "Simulation",
    "SoilColumns", "annexe3_climate", "bulk_density_ptf", "considered_depth", "crop_inputs", "eom_inputs",
    "initial_pools", "initial_stock_layers", "load_params", "practices_from_records", "run_kernel", "simulate",
    "simulate_miscanthus", "simulate_pairs", "soc_stock", "yearly_inputs",
]

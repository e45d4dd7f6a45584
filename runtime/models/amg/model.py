"""One AMG v2 simulation of many runs on a rectangular (run x year) grid, either backend.

This is AMG_base's semantics (notes §1.2, kernel.py docstring): row 0 is the initial
stock, the inputs of row r act on r -> r+1, the weather and irrigation of row r on
r-1 -> r.  It is what `carbonspec amg` runs; `pairs.py` and `miscanthus.py` build their
grids on top of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .inputs import Practices, yearly_inputs
from .params import AmgParams, load_params

BACKENDS = ("numba", "reference", "auto")
# `auto`: grids smaller than this many cells run on the NumPy reference (bit-identical, and
# free of the ~1 s it takes Numba to load even a cached kernel); larger ones on the kernel
AUTO_NUMBA_CELLS = 200_000


def resolve_backend(backend: str, cells: int) -> str:
    """The backend `auto` stands for on a grid of `cells` (runs x rows); others unchanged."""
    if backend != "auto":
        return backend
    return "numba" if cells >= AUTO_NUMBA_CELLS else "reference"


@dataclass
class SoilColumns:
    """Per run (P,): clay (g/kg, after decarbonation), CaCO3 (g/kg), pH (water), soil
    C:N, considered depth (cm) and initial SOC stock C0 (t C/ha over that depth)."""
    clay: np.ndarray
    caco3: np.ndarray
    pH: np.ndarray
    cn: np.ndarray
    depth: np.ndarray
    C0: np.ndarray

    def __post_init__(self):
        for name in ("clay", "caco3", "pH", "cn", "depth", "C0"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.float64).reshape(-1))
        n = self.C0.size
        for name in ("clay", "caco3", "pH", "cn", "depth"):
            if getattr(self, name).size != n:
                raise ValueError(f"SoilColumns.{name} must have one value per run")
        for name in ("clay", "caco3", "pH", "cn", "depth", "C0"):
            v = getattr(self, name)
            if not np.all(np.isfinite(v)) or np.any(v < 0):
                raise ValueError(f"SoilColumns.{name} must be finite and >= 0")
        if np.any(self.depth <= 0):
            raise ValueError("SoilColumns.depth must be > 0 cm")

    def take(self, idx) -> "SoilColumns":
        return SoilColumns(self.clay[idx], self.caco3[idx], self.pH[idx], self.cn[idx], self.depth[idx],
                           self.C0[idx])


def initial_pools(C0, Ps: float, rounding: bool):
    """(QC_0, CS): the initial total stock and the inert stable pool CS = Ps C0 (notes
    §1.1); AMG_base rounds both to 4 decimals (step 4.3; notes §1.8)."""
    C0 = np.asarray(C0, dtype=np.float64)
    if rounding:
        from .reference import r_round
        return r_round(C0, 4), r_round(C0 * Ps, 4)
    return C0.copy(), C0 * Ps


@dataclass
class KernelOut:
    QC: np.ndarray
    K: np.ndarray
    FT: Optional[np.ndarray]
    FH: Optional[np.ndarray]


def run_kernel(C0, CS, soil: SoilColumns, T, W, M, params: AmgParams, backend: str = "numba",
               rounding: bool = True, store_factors: bool = True) -> KernelOut:
    """The yearly loop on grids T, W, M of shape (P, R) (kernel.py has the formulas).
    Refuses a non-finite result instead of returning it (no silent NaN)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}")
    T, W, M = (np.ascontiguousarray(a, dtype=np.float64) for a in (T, W, M))
    C0 = np.ascontiguousarray(C0, dtype=np.float64)
    CS = np.ascontiguousarray(CS, dtype=np.float64)
    if not (T.shape == W.shape == M.shape and T.ndim == 2 and T.shape[0] == C0.size == CS.size):
        raise ValueError("T, W and M must be (runs, rows) grids with one C0 and CS per run")
    for name, a in (("T", T), ("W", W), ("M", M)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"grid {name} has a non-finite value")
    prm = params.model_vector()
    backend = resolve_backend(backend, T.size)
    if backend == "numba":
        from .kernel import simulate_numba
        P, R = T.shape
        QC = np.empty((P, R))
        K = np.empty((P, R))
        FT = np.empty((P, R)) if store_factors else np.empty((0, 0))
        FH = np.empty((P, R)) if store_factors else np.empty((0, 0))
        if P and R:
            simulate_numba(C0, CS, soil.clay, soil.caco3, soil.pH, soil.cn, T, W, M, prm, bool(rounding),
                           QC, K, FT, FH, bool(store_factors))
        out = KernelOut(QC, K, FT if store_factors else None, FH if store_factors else None)
    else:
        from .reference import simulate_reference
        out = KernelOut(*simulate_reference(C0, CS, soil.clay, soil.caco3, soil.pH, soil.cn, T, W, M, prm,
                                            bool(rounding), store_factors))
    if not (np.all(np.isfinite(out.QC)) and np.all(np.isfinite(out.K))):
        bad = np.argwhere(~np.isfinite(out.QC) | ~np.isfinite(out.K))[0]
        # the readers bound every input to a realistic range; this is the backstop: a located
        # input error (exit 2), never a crash
        from carbonspec.compiler.errors import InputError

        raise InputError(f"AMG run {bad[0]}, year row {bad[1]}", "the soil carbon stock or k is not a finite number: "
                                                                 "an input (yield, dose, biomass...) is beyond any realistic value")
    return out


@dataclass
class Simulation:
    """Results per run and row (P, R): QC total stock, QCA active pool (t C/ha), k (1/yr),
    fT, fH; M humified inputs and C_total fresh C inputs (t C/ha/yr), irrigation and W
    (mm); CS the stable pool per run."""
    QC: np.ndarray
    QCA: np.ndarray
    CS: np.ndarray
    K: np.ndarray
    FT: np.ndarray
    FH: np.ndarray
    M: np.ndarray
    C_total: np.ndarray
    irrigation: np.ndarray
    W: np.ndarray


def simulate(soil: SoilColumns, T, rainfall, PET, practices: Practices, params: Optional[AmgParams] = None,
             backend: str = "numba", rounding: bool = True) -> Simulation:
    """AMG_base semantics on P runs of R rows each: weather grids (P, R) in degC and mm,
    `practices` with n_years == R for every run."""
    params = params or load_params()
    T, rainfall, PET = (np.asarray(a, dtype=np.float64) for a in (T, rainfall, PET))
    P, R = T.shape
    if practices.n_runs != P or np.any(practices.n_years != R):
        raise ValueError("practices must give R years for each of the P runs")
    yi = yearly_inputs(params, practices, soil.depth)
    W = rainfall + yi.irrigation - PET
    QC0, CS = initial_pools(soil.C0, params.model["Ps"], rounding)
    out = run_kernel(QC0, CS, soil, T, W, yi.M, params, backend, rounding)
    return Simulation(out.QC, out.QC - CS[:, None], CS, out.K, out.FT, out.FH, yi.M, yi.C_total,
                      yi.irrigation, W)

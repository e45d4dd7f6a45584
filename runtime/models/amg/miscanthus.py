"""Miscanthus: the soil C stocks of Équation 28 (6.4 L2046-L2058), plot planted against
reference maintained, over the 21 - n years of anticipated reductions.

What the method fixes:
- planting in Projet year n = 1..3; reductions counted over 21 - n years, the destruction
  year (year 20 of the Projet) included (1.4.3 L451);
- both stocks at t+20, or at t+X with X the remaining lease (L2053-L2055), simulated with
  AMG; the reference keeps its practices over the whole period (L2055);
- AMG's miscanthus has 3 phases, implantation, production, destruction, and only the
  yield is entered for the C inputs (L2038); the yield is the year-5 one (or year 3
  or 4), taken as the mean yield of the whole production period (L2060).

What it does not (notes §4): the phase parameters.  They come from the CE-CARB study
(L2036) and are not public; `annexes/amg/miscanthus.csv` holds PLACEHOLDERS (status
`placeholder` on every row), and `simulate_miscanthus` refuses them unless
`allow_placeholders=True`, in which case the result lists them: such figures are a
demonstration, never credits.

Model used with those parameters (the shape is ours, to be replaced by the consortium's):
each simulated year j = 1..20 of a planted plot is
  j < n  : before planting, the Projet practices of year j (`before_planting`);
  j = n  : implantation;   n < j < 20 : production;   j = 20 : destruction;
and a phase's humified input is h_AG (AG_C_fixed + AG_C_per_t_yield Y) + h_BG (BG_C_fixed +
BG_C_per_t_yield Y), Y the miscanthus yield (t DM/ha), no irrigation.  Year convention as
in `pairs.py` (simulated year j: inputs and climate of year j; stocks after j years).

Choices:
- Sfin_miscanthus is the stock after X years (Équation 28 as printed).  The "stock moyen
  de carbone sur les 20 ans" of L2042 contradicts it; the mean stock is returned for
  information only (like choice A35: the equation is the rule).
- The destruction stays in year 20 (L451 "année de destruction (année 20)"); with a lease
  X < 20 the horizon ends in production.
- The reference rotation is averaged over its phases, as in `pairs.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from carbonspec.compiler.errors import InputError

from .climate import ClimateColumns
from .inputs import Practices, yearly_inputs
from .model import SoilColumns, run_kernel
from .pairs import project_start, rotation_runs
from .params import MISCANTHUS_PHASES, AmgParams, load_params

LIFE_YEARS = 20          # 1.4.3 L445-L451: 20-year life, destruction in year 20
PLANTING_YEARS = (1, 3)  # L451: planting in the first 3 Projet years
BEFORE, IMPLANTATION, PRODUCTION, DESTRUCTION = 0, 1, 2, 3


@dataclass
class MiscanthusResult:
    """Per plot (S,): stock_end_miscanthus and stock_end_ref (Sfin_miscanthus, Sfin_ref; t C/ha after `horizon` years),
    mean_stock_* (mean of the stocks after years 1..horizon, information only), horizon
    (years); stocks_* (S, 21) after j = 0..20 simulated years (the reference's averaged
    over its rotation phases); phase (S, 20) codes (0 before
    planting, 1 implantation, 2 production, 3 destruction); M_miscanthus (S, 20) humified
    inputs of the planted plot; placeholders: the phases whose parameters are placeholders."""
    stock_end_miscanthus: np.ndarray
    stock_end_ref: np.ndarray
    mean_stock_miscanthus: np.ndarray
    mean_stock_ref: np.ndarray
    horizon: np.ndarray
    C_start: np.ndarray
    stocks_miscanthus: np.ndarray
    stocks_ref: np.ndarray
    phase: np.ndarray
    M_miscanthus: np.ndarray
    placeholders: Tuple[str, ...]


def phases(planting_year: np.ndarray) -> np.ndarray:
    """(S, 20) phase code of Projet years 1..20 for plots planted in year n."""
    n = np.asarray(planting_year, dtype=np.int64)[:, None]
    j = np.arange(1, LIFE_YEARS + 1)[None, :]
    return np.where(j < n, BEFORE, np.where(j == n, IMPLANTATION, np.where(j < LIFE_YEARS, PRODUCTION, DESTRUCTION)))


def phase_inputs(params: AmgParams, phase: np.ndarray, yield_t_dm: np.ndarray) -> np.ndarray:
    """Humified C inputs (t C/ha/yr) of the miscanthus phases (0 where `phase` is BEFORE)."""
    Y = np.asarray(yield_t_dm, dtype=np.float64)[:, None]
    M = np.zeros(phase.shape)
    for code, name in zip((IMPLANTATION, PRODUCTION, DESTRUCTION), MISCANTHUS_PHASES):
        p = params.miscanthus[name]
        m = (p["h_AG"] * (p["AG_C_fixed"] + p["AG_C_per_t_yield"] * Y)
             + p["h_BG"] * (p["BG_C_fixed"] + p["BG_C_per_t_yield"] * Y))
        M = np.where(phase == code, m, M)
    return M


def simulate_miscanthus(soil: SoilColumns, climate: ClimateColumns, reference: Practices, planting_year,
                        yield_t_dm, *, before_planting: Optional[Practices] = None, lease_years=None,
                        history: Optional[Practices] = None, history_years=None,
                        history_climate: Optional[ClimateColumns] = None, params: Optional[AmgParams] = None,
                        backend: str = "numba", rounding: bool = True,
                        allow_placeholders: bool = False) -> MiscanthusResult:
    """Sfin_miscanthus and Sfin_ref of Équation 28 for S planted plots (module docstring).

    planting_year (S,) in 1..3; yield_t_dm (S,) t DM/ha; lease_years (S,) X in n..20 or
    None (owner: 20); before_planting: the Projet practices of years 1..n-1 (needed when
    some n > 1); reference: the reference cycle, maintained (averaged over its rotation phases);
    history*: as in `pairs.simulate_pairs`."""
    params = params or load_params()
    S = soil.C0.size
    n = np.asarray(planting_year, dtype=np.int64).reshape(-1)
    Y = np.asarray(yield_t_dm, dtype=np.float64).reshape(-1)
    X = np.full(S, LIFE_YEARS, dtype=np.int64) if lease_years is None else np.asarray(lease_years, np.int64).reshape(-1)
    if n.shape != (S,) or np.any(n < PLANTING_YEARS[0]) or np.any(n > PLANTING_YEARS[1]):
        raise ValueError("planting_year must be 1, 2 or 3 for every plot (L451)")
    if Y.shape != (S,) or not np.all(np.isfinite(Y)) or np.any(Y < 0):
        raise ValueError("yield_t_dm must be finite and >= 0 for every plot")
    if X.shape != (S,) or np.any(X < n) or np.any(X > LIFE_YEARS):
        raise ValueError("lease_years must be between the planting year and 20 (L2053)")
    if reference.n_runs != S or (S and reference.n_years.min() < 1):
        raise ValueError("reference practices must give at least one year per plot")
    if np.any(n > 1) and (before_planting is None or before_planting.n_runs != S
                          or np.any(before_planting.n_years < n - 1)):
        raise ValueError("before_planting must give the Projet practices of years 1..n-1 of every plot")
    used = tuple(ph for ph in MISCANTHUS_PHASES if params.miscanthus_status[ph] == "placeholder")
    if used and not allow_placeholders:
        raise InputError(str(params.directory / "miscanthus.csv"),
                         f"the miscanthus phase parameters ({', '.join(used)}) are placeholders: the AMG "
                         "miscanthus parameterisation (CE-CARB, LBC GC v2.0 L2034-L2044) is not public. Supply "
                         "the consortium's values, or pass allow_placeholders=True for a demonstration (not credits)")
    if history_climate is None and climate.T_mean.ndim == 1:
        history_climate = climate
    start = project_start(soil, params, rounding, backend, history, history_years, history_climate)

    phase = phases(n)
    M_mis = phase_inputs(params, phase, Y)
    irr_mis = np.zeros((S, LIFE_YEARS))
    if before_planting is not None and np.any(n > 1):
        yi = yearly_inputs(params, before_planting, soil.depth)
        width = yi.M.shape[1]
        j = np.minimum(np.arange(LIFE_YEARS)[None, :].repeat(S, axis=0), max(width - 1, 0))
        pre = phase == BEFORE
        M_mis = np.where(pre, np.take_along_axis(yi.M, j, axis=1) if width else 0.0, M_mis)
        irr_mis = np.where(pre, np.take_along_axis(yi.irrigation, j, axis=1) if width else 0.0, irr_mis)

    n_rows = LIFE_YEARS + 1
    ref = rotation_runs(reference, soil, climate, params, X, n_rows)
    Tm, B = climate.grid(n_rows)
    Wm = B.copy()
    Wm[:, 1:] += irr_mis
    Mm = np.zeros((S, n_rows))
    Mm[:, :LIFE_YEARS] = M_mis
    owner = np.concatenate([ref.owner, np.arange(S)])
    K = ref.owner.size
    out = run_kernel(start.C_start[owner], start.CS[owner], soil.take(owner), np.vstack([ref.T, Tm]),
                     np.vstack([ref.W, Wm]), np.vstack([ref.M, Mm]), params, backend, rounding, store_factors=False)
    QC_mis = out.QC[K:]
    stocks_ref = ref.mean(out.QC[:K])
    rows = np.arange(S)
    upto = np.arange(1, n_rows)[None, :] <= X[:, None]
    return MiscanthusResult(
        stock_end_miscanthus=QC_mis[rows, X], stock_end_ref=ref.mean(out.QC[:K][np.arange(K), X[ref.owner]]),
        mean_stock_miscanthus=np.where(upto, QC_mis[:, 1:], 0.0).sum(axis=1) / X,
        mean_stock_ref=np.where(upto, stocks_ref[:, 1:], 0.0).sum(axis=1) / X,
        horizon=X, C_start=start.C_start, stocks_miscanthus=QC_mis, stocks_ref=stocks_ref, phase=phase,
        M_miscanthus=M_mis, placeholders=used)

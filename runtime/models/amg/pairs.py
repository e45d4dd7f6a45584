"""Reference and Projet simulated from the same soil and the same initial stock: Sfin_ref
and Sfin of Équation 25 (6.3.4 L1939-L1970).

What the method asks (6.3, 6.3.1-6.3.4) and how it is done here:
- both scenarios on the same soil, the same initial stock and the same weather (6.3.1
  L1818, Tableau 16 L1914-L1924): one soil, one `ClimateColumns`, one start state;
- Sfin_ref: the reference practices projected over the 5 Projet years (Étape 1, L1943-L1945);
  Sfin: the Projet practices of each of the 5 years (Étape 2, L1947-L1951);
- the whole rotation (L1953): a scenario's practices are a cycle of L years per system
  (L = 5: the five Projet years; L = 3: the three reference years; L = 1: one mean year
  whose crops carry their frequency as weight, the "fréquence de présence" option; any
  L for a rotation given whole).  When L = n (the horizon) the n years are simulated as
  given, in their order.  Otherwise the rotation is simulated from each of its L phases
  (start at cycle year 0, 1, ..., L-1, n years each) and Sfin is the mean of the L stocks
  after n years: every crop of the rotation then holds every position equally often,
  which is what "linéarisés afin d'annuler un biais éventuel lié à une culture ou à une
  année donnée" asks for.  Choice (L1953 gives no formula): we did not take the secant
  C_start + n (QC_{L'} - C_start) / L' over whole cycles L' = L ceil(n/L), because with
  L' != n it bends the decay of the initial active pool (CA0 (a^{L'} - 1) n / L' instead
  of CA0 (a^n - 1)): Sfin - Sfin_ref would then depend on the initial stock (about
  -0.015 CA0, -0.25 t C/ha for CA0 = 17 t C/ha, between a 6-year secant and a 5-year
  Projet at k = 0.09), and the two readings of 6.3.4 (frequencies or whole rotation)
  would disagree.  The phase mean keeps AMG linear in the inputs, so without irrigation
  differences it equals the frequency reading exactly (tested);- a specific reference may start from a soil analysis up to 5 years before the Projet
  (6.3.2 L1848, Tableau 15 L1882, 6.3.3.2 L1896): the reference is simulated from the
  sampling year with the practices of the 3 pre-Projet years (L1848), repeated backwards
  from the year before the Projet, and both scenarios start from that state (the stable
  pool CS = Ps x the analysed stock is kept: it is one continuous simulation).

Year convention ("which row is year 5", notes §1.7).  Stocks are reported after j
simulated years, j = 0..n: column 0 is the initial stock at the start of the Projet
(analysis at initialisation, Tableau 15 L1882), column j the stock at the end of Projet
year j, and Sfin the stock after year n = 5.  Simulated year j uses the inputs
(crops, organic products) and the irrigation of Projet year j and the climate of year j.
In AMG_base's rows (kernel.py) this is: the inputs of year j sit in row j-1 and the
climate and irrigation of year j in row j.  Reading chosen because the method wants
"les pratiques réelles de chacune des 5 années" to count (L1951); AMG_base's calendar
alignment (row 0 = last reference year) would ignore the Projet's fifth year of inputs
and count the last reference year's, so a lever of year 5 would never be credited, not
even in a renewal.  With the Annexe 3 mean climate (climate.py) the climate alignment
does not matter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .climate import ClimateColumns
from .inputs import Practices, yearly_inputs
from .model import SoilColumns, initial_pools, run_kernel
from .params import AmgParams, load_params

LBC_HORIZON = 5              # 1.5 L455: a Projet lasts 5 years; Sfin "au bout des 5 années simulées" (L1951)
MAX_ANALYSIS_AGE_YEARS = 5   # 6.3.2 L1848: "dans la limite de 5 ans avant le début du Projet"


@dataclass
class StartState:
    """Stocks at the start of the Projet (t C/ha): C_start, the stable pool CS, and the
    history simulation (S, m_max + 1) from the soil analysis (None without history):
    column 0 the analysed stock, column j the stock j years later; NaN after the
    system's own m years (not simulated; C_start is column m)."""
    C_start: np.ndarray
    CS: np.ndarray
    history_stocks: Optional[np.ndarray]


@dataclass
class PairResult:
    """Per cropping system (S,) unless said: stock_end_ref and stock_end (Sfin_ref, Sfin of
    Équation 25; t C/ha after `horizon`
    years, the mean over the rotation phases when the practices are not the horizon's
    years themselves), C_start, CS; stocks_ref and stocks (S, n + 1) after j simulated
    years (j = 0..n), phase means likewise; phases_ref / phases (S,) the number of
    rotation phases averaged (1 when the years are simulated as given); M_ref / M and
    k_ref / k (S, n) the humified inputs (t C/ha/yr) and the mineralisation rate (1/yr)
    of simulated year j + 1 (phase means); history_stocks as in StartState."""
    stock_end_ref: np.ndarray
    stock_end: np.ndarray
    C_start: np.ndarray
    CS: np.ndarray
    stocks_ref: np.ndarray
    stocks: np.ndarray
    phases_ref: np.ndarray
    phases: np.ndarray
    M_ref: np.ndarray
    M: np.ndarray
    k_ref: np.ndarray
    k: np.ndarray
    history_stocks: Optional[np.ndarray]


def project_start(soil: SoilColumns, params: AmgParams, rounding: bool, backend: str,
                  history: Optional[Practices] = None, history_years=None,
                  history_climate: Optional[ClimateColumns] = None) -> StartState:
    """The state both scenarios start from.  Without history: the soil's C0 (analysis at
    initialisation).  With `history_years[s]` = m in 1..5: the reference simulated for m
    years from the analysis (6.3.2 L1848), the practices being `history`'s cycle (the 3
    pre-Projet years) aligned so that its last year is the year before the Projet, under
    `history_climate` (constant per system: the Annexe 3 series of the 10 years before
    the Projet covers them)."""
    QC0, CS = initial_pools(soil.C0, params.model["Ps"], rounding)
    S = QC0.size
    if history is None or history_years is None:
        return StartState(QC0, CS, None)
    m = np.asarray(history_years, dtype=np.int64).reshape(-1)
    if m.shape != (S,) or np.any(m < 0) or np.any(m > MAX_ANALYSIS_AGE_YEARS):
        raise ValueError(f"history_years must give 0..{MAX_ANALYSIS_AGE_YEARS} years per system (6.3.2 L1848)")
    if history.n_runs != S or np.any((m > 0) & (history.n_years < 1)):
        raise ValueError("history must give the pre-Projet practices of every system with history_years > 0")
    if history_climate is None or history_climate.T_mean.ndim != 1 or history_climate.n_systems != S:
        raise ValueError("history_climate must give one constant climate per system")
    m_max = int(m.max())
    if m_max == 0:
        return StartState(QC0, CS, None)
    yi = yearly_inputs(params, history, soil.depth)
    L = history.n_years
    # history year r (r = 0..m-1, calendar t-m+r) uses cycle year (L - m + r) mod L, so
    # that calendar t-1 is the cycle's last year; rows after m are padding, never read.
    r = np.arange(m_max)[None, :]
    idx = (L[:, None] - m[:, None] + r) % np.maximum(L, 1)[:, None]
    width = yi.M.shape[1]
    take = (lambda a: np.take_along_axis(a, np.minimum(idx, width - 1), axis=1)) if width else (
        lambda a: np.zeros((S, m_max)))
    M_h = np.where(r < m[:, None], take(yi.M), 0.0)
    irr_h = np.where(r < m[:, None], take(yi.irrigation), 0.0)
    n_rows = m_max + 1
    T, B = history_climate.grid(n_rows)
    W = B.copy()
    W[:, 1:] += irr_h
    M = np.zeros((S, n_rows))
    M[:, :m_max] = M_h
    out = run_kernel(QC0, CS, soil, T, W, M, params, backend, rounding, store_factors=False)
    C_start = out.QC[np.arange(S), m]
    # Columns after a system's m years are padding of the shared grid: NaN, never a stock.
    shown = np.where(np.arange(n_rows)[None, :] <= m[:, None], out.QC, np.nan)
    return StartState(C_start, CS, shown)


@dataclass
class RotationRuns:
    """The kernel runs of one scenario: run q belongs to system owner[q] and starts the
    system's cycle at phase offset[q]; T, W, M are its (runs, n_rows) grids under the
    year convention of the module docstring (inputs of simulated year j in row j-1, its
    climate and irrigation in row j); phases[s] runs per system, first[s] the first."""
    owner: np.ndarray
    offset: np.ndarray
    phases: np.ndarray
    first: np.ndarray
    T: np.ndarray
    W: np.ndarray
    M: np.ndarray

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Per-system mean over its runs of per-run values (runs,) or (runs, m)."""
        total = np.add.reduceat(values, self.first, axis=0)
        return total / (self.phases if values.ndim == 1 else self.phases[:, None])


def rotation_runs(practices: Practices, soil: SoilColumns, climate: ClimateColumns, params: AmgParams,
                  horizon, n_rows: int) -> RotationRuns:
    """One run per rotation phase (module docstring): 1 run when the cycle is the
    horizon's years themselves (L = n), else L runs starting at cycle years 0..L-1."""
    S = practices.n_runs
    L = practices.n_years
    n = np.broadcast_to(np.asarray(horizon, dtype=np.int64), (S,))
    phases = np.where(L == n, 1, L).astype(np.int64)
    first = np.cumsum(phases) - phases
    owner = np.repeat(np.arange(S), phases)
    offset = np.arange(owner.size) - first[owner]
    yi = yearly_inputs(params, practices, soil.depth)
    R = n_rows - 1
    idx = (offset[:, None] + np.arange(R)[None, :]) % L[owner][:, None]
    M = np.zeros((owner.size, n_rows))
    M[:, :R] = np.take_along_axis(yi.M[owner], idx, axis=1)
    T, B = climate.grid(n_rows)
    W = B[owner]
    W[:, 1:] += np.take_along_axis(yi.irrigation[owner], idx, axis=1)
    return RotationRuns(owner, offset, phases, first, T[owner], W, M)


def simulate_pairs(soil: SoilColumns, climate: ClimateColumns, reference: Practices, project: Practices, *,
                   horizon: int = LBC_HORIZON, history: Optional[Practices] = None, history_years=None,
                   history_climate: Optional[ClimateColumns] = None, params: Optional[AmgParams] = None,
                   backend: str = "numba", rounding: bool = True) -> PairResult:
    """Sfin_ref and Sfin (t C/ha) of S cropping systems; see the module docstring and
    `carbonspec.runtime.models.amg` for the conventions.  One kernel call simulates every run
    (scenario x system x rotation phase)."""
    params = params or load_params()
    S = soil.C0.size
    if horizon < 1:
        raise ValueError("horizon must be >= 1 year")
    for name, pr in (("reference", reference), ("project", project)):
        if pr.n_runs != S:
            raise ValueError(f"{name} practices must have one run per cropping system ({S})")
        if S and pr.n_years.min() < 1:
            raise ValueError(f"{name} practices need at least one year per cropping system")
    if climate.n_systems != S:
        raise ValueError("climate must have one row per cropping system")
    if history_climate is None and climate.T_mean.ndim == 1:
        history_climate = climate
    start = project_start(soil, params, rounding, backend, history, history_years, history_climate)

    n_rows = horizon + 1
    ref = rotation_runs(reference, soil, climate, params, horizon, n_rows)
    proj = rotation_runs(project, soil, climate, params, horizon, n_rows)
    owner = np.concatenate([ref.owner, proj.owner])
    K = ref.owner.size
    out = run_kernel(start.C_start[owner], start.CS[owner], soil.take(owner), np.vstack([ref.T, proj.T]),
                     np.vstack([ref.W, proj.W]), np.vstack([ref.M, proj.M]), params, backend, rounding,
                     store_factors=False)
    QC_ref, QC = out.QC[:K], out.QC[K:]
    return PairResult(
        stock_end_ref=ref.mean(QC_ref[:, horizon]), stock_end=proj.mean(QC[:, horizon]),
        C_start=start.C_start, CS=start.CS, stocks_ref=ref.mean(QC_ref), stocks=proj.mean(QC),
        phases_ref=ref.phases, phases=proj.phases, M_ref=ref.mean(ref.M[:, :horizon]),
        M=proj.mean(proj.M[:, :horizon]), k_ref=ref.mean(out.K[:K, 1:]), k=proj.mean(out.K[K:, 1:]),
        history_stocks=start.history_stocks)

"""Weather for AMG runs under LBC GC: the Annexe 3 ten-year series.

Annexe 3 "Données climatiques" (L3661-L3668): AMG needs the annual mean temperature, the
annual rainfall and the mean annual PET (Tableau 1, L3675-L3679); the series covers 10
years "afin de lisser la variabilité climatique", either the 10 years before the Projet
(standing for the 3 reference years and the 5 Projet years) or the 5 years before and the
5 years of the Projet; reference and Projet use the same weather (Tableau 16 L1918-L1921).

Choice (the method does not say whether AMG is driven year by year or by the series'
mean, notes §1.7): every simulated year is driven by the mean of the 10-year series.
Under the first option the series has 10 years for 8 simulated years, so a year-by-year
mapping is not defined, while the mean is defined under both options and is what "lisser
la variabilité climatique" asks for.  `pairs.simulate_pairs` also accepts weather per
simulated year for callers that decide otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

SERIES_YEARS = 10  # Annexe 3 L3665


@dataclass(frozen=True)
class Climate:
    """Annual mean temperature (degC), annual rainfall (mm) and annual PET (mm)."""
    T_mean: float
    rainfall: float
    PET: float


def annexe3_climate(years: Sequence[int], T_mean: Sequence[float], rainfall: Sequence[float],
                    PET: Sequence[float], first_project_year: int) -> Climate:
    """The mean climate of an Annexe 3 series: 10 consecutive calendar years, either
    first_project_year-10 .. first_project_year-1 or first_project_year-5 ..
    first_project_year+4 (L3667-L3668).  Raises ValueError naming what is wrong."""
    ys = [int(y) for y in years]
    if not (len(ys) == len(T_mean) == len(rainfall) == len(PET)):
        raise ValueError("years, T_mean, rainfall and PET must have the same length")
    if len(ys) != SERIES_YEARS or len(set(ys)) != SERIES_YEARS:
        raise ValueError(f"Annexe 3 (L3665) asks for {SERIES_YEARS} distinct years of weather, got {len(set(ys))}")
    t = int(first_project_year)
    before = list(range(t - 10, t))
    around = list(range(t - 5, t + 5))
    if sorted(ys) not in (before, around):
        raise ValueError(f"the weather years {min(ys)}-{max(ys)} are neither the 10 years before the Projet "
                         f"({before[0]}-{before[-1]}) nor the 5 years before and the 5 Projet years "
                         f"({around[0]}-{around[-1]}) (Annexe 3 L3667-L3668)")
    for name, v in (("T_mean", T_mean), ("rainfall", rainfall), ("PET", PET)):
        a = np.asarray(v, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} has a missing or non-finite value")
        if name != "T_mean" and np.any(a < 0):
            raise ValueError(f"{name} must be >= 0 mm")
    return Climate(float(np.mean(T_mean)), float(np.mean(rainfall)), float(np.mean(PET)))


@dataclass
class ClimateColumns:
    """Weather of S cropping systems for the simulated years, column-wise: each of T_mean
    (degC), rainfall (mm) and PET (mm) is either (S,), the same climate every simulated
    year (the Annexe 3 mean, see the module docstring), or (S, Y), column j for the
    (j+1)-th simulated year.  Reference and Projet are always driven by the same object
    (Tableau 16 L1918-L1921)."""
    T_mean: np.ndarray
    rainfall: np.ndarray
    PET: np.ndarray

    def __post_init__(self):
        self.T_mean, self.rainfall, self.PET = (np.asarray(a, dtype=np.float64)
                                                for a in (self.T_mean, self.rainfall, self.PET))
        if not (self.T_mean.shape == self.rainfall.shape == self.PET.shape) or self.T_mean.ndim not in (1, 2):
            raise ValueError("ClimateColumns: T_mean, rainfall and PET must share a shape (S,) or (S, Y)")
        for name in ("T_mean", "rainfall", "PET"):
            a = getattr(self, name)
            if not np.all(np.isfinite(a)) or (name != "T_mean" and np.any(a < 0)):
                raise ValueError(f"ClimateColumns.{name} must be finite" + ("" if name == "T_mean" else " and >= 0"))

    @property
    def n_systems(self) -> int:
        return self.T_mean.shape[0]

    @property
    def n_years(self) -> int:
        """Simulated years covered; 0 means the same climate for any number of years."""
        return 0 if self.T_mean.ndim == 1 else self.T_mean.shape[1]

    def grid(self, n_rows: int):
        """(T, rainfall - PET) as (S, n_rows) grids, row r >= 1 = simulated year r (the
        kernel's row convention); row 0 repeats year 1 (its k is never used)."""
        S = self.n_systems
        if self.T_mean.ndim == 1:
            T = np.repeat(self.T_mean[:, None], n_rows, axis=1)
            B = np.repeat((self.rainfall - self.PET)[:, None], n_rows, axis=1)
            return T, B
        need = n_rows - 1
        if self.n_years < need:
            raise ValueError(f"the climate covers {self.n_years} simulated years, the simulation needs {need}")
        cols = np.concatenate([[0], np.arange(need)]).astype(np.int64)
        T = self.T_mean[:, cols].reshape(S, n_rows)
        B = (self.rainfall - self.PET)[:, cols].reshape(S, n_rows)
        return T, B

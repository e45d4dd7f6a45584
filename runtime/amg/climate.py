"""Weather for AMG runs under LBC GC: the Annexe 3 ten-year series.

Annexe 3 "Données climatiques" (L3661-L3668): AMG needs the annual mean temperature, the
annual rainfall and the mean annual PET (Tableau 1, L3675-L3679); the series covers 10
years "afin de lisser la variabilité climatique", either the 10 years before the Projet
(standing for the 3 reference years and the 5 Projet years) or the 5 years before and the
5 years of the Projet; reference and Projet use the same weather (Tableau 16 L1920-L1921).

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
    first_project_year+4 (L3666-L3667).  Raises ValueError naming what is wrong."""
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
                         f"({around[0]}-{around[-1]}) (Annexe 3 L3666-L3667)")
    for name, v in (("T_mean", T_mean), ("rainfall", rainfall), ("PET", PET)):
        a = np.asarray(v, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} has a missing or non-finite value")
        if name != "T_mean" and np.any(a < 0):
            raise ValueError(f"{name} must be >= 0 mm")
    return Climate(float(np.mean(T_mean)), float(np.mean(rainfall)), float(np.mean(PET)))

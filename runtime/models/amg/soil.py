"""The soil of an AMG run: considered depth, bulk density, initial SOC stock.

Why these rules (LBC GC v2.0):
- depth: the 0-30 cm layer; for a thinner soil, or data that cover a thinner layer, the
  stock of that thinner layer, never extrapolated to 0-30 cm (6.3.1 L1828-L1832);
- bulk density: measured, or estimated with the Cousin et al. 2018 pedotransfer function
  of Annexe 14 (L2246-L2278; Tableau 15 L1885);
- the initial stock comes from SOC content (g C/kg fine earth, Annexe 3 Tableau 6 L3736),
  bulk density, depth and stones (% cailloux, L3739); one analysis or several horizons
  that together make up the layer (6.3.3.2 L1892).

C0 (t C/ha) = 0.1 x SOC (g/kg) x BD (g/cm3) x thickness (cm) x (1 - stones/100): unit
algebra, 1 ha x 1 cm x 1 g/cm3 = 100 t of soil (notes §1.6).  Choice (the method does not
say, notes §1.6 [M]): stones are the volume % of coarse elements and BD is the bulk
density of the fine earth, which is what the pedotransfer function estimates.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

LBC_DEPTH_CM = 30.0  # 6.3.1 L1830: "L'épaisseur de sol ... est l'épaisseur 0-30 cm"

# Annexe 14 L2254-L2258 (Cousin et al. 2018): intercept, clay, sand, clay^2, sand^2, silt*OM, sand*OM
PTF_COEFFICIENTS = (1.437, 0.007690, 0.003881, -0.0001494, -0.00001991, -0.0008799, -0.001211)


def bulk_density_ptf(clay_pct, silt_pct, sand_pct, om_pct):
    """Estimated bulk density (g/cm3) by the Annexe 14 pedotransfer function (L2254).

    Clay, silt (fine + coarse), sand (fine + coarse) and organic matter in %, particle
    sizes measured without decarbonation (L2257-L2263).  The Annexe's worked example
    prints 1.404 for (17.5, 77, 4, 1.7), but the printed formula gives 1.41761 (digest
    A65); the formula is applied as printed."""
    a0, a_clay, a_sand, a_clay2, a_sand2, a_silt_om, a_sand_om = PTF_COEFFICIENTS
    A, L, S, MO = (np.asarray(v, dtype=np.float64) for v in (clay_pct, silt_pct, sand_pct, om_pct))
    return (a0 + a_clay * A + a_sand * S + a_clay2 * A ** 2 + a_sand2 * S ** 2
            + a_silt_om * L * MO + a_sand_om * S * MO)


def considered_depth(soil_thickness_cm: Optional[float] = None, data_depth_cm: Optional[float] = None) -> float:
    """The layer the stock is accounted on: 0-30 cm, or the thinner soil, or the thinner
    layer the analyses cover (6.3.1 L1830-L1832, no extrapolation)."""
    z = LBC_DEPTH_CM
    for v in (soil_thickness_cm, data_depth_cm):
        if v is not None:
            if not v > 0:
                raise ValueError("soil thickness and analysed depth must be > 0 cm")
            z = min(z, float(v))
    return z


def soc_stock(soc_g_kg, bulk_density, thickness_cm, stones_pct=0.0):
    """SOC stock (t C/ha) of a layer: 0.1 x SOC x BD x thickness x (1 - stones/100)."""
    soc = np.asarray(soc_g_kg, dtype=np.float64)
    return 0.1 * soc * bulk_density * thickness_cm * (1.0 - np.asarray(stones_pct, dtype=np.float64) / 100.0)


def initial_stock_layers(top_cm: Sequence[float], bottom_cm: Sequence[float], soc_g_kg: Sequence[float],
                         bulk_density: Sequence[float], stones_pct: Sequence[float], depth_cm: float) -> float:
    """SOC stock (t C/ha) over 0..depth_cm from analysed horizons (6.3.3.2 L1892:
    "plusieurs analyses sur différents horizons reconstituant l'épaisseur 0-30 cm").

    Horizons must start at 0 and be contiguous (a gap is missing data, not zero carbon)
    and reach depth_cm; each contributes the part of its thickness inside 0..depth_cm, its
    content taken as uniform within the horizon."""
    top, bottom = np.asarray(top_cm, dtype=np.float64), np.asarray(bottom_cm, dtype=np.float64)
    order = np.argsort(top)
    top, bottom = top[order], bottom[order]
    if top.size == 0 or top[0] != 0.0:
        raise ValueError("the analysed horizons must start at 0 cm")
    if np.any(bottom <= top) or np.any(top[1:] != bottom[:-1]):
        raise ValueError("the analysed horizons must be contiguous, each with bottom > top")
    if bottom[-1] < depth_cm:
        raise ValueError(f"the analysed horizons stop at {bottom[-1]:g} cm, above the considered depth "
                         f"{depth_cm:g} cm (no extrapolation, 6.3.1 L1832)")
    inside = np.clip(np.minimum(bottom, depth_cm) - top, 0.0, None)
    soc = np.asarray(soc_g_kg, dtype=np.float64)[order]
    bd = np.asarray(bulk_density, dtype=np.float64)[order]
    stones = np.asarray(stones_pct, dtype=np.float64)[order]
    return float(np.sum(soc_stock(soc, bd, inside, stones)))

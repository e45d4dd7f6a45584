"""A SAFY-type daily crop model (Duchemin et al. 2008, "A simple algorithm for yield
estimates", Environ. Model. Softw. 23(7):876-892), the core of SAFYE-CO2 that the CESBIO
AgriCarbon-EO chain (Wijmer et al. 2024, GMD 17:997) forces with satellite LAI to estimate
cover-crop (CI) biomass.  Used by `carbonspec intercrop`; a library, it knows no method.

Daily step d, from the day of emergence D0 (state: SMT degree-days since emergence, DAM dry
above-ground mass g DM/m2, GLA green leaf area index m2/m2):

    at emergence     DAM = DAM0, GLA = DAM0 * SLA, SMT = 0
    Ft(T)            0 outside [T_min, T_max]; 1 - ((T - T_opt) / (T_min - T_opt))^beta below T_opt,
                     1 - ((T - T_opt) / (T_max - T_opt))^beta above                     (temperature stress)
    SMT             += max(T - T_min, 0)
    APAR             = eps_c * Rg * (1 - exp(-k_ext * GLA))          Rg global radiation, MJ/m2/d
    dDAM             = ELUE * APAR * Ft(T)                            (light-use efficiency)
    PL               = max(1 - PLa * exp(PLb * SMT), 0)               (partition to leaves)
    dGLA+            = dDAM * PL * SLA
    dGLA-            = GLA * (SMT - STT) / Rs  when SMT > STT, else 0  (senescence)
    GLA              = max(GLA + dGLA+ - dGLA-, 0);  DAM += dDAM

The order within a day follows the published implementations (APAR uses the previous
day's GLA).  SAFYE-CO2 adds a water balance and the CO2 fluxes; this module keeps the
biomass core, which is what the LBC dossier needs (biomass at destruction, t DM/ha), and says
so in the docs.  A fractional emergence day is the linear interpolation of the runs that
start on the two surrounding days, so the fit sees a continuous function of D0.

Modules: params.py (annexes/safy/ tables), kernel.py (Numba, over plots), reference.py
(NumPy, the cross-check), fit.py (bounded least squares on the LAI series).
"""
from .params import FITTED, SafyParams, load_params  # noqa: F401

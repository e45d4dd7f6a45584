"""Équations 3-9 (LBC GC v2.0, 6.1.1) on one entity, as written in the generated kernel: the
six formulas the kernel vs OpenFisca comparison runs, their constants and their inputs.

Shared by bench_batch.py (carbonspec's Numba loop and the NumPy expression) and
openfisca_eq3_9.py (run inside bench/.venv-openfisca).  Only numpy is imported here.
"""
import numpy as np

# constants as the spec gives them (generated/lbc_gc/v2.0/kernel.py, with the method lines)
EF1_min = 0.016      # kg_N2O_N / kg_N, L1361
EF1_org = 0.006      # kg_N2O_N / kg_N, L1362
C_inhibiteur = 0.65  # L1361
EF4 = 0.01           # kg_N2O_N / kg_Nvol, L1409
EF5 = 0.011          # kg_N2O_N / kg_N, L1426
PRG_N2O = 273.0      # kg_CO2e / kg_N2O, annexe 4 (one value for every row here)

INPUTS = ["QN_min", "QN_inhib", "QN_org", "QN_org_inhib", "QN_residus", "QN_mineralise", "C_chaulage",
          "N_volatilise", "FRAC_LESS", "CO2_directes", "CO2_uree", "GES_amont_min", "GES_amont_org", "Surf"]
OUTPUTS = ["N2O_directes", "N2O_volatilisation", "N_lixivie", "N2O_lixiviation", "EGES_fertilisation",
           "Emissions_ha_ferti_Projet"]


def inputs(n: int, seed: int = 20261206) -> dict:
    rng = np.random.default_rng(seed)
    d = {name: rng.uniform(0.0, 200.0, n) for name in INPUTS}
    d["C_chaulage"] = rng.uniform(0.0, 1.0, n)
    d["FRAC_LESS"] = rng.uniform(0.0, 0.3, n)
    d["Surf"] = rng.uniform(1.0, 50.0, n)
    return d


def numpy_formulas(d: dict) -> dict:
    """The six formulas as whole-column NumPy expressions (the reference backend's style)."""
    o = {}
    o["N2O_directes"] = (((d["QN_min"] + (d["QN_inhib"] * C_inhibiteur)) * EF1_min)
                         + (((((d["QN_org"] + (d["QN_org_inhib"] * C_inhibiteur)) + d["QN_residus"])
                              + d["QN_mineralise"]) * EF1_org) * d["C_chaulage"]))
    o["N2O_volatilisation"] = d["N_volatilise"] * EF4
    o["N_lixivie"] = ((((((d["QN_min"] + d["QN_inhib"]) + d["QN_org"]) + d["QN_org_inhib"]) + d["QN_residus"])
                       + d["QN_mineralise"]) * d["FRAC_LESS"])
    o["N2O_lixiviation"] = o["N_lixivie"] * EF5
    o["EGES_fertilisation"] = ((((((((((o["N2O_directes"] + o["N2O_volatilisation"]) + o["N2O_lixiviation"]) * 44.0)
                                    / 28.0) * PRG_N2O) + d["CO2_directes"]) + d["CO2_uree"]) + d["GES_amont_min"])
                                + d["GES_amont_org"]) / 1000.0)
    o["Emissions_ha_ferti_Projet"] = o["EGES_fertilisation"] / d["Surf"]
    return o

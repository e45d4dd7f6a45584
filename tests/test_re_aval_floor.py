"""Issue 13, "a fidelity defect": RE_aval floored once (L1677, choice A26), used by Équation 1
(L1185) and Équation 30 (L2553).  Checked by hand on a farm whose grain is harvested wetter in
the project (RE_séchage_OS < 0) and which stores carbon: before the fix, RE used the unfloored
-2.10 t CO2e while RE_aval was reported 0, so RE != RE_émissions + RE_stockage + RE_aval."""
import pytest

from conftest import year
from test_rabais_values import A
from test_sechage_proteines_values import FE_GAZ, FET_SOJA, conso, culture_MRP, culture_OS, farm


def _storage_farm(**kw):
    doc = farm(levier_aval=True, **kw)
    system = doc["project"]["farms"][0]["systems"][0]
    system["years"] = [year(k) for k in (-3, -2, -1, 0)]
    system["Sfin"], system["Sfin_ref"] = 52.0, 50.0          # +2 t C/ha on 10 ha
    return doc


def test_negative_aval_is_zero_in_equation_1_and_30(run):
    flat, out = run(_storage_farm(cultures_OS=[culture_OS("tournesol", (14.0, 14.0, 14.0), (16.0,), 100.0)]))
    os_ = -conso(16, 9, 14) * 100 * FE_GAZ / 1000                # Équation 22: 16 % > seuil 14 %, ref 0
    assert os_ == pytest.approx(-2.102769, rel=1e-6)
    assert out["RE_sechage_OS"][0] == pytest.approx(os_, rel=1e-12)
    assert out["RE_aval"][0] == 0 and out["RE_aval_exploitation"][0] == 0   # L1677
    stock = 2.0 * 10.0 * A
    assert out["RE_stockage_carbone_sol"][0] == pytest.approx(stock, rel=1e-12)
    emissions = out["RE_emissions"][0]
    # Équation 1 (L1185): RE = RE_émissions + RE_stockage carbone sol + RE_aval, with RE_aval = 0
    assert out["RE"][0] == pytest.approx(emissions + stock + 0.0, rel=1e-12)
    assert out["RE"][0] == pytest.approx(out["RE_emissions"][0] + out["RE_stockage_carbone_sol"][0]
                                         + out["RE_aval"][0], rel=1e-12)
    # Équation 30: the aval term is the floored 0 too; every term >= 0 -> RE_certifiable <= RE
    r_data = (0.025 + 0.03 + 0.03 + 0.07 + 0.05) / 5          # Tableau 17 defaults, « données moyennes »
    expected = emissions + stock * (1 - r_data) * (1 - 0.20)
    assert out["RE_aval_apres_rabais"][0] == 0
    assert out["RE_certifiable"][0] == pytest.approx(expected, rel=1e-12)
    assert out["RE_certifiable"][0] <= out["RE"][0]
    assert 0 <= out["rabais_global"][0] == pytest.approx((out["RE"][0] - expected) / out["RE"][0], rel=1e-12)


def test_protein_rabais_never_takes_more_than_the_floored_aval_term(run):
    """OS wetter (-2.10) and a small positive protein term: RE_aval = OS + P > 0; without a sales
    contract the 5 % rabais on RE_protéines (Tableau 18, L2542) is taken from the aval term,
    never more than it (it is a discount: it cannot make the term negative)."""
    peas = culture_MRP("pois", [(4.0, 10.0)] * 3, [(4.0, 13.0)])       # Delta = 52 - 40 = 12 t
    p = 12.0 * 0.72 * 1.0 * (FET_SOJA * 0.43 - 0.40)               # 2.1168 t CO2e
    os_ = -conso(16, 9, 14) * 100 * FE_GAZ / 1000
    flat, out = run(_storage_farm(cultures_OS=[culture_OS("tournesol", (14.0, 14.0, 14.0), (16.0,), 100.0)],
                                  cultures_MRP=[peas]))
    assert out["RE_proteines"][0] == pytest.approx(p, rel=1e-12)
    aval = os_ + p
    assert 0 < aval < 0.05 * p                                     # 0.014 t: the rabais (0.106 t) exceeds it
    assert out["RE_aval_exploitation"][0] == pytest.approx(aval, rel=1e-9)
    assert out["RE_aval_apres_rabais"][0] == 0                     # max(0, aval - 0.05 p)
    assert out["RE"][0] == pytest.approx(out["RE_emissions"][0] + out["RE_stockage_carbone_sol"][0] + aval,
                                         rel=1e-12)
    assert out["RE_certifiable"][0] <= out["RE"][0]
    # with a sales contract (no rabais) the aval term is the whole floored RE_aval
    flat, out = run(_storage_farm(cultures_OS=[culture_OS("tournesol", (14.0, 14.0, 14.0), (16.0,), 100.0)],
                                  cultures_MRP=[peas], MRP_contrat_vente=True))
    assert out["RE_aval_apres_rabais"][0] == pytest.approx(aval, rel=1e-9)

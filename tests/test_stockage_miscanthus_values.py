"""Values computed by hand from the method text for 6.3 (RE stockage carbone sol,
Équations 24-25) and 6.4 (RE miscanthus, Équations 26-28), checked on both backends.

Fixture values used (tests/fixtures/annexes/lbc_gc): PRG_N2O 265; ble_tendre: PENTE 1.61,
INTERCEPT 0.40 t MS/ha, N_AG 0.006, RS 0.23, N_BG 0.009; ammonitrate_33_5: FE_N 6.72,
Frac_GAZF 0.05.  Method constants: a = 44/12 (L1786, L2056); miscanthus residues 21.72 +
1.55 kg N/ha/an (L2023-L2024); EF1_org 0.006 (L1362), FRAC_LESS 0.24 (L1425), EF5 0.011
(L1426), EF1_min 0.016 (L1361), EF4 0.01 (L1409).
"""
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.engine.core import check_outputs, resolve_lookups, run_backend
from carbonspec.runtime.engine.reference import ReferenceBackend

import strategies as S
from conftest import dossier, farm_years, run_both, year

A = 44 / 12                                   # a, t CO2e per t C (L1786, L2056)
EF1_MIN, EF1_ORG, EF4, EF5, FRAC_LESS = 0.016, 0.006, 0.01, 0.011, 0.24
PRG, N2O = 265.0, 44 / 28
QN_MISC = 21.72 + 1.55                        # kg N/ha/an, printed values (choice A37)
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def wheat(surf=10.0):
    return {"espece": "ble_tendre", "Surf_culture": surf, "RDT_normes": 6000.0}


def ammonitrate(qn):
    return {"produit_min": "ammonitrate_33_5", "QN": qn}


def plain_system(Sfin, Sfin_ref, surfs=(10.0, 10.0, 10.0, 10.0)):
    """A system with no fertilisation data (EGES 0): 3 reference years then project years
    whose Surf are surfs[3:]."""
    ks = [-3, -2, -1] + list(range(len(surfs) - 3))
    sysd = {"years": [year(k, Surf=s) for k, s in zip(ks, surfs)]}
    if Sfin is not None:
        sysd["Sfin"] = Sfin
    if Sfin_ref is not None:
        sysd["Sfin_ref"] = Sfin_ref
    return sysd


def farm(systems, intensite_comb_ref=None, **inputs):
    """A farm; `intensite_comb_ref` (t CO2e/ha) gives every farm year the GNR consumption
    (method A, FE 3.25 kg CO2e/L of the fixture) that makes Équation 14's reference intensity
    that value, the same in the project years so RE_combustibles stays 0."""
    f = {"type_reference": "specifique", "levier_chaulage": False}
    f.update(inputs)
    f["systems"] = systems
    p = max(len(s["years"]) for s in systems) - 3
    f["annees"] = farm_years(list(range(-3, p)))
    if intensite_comb_ref is not None:
        litres = intensite_comb_ref * 100.0 * 1000.0 / 3.25  # t/ha × SAU 100 ha × 1000 kg/t ÷ kg/L
        for a in f["annees"]:
            a["combustibles"] = [{"energie_combustible": "gnr", "Consommation": litres}]
    return f


def project(*farms):
    return {"method": "lbc_gc", "version": "2.0", "project": {"farms": list(farms)}}


def eges_wheat(qn):
    """EGES_fertilisation (t CO2e) of 10 ha of wheat (6000 kg MS/ha, residues left) with qn
    kg N of ammonitrate: Équations 4-6, 8, 9, 12 (as in test_fertilisation_values case 1)."""
    ag_dm = 6000 * 1.61 + 0.40 * 1000
    qn_res = (ag_dm * 0.006 + (6000 + ag_dm) * 0.23 * 0.009) * 10.0
    n2o = qn * EF1_MIN + qn_res * EF1_ORG + qn * 0.05 * EF4 + (qn + qn_res) * FRAC_LESS * EF5
    return (n2o * N2O * PRG + qn * 6.72) / 1000


# ------------------------------------------------------------ Équations 24-25 --
def test_eq24_eq25_two_systems_surface_at_end_of_project(run):
    """Équation 25: Delta_StockC = Σ_i (Sfin_i - Sfin_ref_i) × Surf_i, Surf_i at the END of
    the Projet (L1965, choice A34); Équation 24: RE = Delta_StockC × 44/12, sign kept (L1792)."""
    s1 = plain_system(52.4, 50.1, surfs=(30, 30, 30, 30, 32, 35, 35, 36))   # 5 project years
    s2 = plain_system(48.0, 48.9, surfs=(20, 20, 20, 20, 18))               # 2 project years
    flat, out = run(project(farm([s1, s2])))
    # system 1: last project year k = 4, Surf 36 ha; system 2: last project year k = 1, 18 ha
    assert list(out["k_fin_Projet"]) == [4, 1]
    assert list(out["Surf_fin"]) == [36.0, 18.0]
    d1 = (52.4 - 50.1) * 36          # 82.8 t C
    d2 = (48.0 - 48.9) * 18          # -16.2 t C: this system loses carbon against its reference
    assert out["Delta_StockC_SdC"] == pytest.approx([d1, d2], rel=1e-12)
    assert out["Delta_StockC"][0] == pytest.approx(d1 + d2, rel=1e-12)             # 66.6 t C
    assert out["RE_stockage_carbone_sol_SdC"] == pytest.approx([d1 * A, d2 * A], rel=1e-12)
    assert out["RE_stockage_carbone_sol"][0] == pytest.approx(66.6 * 44 / 12, rel=1e-12)
    assert round(out["RE_stockage_carbone_sol"][0], 2) == 244.20
    # no miscanthus: every miscanthus term is 0
    for name in ("RE_emissions_miscanthus", "RE_stockage_carbone_sol_miscanthus", "RE_miscanthus"):
        assert out[name][0] == 0.0


def test_eq24_negative_storage_and_sum_over_farms(run):
    """RE stockage carbone sol may be negative (L1782, L1792); the Projet sums its farms."""
    f1 = farm([plain_system(40.0, 41.5, surfs=(12, 12, 12, 12))])    # -1.5 t C/ha × 12 ha
    f2 = farm([plain_system(61.0, 60.0, surfs=(5, 5, 5, 5, 5, 5))])   # +1.0 t C/ha × 5 ha
    flat, out = run(project(f1, f2))
    assert out["RE_stockage_carbone_sol_exploitation"] == pytest.approx([-18 * A, 5 * A], rel=1e-12)
    assert out["RE_stockage_carbone_sol"][0] == pytest.approx(-13 * 44 / 12, rel=1e-12)  # -47.667
    assert out["RE_stockage_carbone_sol"][0] < 0


def test_conftest_dossier_gives_no_storage_difference(run):
    """The shared helper gives Sfin = Sfin_ref (50 t C/ha): RE stockage 0, fertilisation unchanged."""
    years = [year(k, cultures=[wheat()], mineraux=[ammonitrate(1500.0)]) for k in (-3, -2, -1)]
    years.append(year(0, cultures=[wheat()], mineraux=[ammonitrate(1200.0)]))
    flat, out = run(dossier(years))
    assert out["RE_stockage_carbone_sol"][0] == 0.0
    assert out["RE_fertilisation"][0] == pytest.approx(eges_wheat(1500) - eges_wheat(1200), rel=1e-12)
    flat, out = run(dossier(years, Sfin=50.5))
    assert out["RE_stockage_carbone_sol"][0] == pytest.approx(0.5 * 10 * A, rel=1e-12)


def test_missing_stocks_give_a_located_error(run):
    """RE stockage carbone sol must be computed for every system (L1198, L1937): a system
    without Sfin / Sfin_ref stops the run, naming the system, Équation 25 and the inputs."""
    doc = project(farm([plain_system(50.0, 50.0), plain_system(None, None)]))
    with pytest.raises(InputError) as exc:
        run(doc)
    msg = str(exc.value)
    assert "project.farms[0].systems[1]" in msg
    assert "Delta_StockC_SdC (Équation 25" in msg and "L1959" in msg
    assert "missing or invalid: Sfin, Sfin_ref" in msg
    doc = project(farm([plain_system(50.0, None)]))
    with pytest.raises(InputError, match=r"systems\[0\].*missing or invalid: Sfin_ref"):
        run(doc)


# ------------------------------------------------------------------ TV14, TV15 --
@SETTINGS
@given(stocks=st.lists(st.tuples(st.floats(10, 120), st.floats(10, 120), st.floats(10, 120),
                                 st.floats(0.5, 400)), min_size=1, max_size=4))
def test_tv14_annexe12_decomposition_gives_equation_25(compiled, tables, stocks):
    """TV14 (Annexe 12, L2171-L2229): (S_fin - S_ini) + (S_ini - S_fin_ref) = S_fin - S_fin_ref
    for any initial stock S_ini: S_compl + S_maintien summed over systems is Delta_StockC."""
    systems = [plain_system(sf, sr, surfs=(surf,) * 4) for sf, sr, _, surf in stocks]
    flat, out = run_both(compiled, tables, project(farm(systems)))
    by_annexe12 = sum(((sf - si) + (si - sr)) * surf for sf, sr, si, surf in stocks)
    assert out["Delta_StockC"][0] == pytest.approx(by_annexe12, rel=1e-9, abs=1e-9)
    assert out["RE_stockage_carbone_sol"][0] == pytest.approx(by_annexe12 * 44 / 12, rel=1e-9, abs=1e-9)


# §2 Tableau 3 (L596-L606): storage potentials in kg C (or t C) and the kgeqCO2 printed next
# to them.  The spec converts with a = 44/12 exactly; the text's products were rounded, some
# with a = 3.67 (174 -> 639, 400 -> 1468, 500 -> 1835, 300 -> 1101), 28 -> 102 is truncated
# and 0.37 t C -> 1.37 t CO2e is 1.357 with 44/12 (0.37 itself rounded): all within 1 %.
TV15 = [(126, 462), (93, 341), (174, 639), (16, 59), (400, 1468), (1600, 5867), (500, 1835),
        (300, 1101), (100, 367), (28, 102), (78, 286), (466, 1709), (160, 587), (184, 675),
        (0.37, 1.37), (0.91, 3.34)]


def test_tv15_conversions_with_a(run):
    """TV15: each printed C figure, as a 1-ha stock difference, through Équations 24-25."""
    systems = [plain_system(50.0 + c, 50.0, surfs=(1.0,) * 4) for c, _ in TV15]
    flat, out = run(project(farm(systems)))
    for (c, printed), got in zip(TV15, out["RE_stockage_carbone_sol_SdC"]):
        assert got == pytest.approx(c * 44 / 12, rel=1e-12)
        assert got == pytest.approx(printed, rel=0.01), (c, printed, got)
    exact = {c: round(c * 44 / 12) for c, _ in TV15 if c >= 1}
    assert [exact[c] for c in (126, 93, 16, 1600, 100, 78, 466, 160, 184)] == \
        [462, 341, 59, 5867, 367, 286, 1709, 587, 675]                     # printed exactly
    assert round(0.91 * 44 / 12, 2) == 3.34 and round(0.37 * 44 / 12, 2) == 1.36


# ---------------------------------------------------------------- miscanthus --
def miscanthus_system(plots, project_years, ref_qn=1500.0, surf=10.0):
    """The plots' own system (L434): 3 reference years of 10 ha of wheat with ref_qn kg N of
    ammonitrate (the rotation the miscanthus replaces), then the given project years."""
    years = [year(k, Surf=surf, cultures=[wheat(surf)], mineraux=[ammonitrate(ref_qn)]) for k in (-3, -2, -1)]
    return {"parcelles_miscanthus": plots, "years": years + project_years}


def plot(sau, n, sfin=58.0, sfin_ref=50.6, **kw):
    p = {"SAU_plantation": sau, "annee_plantation": n, "Sfin_miscanthus": sfin, "Sfin_ref_miscanthus": sfin_ref}
    p.update(kw)
    return p


def test_tv7_residue_nitrogen_and_planting_years(run):
    """TV7 (L2023-L2024): 21.72 + 1.55 = 23.27 kg N/ha/an on the area planted by year k;
    plots planted in years 1, 2 and 3 of the Projet (n, L451) are in place from k = n - 1."""
    assert round(21.72 + 1.55, 2) == 23.27
    assert round(3.10 * 0.007 * 1000, 2) == 21.70 and round(0.77 * 0.002 * 1000, 2) == 1.54  # A37
    plots = [plot(4.0, 1), plot(3.0, 2), plot(1.0, 3)]
    proj = [year(k, Surf=8.0, EGES_combustibles_miscanthus=0.0) for k in range(5)]
    sysd = miscanthus_system(plots, proj, surf=8.0)
    flat, out = run(project(farm([sysd], intensite_comb_ref=0.0)))
    assert list(out["SAU_miscanthus_en_place"]) == [0, 0, 0, 4, 7, 8, 8, 8]
    assert out["SAU_plantation_SdC"][0] == 8.0
    assert out["QN_residus_miscanthus"] == pytest.approx([0, 0, 0, 4 * 23.27, 7 * 23.27] + [8 * 23.27] * 3,
                                                         rel=1e-12)
    # the residue N enters Équation 5 (× EF1_org × C_chaulage) and Équation 9 (× Frac_LESS × EF5)
    assert out["N2O_directes_residus_miscanthus"][5] == pytest.approx(8 * 23.27 * 0.006, rel=1e-12)
    assert out["N2O_lixiviation_residus_miscanthus"][5] == pytest.approx(8 * 23.27 * 0.24 * 0.011, rel=1e-12)


def test_eq27_emissions_miscanthus_by_hand(run):
    """Équation 27 on a 10-ha miscanthus system planted in year 1 (n = 1), 3 project years:
    reference = wheat with 150 kg N/ha; project years: no crop, 30 kg N/ha of ammonitrate in
    the last year only; fuel on the plots 0.40, 0.25, 0.30 t CO2e; Intensité_comb_ref
    0.08 t CO2e/ha (placeholder input, choice A36c)."""
    proj = [year(0, EGES_combustibles_miscanthus=0.40),
            year(1, EGES_combustibles_miscanthus=0.25),
            year(2, EGES_combustibles_miscanthus=0.30, mineraux=[ammonitrate(300.0)])]
    sysd = miscanthus_system([plot(10.0, 1)], proj)
    flat, out = run(project(farm([sysd], intensite_comb_ref=0.08)))

    ref_ha = eges_wheat(1500) / 10                        # Emissions_ha_ferti_ref_i (Équation 3)
    assert out["Emissions_ha_ferti_ref"][0] == pytest.approx(ref_ha, rel=1e-12)
    qn_res = 23.27 * 10                                    # 232.7 kg N of miscanthus residues a year

    def eges_misc(qn_min):                                 # Équation 4 with QN_résidus = qn_res
        n2o = (qn_min * EF1_MIN + qn_res * EF1_ORG + qn_min * 0.05 * EF4
               + (qn_min + qn_res) * FRAC_LESS * EF5)
        return (n2o * N2O * PRG + qn_min * 6.72) / 1000

    assert out["EGES_fertilisation_miscanthus"][3:] == pytest.approx([eges_misc(0), eges_misc(0), eges_misc(300)],
                                                                      rel=1e-12)
    # 232.7 × (0.006 + 0.00264) × 44/28 × 265 / 1000 = 0.8372 t CO2e a year from the residues alone
    assert eges_misc(0) == pytest.approx(232.7 * 0.00864 * 44 / 28 * 265 / 1000, rel=1e-12)
    assert round(eges_misc(0), 4) == 0.8372
    fuel = [0.40, 0.25, 0.30]
    terms = [((ref_ha + 0.08) - (eges_misc(q) + f) / 10) * 10 for q, f in zip((0, 0, 300), fuel)]
    assert out["Emissions_ha_miscanthus"][3:] == pytest.approx(
        [(eges_misc(q) + f) / 10 for q, f in zip((0, 0, 300), fuel)], rel=1e-12)
    assert out["RE_emissions_miscanthus_annee"] == pytest.approx([0, 0, 0] + terms, rel=1e-12)
    assert out["RE_emissions_miscanthus"][0] == pytest.approx(sum(terms), rel=1e-12)
    # = 3 × (EGES_ref + 0.8) - Σ EGES_miscanthus - Σ fuel
    assert sum(terms) == pytest.approx(3 * (eges_wheat(1500) + 0.8) - 2 * eges_misc(0) - eges_misc(300) - 0.95,
                                       rel=1e-12)
    # the miscanthus system's storage is counted by Équation 28 only (choice X1): no Sfin needed
    assert out["Delta_StockC_SdC"][0] == 0.0


def test_eq27_crops_before_planting_and_liming(run):
    """Plot planted in year 2 (n = 2): year k = 0 still carries wheat (its crop residues stay
    in EGES_fertilisation, no miscanthus residue yet); the residues of the miscanthus are
    abated by C_chaulage in Équation 5 like any residue N (liming lever, pH 6.3 -> 6.8)."""
    lime = {"pH_initial": 6.3, "pH_final": 6.8}
    proj = [year(0, cultures=[wheat()], mineraux=[ammonitrate(1500.0)], EGES_combustibles_miscanthus=0.5,
                 k_chaulage=0.0, **lime),
            year(1, EGES_combustibles_miscanthus=0.1, k_chaulage=1.0, **lime)]
    sysd = miscanthus_system([plot(10.0, 2)], proj)
    flat, out = run(project(farm([sysd], intensite_comb_ref=0.05, levier_chaulage=True)))
    assert out["QN_residus_miscanthus"][3] == 0.0
    assert out["EGES_fertilisation_miscanthus"][3] == pytest.approx(out["EGES_fertilisation"][3], rel=1e-12)
    c1 = 1 - 0.5 * np.exp(-0.33)                          # Équation 7, k_chaulage = 1 (TV5: 0.6405)
    assert out["C_chaulage"][4] == pytest.approx(c1, rel=1e-12)
    n2o_dir = 232.7 * EF1_ORG * c1
    n2o_lix = 232.7 * FRAC_LESS * EF5
    assert out["EGES_fertilisation_miscanthus"][4] == pytest.approx((n2o_dir + n2o_lix) * N2O * PRG / 1000,
                                                                    rel=1e-12)
    ref_ha = eges_wheat(1500) / 10
    year0 = ((ref_ha + 0.05) - (out["EGES_fertilisation"][3] + 0.5) / 10) * 10
    year1 = ((ref_ha + 0.05) - ((n2o_dir + n2o_lix) * N2O * PRG / 1000 + 0.1) / 10) * 10
    assert out["RE_emissions_miscanthus_SdC"][0] == pytest.approx(year0 + year1, rel=1e-12)


def test_eq27_missing_fuel_data_give_located_errors(run):
    """The fuel terms of Équation 27 have no default (0 would overstate RE, choice A36c): a
    miscanthus farm without Intensité_comb_ref, or a project year of the miscanthus system
    without its fuel emissions, stops the run where the value is missing."""
    proj = [year(0, EGES_combustibles_miscanthus=0.4), year(1, EGES_combustibles_miscanthus=0.4)]
    # Intensité_comb_ref is Équation 14's: a farm without fuel data has 0 (6.1.2), nothing to give
    flat, out = run(project(farm([miscanthus_system([plot(10.0, 1)], proj)])))
    assert out["Intensite_comb_ref_miscanthus"][0] == 0.0

    proj = [year(0, EGES_combustibles_miscanthus=0.4), year(1)]
    doc = project(farm([miscanthus_system([plot(10.0, 1)], proj)], intensite_comb_ref=0.1))
    with pytest.raises(InputError) as exc:
        run(doc)
    assert "project.farms[0].systems[0].years[4]: EGES_combustibles_miscanthus_k" in str(exc.value)
    assert "missing or invalid: EGES_combustibles_miscanthus" in str(exc.value)

    # a farm without miscanthus needs none of them
    flat, out = run(project(farm([plain_system(50.0, 50.0)])))
    assert out["Intensite_comb_ref_miscanthus"][0] == 0.0 and out["RE_miscanthus"][0] == 0.0


# --------------------------------------------------------------- Équation 28 --
def test_eq28_storage_miscanthus_and_counting_period(run):
    """Équation 28: (Sfin_miscanthus - Sfin_ref) × SAU_plantation × a, per plot; horizon
    t+20 or t+X (lease) and counting period 21 - n (L451, L461, L2053, choice A38)."""
    plots = [plot(10.0, 1, sfin=58.0, sfin_ref=50.6),                             # +7.4 t C/ha
             plot(2.5, 2, sfin=49.0, sfin_ref=47.2, duree_bail_restante=12.0),     # +1.8 t C/ha
             plot(1.0, 3, sfin=40.0, sfin_ref=39.5, duree_bail_restante=30.0)]     # +0.5 t C/ha
    proj = [year(k, Surf=13.5, EGES_combustibles_miscanthus=0.2) for k in range(5)]
    flat, out = run(project(farm([miscanthus_system(plots, proj, surf=13.5)], intensite_comb_ref=0.05)))
    assert list(out["horizon_miscanthus"]) == [20, 12, 20]               # min(20, X)
    assert list(out["duree_comptabilisation_miscanthus"]) == [20, 11, 18]  # 21 - 1; 12 + 1 - 2; 21 - 3
    per_plot = [7.4 * 10 * A, 1.8 * 2.5 * A, 0.5 * 1.0 * A]
    assert out["RE_stockage_miscanthus_parcelle"] == pytest.approx(per_plot, rel=1e-9)
    assert round(7.4 * 10 * 44 / 12, 2) == 271.33
    assert out["RE_stockage_carbone_sol_miscanthus"][0] == pytest.approx(sum(per_plot), rel=1e-9)
    # Équation 26: RE_miscanthus = RE_émissions_miscanthus + RE_stockage_carbone_sol_miscanthus
    assert out["RE_miscanthus"][0] == pytest.approx(
        out["RE_emissions_miscanthus"][0] + out["RE_stockage_carbone_sol_miscanthus"][0], rel=1e-12)
    assert out["RE_miscanthus_exploitation"][0] == pytest.approx(out["RE_miscanthus"][0], rel=1e-12)


def test_tv15_miscanthus_potential_through_equation_28(run):
    """L602: 0.37 t C/ha/an (north) and 0.91 t C/ha/an (south) of additional storage over 20
    years; with 2/3 of the plantations north and 1/3 south the text estimates 2.03 t CO2e/ha/an.
    Two plots planted in year 1 (2 ha north, 1 ha south), stock differences at t+20."""
    plots = [plot(2.0, 1, sfin=50.0 + 0.37 * 20, sfin_ref=50.0), plot(1.0, 1, sfin=45.0 + 0.91 * 20, sfin_ref=45.0)]
    proj = [year(0, Surf=3.0, EGES_combustibles_miscanthus=0.0)]
    flat, out = run(project(farm([miscanthus_system(plots, proj, surf=3.0)], intensite_comb_ref=0.0)))
    per_ha_year = out["RE_stockage_carbone_sol_miscanthus"][0] / 3.0 / 20
    assert per_ha_year == pytest.approx((2 / 3 * 0.37 + 1 / 3 * 0.91) * 44 / 12, rel=1e-9)   # 2.0167
    assert per_ha_year == pytest.approx(2.03, rel=0.01)   # printed from the rounded 1.37 and 3.34
    assert round(2 / 3 * 1.37 + 1 / 3 * 3.34, 2) == 2.03


def test_miscanthus_system_next_to_an_ordinary_system(run):
    """Équation 25 counts the ordinary system only (choice X1); Équations 27-28 the plots'."""
    proj = [year(0, EGES_combustibles_miscanthus=0.3)]
    misc = miscanthus_system([plot(10.0, 1, sfin=55.0, sfin_ref=50.0)], proj)
    misc["Sfin"], misc["Sfin_ref"] = 51.0, 50.0          # given, but not counted in Équation 25
    other = plain_system(47.0, 46.0, surfs=(40, 40, 40, 40))
    flat, out = run(project(farm([misc, other], intensite_comb_ref=0.06)))
    assert list(out["nb_parcelles_miscanthus"]) == [1, 0]
    assert list(out["Delta_StockC_SdC"]) == [0.0, 40.0]
    assert out["RE_stockage_carbone_sol"][0] == pytest.approx(40 * A, rel=1e-12)
    assert out["RE_stockage_carbone_sol_miscanthus"][0] == pytest.approx(5 * 10 * A, rel=1e-12)
    assert out["RE_emissions_miscanthus_SdC"][1] == 0.0


def test_plot_inputs_are_validated(compiled):
    """n is a project year 1..3 (L451); the dossier reader refuses anything else, located."""
    proj = [year(0, EGES_combustibles_miscanthus=0.3)]
    doc = project(farm([miscanthus_system([plot(10.0, 4)], proj)], intensite_comb_ref=0.06))
    with pytest.raises(InputError, match=r"systems\[0\]\.parcelles_miscanthus\[0\]\.annee_plantation"):
        compiled.schema.flatten(doc)


# ---------------------------------------------------------------- invariants --
@st.composite
def dossier_with_miscanthus(draw):
    doc = draw(S.dossier(max_farms=1))
    f = doc["project"]["farms"][0]
    sysd = draw(S.system(f["levier_chaulage"]))
    p = len(sysd["years"]) - 3
    for y in sysd["years"][3:]:
        y["EGES_combustibles_miscanthus"] = draw(S.pos(0, 5))
    sysd["parcelles_miscanthus"] = [
        {"SAU_plantation": draw(S.pos(0.5, 40)), "annee_plantation": draw(st.integers(1, 3)),
         "Sfin_miscanthus": draw(S.pos(20, 90)), "Sfin_ref_miscanthus": draw(S.pos(20, 90))}
        for _ in range(draw(st.integers(1, 3)))]
    f["systems"].append(sysd)
    have = {a["k_exploitation"] for a in f["annees"]}
    f["annees"] += [{"k_exploitation": k, "SAU": 100.0} for k in range(p) if k not in have]
    return doc


@pytest.mark.parametrize("name", ["Sfin_projet", "Sfin_reference", "Sfin_miscanthus_croissant",
                                  "combustibles_miscanthus"])
@SETTINGS
@given(doc=dossier_with_miscanthus(), delta=st.floats(0.01, 50, allow_nan=False))
def test_invariants_of_this_block_hold(compiled, tables, name, doc, delta):
    inv = next(i for i in compiled.model["invariants"] if i["name"] == name)
    flat = compiled.schema.flatten(copy.deepcopy(doc))
    resolve_lookups(compiled, flat, tables)
    base_out = run_backend(compiled, flat.data, "numba")
    check_outputs(compiled, flat, base_out)
    ref = ReferenceBackend(compiled.model).compute(flat.data)
    for k, v in base_out.items():
        np.testing.assert_allclose(v, ref[k], rtol=1e-9, atol=1e-9, err_msg=k)
    base = base_out[inv["target"]]
    data = dict(flat.data)
    x = data[inv["input"]].copy()
    data[inv["input"]] = np.where(~np.isnan(x), x + delta, x)
    moved = run_backend(compiled, data, "numba")[inv["target"]]
    tol = 1e-9 * (np.abs(base) + 1)
    if inv["direction"] == "decreasing":
        assert (moved <= base + tol).all(), (name, base, moved)
    else:
        assert (moved >= base - tol).all(), (name, base, moved)


# ------------------------------------------------------------ criterion 5 (Tableau 5) --
def test_criterion_5_ownership_lease_and_area_lost(run, compiled):
    """L629-L632: each planted plot owned, or under a rural lease with >= 5 years left; the
    field-crop area lost to miscanthus at most 20 % of the reference.  The miscanthus system
    has 10 ha in its reference years, the other system 40 ha: reference area 50 ha.
    Plots of 4 + 6 ha: 10 / 50 = 20 % (met, 'limitée à 20 %', A55); 4 + 7 ha: 22 % (failed).
    Plot 1 owned, plot 2 under a 5-year lease: met; a 4-year lease or no lease given: failed."""
    from carbonspec.runtime.engine.core import eligibility
    proj = [year(0, EGES_combustibles_miscanthus=0.4)]
    other = {"Sfin": 50.0, "Sfin_ref": 50.0,
             "years": [year(k, Surf=40.0, cultures=[wheat(40.0)]) for k in (-3, -2, -1, 0)]}

    def verdict(p2, sau2=6.0):
        plots = [plot(4.0, 1, proprietaire=True), plot(sau2, 1, **p2)]
        flat, out = run(project(farm([miscanthus_system(plots, proj), other])))
        failed = {(f["where"], f["criterion"]) for f in eligibility(compiled, flat, out)["failed"]}
        return out, {c for _, c in failed if c.startswith("E5")}, failed

    out, e5, _ = verdict({"duree_bail_restante": 5.0})
    assert out["perte_surface_GC_miscanthus"][0] == pytest.approx(0.20, rel=1e-12) and e5 == set()
    out, e5, failed = verdict({"duree_bail_restante": 4.0})
    assert e5 == {"E5_maitrise_parcelle"}
    assert ("project.farms[0].systems[0].parcelles_miscanthus[1]", "E5_maitrise_parcelle") in failed
    _, e5, _ = verdict({})
    assert e5 == {"E5_maitrise_parcelle"}
    out, e5, _ = verdict({"proprietaire": True}, sau2=7.0)
    assert out["perte_surface_GC_miscanthus"][0] == pytest.approx(0.22, rel=1e-12) and e5 == {"E5_perte_surface"}

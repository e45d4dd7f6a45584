"""RE_combustibles (6.1.2, Équations 14-16, Tableau 13, Annexe 10 Éq. 7-10): values computed
by hand from the method text, with the fixture annex values spelled out, checked on both
backends (the `run` fixture).

Fixture values used (tests/fixtures/annexes/lbc_gc):
  combustibles: gnr FE_L 3.25 kgCO2e/L (L588); gaz_naturel FE_kg 3.417 kgCO2e/kg (L613);
    fioul_domestique FE_L 3.20 kgCO2e/L, FE_kWh 0.325 kgCO2e/kWh; electricite FE_kWh 0.0519.
  interventions (conso L/ha, puissance ch, débit h/ha, taux): labour 13.4, 150, 0.6, 0.7;
    semis_direct 4, 120, 0.25, 0.7; pulverisation 1.1, 100, 0.1, 0.5; moisson 16, 300, 0.35, 0.7;
    binage (no conso), -, 0.3, 0.7.
  irrigation (kWh/m3): enrouleur 0.6; pivot 0.35.
Method constants: consommation spécifique 0.22 L/ch/h (L1595); taux de charge 0.7 / 0.5 (L1597);
F_kWh->GNR 10 kWh/L (L1611); Annexe 10 Tableau 5 VR: BL 70, BV 50 EQF/UGB; forages 21 / 24 / 38 /
84 EQF/ha SFP; cultures 120 EQF/ha (L3975-L3981).
"""
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.engine.core import resolve_lookups, run_backend

from conftest import dossier, run_both, year

FE_GNR, FE_GAZ_KG, FE_FIOUL_L, FE_FIOUL_KWH = 3.25, 3.417, 3.20, 0.325   # kgCO2e per unit
CONSO_SPEC, TAUX_TRACTION, TAUX_PULVE, F_KWH_GNR = 0.22, 0.7, 0.5, 10.0  # L1595, L1597, L1611
REF, PROJ = (-3, -2, -1), (0, 1, 2, 3, 4)


def fy(k, SAU=100.0, **fields):
    """A farm year (timeline k_exploitation) with its fuel data."""
    d = {"k_exploitation": k, "SAU": SAU}
    d.update(fields)
    return d


def farm_doc(annees, **farm):
    """One farm whose farm years are `annees`; one cropping system with bare years (no
    fertilisation data) on the same k, so RE_fertilisation is 0 and only fuel counts."""
    years = [year(a["k_exploitation"]) for a in annees]
    return dossier(years, annees=annees, **farm)


def gnr(litres, **kw):
    c = {"energie_combustible": "gnr", "Consommation": litres}
    c.update(kw)
    return c


# ----------------------------------------------------------------- no data --
def test_dossier_without_fuel_data_gives_zero(run):
    """L1218: RE_combustibles is always computed; a dossier without any fuel data (the
    fertilisation-only dossiers) gives EGES_combustibles 0 in every year, hence RE 0."""
    flat, out = run(dossier([year(k) for k in (-3, -2, -1, 0, 1)]))
    assert list(out["EGES_combustibles"]) == [0.0] * 5
    assert out["RE_combustibles"][0] == 0.0 and out["RE_combustibles_exploitation"][0] == 0.0
    assert out["annees_sans_donnees_combustibles"][0] == 0.0
    assert out["methode_combustibles_B_ou_C"][0] == 0.0          # default: method A


# ---------------------------------------------------------------- method A --
def test_method_A_equation_15(run):
    """Équation 15: (Consommation - Q_pour_tiers + Q_prestations) × FE, per fuel, summed.
    GNR for the machines (1000 L for third parties, 500 L of contractors' work) and fioul for
    a thermal irrigation pump; the project saves 2000 L of GNR in each of 2 years."""
    def annee(k, litres_gnr):
        return fy(k, combustibles=[gnr(litres_gnr, Q_pour_tiers=1000.0, Q_prestations=500.0),
                                   {"energie_combustible": "fioul_domestique", "Consommation": 2000.0}])
    flat, out = run(farm_doc([annee(k, 10000.0) for k in REF] + [annee(k, 8000.0) for k in (0, 1)]))

    eges_ref = ((10000 - 1000 + 500) * FE_GNR + 2000 * FE_FIOUL_L) / 1000    # 37.275 t
    eges_proj = ((8000 - 1000 + 500) * FE_GNR + 2000 * FE_FIOUL_L) / 1000   # 30.775 t
    assert (eges_ref, eges_proj) == pytest.approx((37.275, 30.775), rel=1e-12)
    assert list(out["Q_net_combustible"][:2]) == [9500.0, 2000.0]
    assert out["EGES_combustible_i"][0] == pytest.approx(9500 * 3.25, rel=1e-12)
    assert list(out["EGES_combustibles"]) == pytest.approx([eges_ref] * 3 + [eges_proj] * 2, rel=1e-12)
    # Équation 14 with SAU 100 ha: (37.275/100 - 30.775/100) × 100 = 6.5 t per project year
    assert out["Intensite_comb_ref"][0] == pytest.approx(eges_ref / 100, rel=1e-12)
    assert list(out["RE_combustibles_annee"]) == pytest.approx([0, 0, 0, 6.5, 6.5], rel=1e-12)
    assert out["RE_combustibles"][0] == pytest.approx(13.0, rel=1e-12)
    # = 2 years × 2000 L × 3.25 kgCO2e/L
    assert out["RE_combustibles"][0] == pytest.approx(2 * 2000 * 3.25 / 1000, rel=1e-12)
    assert out["methode_combustibles_B_ou_C"][0] == 0.0
    assert out["donnees_combustibles"][0] == 2.0 and out["donnees_combustibles_incoherentes"].max() == 0.0


def test_method_A_units_kg_and_kwh(run):
    """A fuel the Annexe 9 references per kg or per kWh is declared in that unit and takes
    the matching FE column: 100 kg natural gas × 3.417; 1000 kWh fioul × 0.325."""
    fuels = [{"energie_combustible": "gaz_naturel", "unite_combustible": "kilogramme", "Consommation": 100.0},
             {"energie_combustible": "fioul_domestique", "unite_combustible": "kilowattheure",
              "Consommation": 1000.0, "Q_pour_tiers": 200.0}]
    flat, out = run(farm_doc([fy(k, combustibles=fuels) for k in (-3, -2, -1, 0)]))
    assert list(out["EGES_combustible_i"][:2]) == pytest.approx([100 * 3.417, 800 * 0.325], rel=1e-12)
    assert out["EGES_combustibles"][0] == pytest.approx((341.7 + 260.0) / 1000, rel=1e-12)
    assert out["RE_combustibles"][0] == pytest.approx(0.0, abs=1e-12)   # same consumption every year


# ------------------------------------------------- Équation 14: the means --
def test_reference_mean_with_varying_SAU_and_shorter_project(run):
    """Intensité_comb_ref is the mean of the three yearly intensities EGES(k)/Surf(k)
    (L1508), not total EGES / total SAU; a 2-year project sums 2 terms (L1506)."""
    annees = [fy(-3, 100.0, combustibles=[gnr(10000.0)]),     # 32.5 t / 100 ha = 0.325
              fy(-2, 125.0, combustibles=[gnr(10000.0)]),     # 32.5 t / 125 ha = 0.26
              fy(-1, 80.0, combustibles=[gnr(8000.0)]),       # 26 t / 80 ha   = 0.325
              fy(0, 110.0, combustibles=[gnr(8800.0)]),       # 28.6 t / 110 ha = 0.26
              fy(1, 120.0, combustibles=[gnr(12000.0)])]      # 39 t / 120 ha  = 0.325
    flat, out = run(farm_doc(annees))
    ref = (0.325 + 0.26 + 0.325) / 3                         # 0.303333 t/ha
    assert out["Intensite_comb_ref"][0] == pytest.approx(ref, rel=1e-12)
    assert ref != pytest.approx((32.5 + 32.5 + 26) / 305)    # the ratio of sums would be 0.29836
    assert list(out["Intensite_comb_Projet"]) == pytest.approx([0.325, 0.26, 0.325, 0.26, 0.325], rel=1e-12)
    re0 = (ref - 0.26) * 110                                   # +4.7667 t
    re1 = (ref - 0.325) * 120                                  # -2.6 t: more fuel per ha in year 1
    assert list(out["RE_combustibles_annee"][3:]) == pytest.approx([re0, re1], rel=1e-12)
    assert out["RE_combustibles"][0] == pytest.approx(re0 + re1, rel=1e-12)
    assert round(re0 + re1, 6) == 2.166667

    # a one-year project: only k = 0 counts
    flat, out = run(farm_doc(annees[:4]))
    assert out["RE_combustibles"][0] == pytest.approx(re0, rel=1e-12)


def test_project_sums_farms(run):
    """Équation 14 per farm, summed over the farms of the Projet."""
    d1 = farm_doc([fy(k, combustibles=[gnr(10000.0)]) for k in REF] + [fy(0, combustibles=[gnr(9000.0)])])
    d2 = farm_doc([fy(k, 50.0, combustibles=[gnr(4000.0)]) for k in REF] + [fy(0, 50.0, combustibles=[gnr(5000.0)])])
    d1["project"]["farms"].append(d2["project"]["farms"][0])
    flat, out = run(d1)
    # farm 1: 1000 L saved × 3.25 = 3.25 t; farm 2: 1000 L more = -3.25 t
    assert list(out["RE_combustibles_exploitation"]) == pytest.approx([3.25, -3.25], rel=1e-12)
    assert out["RE_combustibles"][0] == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------- method B --
def method_B_year(k, totale, irrigation=2000.0):
    return fy(k, 200.0, Carbu_totale=totale, Carbu_volaille=2000.0, Carbu_porcs=1000.0,
              Carbu_travaux_par_tiers=500.0, Carbu_travaux_pour_tiers=1500.0, Carbu_irrigation=irrigation,
              UGB_BL=40.0, Surf_fourrages_BL=50.0, systeme_fourrager="mais_moins_5",
              UGB_BV=20.0, Surf_cultures_vendues=125.0)


def test_method_B_annexe_10(run):
    """Annexe 10 Éq. 7-10 and the irrigation fuel (choice A64)."""
    annees = [method_B_year(k, 20000.0) for k in REF] + [method_B_year(0, 18000.0)]
    flat, out = run(farm_doc(annees, methode_combustibles="B"))
    # Éq. 7: 20000 - 2000 - 1000 + 500 - 1500 = 16000 L
    assert out["Carbu_exploitation"][0] == pytest.approx(16000.0, rel=1e-12)
    # Éq. 8 (Tableau 5): BL 40 UGB × 70 + 50 ha SFP (< 5 % maïs) × 24 = 4000 EQF; BV 20 × 50 = 1000;
    # cultures de vente 125 ha × 120 = 15000 EQF
    assert out["VR_fourrages"][0] == 24.0
    assert (out["Carbu_atelier_BL_theo"][0], out["Carbu_atelier_BV_theo"][0],
            out["Carbu_atelier_cultures_de_vente_theo"][0]) == pytest.approx((4000.0, 1000.0, 15000.0))
    # Éq. 9: 4000 / 20000 = 0.2, 0.05, 0.75
    alloc = (out["Allocation_BL"][0], out["Allocation_BV"][0], out["Allocation_cultures_de_vente"][0])
    assert alloc == pytest.approx((0.2, 0.05, 0.75), rel=1e-12) and sum(alloc) == pytest.approx(1.0)
    # Éq. 10: 16000 × 0.2 = 3200, × 0.05 = 800, × 0.75 = 12000 L
    assert (out["Carbu_atelier_BL"][0], out["Carbu_atelier_BV"][0],
            out["Carbu_atelier_cultures_de_vente"][0]) == pytest.approx((3200.0, 800.0, 12000.0), rel=1e-12)
    # A64: the 2000 L of irrigation inside Carbu_totale go to the field crops in full:
    # 12000 + 2000 × (1 - 0.75) = 12500 L -> × 3.25 = 40.625 t
    assert out["Carbu_atelier_GC"][0] == pytest.approx(12500.0, rel=1e-12)
    assert out["EGES_combustibles_B"][0] == pytest.approx(40.625, rel=1e-12)
    # project: Carbu_totale 18000 -> 14000 × 0.75 + 500 = 11000 L -> 35.75 t
    assert out["EGES_combustibles"][3] == pytest.approx(35.75, rel=1e-12)
    # RE = (40.625/200 - 35.75/200) × 200 = 4.875 t = 1500 L × 3.25
    assert out["RE_combustibles"][0] == pytest.approx(4.875, rel=1e-12)
    assert out["methode_combustibles_B_ou_C"][0] == 1.0          # 5 % rabais applies (Tableau 13)

    # without Carbu_irrigation it is Éq. 10 exactly: EGES = Carbu_atelier_cultures_de_vente × FE
    annees = [method_B_year(k, 20000.0, irrigation=0.0) for k in (-3, -2, -1, 0)]
    flat, out = run(farm_doc(annees, methode_combustibles="B"))
    assert out["EGES_combustibles"][0] == pytest.approx(12000 * 3.25 / 1000, rel=1e-12)


def test_method_B_forage_classes_and_fuel(run):
    """Tableau 5 forage values by maize share (L3977-L3980) and the FE of the declared fuel."""
    for systeme, vr in (("foin_100", 21), ("mais_moins_5", 24), ("mais_5_25", 38), ("mais_plus_25", 84)):
        annees = [fy(k, Carbu_totale=10000.0, UGB_BL=10.0, Surf_fourrages_BL=20.0, Surf_cultures_BL=5.0,
                     systeme_fourrager=systeme, Surf_fourrages_vendus=10.0, Surf_cultures_vendues=50.0,
                     combustible_B="fioul_domestique") for k in (-3, -2, -1, 0)]
        flat, out = run(farm_doc(annees, methode_combustibles="B"))
        bl = 10 * 70 + 20 * vr + 5 * 120
        cv = 10 * vr + 50 * 120
        assert out["Carbu_atelier_BL_theo"][0] == pytest.approx(bl)
        assert out["Allocation_cultures_de_vente"][0] == pytest.approx(cv / (bl + cv), rel=1e-12)
        assert out["EGES_combustibles"][0] == pytest.approx(10000 * cv / (bl + cv) * FE_FIOUL_L / 1000, rel=1e-12)


# ---------------------------------------------------------------- method C --
def test_method_C_consumption_per_intervention_type(run):
    """Équation 16, engins: [Σ Consommation intervention × Surface] × FE_GNR, the consumption
    per type from Annexe 9.  Reference: ploughing 20 ha, direct drilling 30 ha, 150 ha sprayed;
    project: direct drilling on 50 ha, no ploughing."""
    ref = [{"type_intervention": "labour", "Surface_intervention": 20.0},
           {"type_intervention": "semis_direct", "Surface_intervention": 30.0},
           {"type_intervention": "pulverisation", "Surface_intervention": 150.0}]
    proj = [{"type_intervention": "semis_direct", "Surface_intervention": 50.0},
            {"type_intervention": "pulverisation", "Surface_intervention": 150.0}]
    annees = [fy(k, 50.0, interventions=ref) for k in REF] + [fy(k, 50.0, interventions=proj) for k in (0, 1, 2)]
    flat, out = run(farm_doc(annees, methode_combustibles="C"))
    litres_ref = 13.4 * 20 + 4 * 30 + 1.1 * 150                # 268 + 120 + 165 = 553 L
    litres_proj = 4 * 50 + 1.1 * 150                           # 365 L
    assert list(out["Carburant_intervention"][:3]) == pytest.approx([268.0, 120.0, 165.0], rel=1e-12)
    assert out["EGES_combustibles_engins"][0] == pytest.approx(litres_ref * FE_GNR / 1000, rel=1e-12)
    assert out["EGES_combustibles"][3] == pytest.approx(litres_proj * FE_GNR / 1000, rel=1e-12)
    assert out["EGES_combustibles_irrigation"].max() == 0.0
    # 3 project years × 188 L × 3.25 kgCO2e/L = 1.833 t
    assert out["RE_combustibles"][0] == pytest.approx(3 * (553 - 365) * 3.25 / 1000, rel=1e-12)
    assert round(out["RE_combustibles"][0], 6) == 1.833
    assert out["methode_combustibles_B_ou_C"][0] == 1.0


def test_method_C_power_load_rate_and_work_rate(run):
    """Consommation intervention = 0,22 L/ch/h × puissance × taux de charge × débit de chantier
    (L1590, L1595-L1598); taux 0,7 / 0,5 by category, default the Annexe 9 one."""
    interventions = [
        # ploughing, 180 ch tractor, Annexe 9 rate 0.7 and work rate 0.6 h/ha
        {"type_intervention": "labour", "mode_conso": "puissance", "Puissance_tracteur": 180.0,
         "Surface_intervention": 10.0},
        # spraying declared as such: 0.5; 100 ch; 0.1 h/ha
        {"type_intervention": "pulverisation", "mode_conso": "puissance", "Puissance_tracteur": 100.0,
         "categorie_charge": "pulverisation_epandage", "Surface_intervention": 40.0},
        # hoeing: no consumption factor in Annexe 9, computed: traction 0.7, 0.3 h/ha, 90 ch
        {"type_intervention": "binage", "mode_conso": "puissance", "Puissance_tracteur": 90.0,
         "categorie_charge": "traction", "Surface_intervention": 20.0}]
    flat, out = run(farm_doc([fy(k, interventions=interventions) for k in (-3, -2, -1, 0)], methode_combustibles="C"))
    c1 = CONSO_SPEC * 180 * TAUX_TRACTION * 0.6                # 16.632 L/ha
    c2 = CONSO_SPEC * 100 * TAUX_PULVE * 0.1                   # 1.1 L/ha
    c3 = CONSO_SPEC * 90 * TAUX_TRACTION * 0.3                 # 4.158 L/ha
    assert (round(c1, 9), round(c2, 9), round(c3, 9)) == (16.632, 1.1, 4.158)
    assert list(out["Taux_charge_intervention"][:3]) == pytest.approx([0.7, 0.5, 0.7])
    assert list(out["Conso_intervention"][:3]) == pytest.approx([c1, c2, c3], rel=1e-12)
    litres = c1 * 10 + c2 * 40 + c3 * 20
    assert out["EGES_combustibles"][0] == pytest.approx(litres * FE_GNR / 1000, rel=1e-12)


def test_method_C_irrigation(run):
    """Équation 16, irrigation: Conso irrigation (kWh/m3) × Volume eau (m3) × FE_i / 10 kWh/L.
    Reference: hose reel 50 000 m3 (0.6 kWh/m3); project: pivot 50 000 m3 (0.35 kWh/m3)."""
    annees = ([fy(k, irrigations=[{"systeme_irrigation": "enrouleur", "Volume_eau": 50000.0}]) for k in REF]
              + [fy(0, irrigations=[{"systeme_irrigation": "pivot", "Volume_eau": 50000.0}])])
    flat, out = run(farm_doc(annees, methode_combustibles="C"))
    ref = 0.6 * 50000 * FE_GNR / F_KWH_GNR / 1000              # 30000 kWh = 3000 L GNR -> 9.75 t
    proj = 0.35 * 50000 * FE_GNR / F_KWH_GNR / 1000            # 17500 kWh = 1750 L -> 5.6875 t
    assert (ref, proj) == pytest.approx((9.75, 5.6875), rel=1e-12)
    assert out["EGES_combustibles_irrigation"][0] == pytest.approx(ref, rel=1e-12)
    assert out["EGES_combustibles"][3] == pytest.approx(proj, rel=1e-12)
    assert out["RE_combustibles"][0] == pytest.approx(ref - proj, rel=1e-12)   # 4.0625 t

    # two systems in one year are summed (choice A21), each with its own energy
    two = [{"systeme_irrigation": "enrouleur", "Volume_eau": 10000.0},
           {"systeme_irrigation": "pivot", "Volume_eau": 20000.0, "energie_irrigation": "fioul_domestique"}]
    flat, out = run(farm_doc([fy(k, irrigations=two) for k in (-3, -2, -1, 0)], methode_combustibles="C"))
    expected = (0.6 * 10000 * FE_GNR + 0.35 * 20000 * FE_FIOUL_L) / F_KWH_GNR / 1000
    assert out["EGES_combustibles_irrigation"][0] == pytest.approx(expected, rel=1e-12)
    # machines and irrigation together (Équation 16: EGES = engins + irrigation)
    both = [fy(k, interventions=[{"type_intervention": "moisson", "Surface_intervention": 100.0}], irrigations=two)
            for k in (-3, -2, -1, 0)]
    flat, out = run(farm_doc(both, methode_combustibles="C"))
    assert out["EGES_combustibles"][0] == pytest.approx(16 * 100 * FE_GNR / 1000 + expected, rel=1e-12)


# --------------------------------------------- (semi-)generic reference -----
def test_generic_reference_years_use_per_crop_references(run):
    """With a semi-generic or generic reference, the reference years take the per-crop fuel
    references (L/ha by crop, L1113/L1170) in Équation 16; the project years the farm's
    method (here A, L1531).  Choice comb_ref_generique."""
    crops = [{"mode_conso": "par_culture", "Conso_culture_L_ha": 100.0, "Surface_intervention": 60.0},
             {"mode_conso": "par_culture", "Conso_culture_L_ha": 90.0, "Surface_intervention": 40.0}]
    annees = [fy(k, interventions=crops) for k in REF] + [fy(k, combustibles=[gnr(9000.0)]) for k in (0, 1)]
    for type_reference in ("generique", "semi_generique"):
        flat, out = run(farm_doc(annees, type_reference=type_reference, methode_combustibles="A"))
        ref = (100 * 60 + 90 * 40) * FE_GNR / 1000                 # 9600 L -> 31.2 t
        assert list(out["annee_ref_generique"]) == [1, 1, 1, 0, 0]
        assert out["EGES_combustibles"][0] == pytest.approx(ref, rel=1e-12)
        assert out["EGES_combustibles"][3] == pytest.approx(9000 * FE_GNR / 1000, rel=1e-12)
        assert out["RE_combustibles"][0] == pytest.approx(2 * (31.2 - 29.25), rel=1e-12)   # 3.9 t
        assert out["methode_combustibles_B_ou_C"][0] == 0.0


# ---------------------------------------------------- located input errors --
def _error(compiled, tables, doc) -> str:
    with pytest.raises(InputError) as err:
        run_both(compiled, tables, doc)
    return err.value.render()


def test_missing_consumption_factor_is_located(compiled, tables):
    """An intervention type without a consumption factor in Annexe 9, per-type mode."""
    annees = [fy(k, interventions=[{"type_intervention": "binage", "Surface_intervention": 5.0}]) for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees, methode_combustibles="C"))
    assert "project.farms[0].annees[0].interventions[0]" in msg
    assert "Conso_intervention (Équation 16" in msg and "not a finite number" in msg and "conso_type" in msg


def test_power_mode_without_tractor_power_is_located(compiled, tables):
    annees = [fy(k, interventions=[{"type_intervention": "labour", "mode_conso": "puissance",
                                    "Surface_intervention": 5.0}]) for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees, methode_combustibles="C"))
    assert "annees[0].interventions[0]" in msg and "Puissance_tracteur" in msg


def test_fuel_without_FE_in_the_declared_unit_is_located(compiled, tables):
    """GNR declared in kg: Annexe 9 has no FE per kg for GNR."""
    annees = [fy(k, combustibles=[gnr(100.0, unite_combustible="kilogramme")]) for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees))
    assert "annees[0].combustibles[0]" in msg and "EGES_combustible_i" in msg and "FE_kg_combustible" in msg


def test_unknown_fuel_is_located(compiled, tables):
    annees = [fy(k, combustibles=[{"energie_combustible": "kerosene", "Consommation": 10.0}]) for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees))
    assert "annees[0].combustibles[0].energie_combustible" in msg and "'kerosene' is not in table 'combustibles'" in msg


def test_more_for_third_parties_than_consumed_is_refused(compiled, tables):
    annees = [fy(k, combustibles=[gnr(100.0, Q_pour_tiers=200.0)]) for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees))
    assert "annees[0].combustibles[0]" in msg and "Q_net_combustible" in msg and "outside its declared domain" in msg


def test_partial_fuel_data_is_refused(compiled, tables):
    """Data in the reference years only would give EGES 0 in the project and fabricate a
    reduction: refused at the farm."""
    annees = [fy(k, combustibles=[gnr(10000.0)]) for k in REF] + [fy(0)]
    msg = _error(compiled, tables, farm_doc(annees))
    assert "error: project.farms[0]: annees_sans_donnees_combustibles" in msg and "1.0" in msg


def test_data_of_another_method_is_refused(compiled, tables):
    # invoices (method A data) on a farm declared in method C
    annees = [fy(k, combustibles=[gnr(1000.0)], interventions=[{"type_intervention": "labour", "Surface_intervention": 1.0}])
              for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees, methode_combustibles="C"))
    assert "project.farms[0].annees[0]: donnees_combustibles_incoherentes" in msg
    # Carbu_totale (method B data) on a method A farm
    annees = [fy(k, combustibles=[gnr(1000.0)], Carbu_totale=5000.0) for k in (-3, -2, -1, 0)]
    assert "donnees_combustibles_incoherentes" in _error(compiled, tables, farm_doc(annees))
    # per-crop references in a specific-reference year
    crops = [{"mode_conso": "par_culture", "Conso_culture_L_ha": 100.0, "Surface_intervention": 60.0}]
    annees = [fy(k, interventions=crops) for k in (-3, -2, -1, 0)]
    assert "donnees_combustibles_incoherentes" in _error(compiled, tables, farm_doc(annees, methode_combustibles="C"))


def test_method_B_inconsistent_data_is_refused(compiled, tables):
    # forage area without forage system (Tableau 5 needs the maize share)
    annees = [fy(k, Carbu_totale=10000.0, Surf_fourrages_BL=10.0, Surf_cultures_vendues=50.0) for k in (-3, -2, -1, 0)]
    assert "donnees_combustibles_incoherentes" in _error(compiled, tables, farm_doc(annees, methode_combustibles="B"))
    # irrigation fuel larger than the farm's fuel (it is a part of Carbu_totale, A64)
    annees = [fy(k, Carbu_totale=1000.0, Carbu_irrigation=2000.0, Surf_cultures_vendues=50.0) for k in (-3, -2, -1, 0)]
    assert "donnees_combustibles_incoherentes" in _error(compiled, tables, farm_doc(annees, methode_combustibles="B"))
    # no workshop described: the allocation keys are 0/0
    annees = [fy(k, Carbu_totale=10000.0) for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees, methode_combustibles="B"))
    assert "project.farms[0].annees[0]: Allocation_" in msg and "(Équation 9, Annexe 10" in msg
    assert "not a finite number" in msg
    # hors-sol workshops larger than the total
    annees = [fy(k, Carbu_totale=1000.0, Carbu_volaille=2000.0, Surf_cultures_vendues=50.0) for k in (-3, -2, -1, 0)]
    msg = _error(compiled, tables, farm_doc(annees, methode_combustibles="B"))
    # the consistency check of Tableau 13 is reported before the value it poisons (Carbu_exploitation < 0)
    assert "donnees_combustibles_incoherentes (Tableau 13" in msg and "outside its declared domain" in msg


# ------------------------------------------------------------- invariants --
def _fuel_dossier(draw):
    p = draw(st.integers(1, 5))
    annees = []
    for k in list(REF) + list(range(p)):
        fuels = [{"energie_combustible": draw(st.sampled_from(["gnr", "fioul_domestique"])),
                  "Consommation": draw(st.floats(0, 50000))} for _ in range(draw(st.integers(1, 3)))]
        irr = [{"systeme_irrigation": draw(st.sampled_from(["enrouleur", "pivot"])),
                "Volume_eau": draw(st.floats(0, 200000))} for _ in range(draw(st.integers(0, 2)))]
        annees.append(fy(k, draw(st.floats(10, 500)), combustibles=fuels, irrigations=irr))
    method = "A" if not any(a["irrigations"] for a in annees) else "C"
    if method == "C":
        for a in annees:
            a["combustibles"] = []
            a["interventions"] = [{"type_intervention": "labour", "Surface_intervention": draw(st.floats(1, 100))}]
    return farm_doc(annees, methode_combustibles=method)


@pytest.mark.parametrize("name", ["conso_A_projet", "conso_A_reference", "volume_irrigation_projet"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), delta=st.floats(0.01, 5000))
def test_fuel_invariants_hold(compiled, tables, name, data, delta):
    """The spec's invariants on RE_combustibles, on generated dossiers (SymPy proves the two
    method-A ones; it cannot settle the sign of / F_kWh_GNR, so this checks the third)."""
    doc = _fuel_dossier(data.draw)
    inv = next(i for i in compiled.model["invariants"] if i["name"] == name)
    from carbonspec.runtime.engine.reference import ReferenceBackend
    flat = compiled.schema.flatten(copy.deepcopy(doc))
    resolve_lookups(compiled, flat, tables)
    base = run_backend(compiled, flat.data, "numba")[inv["target"]]
    values = dict(flat.data)
    mask = np.asarray(ReferenceBackend(compiled.model).eval(inv["where"], inv["entity"], values), dtype=bool)
    values[inv["input"]] = np.where(mask, values[inv["input"]] + delta, values[inv["input"]])
    moved = run_backend(compiled, values, "numba")[inv["target"]]
    tol = 1e-9 * (np.abs(base) + 1)
    if inv["direction"] == "decreasing":
        assert (moved <= base + tol).all()
    else:
        assert (moved >= base - tol).all()

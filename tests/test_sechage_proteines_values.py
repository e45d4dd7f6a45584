"""Values computed by hand from the method text for 6.1.3 (RE_séchage/stockage at the farm,
Équations 17-19), 6.2 (RE_aval, Équation 20), 6.2.1 (RE_séchage_OS, Équations 21-22) and
6.2.2 (RE_protéines, Équation 23), with the fixture annex values spelled out, checked on
both backends (the `run` fixture).

Fixture values used (tests/fixtures/annexes/lbc_gc):
  combustibles: gaz_naturel FE_kg 3.417 kgCO2e/kg (L613), gnr FE_L 3.25 kgCO2e/L (L588),
    fioul_domestique FE_kWh 0.325, electricite FE_kWh 0.0519 kgCO2e/kWh;
  sechage_OS (Annexe 11, L2099-L2102): H_objectif / Seuil_sechage in %: mais 5 / 15,
    soja 14 / 18, colza 9 / 15, tournesol 9 / 14;
  proteines (RatioMRP, Ft, CEp: Annexe 21 L4431-L4464; FE_MRP placeholder):
    pois 0.72, 1, 0.43, 0.40; colza 0.99, 0.56, 0.76, 0.45; lupin 0.77, 1, 0.73, 0.40;
  soja: FET_soja 1.5 tCO2e/t (placeholder).
Method constant: Conso_séchoir = 80 kg gaz naturel / t eau (L1718).
"""
import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.engine.core import resolve_lookups, run_backend
from carbonspec.runtime.engine.reference import ReferenceBackend
from carbonspec.runtime.engine.tables import load_annexes

from conftest import ROOT, dossier, run_both, year

FE_GAZ, FE_GNR, FE_FIOUL_KWH, FE_ELEC = 3.417, 3.25, 0.325, 0.0519   # kgCO2e per kg / L / kWh
CONSO_SECHOIR = 80.0                                                   # kg gas / t water (L1718)
FET_SOJA = 1.5                                                         # tCO2e / t


def farm(**kw):
    """A one-farm dossier (one cropping system without crops: RE_fertilisation 0)."""
    f = {"type_reference": "specifique"}
    f.update(kw)
    return dossier([year(k) for k in (-3, -2, -1, 0)], **f)


def total(out, name):
    return float(out[name][0])


# ======================================================= Équations 17-19 (farm) ==
def poste(installation, rows):
    return {"installation": installation,
            "annees_poste": [dict(k_poste=k, tonnage_poste=q, **conso) for k, q, conso in rows]}


def gaz(kg):
    return {"energie_poste": "gaz_naturel", "Conso_poste_kg": kg}


MAIZE_DRYING = poste("sechage", [(-3, 1000.0, gaz(5000.0)), (-2, 1200.0, gaz(6600.0)), (-1, 800.0, gaz(4400.0)),
                                 (0, 1100.0, gaz(4400.0)), (1, 1000.0, gaz(3800.0))])
POTATO_STORAGE = poste("stockage", [(k, 5000.0, {"energie_poste": "fioul_domestique", "Conso_poste_kWh": 20000.0})
                                    for k in (-3, -2, -1)]
                       + [(0, 5000.0, {"energie_poste": "electricite", "Conso_poste_kWh": 25000.0})])


def test_equation_18_drying_at_the_farm(run):
    """Maize dried with gas: Intensité_ref = Σ conso / Σ tonnage over t-3..t-1 (L1640)."""
    flat, out = run(farm(levier_sechage_stockage=True, postes_ferme=[MAIZE_DRYING]))
    # reference: (5000 + 6600 + 4400) kg gas / (1000 + 1200 + 800) q = 5.333 kg/q, × 3.417 kgCO2e/kg
    intensite = (5000 + 6600 + 4400) * FE_GAZ / (1000 + 1200 + 800)
    assert intensite == pytest.approx(18.224)
    assert out["Intensite_ref_poste"][0] == pytest.approx(intensite, rel=1e-12)
    # year 0: 18.224 × 1100 q - 4400 kg × 3.417 = 20 046.4 - 15 034.8 kgCO2e
    y0 = (intensite * 1100 - 4400 * FE_GAZ) / 1000
    y1 = (intensite * 1000 - 3800 * FE_GAZ) / 1000
    assert y0 == pytest.approx(5.0116) and y1 == pytest.approx(5.2394)
    np.testing.assert_allclose(out["RE_poste_annee"], [0, 0, 0, y0, y1], rtol=1e-12)
    assert out["RE_sechage_ferme"][0] == pytest.approx(y0 + y1, rel=1e-12)
    assert out["RE_stockage_ferme"][0] == 0
    assert total(out, "RE_sechage_stockage") == pytest.approx(10.251, rel=1e-12)


def test_equation_19_storage_with_a_change_of_energy_and_equation_17(run):
    """Potatoes stored with heating oil in the reference, electricity in the project
    (« changement du type d'énergie », L1622); Équation 17 adds drying and storage."""
    flat, out = run(farm(levier_sechage_stockage=True, postes_ferme=[MAIZE_DRYING, POTATO_STORAGE]))
    # Intensité_stockage_ref × FE_ref = 3 × 20 000 kWh × 0.325 / (3 × 5000 q) = 1.3 kgCO2e/q
    stockage = (1.3 * 5000 - 25000 * FE_ELEC) / 1000          # (6500 - 1297.5) kgCO2e
    assert stockage == pytest.approx(5.2025)
    assert out["Intensite_ref_poste"][1] == pytest.approx(1.3, rel=1e-12)
    assert out["RE_stockage_ferme"][0] == pytest.approx(stockage, rel=1e-12)
    assert out["RE_sechage_ferme"][0] == pytest.approx(10.251, rel=1e-12)
    assert out["RE_sechage_stockage_exploitation"][0] == pytest.approx(10.251 + stockage, rel=1e-12)
    assert total(out, "RE_sechage_stockage") == pytest.approx(15.4535, rel=1e-12)


def test_reference_years_with_two_energies_choice_FE_ref_par_annee(run):
    """GNR in t-3, gas in t-2 and t-1: each year's emissions are added (choice
    FE_ref_par_annee); litres and kg are never added."""
    rows = [(-3, 1000.0, {"energie_poste": "gnr", "Conso_poste_L": 1000.0}), (-2, 1000.0, gaz(1000.0)),
            (-1, 1000.0, gaz(1000.0)), (0, 1000.0, gaz(900.0))]
    flat, out = run(farm(levier_sechage_stockage=True, postes_ferme=[poste("sechage", rows)]))
    intensite = (1000 * FE_GNR + 2 * 1000 * FE_GAZ) / 3000    # (3250 + 6834) / 3000 = 3.3613 kgCO2e/q
    expected = (intensite * 1000 - 900 * FE_GAZ) / 1000
    assert expected == pytest.approx(0.2860333, rel=1e-6)
    assert total(out, "RE_sechage_stockage") == pytest.approx(expected, rel=1e-12)


def test_crop_not_dried_in_the_reference_choice_ref_sans_tonnage(run):
    """A crop dried only in the project: reference intensity 0, its drying is an increase."""
    rows = [(-3, 0.0, {}), (-2, 0.0, {}), (-1, 0.0, {}), (0, 500.0, gaz(1000.0))]
    flat, out = run(farm(levier_sechage_stockage=True, postes_ferme=[poste("sechage", rows)]))
    assert out["Intensite_ref_poste"][0] == 0
    assert total(out, "RE_sechage_stockage") == pytest.approx(-1000 * FE_GAZ / 1000, rel=1e-12)


@pytest.mark.parametrize("farm_fields", [{"levier_sechage_stockage": False},
                                         {"levier_sechage_stockage": True, "type_reference": "semi_generique"},
                                         {"levier_sechage_stockage": True, "type_reference": "generique"}])
def test_sechage_stockage_only_with_the_lever_and_a_specific_reference(run, farm_fields):
    """L1216/L1619: only if the farm declares the lever; L1624: only with a specific reference."""
    flat, out = run(farm(postes_ferme=[MAIZE_DRYING, POTATO_STORAGE], **farm_fields))
    assert not out["RE_poste_annee"].any()
    assert total(out, "RE_sechage_stockage") == 0
    assert out["Intensite_ref_poste"][0] == pytest.approx(18.224)  # still traced


def test_consumption_without_an_energy_is_a_located_error(compiled, tables):
    rows = [(-3, 1000.0, gaz(5000.0)), (-2, 1000.0, gaz(5000.0)), (-1, 1000.0, gaz(5000.0)),
            (0, 1000.0, {"Conso_poste_kg": 4000.0})]
    with pytest.raises(InputError) as err:
        run_both(compiled, tables, farm(levier_sechage_stockage=True, postes_ferme=[poste("sechage", rows)]))
    msg = err.value.render()
    assert "project.farms[0].postes_ferme[0].annees_poste[3]" in msg
    assert "EGES_poste" in msg and "FE_poste_kg" in msg


# ================================================= Équations 21-22 (séchage OS) ==
def culture_OS(culture, H_ref, H_projet, tonnage):
    ys = [{"k_OS": k, "H_recolte": h} for k, h in zip((-3, -2, -1), H_ref)]
    ys += [{"k_OS": k, "H_recolte": h, "tonnage_seche_OS": tonnage} for k, h in enumerate(H_projet)]
    return {"culture_sechee_OS": culture, "annees_OS": ys}


def conso(H, H_obj, seuil):
    """Équation 22 by hand: kg gas per t of wet grain."""
    return (H - H_obj) / (100 - H_obj) * CONSO_SECHOIR if H > seuil else 0.0


def test_TV16_drying_need_per_tonne(run):
    """Digest TV16: colza 17 % -> (17 - 9)/(100 - 9) × 80 = 7.033 kg gas/t; colza 12 % (below
    the 15 % threshold) -> 0; maize 30 % -> (30 - 5)/95 × 80 = 21.05 as printed (14.12 with 15)."""
    flat, out = run(farm(levier_aval=True, cultures_OS=[culture_OS("colza", (17.0, 17.0, 17.0), (17.0, 12.0), 1.0),
                                                         culture_OS("mais", (30.0, 30.0, 30.0), (30.0,), 1.0)]))
    assert out["Conso_sechage_ref"][0] == pytest.approx(8 / 91 * 80, rel=1e-12)
    assert round(float(out["Conso_sechage_ref"][0]), 3) == 7.033
    assert out["Conso_sechage_Projet"][3] == pytest.approx(7.032967, rel=1e-6)   # colza, k = 0, 17 %
    assert out["Conso_sechage_Projet"][4] == 0                                   # colza, k = 1, 12 % < 15 %
    assert round(float(out["Conso_sechage_Projet"][8]), 2) == 21.05              # maize, 30 %, H_objectif 5
    assert round(float(out["Conso_sechage_Projet_A30"][8]), 2) == 14.12          # maize, 30 %, H_objectif 15
    assert out["Conso_sechage_Projet_A30"][3] == out["Conso_sechage_Projet"][3]  # colza: one reading only


def test_equation_21_colza_harvested_drier(run):
    """H_ref = mean of 18, 17, 16 = 17 % (L1714); project 12 % then 17 %, 200 t dried each year."""
    flat, out = run(farm(levier_aval=True, cultures_OS=[culture_OS("colza", (18.0, 17.0, 16.0), (12.0, 17.0), 200.0)]))
    assert out["H_ref_OS"][0] == pytest.approx(17.0)
    y0 = (conso(17, 9, 15) - 0.0) * 200 * FE_GAZ / 1000        # 7.033 kg/t × 200 t × 3.417
    assert y0 == pytest.approx(4.806330, rel=1e-6)
    np.testing.assert_allclose(out["RE_sechage_OS_annee"], [0, 0, 0, y0, 0.0], rtol=1e-12, atol=1e-15)
    assert total(out, "RE_sechage_OS") == pytest.approx(y0, rel=1e-12)
    assert total(out, "RE_aval") == pytest.approx(y0, rel=1e-12)


def test_equation_22_threshold_is_strict_and_wetter_grain_gives_a_negative_term(run):
    """Tournesol, H_ref = 14 % = its Seuil_séchage: not above it, Conso_ref = 0 (L1708);
    project 16 %: (16 - 9)/91 × 80 = 6.154 kg/t, so the term is negative."""
    flat, out = run(farm(levier_aval=True, cultures_OS=[culture_OS("tournesol", (14.0, 14.0, 14.0), (16.0,), 100.0)]))
    assert out["Conso_sechage_ref"][0] == 0
    expected = -conso(16, 9, 14) * 100 * FE_GAZ / 1000
    assert expected == pytest.approx(-2.102769, rel=1e-6)
    assert total(out, "RE_sechage_OS") == pytest.approx(expected, rel=1e-12)
    assert total(out, "RE_aval") == 0                          # Équation 20 floor (L1677)


def test_A30_maize_takes_the_lower_of_the_two_readings(run):
    """Maize, 500 t a year, H_ref 32 %:
    - k = 0 at 28 % (both above 15 %): printed 4/95 × 80 = 3.368 < 4/85 × 80 = 3.765 kg/t -> printed;
    - k = 1 at 14 % (below 15 %): printed 27/95 × 80 = 22.74 > 17/85 × 80 = 16 kg/t -> 15 %;
    - k = 2 at 30 %: printed 2/95 × 80 = 1.684 < 2/85 × 80 = 1.882 -> printed."""
    flat, out = run(farm(levier_aval=True, cultures_OS=[culture_OS("mais", (32.0,) * 3, (28.0, 14.0, 30.0), 500.0)]))
    printed = [conso(32, 5, 15) - conso(h, 5, 15) for h in (28, 14, 30)]
    a30 = [conso(32, 15, 15) - conso(h, 15, 15) for h in (28, 14, 30)]
    assert printed == pytest.approx([4 / 95 * 80, 27 / 95 * 80, 2 / 95 * 80])
    assert a30 == pytest.approx([4 / 85 * 80, 16.0, 2 / 85 * 80])
    chosen = [min(p, a) * 500 * FE_GAZ / 1000 for p, a in zip(printed, a30)]
    assert chosen == pytest.approx([5.754947, 27.336, 2.877474], rel=1e-6)
    np.testing.assert_allclose(out["RE_sechage_OS_annee"][3:], chosen, rtol=1e-12)
    assert total(out, "RE_sechage_OS") == pytest.approx(sum(chosen), rel=1e-12)
    assert out["H_objectif_A30"][0] == 15 and flat.data["H_objectif_OS"][0] == 5   # the table keeps 5


def test_A80_worked_figure_of_tableau_4(run):
    """Tableau 4 (L613): « 80 kg de gaz naturel / tonne d'eau ... - 27,3 kgeqCO2/100 tonnes livrées à
    -1% d'humidité ».  100 t × 1 % = 1 t of water × 80 × 3.417 = 273.4 kgCO2e (digest A80: the
    printed 27.3 is 10 times too small); Équation 22 evaporates 1/(100 - H_objectif) t of water
    per t and per point, so colza 18 % -> 17 % on 100 t gives 273.4 × 100/91 = 300.4 kgCO2e."""
    flat, out = run(farm(levier_aval=True, cultures_OS=[culture_OS("colza", (18.0,) * 3, (17.0,), 100.0)]))
    assert 1 * 80 * FE_GAZ == pytest.approx(273.36)
    expected = 1 / 91 * 80 * 100 * FE_GAZ / 1000
    assert expected == pytest.approx(0.27336 * 100 / 91, rel=1e-12)
    assert total(out, "RE_sechage_OS") == pytest.approx(expected, rel=1e-12)
    assert 0.9 < total(out, "RE_sechage_OS") / 0.2733 < 1.1          # same order as 273 kg, not 27.3


@pytest.mark.parametrize("farm_fields", [{"levier_aval": False},
                                         {"levier_aval": True, "type_reference": "semi_generique"},
                                         {"levier_aval": True, "type_reference": "generique"}])
def test_sechage_OS_only_with_a_downstream_lever_and_a_specific_reference(run, farm_fields):
    """L1675: RE_aval is computed only with a downstream lever; L1704: RE séchage OS only
    with a specific reference."""
    flat, out = run(farm(cultures_OS=[culture_OS("colza", (18.0, 17.0, 16.0), (12.0,), 200.0)], **farm_fields))
    assert total(out, "RE_sechage_OS") == 0 and total(out, "RE_aval") == 0
    assert out["Conso_sechage_ref"][0] == pytest.approx(conso(17, 9, 15))   # still traced


def test_missing_moisture_or_tonnage_is_a_located_error(compiled, tables):
    c = culture_OS("colza", (18.0, 17.0, 16.0), (12.0,), 200.0)
    broken = copy.deepcopy(c)
    del broken["annees_OS"][1]["H_recolte"]
    with pytest.raises(InputError) as err:
        run_both(compiled, tables, farm(levier_aval=True, cultures_OS=[broken]))
    assert "project.farms[0].cultures_OS[0].annees_OS[1].H_recolte" in err.value.render()

    broken = copy.deepcopy(c)
    del broken["annees_OS"][3]["tonnage_seche_OS"]
    with pytest.raises(InputError) as err:
        run_both(compiled, tables, farm(levier_aval=True, cultures_OS=[broken]))
    msg = err.value.render()
    assert "project.farms[0].cultures_OS[0].annees_OS[3]" in msg
    assert "RE_sechage_OS_annee" in msg and "tonnage_seche_OS" in msg

    broken = copy.deepcopy(c)
    del broken["annees_OS"][0]
    with pytest.raises(InputError) as err:
        run_both(compiled, tables, farm(levier_aval=True, cultures_OS=[broken]))
    msg = err.value.render()
    assert "project.farms[0].cultures_OS[0].annees_OS" in msg and "k_OS = -3" in msg


# ======================================================== Équation 23 (protéines) ==
def culture_MRP(culture, ref, projet, **kw):
    """ref / projet: (Rdt t/ha, Surf ha) per year."""
    ys = [{"k_MRP": k, "Rdt_MRP": r, "Surf_MRP": s} for k, (r, s) in zip((-3, -2, -1), ref)]
    ys += [{"k_MRP": k, "Rdt_MRP": r, "Surf_MRP": s} for k, (r, s) in enumerate(projet)]
    c = {"culture_source_MRP": culture, "annees_MRP": ys}
    c.update(kw)
    return c


PEAS = culture_MRP("pois", [(4.0, 0.0), (4.0, 10.0), (4.0, 20.0)], [(4.5, 30.0), (4.0, 10.0), (3.0, 10.0)])
COLZA_TRACED = culture_MRP("colza", [(3.5, 20.0)] * 3, [(3.5, 30.0)], RatioMRP_trace=0.5)
# pois: reference production (0 + 40 + 80)/3 = 40 t; Delta = 135 - 40, 40 - 40, 30 - 40 t
PEAS_TERMS = [d * 0.72 * 1.0 * (FET_SOJA * 0.43 - 0.40) for d in (95.0, 0.0, -10.0)]
# colza, traced RatioMRP 0.5: Delta = 105 - 70 = 35 t
COLZA_TERM = 35.0 * 0.5 * 0.56 * (FET_SOJA * 0.76 - 0.45)


def test_equation_23_proteines(run):
    flat, out = run(farm(levier_aval=True, cultures_MRP=[PEAS, COLZA_TRACED]))
    assert PEAS_TERMS == pytest.approx([16.758, 0.0, -1.764])     # 95 × 0.72 × (0.645 - 0.40)
    assert COLZA_TERM == pytest.approx(6.762)                      # 35 × 0.5 × 0.56 × (1.14 - 0.45)
    np.testing.assert_allclose(out["Production_ref_MRP"], [40.0, 70.0], rtol=1e-12)
    np.testing.assert_allclose(out["Delta_production_MRP"], [0, 0, 0, 95, 0, -10, 0, 0, 0, 35],
                               rtol=1e-12)
    np.testing.assert_allclose(out["RE_proteines_annee"], [0, 0, 0, *PEAS_TERMS, 0, 0, 0, COLZA_TERM],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out["RatioMRP"], [0.72, 0.5])
    np.testing.assert_allclose(out["RatioMRP_par_defaut"], [1, 0])  # default Ferme France -> rabais (6.5)
    assert total(out, "RE_proteines") == pytest.approx(sum(PEAS_TERMS) + COLZA_TERM, rel=1e-12)
    assert total(out, "RE_proteines") == pytest.approx(21.756, rel=1e-12)
    # A31b: the printed FET_soja / CEp would credit (1.5 / 0.43 - 0.40) = 3.088 tCO2e per t of pea MRP
    assert 95 * 0.72 * (FET_SOJA / 0.43 - 0.40) > 12 * PEAS_TERMS[0]


def test_TV13_protein_equivalence_coefficients():
    """Digest TV13: CEp = protein content / 0.46 (soybean meal), L4431-L4443; lupin printed 0.73
    for 0.34 / 0.46 = 0.739 (A81) — the annex keeps the printed value."""
    from carbonspec.runtime.engine.core import load_compiled
    from conftest import GENERATED
    annex = ROOT / "annexes" / "lbc_gc" / "v2.0"
    t = load_annexes(annex, load_compiled(GENERATED).model).tables["proteines"]
    protein = {"soja": 0.46, "colza": 0.35, "tournesol": 0.28, "lin_oleagineux": 0.22, "pois": 0.20,
               "feverole": 0.25, "luzerne": 0.19, "ble_tendre": 0.24, "orge_printemps": 0.24, "mais_grain": 0.21}
    for key, p in protein.items():
        assert t.rows[(key,)]["CEp"] == pytest.approx(round(p / 0.46, 2)), key
    assert round(0.34 / 0.46, 3) == 0.739 and t.rows[("lupin",)]["CEp"] == 0.73


def test_lupin_uses_the_printed_CEp(run):
    flat, out = run(farm(levier_aval=True, cultures_MRP=[culture_MRP("lupin", [(3.0, 0.0)] * 3, [(3.0, 10.0)])]))
    assert total(out, "RE_proteines") == pytest.approx(30 * 0.77 * 1 * (FET_SOJA * 0.73 - 0.40), rel=1e-12)


def test_proteines_need_the_downstream_lever_but_not_a_specific_reference(run):
    flat, out = run(farm(cultures_MRP=[PEAS]))
    assert total(out, "RE_proteines") == 0
    flat, out = run(farm(levier_aval=True, type_reference="generique", cultures_MRP=[PEAS]))
    assert total(out, "RE_proteines") == pytest.approx(sum(PEAS_TERMS), rel=1e-12)


# ==================================================== Équation 20 (RE_aval) ==
def test_equation_20_RE_aval_sums_both_terms(run):
    flat, out = run(farm(levier_aval=True, cultures_OS=[culture_OS("colza", (18.0, 17.0, 16.0), (12.0,), 200.0)],
                         cultures_MRP=[PEAS, COLZA_TRACED]))
    os_ = conso(17, 9, 15) * 200 * FE_GAZ / 1000
    assert out["RE_aval_exploitation"][0] == pytest.approx(os_ + 21.756, rel=1e-12)
    assert total(out, "RE_aval") == pytest.approx(os_ + 21.756, rel=1e-12)
    assert total(out, "RE_aval") == pytest.approx(total(out, "RE_sechage_OS") + total(out, "RE_proteines"))


def test_A26_RE_aval_floor_applies_once_per_farm(run):
    """Choice A26: the floor of L1677 applies to each farm's RE_séchage_OS + RE_protéines (the
    value Équations 1 and 30 both use); the Project's RE_aval is the sum of the floored farm
    values.  Farm A produces more peas (+14.994 t CO2e), farm B less colza (default ratio 0.99):
    Delta = 3.5 × 10 - 70 = -35 t -> -35 × 0.99 × 0.56 × 0.69 = -13.389, floored to 0."""
    colza_down = culture_MRP("colza", [(3.5, 20.0)] * 3, [(3.5, 10.0)])
    b_term = -35.0 * 0.99 * 0.56 * (FET_SOJA * 0.76 - 0.45)
    assert b_term == pytest.approx(-13.38876, rel=1e-9)

    flat, out = run(farm(levier_aval=True, cultures_MRP=[colza_down]))        # farm B alone
    assert total(out, "RE_proteines") == pytest.approx(b_term, rel=1e-12)
    assert out["RE_aval_exploitation"][0] == 0                                 # L1677
    assert total(out, "RE_aval") == 0

    doc = farm(levier_aval=True, cultures_MRP=[PEAS])
    b = copy.deepcopy(doc["project"]["farms"][0])
    b["cultures_MRP"] = [colza_down]
    doc["project"]["farms"].append(b)
    flat, out = run(doc)
    np.testing.assert_allclose(out["RE_aval_exploitation"], [sum(PEAS_TERMS), 0.0], rtol=1e-12)
    assert total(out, "RE_aval") == pytest.approx(sum(PEAS_TERMS), rel=1e-12)
    assert total(out, "RE_aval") == pytest.approx(14.994, rel=1e-6)


def test_dossiers_without_these_data_give_zero(run):
    """Optional terms (L1216, L1619, L1675): no data and no lever -> 0, even with the levers on."""
    for fields in ({}, {"levier_sechage_stockage": True, "levier_aval": True}):
        flat, out = run(farm(**fields))
        for name in ("RE_sechage_stockage", "RE_sechage_OS", "RE_proteines", "RE_aval"):
            assert total(out, name) == 0, name


# ================================================================ invariants ==
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
H = st.floats(8.0, 40.0, allow_nan=False)


@st.composite
def aval_dossier(draw):
    cultures = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(1, 5))
        cultures.append(culture_OS(draw(st.sampled_from(["mais", "mais_grain", "colza", "soja", "tournesol"])),
                                   draw(st.tuples(H, H, H)), draw(st.lists(H, min_size=n, max_size=n)),
                                   draw(st.floats(0.0, 2000.0))))
    rows = [(k, draw(st.floats(0.0, 5000.0)), {"energie_poste": "electricite",
                                                "Conso_poste_kWh": draw(st.floats(0.0, 1e5))})
            for k in (-3, -2, -1, 0, 1)]
    return farm(levier_aval=True, levier_sechage_stockage=True, cultures_OS=cultures,
                postes_ferme=[poste(draw(st.sampled_from(["sechage", "stockage"])), rows)])


@pytest.mark.parametrize("name", ["H_OS_projet", "H_OS_reference", "conso_poste_projet"])
@SETTINGS
@given(doc=aval_dossier(), delta=st.floats(0.01, 10.0))
def test_invariants_of_this_block_hold(compiled, tables, name, doc, delta):
    inv = next(i for i in compiled.model["invariants"] if i["name"] == name)
    flat = compiled.schema.flatten(copy.deepcopy(doc))
    resolve_lookups(compiled, flat, tables)
    base = run_backend(compiled, flat.data, "numba")[inv["target"]]
    data = dict(flat.data)
    mask = np.asarray(ReferenceBackend(compiled.model).eval(inv["where"], inv["entity"], data), dtype=bool)
    x = data[inv["input"]]
    data[inv["input"]] = np.where(mask & ~np.isnan(x), x + delta, x)
    moved = run_backend(compiled, data, "numba")[inv["target"]]
    tol = 1e-9 * (np.abs(base) + 1)
    if inv["direction"] == "decreasing":
        assert (moved <= base + tol).all(), (name, base, moved)
    else:
        assert (moved >= base - tol).all(), (name, base, moved)

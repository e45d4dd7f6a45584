"""Co-benefits (section 7: Tableaux 19-20, Équations 32-35, Tableaux 22-23), computed by hand.

Fixture values used (tests/fixtures/annexes/lbc_gc): Frac_GAZF ammonitrate 0.05 kg N/kg N,
FRAC_LESS 0.24 (default, L1425), Tableau 22 C_culture blé tendre 0.20 and colza 0.30
(L2724, L2728), CED of GNR 40 MJ/L (round fixture figure), E_eau_théo blé tendre
1800 m3/t (round fixture figure), MS of blé tendre 0.89.  Every case runs on both backends.
"""
import pytest

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.engine.core import cobenefits

from conftest import dossier, farm_years, year


def ammonitrate(qn, QP=0.0):
    return {"produit_min": "ammonitrate_33_5", "QN": qn, "QP": QP}


def wheat(surf=10.0, **kw):
    return {"espece": "ble_tendre", "Surf_culture": surf, "RDT_normes": 7000.0, **kw}


def _by_name(compiled, flat, out):
    return {(c["where"], c["indicator"]): c for c in cobenefits(compiled, flat, out)}


# --------------------------------------------------------------- NH3, nitrate --
def test_nh3_and_nitrate_from_the_intermediate_terms_of_equations_8_and_9(run, compiled):
    """One 10 ha system, 1500 kg N in each reference year, 1200 kg N in two project years.
    NH3 (Tableau 23 L2783): QN × Frac_GAZF / Surf: 7.5 -> 6.0 kg N/ha, change -1.5.
    Nitrate (L2784): QN × FRAC_LESS / Surf: 36 -> 28.8 kg N/ha, change -7.2.  Both improved (< 0)."""
    years = [year(k, mineraux=[ammonitrate(1500.0 if k < 0 else 1200.0)]) for k in (-3, -2, -1, 0, 1)]
    flat, out = run(dossier(years))
    assert out["NH3_ha"][0] == pytest.approx(7.5, rel=1e-12)
    assert out["Cobenefice_NH3"][0] == pytest.approx(-1.5, rel=1e-12)
    assert out["Cobenefice_nitrate"][0] == pytest.approx(-7.2, rel=1e-12)
    assert out["Cobenefice_NH3_projet"][0] == pytest.approx(-1.5, rel=1e-12)
    cb = _by_name(compiled, flat, out)
    nh3 = cb[("project.farms[0]", "Cobenefice_NH3")]
    assert nh3["improved"] and nh3["mandatory"] and nh3["computed"] and nh3["unit"] == "kg_Nvol / ha"
    # Équation 8 is unchanged by the refactoring: N2O_volatilisation = bracket × EF4 (0.01)
    assert out["N2O_volatilisation"][0] == pytest.approx(1500 * 0.05 * 0.01, rel=1e-12)


def test_systems_are_averaged_without_weights_farms_with_area_weights(run):
    """Équation 32 (L2605) averages the systems as printed, unweighted (A71): a 10 ha system
    with change -7.2 kg N/ha and a 90 ha unchanged one give -3.6.  The project (L2647) weights
    the farms by their SAU: farm 1 (100 ha) -3.6 and farm 2 (300 ha) 0 give -0.9."""
    ks = (-3, -2, -1, 0)
    sys1 = {"Sfin": 50.0, "Sfin_ref": 50.0,
            "years": [year(k, mineraux=[ammonitrate(1500.0 if k < 0 else 1200.0)]) for k in ks]}
    sys2 = {"Sfin": 50.0, "Sfin_ref": 50.0, "years": [year(k, Surf=90.0, mineraux=[ammonitrate(900.0)]) for k in ks]}
    doc = dossier([year(k) for k in ks])
    f1 = doc["project"]["farms"][0]
    f1["systems"] = [sys1, sys2]
    f2 = dict(f1, systems=[sys2], annees=farm_years(ks, SAU=300.0))
    doc["project"]["farms"].append(f2)
    flat, out = run(doc)
    assert out["Cobenefice_nitrate"][0] == pytest.approx(-3.6, rel=1e-12)
    assert out["Cobenefice_nitrate"][1] == pytest.approx(0.0, abs=1e-12)
    assert out["Cobenefice_nitrate_projet"][0] == pytest.approx(-3.6 * 100 / 400, rel=1e-12)


# ------------------------------------------------------------------ erosion --
def _erosion_years(project_fields, ref_crops=None, proj_crops=None):
    ref = dict(F_labour=1.0, F_travail_reduit=0.0, F_non_travail=0.0, F_residus=0.0, F_culture_couvert=0.0)
    return [year(k, cultures=(ref_crops or [wheat()]) if k < 0 else (proj_crops or [wheat()]),
                 **(ref if k < 0 else project_fields)) for k in (-3, -2, -1, 0)]


def test_erosion_factor_c_equations_33_34(run, compiled):
    """Reference: wheat (C_culture 0.20), ploughed, residues buried, bare winter: C_pratique 1,
    C = 0.20.  Project: no tillage (0.25), residues on the surface (0.88), winter cover (0.80):
    C_pratique = 0.25 × 0.88 × 0.80 = 0.176, C = 0.0352; change -0.1648, improved.
    Canton exemple_canton_2 has aléa 3 in winter: the indicator is mandatory (Tableau 19)."""
    proj = dict(F_labour=0.0, F_travail_reduit=0.0, F_non_travail=1.0, F_residus=1.0, F_culture_couvert=1.0)
    flat, out = run(dossier(_erosion_years(proj), canton="exemple_canton_2"))
    assert out["C_pratique"][3] == pytest.approx(0.176, rel=1e-12)
    assert out["Cobenefice_erosion"][0] == pytest.approx(0.0352 - 0.20, rel=1e-12)
    c = _by_name(compiled, flat, out)[("project.farms[0]", "Cobenefice_erosion")]
    assert c["mandatory"] and c["computed"] and c["improved"]
    assert out["Cobenefice_erosion_projet"][0] == pytest.approx(0.0352 - 0.20, rel=1e-12)


def test_erosion_c_culture_is_area_weighted_and_partial_tillage_shares(run):
    """Reference year: 6 ha wheat (0.20) + 4 ha rapeseed (0.30): C_culture = 0.24.
    Project: half ploughed, half reduced tillage: 0.5 × 1 + 0.5 × 0.35 = 0.675; 40 % of the area
    with residues on the surface: 0.88 × 0.4 + 0.6 = 0.952; no cover: 1.
    C = 0.24 × 0.675 × 0.952 = 0.154224 (same crops); reference C = 0.24; change -0.085776."""
    crops = [wheat(6.0), {"espece": "colza", "Surf_culture": 4.0, "RDT_normes": 3500.0}]
    proj = dict(F_labour=0.5, F_travail_reduit=0.5, F_non_travail=0.0, F_residus=0.4, F_culture_couvert=0.0)
    flat, out = run(dossier(_erosion_years(proj, crops, crops), canton="exemple_canton_1"))
    assert out["C_culture_annee"][0] == pytest.approx(0.24, rel=1e-12)
    assert out["Cobenefice_erosion"][0] == pytest.approx(0.24 * 0.675 * 0.952 - 0.24, rel=1e-12)
    assert out["erosion_obligatoire"][0] == 0.0  # exemple_canton_1: aléa 1 in every season


def test_erosion_not_computed_without_a_crop_factor_or_the_shares(run, compiled):
    """Sorghum (fodder) has no row in Tableau 22: the indicator is not computed (value null, reported as
    such), never computed with an invented factor.  Without the tillage shares, likewise."""
    tri = [{"espece": "sorgho_fourrager", "Surf_culture": 10.0, "RDT_normes": 6000.0}]
    proj = dict(F_labour=1.0, F_travail_reduit=0.0, F_non_travail=0.0, F_residus=0.0, F_culture_couvert=0.0)
    flat, out = run(dossier(_erosion_years(proj, proj_crops=tri), canton="exemple_canton_3"))
    c = _by_name(compiled, flat, out)[("project.farms[0]", "Cobenefice_erosion")]
    assert c["mandatory"] and not c["computed"] and not c["improved"] and c["value"] is None
    flat, out = run(dossier([year(k, cultures=[wheat()]) for k in (-3, -2, -1, 0)]))
    assert out["erosion_calculable"][0] == 0.0 and out["erosion_obligatoire"][0] == 0.0


def test_tillage_shares_must_sum_to_one(run):
    """Équation 34 (L2714): Flabour + Ftravail_réduit + Fnon_travail = 1; 0.5 + 0.3 + 0 is refused."""
    proj = dict(F_labour=0.5, F_travail_reduit=0.3, F_non_travail=0.0, F_residus=0.0, F_culture_couvert=0.0)
    with pytest.raises(InputError) as exc:
        run(dossier(_erosion_years(proj)))
    assert "ecart_parts_travail_du_sol" in str(exc.value) and "years[3]" in exc.value.where


# ------------------------------------------------------------------- energy --
def test_energy_from_fuel_and_declared_other_energy(run):
    """Method A, GNR: 1000 L in each reference year, 800 L in the project years, SAU 100 ha,
    CED 40 MJ/L: 400 -> 320 MJ/ha; plus 500 MJ of other energy declared in year 0 (+5 MJ/ha in
    that year): project mean over years 0 and 1 = (325 + 320) / 2 = 322.5; change -77.5."""
    ks = (-3, -2, -1, 0, 1)
    doc = dossier([year(k) for k in ks])
    f = doc["project"]["farms"][0]
    for a in f["annees"]:
        a["combustibles"] = [{"energie_combustible": "gnr", "Consommation": 1000.0 if a["k_exploitation"] < 0 else 800.0}]
        if a["k_exploitation"] == 0:
            a["Energie_autres"] = 500.0
    flat, out = run(doc)
    assert out["Energie_combustibles"][0] == pytest.approx(40000.0, rel=1e-12)
    assert out["Cobenefice_energie"][0] == pytest.approx(-77.5, rel=1e-12)
    assert out["Cobenefice_energie_projet"][0] == pytest.approx(-77.5, rel=1e-12)


# ---------------------------------------------------------------------- IFT --
def test_ift_change_and_missing_ift(run, compiled):
    """IFT 3.0 in the reference, 2.0 in the project: T5 - T0 = -1 (L2752).  One year without
    IFT: the mandatory indicator is reported as not computed, never as improved."""
    flat, out = run(dossier([year(k, IFT=3.0 if k < 0 else 2.0) for k in (-3, -2, -1, 0, 1)]))
    assert out["Cobenefice_IFT"][0] == pytest.approx(-1.0, rel=1e-12)
    assert out["Cobenefice_IFT_projet"][0] == pytest.approx(-1.0, rel=1e-12)
    flat, out = run(dossier([year(k, IFT=3.0) for k in (-3, -2, -1)] + [year(0)]))
    c = _by_name(compiled, flat, out)[("project", "Cobenefice_IFT_projet")]
    assert c["mandatory"] and not c["computed"] and not c["improved"]


# -------------------------------------------------------------------- water --
def test_water_indicator_and_equation_35(run, compiled):
    """10 ha of wheat, RDT_réel 7 t/ha in the reference and 8 t/ha in the project; irrigation
    1000 m3 -> 1500 m3 per year.  Tableau 20: (150 - 100) m3/ha = +50 (not improved).
    Équation 35: ΔE_réelle = 500 m3; E_eau_théo = 7 × 10 × 1800 = 126 000 -> 8 × 10 × 1800 =
    144 000 m3, Δ = 18 000; ratio = 500 / 18 000 = 0.027778 < 1: efficient use."""
    years = [year(k, Volume_irrigation=1000.0 if k < 0 else 1500.0,
                  cultures=[{"espece": "ble_tendre", "Surf_culture": 10.0, "RDT_reel": 7000.0 if k < 0 else 8000.0}])
             for k in (-3, -2, -1, 0)]
    flat, out = run(dossier(years))
    assert out["Cobenefice_eau"][0] == pytest.approx(50.0, rel=1e-12)
    assert out["Delta_E_eau_theo"][0] == pytest.approx(18000.0, rel=1e-12)
    assert out["Ratio_empreinte_eau"][0] == pytest.approx(500.0 / 18000.0, rel=1e-12)
    cb = _by_name(compiled, flat, out)
    assert cb[("project.farms[0]", "Ratio_empreinte_eau")]["improved"]
    assert not cb[("project.farms[0]", "Cobenefice_eau")]["improved"]
    assert cb[("project.farms[0]", "Cobenefice_eau")]["mandatory"]  # irrigated (Tableau 19)


def test_water_not_mandatory_without_irrigation_and_ratio_undefined(run, compiled):
    """No irrigation: not mandatory; same yields: ΔE_eau_théo = 0, the ratio is not computed (A73)."""
    years = [year(k, cultures=[{"espece": "ble_tendre", "Surf_culture": 10.0, "RDT_reel": 7000.0}]) for k in (-3, -2, -1, 0)]
    flat, out = run(dossier(years))
    cb = _by_name(compiled, flat, out)
    assert not cb[("project.farms[0]", "Cobenefice_eau")]["mandatory"]
    r = cb[("project.farms[0]", "Ratio_empreinte_eau")]
    assert not r["computed"] and r["value"] is None


# --------------------------------------------------------------- phosphorus --
def test_phosphorus_change_and_classes(run):
    """700 kg P2O5 on 10 ha in the reference (70 kg/ha: class 4, > 60), 350 kg in the project
    (35 kg/ha: class 2, ]20, 40]); change -35 kg P2O5/ha (Tableau 23, L2788)."""
    years = [year(k, mineraux=[ammonitrate(0.0, QP=700.0 if k < 0 else 350.0)]) for k in (-3, -2, -1, 0)]
    flat, out = run(dossier(years))
    assert out["Cobenefice_phosphore"][0] == pytest.approx(-35.0, rel=1e-12)
    assert out["classe_P_reference"][0] == 4.0 and out["classe_P_projet"][0] == 2.0
    years = [year(k, mineraux=[ammonitrate(0.0, QP=400.0 if k < 0 else 200.0)]) for k in (-3, -2, -1, 0)]
    flat, out = run(dossier(years))  # 40 kg/ha is in ]20, 40] (A74), 20 kg/ha in [0, 20]
    assert out["classe_P_reference"][0] == 2.0 and out["classe_P_projet"][0] == 1.0


def test_tv17_c_pratique(run):
    """Digest TV17 (Équation 34, L2714-L2716): 50 % ploughed, 30 % reduced, 20 % no tillage;
    40 % residues on the surface; 60 % covered in winter/spring:
    C_travail = 0.5 + 0.105 + 0.05 = 0.655; C_résidus = 0.952; C_couvert = 0.88;
    C_pratique = 0.655 × 0.952 × 0.88 = 0.548733 (to 6 digits)."""
    proj = dict(F_labour=0.5, F_travail_reduit=0.3, F_non_travail=0.2, F_residus=0.4, F_culture_couvert=0.6)
    flat, out = run(dossier(_erosion_years(proj)))
    assert out["C_pratique"][3] == pytest.approx(0.655 * 0.952 * 0.88, rel=1e-12)
    assert round(out["C_pratique"][3], 6) == 0.548733

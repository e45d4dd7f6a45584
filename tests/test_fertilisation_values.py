"""Values computed by hand from the method text (6.1.1, Équations 3-13), with the
fixture annex values spelled out, checked against both backends.

Fixture values used (tests/fixtures/annexes/lbc_gc):
  PRG_N2O 265; ble_tendre: PENTE 1.61, INTERCEPT 0.40 t MS/ha, N_AG 0.006, RS 0.23, N_BG 0.009,
  FRAC_export 0.5; colza: IR 0.30, MS 0.91, N_AG 0.008, RS 0.22, N_BG 0.009;
  ammonitrate_33_5: FE_N 6.72, Frac_GAZF 0.05; uree_46: FE_N 2.20, Frac_GAZF 0.15;
  engrais_azote_moyen: FE_N 5.00, Frac_GAZF 0.11; calcaire_broye: VN 0.50, CaCO3 0.90, FE_VN 0.05;
  fumier_bovin: TAN 1.1, F_Volat_NH3 0.68, F_Volat_NOx 0.01, FE_PRO 0; compost_vert: N_total 7.0,
  TAN 0.3, NH3 0.10, NOx 0.01, FE_PRO 12.0; FA(epandeur_fumier, moins_24h) 0.7, (buse_palette, sans) 1.0;
  cultures_CI legumineuses/vesce: R 0.30, N_racine 0.020; polygonacees: 0.30, 0.015;
  cultures_CI_azote (classes 1.5 / 3 t MS/ha): legumineuses, vesce 0.042 / 0.036 / 0.030,
  polygonacees 0.030 / 0.024 / 0.018; jachere_non_semee biomass 1.5 t MS/ha.
"""
import math

import pytest

from carbonspec.compiler.errors import InputError

from conftest import dossier, year

# method constants (6.1.1)
EF1_MIN, EF1_ORG, C_INHIB = 0.016, 0.006, 0.65      # L1361-L1362
EF4, EF5, FRAC_LESS = 0.01, 0.011, 0.24              # L1409, L1426, L1425
PRG = 265.0
N2O = 44 / 28


def wheat(**kw):
    c = {"espece": "ble_tendre", "Surf_culture": 10.0, "RDT_normes": 6000.0}
    c.update(kw)
    return c


def test_case_1_mineral_nitrogen_reduction(run):
    """One system of 10 ha of wheat (RDT 6000 kg MS/ha, residues left): 150 kgN/ha of
    ammonitrate in the 3 reference years, 120 kgN/ha in the single project year."""
    years = [year(k, cultures=[wheat()], mineraux=[{"produit_min": "ammonitrate_33_5", "QN": 1500.0}])
             for k in (-3, -2, -1)]
    years.append(year(0, cultures=[wheat()], mineraux=[{"produit_min": "ammonitrate_33_5", "QN": 1200.0}]))
    flat, out = run(dossier(years))

    # Équation 6: no harvest index for wheat -> AG_DM = RDT × PENTE + INTERCEPT × 1000 (t -> kg, A09)
    ag_dm = 6000 * 1.61 + 0.40 * 1000                                  # 10 060 kg MS/ha
    qn_res = (ag_dm * (1 - 0) * 0.006 + (6000 + ag_dm) * 0.23 * 0.009) * 10.0  # FRAC_export 0: residues left
    assert ag_dm == pytest.approx(10060.0)
    assert qn_res == pytest.approx(936.042)

    def eges(qn):
        n2o_dir = qn * EF1_MIN + (qn_res * EF1_ORG) * 1.0                 # Éq. 5, C_chaulage = 1
        n2o_vol = qn * 0.05 * EF4                                         # Éq. 8
        n2o_lix = (qn + qn_res) * FRAC_LESS * EF5                         # Éq. 9
        amont = qn * 6.72                                                 # Éq. 12
        return ((n2o_dir + n2o_vol + n2o_lix) * N2O * PRG + amont) / 1000  # Éq. 4, t CO2e

    ref_ha = (eges(1500) / 10 * 3) / 3                                    # Éq. 3 reference mean per ha
    proj_ha = eges(1200) / 10
    expected = (ref_ha - proj_ha) * 10
    assert out["QN_residus_CA"][0] == pytest.approx(qn_res, rel=1e-12)
    assert out["EGES_fertilisation"][0] == pytest.approx(eges(1500), rel=1e-12)
    assert out["RE_fertilisation"][0] == pytest.approx(expected, rel=1e-12)
    # by hand: 300 kg N less × (0.016 + 0.05×0.01 + 0.24×0.011) kg N2O-N × 44/28 × 265 + 300 × 6.72
    assert expected == pytest.approx(300 * (0.01914 * 44 / 28 * 265 + 6.72) / 1000, rel=1e-12)
    assert round(expected, 4) == 4.4071


def test_case_2_liming_lever(run):
    """Liming lever (Équations 7, 10, 12): pH 6.3 -> 6.8, calcaire broyé 8 t in project year 0.
    Digest TV5: C_chaulage = 1 - 0.5·exp(-0.33 k): 0.5 at k = 0, 0.6405 at k = 1."""
    crop = [wheat()]
    org = [{"produit_org": "fumier_bovin", "Q_org": 20.0, "QN_org_apport": 110.0, "materiel": "epandeur_fumier",
            "delai": "moins_24h"}]
    years = [year(k, cultures=crop, organiques=org) for k in (-3, -2, -1)]
    years.append(year(0, cultures=crop, organiques=org, pH_initial=6.3, pH_final=6.8, k_chaulage=0.0,
                      amendements=[{"produit_amd": "calcaire_broye", "Q_brut": 8000.0}]))
    years.append(year(1, cultures=crop, organiques=org, pH_initial=6.3, pH_final=6.8, k_chaulage=1.0))
    flat, out = run(dossier(years, levier_chaulage=True))

    c0 = 1 - min(min(6.8, 6.8) - max(6.3, 6.4), 0.4) / 0.4 * 0.5 * math.exp(-0.33 * 0)
    c1 = 1 - min(min(6.8, 6.8) - max(6.3, 6.4), 0.4) / 0.4 * 0.5 * math.exp(-0.33 * 1)
    assert (round(c0, 12), round(c1, 4)) == (0.5, 0.6405)
    assert list(out["C_chaulage"]) == pytest.approx([1, 1, 1, c0, c1], rel=1e-12)  # = 1 in the reference (L1377)

    d_p = 8000 * 0.90                                   # kg CaCO3
    co2 = d_p * 0.75 * 12 / 100 * 44 / 12               # Éq. 10 = 0.33 × D_p
    assert out["CO2_directes"][3] == pytest.approx(co2, rel=1e-12)
    assert co2 == pytest.approx(0.33 * d_p)
    assert out["GES_amont_min"][3] == pytest.approx(8000 * 0.50 * 0.05, rel=1e-12)  # Q_VN × FE_VN

    # Équation 5 with the organic bracket abated by C_chaulage (choice A05)
    ag_dm = 6000 * 1.61 + 400
    qn_res = (ag_dm * 0.006 + (6000 + ag_dm) * 0.23 * 0.009) * 10
    n2o_dir_0 = (110 + qn_res) * EF1_ORG * c0
    assert out["N2O_directes"][3] == pytest.approx(n2o_dir_0, rel=1e-12)
    # volatilisation: Frac_GAZM = TAN × (NH3 + NOx) × FA
    frac_gazm = 1.1 * (0.68 + 0.01) * 0.7
    assert out["N2O_volatilisation"][3] == pytest.approx(20 * frac_gazm * EF4, rel=1e-12)

    # generic reference: the lever cannot modulate N2O (L1379) -> C_chaulage = 1
    flat, out = run(dossier(years, levier_chaulage=True, type_reference="generique"))
    assert list(out["C_chaulage"]) == [1.0] * 5
    # lever not activated: no CO2_directes and no Q_VN term in either scenario (L1443, L1481)
    flat, out = run(dossier(years, levier_chaulage=False))
    assert out["CO2_directes"][3] == 0.0 and out["GES_amont_min"][3] == 0.0


def test_case_3_special_residues_and_harvest_index(run):
    """Beet 140 kgN/ha and potato 40 kgN/ha fixed (L1276); rapeseed with a harvest index
    (AG_DM = RDT (1 - IR) / IR) and its yield from RDT_réel × %MS (L1292-L1294)."""
    crops = [{"espece": "betterave", "Surf_culture": 4.0, "RDT_reel": 80000.0},
             {"espece": "pomme_de_terre", "Surf_culture": 2.0, "RDT_reel": 45000.0},
             {"espece": "colza", "Surf_culture": 4.0, "RDT_reel": 3500.0, "residus_exportes": True}]
    years = [year(k, cultures=crops) for k in (-3, -2, -1, 0)]
    flat, out = run(dossier(years))
    rdt_colza = 3500 * 0.91                                  # kg MS/ha, %MS from Annexe 5
    ag_dm_colza = rdt_colza * (1 - 0.30) / 0.30
    # colza has no FRAC_export in the table: exported residues count as 0 (L1296)
    qn_colza = (ag_dm_colza * (1 - 0) * 0.008 + (rdt_colza + ag_dm_colza) * 0.22 * 0.009) * 4.0
    expected = 140 * 4.0 + 40 * 2.0 + qn_colza
    assert out["QN_residus_culture"][:3] == pytest.approx([560.0, 80.0, qn_colza], rel=1e-12)
    assert out["QN_residus_CA"][0] == pytest.approx(expected, rel=1e-12)


def test_case_4_cover_crops_family_fallback_and_catch_crop(run):
    """Équation 6 CI: BIOM × (N_AG + R × %N_racine) × 1000 × Surf, N_AG by biomass class
    (L1318); an unlisted cover takes its family, else Polygonacées (1.4.1 L417); a fallow
    without measured biomass takes the Annexe 5 abacus (L1316).  A catch crop (CD) uses
    the CA formula."""
    covers = [{"espece_CI": "feverole_hiver", "famille_CI": "legumineuses", "Surf_CI": 5.0, "BIOM": 2.0},
              {"espece_CI": "sarrasin_inconnu", "Surf_CI": 5.0, "BIOM": 1.0},
              {"espece_CI": "vesce", "Surf_CI": 1.0, "BIOM": 3.0},
              {"espece_CI": "jachere", "type_jachere": "jachere_non_semee", "Surf_CI": 2.0}]
    catch = {"espece": "sorgho_fourrager", "role": "derobee", "Surf_culture": 3.0, "RDT_normes": 4000.0}
    years = [year(k, cultures=[wheat(), catch], intercultures=covers) for k in (-3, -2, -1, 0)]
    flat, out = run(dossier(years))
    ci = (2.0 * (0.036 + 0.30 * 0.020) * 1000 * 5.0      # 1.5 <= 2.0 < 3: middle class, legume family
          + 1.0 * (0.030 + 0.30 * 0.015) * 1000 * 5.0    # unknown, no family: Polygonacées, low class
          + 3.0 * (0.030 + 0.30 * 0.020) * 1000 * 1.0    # 3.0 >= 3: high class
          + 1.5 * (0.030 + 0.30 * 0.015) * 1000 * 2.0)   # fallow: abacus 1.5 t (not < 1.5: middle)... see below
    # the fallow's biomass 1.5 is not below seuil_bas 1.5, so it is in the middle class
    ci += 1.5 * (0.024 - 0.030) * 1000 * 2.0
    assert list(out["N_AG_CI"][:4]) == pytest.approx([0.036, 0.030, 0.030, 0.024], rel=1e-12)
    assert out["BIOM_CI"][3] == 1.5
    assert out["QN_residus_CI"][0] == pytest.approx(ci, rel=1e-12)
    ag = 4000 * 0.88 + 1.33 * 1000
    cd = (ag * 0.007 + (4000 + ag) * 0.22 * 0.006) * 3.0
    assert out["QN_residus_CD"][0] == pytest.approx(cd, rel=1e-12)


def test_case_5_urea_average_fertiliser_inhibitors_and_organic_upstream(run):
    """CO2_urée (Éq. 11, choices A03/A04): factor 1 for urea, 0.2112 for the average N
    fertiliser; inhibitors abate N2O by 35 % (C_inhibiteur 0.65); FE_PRO for compost (Éq. 13)."""
    min_apps = [{"produit_min": "uree_46", "QN": 460.0, "D_uree": 1000.0, "inhibiteur": True},
                {"produit_min": "engrais_azote_moyen", "QN": 300.0, "D_uree": 1000.0}]
    org = [{"produit_org": "compost_vert", "Q_org": 10.0, "materiel": "buse_palette", "inhibiteur_org": True}]
    years = [year(k, mineraux=min_apps, organiques=org) for k in (-3, -2, -1, 0)]
    flat, out = run(dossier(years))
    co2_uree = 1000 * 0.20 * 44 / 12 * 1 + 1000 * 0.20 * 44 / 12 * 0.2112
    assert out["CO2_uree"][0] == pytest.approx(co2_uree, rel=1e-12)
    qn_org = 10 * 7.0                                                  # Q_org × N_total (no analysis)
    n2o_dir = (300 + 460 * C_INHIB) * EF1_MIN + (0 + qn_org * C_INHIB) * EF1_ORG
    assert out["N2O_directes"][0] == pytest.approx(n2o_dir, rel=1e-12)
    n2o_lix = (300 + 460 + 0 + qn_org) * FRAC_LESS * EF5               # all organic N leaches (A06b)
    assert out["N2O_lixiviation"][0] == pytest.approx(n2o_lix, rel=1e-12)
    vol = (460 * 0.15 + 300 * 0.11 + 10 * 0.3 * (0.10 + 0.01) * 1.0) * EF4
    assert out["N2O_volatilisation"][0] == pytest.approx(vol, rel=1e-12)
    assert out["GES_amont_org"][0] == pytest.approx(10 * 12.0, rel=1e-12)
    assert out["GES_amont_min"][0] == pytest.approx(460 * 2.20 + 300 * 5.00, rel=1e-12)


def test_reference_is_mean_of_three_years_and_shorter_project(run):
    """Équation 3: the reference is the mean of the per-ha emissions of t-3..t-1 (their
    areas may differ); a 2-year project sums 2 terms weighted by each year's area."""
    def y(k, surf, qn):
        return year(k, Surf=surf, mineraux=[{"produit_min": "ammonitrate_33_5", "QN": qn}])
    years = [y(-3, 10, 1000), y(-2, 20, 3000), y(-1, 10, 1200), y(0, 10, 900), y(1, 12, 1000)]
    flat, out = run(dossier(years))
    e = out["EGES_fertilisation"]
    ref = (e[0] / 10 + e[1] / 20 + e[2] / 10) / 3
    expected = (ref - e[3] / 10) * 10 + (ref - e[4] / 12) * 12
    assert out["Emissions_ha_ferti_ref"][0] == pytest.approx(ref, rel=1e-12)
    assert out["RE_fertilisation"][0] == pytest.approx(expected, rel=1e-12)


def test_missing_table_value_is_a_located_error_not_nan(compiled, tables):
    """A crop with neither harvest index nor slope/intercept cannot give AG_DM: the run stops,
    naming the equation, its method line, the dossier row and the missing values."""
    import copy

    from conftest import run_both

    broken = copy.deepcopy(tables)
    row = broken["cultures_CA"].rows[("colza",)]
    row["IR"] = math.nan
    years = [year(k, cultures=[{"espece": "colza", "Surf_culture": 10.0, "RDT_normes": 3000.0}])
             for k in (-3, -2, -1, 0)]
    with pytest.raises(InputError) as err:
        run_both(compiled, broken, dossier(years))
    msg = err.value.render()
    assert "project.farms[0].systems[0].years[0].cultures[0]" in msg
    assert "AG_DM (Équation 6, 6.1.1, L1286–L1290) is not a finite number" in msg
    assert "IR" in msg and "PENTE" in msg and "INTERCEPT" in msg

"""ClimaCert FM1 v2: the source-given test vectors of the digest (A.6) and hand cases, on
both backends (Numba kernel and NumPy reference, which must agree to 1e-9).

Every expected value is computed here from the method text, independently of the spec:
MDC (Équation 8, L1376-L1380), years to detection (Équation 14, L1389), the ±10 % mass
range (Équation 15, L1459), the Da and rate acceptance bounds (L1465-L1466, L1481-L1482),
the stock chain (Équations 5-7 on the means of L1303-L1309: 72.880 and 67.174 t C/ha),
Tx (L171), S_tot (L161), both readings of S_min (L183, CC-A01) and of ISMO (L176/L1212,
CC-A03), the farm sums (L62, L159), the carbon balance (L191), the cession rule (L231) and the
product balances (L197, L211).
"""
import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.engine.core import check_outputs, load_compiled, resolve_lookups, run_backend
from carbonspec.runtime.engine.tables import load_tables

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated" / "climacert_fm1" / "v2"
ANNEXES = ROOT / "annexes" / "climacert_fm1" / "v2"

C_CO2 = 3.66                                   # t CO2 per t C, L788 (CC-A02)


@pytest.fixture(scope="module")
def compiled():
    return load_compiled(GENERATED)


@pytest.fixture(scope="module")
def tables(compiled):
    return load_tables(ANNEXES, compiled.model)


class Run:
    """Outputs of one dossier on both backends, read by entity path."""

    def __init__(self, compiled, tables, doc, check=True):
        self.flat = compiled.schema.flatten(copy.deepcopy(doc))
        resolve_lookups(compiled, self.flat, tables)
        self.out = run_backend(compiled, self.flat.data, "numba")
        ref = run_backend(compiled, self.flat.data, "reference")
        for name, v in self.out.items():
            np.testing.assert_allclose(v, ref[name], rtol=1e-9, atol=1e-12, err_msg=name)
        if check:
            check_outputs(compiled, self.flat, self.out)
        self.entity = {eq["name"]: eq["entity"] for eq in compiled.model["equations"]}

    def __call__(self, name, path=None):
        ent = self.entity[name]
        rows = self.flat.paths[ent]
        r = 0 if path is None else rows.index(path)
        return float(self.out[name][r])


@pytest.fixture
def run(compiled, tables):
    return lambda doc, check=True: Run(compiled, tables, doc, check)


def sampling(rang, annee, M_tf, SOC, V=132.2, M_g=0.0, **kw):
    return {"rang": rang, "annee": annee, "V_gouge_mesure": V, "M_tf": M_tf, "M_g": M_g, "SOC": SOC, **kw}


def plot(prelevements, surface=10.0, nature="terre_ouverte", ISMO_10ans=1.0, Corg_A=8.0, STIR=50.0, CI=2.0,
         Txg=0.0, zone_pedologique="arc_lemanique", **kw):
    return {"surface": surface, "nature": nature, "ISMO_10ans": ISMO_10ans, "Corg_A": Corg_A, "STIR": STIR,
            "CI": CI, "Txg": Txg, "zone_pedologique": zone_pedologique, "prelevements": prelevements, **kw}


def farm(parcelles, SAU=None, diag="combine", GES=100.0, **kw):
    SAU = SAU if SAU is not None else sum(p["surface"] for p in parcelles)
    f = {"type_diagnostic": diag, "annee_n": 2024, "SAU": SAU, "parcelles": parcelles, **kw}
    if GES is not None:
        f["GES_exploitation"] = GES
    return {"method": "climacert_fm1", "version": "2", "name": "test", "exploitation": f}


def mass_for_stock(stock_C, SOC, V=132.2, N=20):
    """The fine-earth mass (g) whose composite gives `stock_C` t C/ha without coarse elements
    (Équation 6 solved for M: Stock = M × SOC/100 × 3000 / (V × N))."""
    return stock_C * V * N / 3000.0 / (SOC / 100.0)


P0 = "exploitation.parcelles[0]"
E00 = P0 + ".prelevements[0]"
E01 = P0 + ".prelevements[1]"


# ------------------------------------------------------------- A.6 vectors --
def test_tv_mdc_cases_1_and_2_constants(compiled):
    """L1376: 1.96 × 5.5 × √(2/20) = 3.4; L1378: 1.96 × 1.88 = 3.7 (t C/ha)."""
    const = {c["name"]: c["value"] for c in compiled.model["constants"]}
    assert const["MDC_cas_1"] == pytest.approx(1.96 * 5.5 * math.sqrt(2 / 20), rel=1e-12)
    assert round(const["MDC_cas_1"], 1) == 3.4
    assert round(const["MDC_cas_2"], 1) == 3.7


def test_tv_mdc1_from_the_variance_chain(run):
    """A T0 composite without coarse elements: Équation 10 reduces to VarStock_0-30 = 5.5²,
    Équation 11 to it, and Équation 8 gives the retained MDC 3.4 t C/ha (L1376, L1380)."""
    r = run(farm([plot([sampling(0, 2019, 2960.0, 2.17)])]))
    assert r("VarStock_ha_G", E00) == pytest.approx(5.5 ** 2, rel=1e-12)
    assert r("MDC", E00) == pytest.approx(3.408935, abs=5e-7)
    assert round(r("MDC", E00), 1) == 3.4


def test_tv_nyears_67_t_at_5_permil_is_10_years(run):
    """L1389: a mean stock of 67 t C/ha, a rate of 5 ‰/an and the MDC of the initial stock:
    a change becomes detectable after 10 years (Équation 14, T_x as a fraction, CC-A29)."""
    SOC = 2.0
    # Tx = 37.03 + 0.53·10 − 2.95·10 − 0.12·65.25 − 1.26·0 = 5.0 ‰/an (L171)
    p = plot([sampling(0, 2019, mass_for_stock(67.0, SOC), SOC)], ISMO_10ans=10.0, Corg_A=10.0, STIR=65.25, CI=0.0)
    r = run(farm([p]))
    assert r("Tx", P0) == pytest.approx(5.0, abs=1e-9)
    assert r("Stock_0", P0) == pytest.approx(67.0, rel=1e-12)
    mdc = 1.96 * 5.5 * math.sqrt(2 / 20)
    n = math.log((67.0 + mdc) / 67.0) / math.log(1.005)
    assert r("N_annees_detection", P0) == pytest.approx(n, rel=1e-9)
    assert round(r("N_annees_detection", P0)) == 10


@pytest.mark.parametrize("M0, tol", [(1720.0, 172.0), (3000.0, 300.0), (2960.0, 296.0)])
def test_tv_mass10_and_criterion_1(run, M0, tol):
    """L1459: 10 % of 1720, 3000 and 2960 g are 172, 300 and 296 g; criterion 1 accepts a Tn
    mass within ±10 % (Équation 15) and rejects one just outside (L1459: "supérieur au 10 %")."""
    def doc(Mn):
        return farm([plot([sampling(0, 2019, M0, 2.0), sampling(1, 2024, Mn, 2.0)])])
    r = run(doc(M0 + tol - 0.01))
    assert r("tolerance_masse", E01) == pytest.approx(tol, rel=1e-12)
    assert r("critere_1_masse", E01) == 1.0
    assert r("critere_1_masse", E00) == 1.0      # T0: criterion 1 does not apply (L733)
    assert run(doc(M0 - tol + 0.01))("critere_1_masse", E01) == 1.0
    assert run(doc(M0 + tol + 0.01))("critere_1_masse", E01) == 0.0
    assert run(doc(M0 - tol - 0.01))("critere_1_masse", E01) == 0.0


def test_tv_da_and_tx_bounds(compiled, run):
    """L1465-L1466: (1.478 ± 2 × 0.098) = 1.674 / 1.282; L1481-L1482: (−0.508 ± 2 × 5.3279)
    = 10.148 / −11.164, at their printed precision; the bounds move with SOC and Tx_obs."""
    const = {c["name"]: c["value"] for c in compiled.model["constants"]}
    assert round(const["Da_borne_haute_0"], 3) == 1.674
    assert round(const["Da_borne_basse_0"], 3) == 1.282
    assert round(const["Tx_borne_haute_0"], 3) == 10.148
    assert round(const["Tx_borne_basse_0"], 3) == -11.164
    r = run(farm([plot([sampling(0, 2019, 2960.0, 2.17), sampling(1, 2024, 2960.0, 2.30)])]))
    assert r("Da_borne_haute", E00) == pytest.approx(1.674 - 0.144 * 2.17, abs=1e-12)
    assert r("Da_borne_basse", E00) == pytest.approx(1.282 - 0.144 * 2.17, abs=1e-12)
    tx_obs = ((2.30 / 2.17) ** (1 / 5) - 1) * 1000          # CC-A43: compound rate of SOC content
    assert r("Tx_obs", E01) == pytest.approx(tx_obs, rel=1e-9)
    assert r("Tx_borne_haute", E01) == pytest.approx(10.1478 + 0.657 * tx_obs, rel=1e-9)
    assert r("Tx_borne_basse", E01) == pytest.approx(-11.1638 + 0.657 * tx_obs, rel=1e-9)


def test_derived_stock_chain_equation_6_on_the_means(run):
    """Digest A.6 [DERIVED]: M = 2960 g, SOC = 2.17 %, V = 132.2 cm³, N = 20, Txg = 7.83 %:
    StockEch = 64.232 g C; Stock without coarse elements 72.880, with (1 − Txg) 67.174 t C/ha."""
    r = run(farm([plot([sampling(0, 2019, 2960.0, 2.17)], Txg=7.83)]))
    assert round(r("StockEch", E00), 3) == 64.232
    assert round(r("Stock_sans_EG", E00), 3) == 72.880
    assert round(r("Stock", E00), 3) == 67.174
    assert r("Da", E00) == pytest.approx(2960 / (132.2 * 20), rel=1e-12)   # 1.1195 (L1307: 1.12)


def test_equation_5_coarse_volume_and_gouge_table(run):
    """Équation 5 (L919) with VG = MG / 2.6 (L707); the gouge model gives its volume (L977)."""
    s = {"rang": 0, "annee": 2019, "gouge": "manuelle_125", "M_tf": 2900.0, "M_g": 130.0, "SOC": 2.0}
    r = run(farm([plot([s])]))
    VP = 124.5 * 20
    VG = 130.0 / 2.6
    assert r("VP", E00) == pytest.approx(VP)
    assert r("M_t", E00) == pytest.approx(2900.0 * VP / (VP - VG), rel=1e-12)


def test_equation_3_correction_layer_and_equation_10(run):
    """Tn lighter than T0: Équation 3 adds (M_0 − M_n) × SOC_corr (measured, 1.2 %); Équation 10
    adds the correction term's variance with the intra-plot sd 0.16 % (L1102)."""
    M0, Mn = 3000.0, 2850.0
    doc = farm([plot([sampling(0, 2019, M0, 2.0), sampling(1, 2024, Mn, 2.05, SOC_corr_mesure=1.2)], Txg=5.0)])
    r = run(doc)
    stock_ech = (Mn * 2.05 + (M0 - Mn) * 1.2) / 100
    k = 3000 / (132.2 * 20)
    assert r("StockEch", E01) == pytest.approx(stock_ech, rel=1e-12)
    assert r("Stock", E01) == pytest.approx(stock_ech * k * 0.95, rel=1e-12)
    assert r("VarStock_Par", E01) == pytest.approx(5.5 ** 2 + (k * (M0 - Mn) * 0.0016) ** 2, rel=1e-12)
    # regional mean instead (Équation 9, 1.07 %, sd 0.5 %, L1124)
    doc2 = farm([plot([sampling(0, 2019, M0, 2.0), sampling(1, 2024, Mn, 2.05)], Txg=5.0)])
    r2 = run(doc2)
    assert r2("SOC_corr", E01) == pytest.approx(1.07)
    assert r2("VarStock_Par", E01) == pytest.approx(5.5 ** 2 + (k * (M0 - Mn) * 0.005) ** 2, rel=1e-12)


def test_equation_11_coarse_element_variance(run):
    """Équation 11 (L1108): Var·Var(1−Tg) + Var·(1−Tg)² + Var(1−Tg)·Stock²."""
    r = run(farm([plot([sampling(0, 2019, 2960.0, 2.17)], Txg=7.83, ET_Tg=3.0)]))
    s0 = 2960 * 0.0217 * 3000 / (132.2 * 20)
    v, vt = 5.5 ** 2, 0.03 ** 2
    want = v * vt + v * (1 - 0.0783) ** 2 + vt * s0 ** 2
    assert r("VarStock_ha_G", E00) == pytest.approx(want, rel=1e-12)
    assert r("MDC", E00) == pytest.approx(1.96 * math.sqrt(want) * math.sqrt(0.1), rel=1e-12)


# ------------------------------------------------------- Tx, S_tot, S_min ---
def syn1_plot(**kw):
    """SYN-1 of the digest: ISMO 1.0, Corg/A 8, STIR 50, CI 2 → Tx 5.44 ‰; stock 67 t C/ha."""
    SOC = 2.0
    return plot([sampling(0, 2024, mass_for_stock(67.0, SOC), SOC)], **kw)


def test_tx_both_ismo_readings(run):
    """CC-A03: L176 (ISMO over 10 years, chosen) and L1212 (ISMO per year) both computed."""
    r = run(farm([syn1_plot(ISMO_10ans=20.0)]))
    assert r("Tx_ISMO_10ans", P0) == pytest.approx(37.03 + 0.53 * 20 - 2.95 * 8 - 0.12 * 50 - 1.26 * 2, abs=1e-12)
    assert r("Tx_ISMO_annuel", P0) == pytest.approx(37.03 + 0.53 * 2 - 2.95 * 8 - 0.12 * 50 - 1.26 * 2, abs=1e-12)
    assert r("Tx", P0) == r("Tx_ISMO_10ans", P0)


def test_s_tot_and_both_s_min_readings_syn1(run):
    """SYN-1: S_tot = 5.44/1000 × 245.22 = 1.3339968; S_min reading B (chosen) 0.6513043;
    the printed formula (reading A) 3.5430955 t CO2e/ha/an."""
    r = run(farm([syn1_plot()]))
    assert r("Tx", P0) == pytest.approx(5.44, abs=1e-12)
    assert r("Stock_CO2", P0) == pytest.approx(67 * C_CO2, rel=1e-12)
    assert r("S_tot", P0) == pytest.approx(1.3339968, rel=1e-9)
    assert r("S_min", P0) == pytest.approx(0.6513043, rel=1e-7)
    assert r("S_min_litteral", P0) == pytest.approx(3.5430955, rel=1e-7)
    assert r("S_min_litteral", P0) > r("S_tot", P0) > r("S_min", P0)   # CC-A01: A exceeds S_tot


def test_s_min_readings_for_a_destocking_plot_syn2(run):
    """SYN-2: ISMO 0.5, Corg/A 12, STIR 80, CI 4 → Tx −12.745 ‰; S_tot −3.1253289; the printed
    S_min is +28.6412954 (absurd), the chosen reading −2.2472574."""
    r = run(farm([syn1_plot(ISMO_10ans=0.5, Corg_A=12.0, STIR=80.0, CI=4.0)]))
    assert r("Tx", P0) == pytest.approx(-12.745, abs=1e-12)
    assert r("S_tot", P0) == pytest.approx(-3.1253289, rel=1e-7)
    assert r("S_min_litteral", P0) == pytest.approx(28.6412954, rel=1e-7)
    assert r("S_min", P0) == pytest.approx(-2.2472574, rel=1e-7)


def test_farm_sums_exclude_spb_and_permanent_grassland(run):
    """L159: the potential sums the plots except SPB and permanent grassland; the stock sums
    every sampled plot (CC-A15); per ha of SAU (CC-A18); bilan = GES − S_min (L191)."""
    a = syn1_plot(surface=10.0)
    b = syn1_plot(surface=5.0, nature="prairie_temporaire", CI=0.0)        # Tx = 7.96
    pp = syn1_plot(surface=4.0, nature="prairie_permanente")
    spb = plot([], surface=1.0, nature="spb")
    r = run(farm([a, b, pp, spb], SAU=25.0, GES=120.0))
    stock = 67 * C_CO2
    smin_a = (-0.88 + 0.65 * 5.44) / 1000 * stock
    smin_b = (-0.88 + 0.65 * (5.44 + 2.52)) / 1000 * stock
    farm_smin = 10 * smin_a + 5 * smin_b
    assert r("S_min_exploitation") == pytest.approx(farm_smin, rel=1e-9)
    assert r("surface_modelisee") == pytest.approx(15.0)
    assert r("S_min_moyen_ha") == pytest.approx(farm_smin / 25.0, rel=1e-9)
    assert r("Stock_exploitation") == pytest.approx((10 + 5 + 4) * stock, rel=1e-9)
    assert r("Stock_moyen_ha") == pytest.approx(19 * stock / 25.0, rel=1e-9)
    assert r("Bilan_exploitation") == pytest.approx(120.0 - farm_smin, rel=1e-9)
    assert r("GES_par_ha") == pytest.approx(120.0 / 25.0)
    assert r("S_min_ha_assolee") == pytest.approx(farm_smin / 15.0, rel=1e-9)


def test_cession_is_deducted_before_the_balance(run):
    """CC-A14 (L231): 2 t CO2e ceded for year n leave S_min − 2 to the farm's balance."""
    doc = farm([syn1_plot(surface=10.0)], GES=50.0, cessions=[{"quantite": 2.0}])
    r = run(doc)
    smin = 10 * (-0.88 + 0.65 * 5.44) / 1000 * 67 * C_CO2
    assert r("cessions") == 2.0
    assert r("S_min_revendicable") == pytest.approx(smin - 2.0, rel=1e-12)
    assert r("Bilan_exploitation") == pytest.approx(50.0 - (smin - 2.0), rel=1e-12)


# ------------------------------------------------------- product balances ---
def test_bpb_crop_syn3(run):
    """SYN-3 (L197): (2500 − 651.30 kg/ha) / 80 dt/ha = 23.109 kg CO2e/dt, S_min being the
    arable-land mean (CC-A12) — here one plot, so its own S_min."""
    doc = farm([syn1_plot()], cultures=[{"categorie_produit": "cereales", "GES_culture": 2500.0, "rendement": 80.0}])
    r = run(doc)
    smin_kg = (-0.88 + 0.65 * 5.44) / 1000 * 67 * C_CO2 * 1000
    assert smin_kg == pytest.approx(651.3043, rel=1e-6)
    c0 = "exploitation.cultures[0]"
    assert r("BPB_culture", c0) == pytest.approx((2500 - smin_kg) / 80, rel=1e-12)
    assert round(r("BPB_culture", c0), 2) == 23.11
    assert r("GES_par_dt", c0) == pytest.approx(2500 / 80)


def test_bpb_livestock_syn4(run):
    """SYN-4 (L211): 1.1 − (10 + 15) × 651.3 × 0.85 / 300000 = 1.0539 kg CO2e/L."""
    atelier = {"categorie_atelier": "gros_betail", "surf_cult_conso": 10.0, "surf_PT": 15.0,
               "produits": [{"unite": "L", "GES_produit": 1.1, "alloc": 0.85, "production_totale": 300000.0},
                            {"unite": "kg", "GES_produit": 9.0, "alloc": 0.15, "production_totale": 20000.0}]}
    r = run(farm([syn1_plot()], ateliers=[atelier]))
    smin_kg = (-0.88 + 0.65 * 5.44) / 1000 * 67 * C_CO2 * 1000
    p0 = "exploitation.ateliers[0].produits[0]"
    p1 = "exploitation.ateliers[0].produits[1]"
    assert r("BPB_produit", p0) == pytest.approx(1.1 - 25 * smin_kg * 0.85 / 300000, rel=1e-12)
    assert round(r("BPB_produit", p0), 4) == 1.0539
    assert r("BPB_produit", p1) == pytest.approx(9.0 - 25 * smin_kg * 0.15 / 20000, rel=1e-12)
    assert r("somme_alloc", "exploitation.ateliers[0]") == pytest.approx(1.0)


def test_table_2_attestation_flags(run):
    """Tableau 2 (L357-L397): a Sol diagnostic attests stock and potential, not emissions nor
    the balance; Combiné attests all; Emissions attests emissions, and the balance only with
    a measured S_min (CC-A16: not)."""
    sol = run(farm([syn1_plot()], diag="sol", GES=None))
    assert (sol("atteste_emissions"), sol("atteste_stock"), sol("atteste_potentiel"), sol("atteste_bilan")) == (0, 1, 1, 0)
    comb = run(farm([syn1_plot()], diag="combine"))
    assert (comb("atteste_emissions"), comb("atteste_stock"), comb("atteste_potentiel"), comb("atteste_bilan")) == (1, 1, 1, 1)
    em = run(farm([syn1_plot()], diag="emissions"))
    assert (em("atteste_emissions"), em("atteste_stock"), em("atteste_potentiel"), em("atteste_bilan")) == (1, 0, 0, 0)


# ---------------------------------------------------- located errors ------
def test_tn_without_t0_is_a_located_error(run):
    doc = farm([plot([sampling(1, 2024, 2900.0, 2.0)])])
    with pytest.raises(InputError) as exc:
        run(doc)
    assert "exploitation.parcelles[0]" in str(exc.value)
    assert "controle_T0" in str(exc.value) or "controle_stock_mesure" in str(exc.value)


def test_modelled_plot_without_sampling_is_a_located_error(run):
    with pytest.raises(InputError) as exc:
        run(farm([plot([])]))
    assert "exploitation.parcelles[0]" in str(exc.value) and "controle_stock_mesure" in str(exc.value)


def test_allocations_above_1_are_a_located_error(run):
    atelier = {"categorie_atelier": "gros_betail", "surf_cult_conso": 1.0, "surf_PT": 1.0,
               "produits": [{"unite": "L", "GES_produit": 1.0, "alloc": 0.8, "production_totale": 1.0},
                            {"unite": "kg", "GES_produit": 1.0, "alloc": 0.3, "production_totale": 1.0}]}
    with pytest.raises(InputError) as exc:
        run(farm([syn1_plot()], ateliers=[atelier]))
    assert "exploitation.ateliers[0]" in str(exc.value) and "somme_alloc" in str(exc.value)


def test_correction_layer_given_at_t0_is_a_located_error(run):
    """SOC_corr only enters Équation 3 at Tn: a value at T0 would be silently unused."""
    with pytest.raises(InputError) as exc:
        run(farm([plot([sampling(0, 2019, 2900.0, 2.0, SOC_corr_mesure=1.1)])]))
    assert "exploitation.parcelles[0]" in str(exc.value) and "SOC_corr_a_T0" in str(exc.value)


def test_missing_emissions_for_a_combined_diagnostic(run):
    with pytest.raises(InputError) as exc:
        run(farm([syn1_plot()], GES=None))
    assert "controle_GES" in str(exc.value)


def test_bad_dossier_fields_are_located(compiled):
    doc = farm([plot([sampling(0, 2019, -5.0, 2.0)])])
    with pytest.raises(InputError) as exc:
        compiled.schema.flatten(doc)
    assert "exploitation.parcelles[0].prelevements[0].M_tf" in str(exc.value)
    doc = farm([plot([{"rang": 0, "annee": 2019, "gouge": "gouge_inconnue", "M_tf": 2900.0, "SOC": 2.0}])])
    with pytest.raises(InputError) as exc:
        Run(compiled, load_tables(ANNEXES, compiled.model), doc)
    assert "gouge_inconnue" in str(exc.value) and "manuelle_132" in str(exc.value)   # with the closest keys
    assert "prelevements[0]" in str(exc.value)


def test_correction_term_sd_of_the_simplified_esm(run):
    """L1442: with the regional mean (sd 0.5 %, L1124) and a 10 % correction mass, the added
    sd is at most 1.8 t C/ha: 3000 / (124.5 × 20) × 300 × 0.005 = 1.8072 (gouge of 125 cm³)."""
    s0 = {"rang": 0, "annee": 2019, "gouge": "manuelle_125", "M_tf": 3000.0, "SOC": 2.0}
    s1 = {"rang": 1, "annee": 2024, "gouge": "manuelle_125", "M_tf": 2700.0, "SOC": 2.1}
    r = run(farm([plot([s0, s1])]))
    added = math.sqrt(r("VarStock_Par", E01) - 5.5 ** 2)
    assert added == pytest.approx(3000 / (124.5 * 20) * 300 * 0.005, rel=1e-9)
    assert round(added, 1) == 1.8

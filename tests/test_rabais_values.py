"""Rabais and RE_certifiable (6.5, Tableaux 17-18, Équations 1, 2, 30, 31), by hand.

Dossier: one 10 ha system; mineral N 1500 kg in the reference years, 1200 kg in the single
project year (RE_fertilisation = 4.4071 t CO2e, see test_fertilisation_values case 1
without crops); soil stocks Sfin/Sfin_ref per system (Équation 25)."""
import pytest

from conftest import dossier, year

A = 44 / 12  # t CO2e per t C (Équation 24)


def _doc(Sfin=50.0, Sfin_ref=50.0, **farm):
    years = [year(k, mineraux=[{"produit_min": "ammonitrate_33_5", "QN": 1500.0}]) for k in (-3, -2, -1)]
    years.append(year(0, mineraux=[{"produit_min": "ammonitrate_33_5", "QN": 1200.0}]))
    return dossier(years, Sfin=Sfin, Sfin_ref=Sfin_ref, **farm)


def test_specific_reference_no_rabais(run):
    flat, out = run(_doc())
    fert = out["RE_fertilisation"][0]
    assert fert == pytest.approx(300 * (0.01914 * 44 / 28 * 265 + 6.72) / 1000, rel=1e-12)
    assert out["RE"][0] == pytest.approx(fert) and out["RE_certifiable"][0] == pytest.approx(fert)
    assert out["rabais_global"][0] == 0.0


@pytest.mark.parametrize("ref", ["generique", "semi_generique"])
def test_generic_reference_is_exactly_a_factor_0_9(run, ref):
    """Tableau 18 (A40): 10 % for a generic or semi-generic reference, nothing else changes."""
    _, spec = run(_doc())
    _, gen = run(_doc(type_reference=ref))
    assert gen["RE"][0] == pytest.approx(spec["RE"][0], rel=1e-12)
    assert gen["RE_certifiable"][0] == pytest.approx(0.9 * spec["RE_certifiable"][0], rel=1e-12)
    assert gen["rabais_global"][0] == pytest.approx(0.1, rel=1e-12)


def test_storage_rabais_non_permanence_and_data(run):
    """RE_stockage × (1 - r_données) × (1 - r_nonPerm): 20 %, or 10 % on renewal (6.5.4)."""
    flat, out = run(_doc(Sfin=52.0, Sfin_ref=50.0))
    stock = 2.0 * 10.0 * A
    fert = out["RE_fertilisation"][0]
    assert out["RE_stockage_carbone_sol"][0] == pytest.approx(stock, rel=1e-12)
    assert out["RE_certifiable"][0] == pytest.approx(fert + stock * (1 - 0.041) * (1 - 0.20), rel=1e-12)
    _, ren = run(_doc(Sfin=52.0, Sfin_ref=50.0, renouvellement=True, renouvellement_levier_nouveau=True))
    assert ren["RE_certifiable"][0] == pytest.approx(fert + stock * (1 - 0.041) * (1 - 0.10), rel=1e-12)
    cert = ren["RE_certifiable"][0]
    assert ren["rabais_global"][0] == pytest.approx((fert + stock - cert) / (fert + stock), rel=1e-12)


def test_negative_term_keeps_its_value(run):
    """A49: a term <= 0 is not discounted (multiplier 1), so rabais never raise RE."""
    flat, out = run(_doc(Sfin=49.0, Sfin_ref=50.0))
    stock = -1.0 * 10.0 * A
    fert = out["RE_fertilisation"][0]
    assert out["RE_stockage_carbone_sol_apres_rabais"][0] == pytest.approx(stock, rel=1e-12)
    assert out["RE_certifiable"][0] == pytest.approx(fert + stock, rel=1e-12)


def test_nda_applies_once_to_the_sum(run):
    """6.5.5: 20 % on the sum after the specific rabais, once; with a generic reference both
    multiply: (1 - 0.1) × (1 - 0.2)."""
    flat, out = run(_doc(Sfin=52.0, Sfin_ref=50.0, nda=True, type_reference="generique"))
    fert = out["RE_fertilisation"][0]
    stock = 2.0 * 10.0 * A * (1 - 0.041) * (1 - 0.20)
    assert out["RE_certifiable"][0] == pytest.approx((fert + stock) * 0.9 * 0.8, rel=1e-12)


def test_negative_total_is_not_discounted(run):
    flat, out = run(_doc(Sfin=40.0, Sfin_ref=50.0, nda=True))
    total = out["RE_avant_rabais_generaux"][0]
    assert total < 0 and out["RE_certifiable"][0] == pytest.approx(total, rel=1e-12)
    assert out["rabais_global"][0] == 0.0  # A53: RE <= 0


# ------------------------------------------------ Équation 29, three steps (6.5.3) --
MEASURED = {"mode_donnees_meteo": "mesure", "mode_donnees_C_initial": "mesure",
            "mode_donnees_autres_sol": "mesure", "mode_donnees_MAFOR": "mesure"}


def _two_systems(biomass_A, biomass_B, n_project=5):
    """System A 50 ha and B 20 ha (the areas of the text's example, L2495); every parameter
    measured (0 %) except the biomass, whose mode per system-year is given."""
    def sysd(surf, modes):
        years = [year(k, Surf=surf, mode_donnees_biomasses=modes[k], **MEASURED) for k in range(-3, n_project)]
        return {"Sfin": 52.0, "Sfin_ref": 50.0, "years": years}
    doc = dossier([year(k) for k in range(-3, n_project)])
    doc["project"]["farms"][0]["systems"] = [sysd(50.0, biomass_A), sysd(20.0, biomass_B)]
    return doc


def test_eq29_three_steps_by_hand(run):
    """Step 1: the rate of each system-year from its mode (Tableau 17: biomass 7 % average
    data, 2.5 % sampling or remote sensing, 0 % both coupled); step 2: per year, the mean over
    systems weighted by area; step 3: the mean over the 3 + 5 years; Équation 29: the mean of
    the five parameters (the other four are measured: 0 %).
    Reference years: 7 % in both systems -> 7 %.  Project years: A 2.5 % (50 ha), B 0 %
    (20 ha) -> 2.5 × 50 / 70 = 1.785714 %.  Mean over 8 years: (3 × 7 + 5 × 1.785714) / 8 =
    3.741071 %; Équation 29: / 5 = 0.748214 %.  (The text's own example, digest TV4, L2496, is the same
    step 3 arithmetic: (3 × 5 + 5 × 1.4) / 8 = 2.75 %.)"""
    A_modes = {k: ("moyenne" if k < 0 else "prelevement_ou_teledetection") for k in range(-3, 5)}
    B_modes = {k: ("moyenne" if k < 0 else "couplage") for k in range(-3, 5)}
    flat, out = run(_two_systems(A_modes, B_modes))
    assert out["rabais_donnees_stockage_annee_m3"][0] == pytest.approx(0.07 / 5, rel=1e-12)
    assert out["rabais_donnees_stockage_annee_2"][0] == pytest.approx(0.025 * 50 / 70 / 5, rel=1e-12)
    expected = (3 * 0.07 + 5 * 0.025 * 50 / 70) / 8 / 5
    assert out["rabais_incertitude_donnees_stockage"][0] == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.00748214, rel=1e-6)
    assert (3 * 5 + 5 * 1.4) / 8 == pytest.approx(2.75)  # the text's step-3 example
    stock = 2.0 * 70.0 * A
    assert out["RE_stockage_carbone_sol_apres_rabais"][0] == pytest.approx(stock * (1 - expected) * (1 - 0.2), rel=1e-12)


def test_eq29_shorter_project_averages_the_years_it_has(run):
    """A 2-year project: step 3 averages 3 reference + 2 project years; years k = 2..4 that
    the project does not have count for nothing."""
    A_modes = {k: ("moyenne" if k < 0 else "prelevement_ou_teledetection") for k in range(-3, 2)}
    B_modes = {k: ("moyenne" if k < 0 else "couplage") for k in range(-3, 2)}
    flat, out = run(_two_systems(A_modes, B_modes, n_project=2))
    assert out["rabais_donnees_stockage_annee_4"][0] == 0.0
    expected = (3 * 0.07 + 2 * 0.025 * 50 / 70) / 5 / 5
    assert out["rabais_incertitude_donnees_stockage"][0] == pytest.approx(expected, rel=1e-12)


def test_eq29_default_is_average_data_everywhere(run):
    """Nothing declared: every parameter « données moyennes »: (2.5 + 3 + 3 + 7 + 5) / 5 = 4.1 %;
    BDAT averages raise C initial and other soil data to 5 %: (2.5 + 5 + 5 + 7 + 5) / 5 = 4.9 %."""
    flat, out = run(_doc())
    assert out["rabais_incertitude_donnees_stockage"][0] == pytest.approx(0.041, rel=1e-12)
    doc = _doc()
    for y in doc["project"]["farms"][0]["systems"][0]["years"]:
        y.update(mode_donnees_C_initial="moyenne_BDAT", mode_donnees_autres_sol="moyenne_BDAT")
    flat, out = run(doc)
    assert out["rabais_incertitude_donnees_stockage"][0] == pytest.approx(0.049, rel=1e-12)


# ------------------------------------------------------------ Hypothesis properties --
import copy  # noqa: E402

import numpy as np  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import strategies as S  # noqa: E402
from carbonspec.runtime.engine.core import check_outputs, resolve_lookups, run_backend  # noqa: E402

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DISCOUNTED = [("RE_stockage_carbone_sol_exploitation", "RE_stockage_carbone_sol_apres_rabais"),
              ("RE_combustibles_exploitation", "RE_combustibles_apres_rabais"),
              ("RE_aval_exploitation", "RE_aval_apres_rabais")]


@st.composite
def farms_with_options(draw):
    doc = draw(S.dossier())
    for f in doc["project"]["farms"]:
        f["type_reference"] = "specifique"
        f["nda"] = draw(st.booleans())
        f["renouvellement"] = draw(st.booleans())
    return doc


def _outputs(compiled, tables, doc):
    flat = compiled.schema.flatten(copy.deepcopy(doc))
    resolve_lookups(compiled, flat, tables)
    out = run_backend(compiled, flat.data, "reference")
    check_outputs(compiled, flat, out)
    return out


@PROPS
@given(doc=farms_with_options())
def test_rabais_only_shrink_positive_terms(compiled, tables, doc):
    """6.5.6 L2558 (A49): a term > 0 is multiplied by factors in [0, 1]; a term <= 0 is left as it is."""
    out = _outputs(compiled, tables, doc)
    for term, after in DISCOUNTED:
        t, a = out[term], out[after]
        pos = t > 0
        assert (a[pos] <= t[pos] + 1e-12).all() and (a[pos] >= 0).all(), term
        np.testing.assert_array_equal(a[~pos], t[~pos], err_msg=term)


@PROPS
@given(doc=farms_with_options())
def test_re_certifiable_never_exceeds_re_when_every_term_is_positive(compiled, tables, doc):
    out = _outputs(compiled, tables, doc)
    terms = ["RE_fertilisation_exploitation", "RE_combustibles_exploitation", "RE_sechage_stockage_exploitation",
             "RE_stockage_carbone_sol_exploitation", "RE_aval_exploitation", "RE_miscanthus_exploitation"]
    all_pos = np.all([out[t] >= 0 for t in terms], axis=0)
    cert, re_ = out["RE_certifiable_exploitation"][all_pos], out["RE_exploitation"][all_pos]
    assert (cert <= re_ + 1e-9 * (1 + np.abs(re_))).all()


@PROPS
@given(doc=farms_with_options())
def test_semi_generic_reference_is_exactly_a_factor_0_9(compiled, tables, doc):
    """Tableau 18 (A40): with nothing else changing (no fuel, drying or liming data differs between
    a specific and a semi-generic reference here), RE is the same and RE_certifiable of each farm
    whose discounted sum is positive is multiplied by exactly 0.9."""
    out = _outputs(compiled, tables, doc)
    semi = copy.deepcopy(doc)
    for f in semi["project"]["farms"]:
        f["type_reference"] = "semi_generique"
    out2 = _outputs(compiled, tables, semi)
    np.testing.assert_allclose(out2["RE_exploitation"], out["RE_exploitation"], rtol=1e-12, atol=1e-12)
    pos = out["RE_avant_rabais_generaux"] > 0
    np.testing.assert_allclose(out2["RE_certifiable_exploitation"][pos], 0.9 * out["RE_certifiable_exploitation"][pos],
                               rtol=1e-12)
    np.testing.assert_allclose(out2["RE_certifiable_exploitation"][~pos], out["RE_certifiable_exploitation"][~pos],
                               rtol=1e-12)

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
    _, ren = run(_doc(Sfin=52.0, Sfin_ref=50.0, renouvellement=True, renouvellement_levier_nouveau=True,
                      rabais_incertitude_donnees_stockage_saisi=0.0275))  # TV4: 2.75 %
    assert ren["RE_certifiable"][0] == pytest.approx(fert + stock * (1 - 0.0275) * (1 - 0.10), rel=1e-12)
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

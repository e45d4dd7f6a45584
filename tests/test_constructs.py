"""The spec constructs `result`, `rabais`, `certifiable` and `model` (compiler/results.py,
rabais.py, models.py): what model.json lists, and located errors (exit 2, file:line) for a
defect in each, one edit at a time on a copy of the LBC GC spec."""
import json
import shutil

import pytest

from carbonspec.compiler.cli import main

from conftest import GENERATED, SPEC


def model_json():
    return json.loads((GENERATED / "model.json").read_text(encoding="utf-8"))


def test_model_json_lists_every_rabais_with_its_term_rates_and_conditions():
    r = model_json()["rabais"]
    by = {x["name"]: x for x in r["rabais"]}
    assert by["rabais_nonPerm"]["terms"] == ["RE_stockage_carbone_sol_exploitation"]
    assert by["rabais_nonPerm"]["branches"] == ["= taux_rabais_nonPerm_renouvellement when renouvellement",
                                                "= taux_rabais_nonPerm"]
    assert by["rabais_nda"]["once"] and by["rabais_nda"]["terms"] == ["RE_avant_rabais_generaux"]
    assert by["rabais_incertitude_volume_concerne"]["terms"] == ["RE_proteines_exploitation"]
    assert by["rabais_incertitude_donnees_stockage"]["kind"] == "average"
    assert by["r_meteo"]["part_of"] == "rabais_incertitude_donnees_stockage"
    # the three steps of Équation 29 unrolled over the timeline's k = -3..4
    eqs = by["rabais_incertitude_donnees_stockage"]["equations"]
    assert "rabais_donnees_stockage_annee" in eqs and "rabais_donnees_stockage_annee_m3" in eqs
    assert "surface_SdC_annee_4" in eqs and "nb_annees_rabais_donnees" in eqs
    (c,) = r["certifiable"]
    assert c["name"] == "RE_certifiable_exploitation" and c["general_rabais"] == ["rabais_Reference", "rabais_nda"]
    assert [t["equation"] for t in c["terms"]][:2] == ["RE_stockage_carbone_sol_apres_rabais",
                                                       "RE_fertilisation_exploitation"]
    assert {"RE_certifiable", "rabais_global"} <= set(r["totals"])


def test_model_json_declares_the_soil_model():
    models = model_json()["external_models"]
    assert [d["name"] for d in models] == ["amg", "intercrop"]   # the soil model; the measured CI biomass
    m = models[0]
    assert m["name"] == "amg" and m["version"] == "AMG v2, Clivot et al. 2019"
    assert [(o["name"], o["feeds"], o["unit"]) for o in m["outputs"]] == [
        ("stock_end", "Sfin", "t_C / ha"), ("stock_end_ref", "Sfin_ref", "t_C / ha")]
    assert m["block"] == {"entity": "system", "field": "amg"} and m["supplied_by_dossier"]
    assert m["binds"]["area"] == ["Surf"] and "Tableau 15" in m["reasons"]["reference_type"]


def _edit(tmp_path, name, old, new):
    spec = tmp_path / "spec"
    shutil.copytree(SPEC, spec)
    f = spec / name
    text = f.read_text(encoding="utf-8")
    assert old in text, old
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return spec


@pytest.mark.parametrize("name, old, new, message", [
    ("95-resultats.cspec", "result RE_fertilisation ", "result RE_fertilisatio ",
     "result 'RE_fertilisatio' is not an equation"),
    ("95-resultats.cspec", 'result RE_combustibles "RE combustibles" [t_CO2e]',
     'result RE_combustibles "RE combustibles" [kg_CO2e]', "is shown in [kg_CO2e] but its equation is in [t_CO2e]"),
    ("95-resultats.cspec", 'group "RE" tolerance 5 % floor 1 [t_CO2e] basis "L3445"\nresult RE_combustibles',
     'group "RE" tolerance 5 % floor 1 [t_CO2e]\nresult RE_combustibles', "has a tolerance without its basis"),
    ("60-rabais.cspec", "subtotal RE_avant_rabais_generaux less rabais_Reference, rabais_nda",
     "subtotal RE_avant_rabais_generaux less rabais_Reference, rabais_nda, rabais_nda",
     "rabais 'rabais_nda' is declared 'once' but applied 2 times"),
    ("60-rabais.cspec", "less rabais_incertitude_donnees_combustibles",
     "less taux_rabais_combustibles", "'taux_rabais_combustibles' is not a rabais"),
    ("60-rabais.cspec", "rabais farm.rabais_Reference @", "rabais farm.rabais_Reference in [0, 2] @",
     "a rate is a fraction in [0, 1]"),
    ("60-rabais.cspec", "constant nb_rabais_donnees_stockage = 5 ", "constant nb_rabais_donnees_stockage = 4 ",
     "'nb_rabais_donnees_stockage' must be a constant equal to the number of rates averaged (5), got 4"),
    ("55-modele-sol.cspec", "feeds system.Sfin_ref", "feeds system.Sfin_rf", "not an input of the spec"),
    ("55-modele-sol.cspec", "bind area = Surf", "bind area = Surface", "bind 'area' names 'Surface'"),
])
def test_a_defect_in_a_construct_is_a_located_error(tmp_path, capsys, name, old, new, message):
    spec = _edit(tmp_path, name, old, new)
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert f"{name}:" in err or "60-rabais.cspec:" in err  # file:line:col of the construct

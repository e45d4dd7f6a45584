"""Sfin and Sfin_ref from the AMG v2 model in an LBC dossier (runtime/models/amg_bridge.py):
the amg block gives exactly what simulate_pairs gives through Équations 24-25, the same
RE as the external-results form, located errors for bad blocks, the Tableau 17 rabais
from the dossier's declared modes, and the committed JSON Schema."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from carbonspec.compiler.cli import main
from carbonspec.compiler.errors import InputError
from carbonspec.runtime.models.amg import (ClimateColumns, SoilColumns, annexe3_climate, bulk_density_ptf,
                                    initial_stock_layers, load_params, practices_from_records, simulate_pairs)
from carbonspec.runtime.models.amg.io import Year
from carbonspec.runtime.models import amg_bridge
from carbonspec.runtime.models.amg_bridge import AmgCrop, amg_block_schema


def _binding():
    """The LBC spec's `model amg` declaration, as the runtime reads it from model.json."""
    from carbonspec.runtime.engine.core import load_compiled
    from conftest import GENERATED
    model = load_compiled(GENERATED).model
    return amg_bridge.binding(next(d for d in model["external_models"] if d["name"] == "amg"), model)


def apply_amg(raw, where="<dossier>", annexes_amg_dir=None, backend="numba", rounding=True):
    return amg_bridge.apply_amg(raw, where, annexes_amg_dir, backend, rounding, b=_binding())


def has_amg_blocks(raw):
    return amg_bridge.has_blocks(raw, _binding())
from carbonspec.runtime.engine.core import evaluate, results_document

from conftest import ANNEXES, ROOT

EXAMPLE = ROOT / "examples" / "lbc_gc" / "yonne-amg.json"
SCHEMA = ROOT / "examples" / "lbc_gc" / "amg-block.schema.json"
BASE = json.loads(EXAMPLE.read_text(encoding="utf-8"))
SYS = "project.farms[0].systems[0]"


def _doc(history=True, **modes):
    """The Yonne example; without history the analysis is at the start of the Projet and
    no mode is declared unless given."""
    d = copy.deepcopy(BASE)
    s = d["project"]["farms"][0]["systems"][0]
    if not history:
        del s["amg"]["soil_analysis_year"]
        for y in s["years"]:
            for k in [k for k in y if k.startswith("mode_donnees_")]:
                del y[k]
    for y in s["years"]:
        y.update(modes)
    return d


def _amg(d, i=0, j=0):
    return d["project"]["farms"][i]["systems"][j]["amg"]


def _direct(block, backend):
    """simulate_pairs called directly on the block, without the bridge: soil from
    soil.py, climate from climate.py, practices from practices_from_records with the crop
    areas as weights."""
    params = load_params()
    h = block["soil"]["analysis"][0]
    t = h["texture"]
    bd = float(bulk_density_ptf(t["clay"], t["silt"], t["sand"], t["OM"]))
    c0 = initial_stock_layers([h["top"]], [h["bottom"]], [h["SOC"]], [bd], [h["stones"]], 30.0)
    soil = SoilColumns(clay=[block["soil"]["clay"]], caco3=[block["soil"]["CaCO3"]], pH=[block["soil"]["pH"]],
                       cn=[block["soil"]["CN"]], depth=[30.0], C0=[c0])
    s = block["weather"]["series"]
    cl = annexe3_climate([x["year"] for x in s], [x["T_mean"] for x in s], [x["rainfall"] for x in s],
                         [x["PET"] for x in s], block["first_project_year"])
    climate = ClimateColumns([cl.T_mean], [cl.rainfall], [cl.PET])

    def records(years):
        out = []
        for y in sorted(years, key=lambda y: y["k"]):
            total = sum(c["area"] for c in y["crops"])
            crops, organic = [], []
            for c in y["crops"]:
                w = c["area"] / total
                crops.append({"type": "mc", "crop": c["crop"], "yield": c["yield"], "water": c.get("water", 0),
                              "residues": c.get("residues", "returned"), "weight": w,
                              "irrigation": c.get("irrigation", 0)})
                if "cover_crop" in c:
                    cc = c["cover_crop"]
                    crops.append({"type": "cc", "crop": cc["crop"], "yield": cc["biomass"], "weight": w})
                organic += [{"product": o["product"], "dose": o["dose"], "weight": w} for o in c.get("organic", [])]
            out.append({"crops": crops, "organic": organic})
        return out

    ref = practices_from_records(params, [records(block["reference"])])
    proj = practices_from_records(params, [records(block["project"])])
    m = block["first_project_year"] - block.get("soil_analysis_year", block["first_project_year"])
    kw = dict(history=ref, history_years=[m]) if m else {}
    res = simulate_pairs(soil, climate, ref, proj, params=params, backend=backend, **kw)
    return float(res.stock_end[0]), float(res.stock_end_ref[0])


# ------------------------------------------------------------------ (a), (b) --
@pytest.mark.parametrize("backend", ["reference", "numba"])
@pytest.mark.parametrize("history", [True, False])
def test_amg_block_gives_simulate_pairs_through_equations_24_25(compiled, backend, history):
    d = _doc(history)
    sfin, sref = _direct(_amg(d), backend)
    flat, out, annexes = evaluate(compiled, d, ANNEXES, backend)
    surf_end = 120.0  # Surf of the last project year (k = 4), choice A34
    by_hand = (sfin - sref) * surf_end * (44 / 12)
    assert sfin > sref  # the cover crops store carbon: a case where the figure matters
    assert out["RE_stockage_carbone_sol"][0] == by_hand  # exactly: same floats, same operations
    assert out["RE_stockage_carbone_sol_SdC"][0] == by_hand
    doc = results_document(compiled, flat, out, annexes, backend)
    prov = doc["soil_model"][SYS]
    assert (prov["Sfin"], prov["Sfin_ref"]) == (sfin, sref)
    assert prov["model"].startswith("AMG v2") and prov["backend"] == backend and prov["rounding"] != "none"
    assert prov["tables"]["hash"] == load_params().content_hash
    assert len(prov["stocks"]) == len(prov["stocks_ref"]) == 6
    assert prov["stocks"][-1] == sfin and prov["stocks_ref"][-1] == sref
    assert prov["soil_analysis_years_before_project"] == (2 if history else 0)
    assert ("history_stocks" in prov) == history
    system = doc["project"]["farms"][0]["systems"][0]
    assert (system["Sfin"], system["Sfin_ref"]) == (sfin, sref)


@pytest.mark.parametrize("backend", ["reference", "numba"])
def test_same_system_as_external_results_gives_the_same_re(compiled, backend):
    d = _doc()
    flat_a, out_a, ann = evaluate(compiled, d, ANNEXES, backend)
    doc_a = results_document(compiled, flat_a, out_a, ann, backend)
    prov = doc_a["soil_model"][SYS]
    e = copy.deepcopy(d)
    s = e["project"]["farms"][0]["systems"][0]
    del s["amg"]
    s["Sfin"], s["Sfin_ref"] = prov["Sfin"], prov["Sfin_ref"]
    flat_b, out_b, ann = evaluate(compiled, e, ANNEXES, backend)
    doc_b = results_document(compiled, flat_b, out_b, ann, backend)
    assert "soil_model" not in doc_b
    assert doc_b["results"] == doc_a["results"]  # every project figure, bit for bit
    assert doc_b["project"] == doc_a["project"]


def test_caller_dossier_is_left_as_it_was():
    d = _doc()
    before = copy.deepcopy(d)
    out, prov = apply_amg(d, backend="reference")
    assert d == before and has_amg_blocks(d) and not has_amg_blocks(out)
    assert set(prov) == {SYS}
    s = out["project"]["farms"][0]["systems"][0]
    assert "amg" not in s and s["Sfin"] == prov[SYS]["Sfin"] and s["Sfin_ref"] == prov[SYS]["Sfin_ref"]


def test_no_amg_block_changes_nothing(compiled):
    d = _doc()
    s = d["project"]["farms"][0]["systems"][0]
    del s["amg"]
    s["Sfin"], s["Sfin_ref"] = 50.0, 50.0
    out, prov = apply_amg(d, backend="reference")
    assert out is d and prov == {}
    flat, values, ann = evaluate(compiled, d, ANNEXES, "reference")
    assert "soil_model" not in results_document(compiled, flat, values, ann, "reference")


def test_all_systems_of_all_farms_in_one_call_match_separate_runs():
    """Three systems on two farms, mixing the Annexe 3 series, per-year weather and a
    soil-analysis history: one vectorised simulate_pairs call gives each system what its
    own run gives."""
    a = _doc()                              # series + history
    b = _doc(history=False)                 # series, analysis at the start
    c = _doc(history=False)                 # per-year weather
    _amg(c)["weather"] = {"years": [{"k": k, "T_mean": 11.0 + 0.3 * k, "rainfall": 600 + 20 * k, "PET": 800.0}
                                    for k in range(5)]}
    _amg(b)["soil"]["analysis"][0]["SOC"] = 12.0
    alone = [apply_amg(x, backend="reference")[1][SYS] for x in (a, b, c)]
    big = copy.deepcopy(a)
    farm2 = copy.deepcopy(b["project"]["farms"][0])
    farm2["systems"].append(copy.deepcopy(c["project"]["farms"][0]["systems"][0]))
    big["project"]["farms"].append(farm2)
    _, prov = apply_amg(big, backend="reference")
    paths = [SYS, "project.farms[1].systems[0]", "project.farms[1].systems[1]"]
    assert list(prov) == paths
    for p, one in zip(paths, alone):
        for key in ("Sfin", "Sfin_ref", "C_start", "stocks", "stocks_ref"):
            assert prov[p][key] == one[key], (p, key)
    assert "per_project_year" in prov[paths[2]]["climate"]


# ------------------------------------------------------------------ (c) --
def _crop(d, where="project", n=0, c=0):
    return _amg(d)[where][n]["crops"][c]


@pytest.mark.parametrize("edit, where, what", [
    (lambda d: _crop(d).update(crop="winter_weat"), f"{SYS}.amg.project[0].crops[0].crop",
     "unknown mc crop 'winter_weat'"),
    (lambda d: _crop(d, "reference", 1, 1).update({"yield": -2}), f"{SYS}.amg.reference[1].crops[1].yield",
     "greater than or equal to 0 (got -2)"),
    (lambda d: _amg(d).pop("weather"), f"{SYS}.amg.weather", "Field required"),
    (lambda d: d["project"]["farms"][0]["systems"][0].update(Sfin=50.0), SYS,
     "gives both an amg block and Sfin"),
    (lambda d: _crop(d, "project", 2, 2)["cover_crop"].update(crop="winter_barley"),
     f"{SYS}.amg.project[2].crops[2].cover_crop.crop", "unknown cc crop 'winter_barley'"),
    (lambda d: _crop(d, "reference", 0, 2)["organic"][0].update(product="cow dung"),
     f"{SYS}.amg.reference[0].crops[2].organic[0].product", "unknown organic product 'cow dung'"),
    (lambda d: _crop(d).update(tillage=25), f"{SYS}.amg.project[0].crops[0].tillage", "unknown field"),
    (lambda d: _crop(d).update(area=40), f"{SYS}.amg.project[0].crops",
     "add up to 130 ha, the system's Surf of k = 0 is 120 ha"),
    (lambda d: _amg(d)["project"].pop(3), f"{SYS}.amg.project", "missing k = 3"),
    (lambda d: _amg(d)["reference"][2].update(k=0), f"{SYS}.amg.reference[2].k", "k = 0 is not a reference year"),
    (lambda d: _amg(d)["weather"]["series"].pop(), f"{SYS}.amg.weather.series", "10 distinct years"),
    (lambda d: _amg(d).update(soil_analysis_year=2017), f"{SYS}.amg.soil_analysis_year",
     "at most 5 years before"),
    (lambda d: _amg(d)["soil"].update(initial_stock=50.0), f"{SYS}.amg.soil", "give either initial_stock"),
    (lambda d: d["project"]["farms"][0].update(type_reference="generique"), f"{SYS}.amg.soil_analysis_year",
     "l'option de la référence spécifique"),
    (lambda d: d["project"]["farms"][0]["systems"][0]["years"][4].update(mode_donnees_C_initial="mesure"),
     f"{SYS}.years[4].mode_donnees_C_initial", "déclarer 'simulation'"),
    (lambda d: d["project"]["farms"][0]["systems"][0].update(
        parcelles_miscanthus=[{"SAU_plantation": 5, "annee_plantation": 1, "Sfin_miscanthus": 50,
                               "Sfin_ref_miscanthus": 50}]), f"{SYS}.amg", "un système miscanthus compte 0"),
])
def test_bad_block_is_a_located_input_error(edit, where, what):
    d = _doc()
    edit(d)
    with pytest.raises(InputError) as exc:
        apply_amg(d, "yonne.json", backend="reference")
    assert exc.value.where == f"yonne.json: {where}", exc.value.where
    assert what in exc.value.message, exc.value.message


def test_per_year_weather_with_an_older_analysis_is_refused():
    d = _doc()
    _amg(d)["weather"] = {"years": [{"k": k, "T_mean": 11.0, "rainfall": 600, "PET": 800} for k in range(5)]}
    with pytest.raises(InputError, match="needs the Annexe 3 series"):
        apply_amg(d, backend="reference")


def test_neither_amg_nor_sfin_keeps_the_spec_error(compiled):
    d = _doc()
    del d["project"]["farms"][0]["systems"][0]["amg"]
    with pytest.raises(InputError) as exc:
        evaluate(compiled, d, ANNEXES, "reference")
    assert "Sfin" in str(exc.value)


def test_cli_bad_block_exits_2_with_the_path(tmp_path, capsys):
    d = _doc()
    _crop(d)["yield"] = -1
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    code = main(["run", str(path), "--method", "lbc_gc", "--version", "2.0", "--annexes", str(ANNEXES),
                 "--backend", "reference"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{path}: {SYS}.amg.project[0].crops[0].yield" in " ".join(err.split())


# ------------------------------------------------------------------ (d) --
R = {"meteo_moyenne": 0.025, "Cinitial_moyenne": 0.03, "autres_sol_moyenne": 0.03, "biomasse_moyenne": 0.07,
     "MAFOR_moyenne": 0.05}


def test_measured_initial_stock_gets_the_tableau_17_rate(compiled):
    """A system whose stocks come from AMG with its initial C measured at the start of the
    Projet, declared mode_donnees_C_initial = mesure on every year: r_C_initial = 0 %."""
    d = _doc(history=False, mode_donnees_C_initial="mesure")
    _, out, _ = evaluate(compiled, d, ANNEXES, "reference")
    assert np.all(out["r_C_initial"] == 0.0)
    want = (R["meteo_moyenne"] + 0.0 + R["autres_sol_moyenne"] + R["biomasse_moyenne"] + R["MAFOR_moyenne"]) / 5
    assert out["rabais_incertitude_donnees_stockage"][0] == pytest.approx(want, rel=1e-12)
    re = out["RE_stockage_carbone_sol_exploitation"][0]
    assert re > 0
    assert out["RE_stockage_carbone_sol_apres_rabais"][0] == pytest.approx(re * (1 - want) * (1 - 0.20), rel=1e-12)


def test_the_bridge_does_not_infer_modes(compiled):
    """The same measured soil without declarations keeps the spec's default « données
    moyennes » (3 %): an analysis in the block does not prove an in-situ measurement."""
    d = _doc(history=False)
    _, out, _ = evaluate(compiled, d, ANNEXES, "reference")
    assert np.all(out["r_C_initial"] == R["Cinitial_moyenne"])
    assert out["rabais_incertitude_donnees_stockage"][0] == pytest.approx(sum(R.values()) / 5, rel=1e-12)


def test_older_analysis_declared_as_simulation_gets_2_percent(compiled):
    d = _doc()  # the example: analysis 2022, Projet 2024, modes C_initial and autres_sol = simulation
    _, out, _ = evaluate(compiled, d, ANNEXES, "reference")
    assert np.all(out["r_C_initial"] == 0.02) and np.all(out["r_autres_donnees_sol"] == 0.02)
    want = (0.025 + 0.02 + 0.02 + 0.07 + 0.05) / 5
    assert out["rabais_incertitude_donnees_stockage"][0] == pytest.approx(want, rel=1e-12)


# ------------------------------------------------------------------ format --
def test_crop_entry_is_the_amg_year_format():
    """A crop entry has exactly the fields of a `carbonspec amg` year, minus year and
    weather, plus area: one format to learn."""
    year = Year.model_json_schema(by_alias=True)["properties"]
    crop = AmgCrop.model_json_schema(by_alias=True)["properties"]
    assert set(crop) == (set(year) - {"year", "weather"}) | {"area"}
    for name in set(crop) - {"area"}:
        assert crop[name] == year[name], name


def test_committed_schema_is_current():
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == amg_block_schema(), \
        "examples/lbc_gc/amg-block.schema.json is stale: regenerate it from amg_bridge.amg_block_schema()"


def test_example_runs_from_the_cli(capsys):
    code = main(["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.0", "--backend", "reference"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    re = doc["results"]["RE_stockage_carbone_sol"]
    prov = doc["soil_model"][SYS]
    assert np.isfinite(re) and re == pytest.approx((prov["Sfin"] - prov["Sfin_ref"]) * 120 * 44 / 12, rel=1e-13)

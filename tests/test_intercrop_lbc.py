"""The measured cover crops of `carbonspec intercrop` written into an LBC GC v2.0 dossier, as
spec/lbc_gc/v2.0/56-biomasse-intercultures.cspec declares (issue 16 item 3).

Expected values are computed here from the per-plot outputs of the intercrop run (area-weighted
per system and species, by hand), from the correspondence rows of
annexes/lbc_gc/v2.0/correspondance_CI_modele.csv written out below, and from Tableau 17 (L2472):
remote sensing alone 2.5 %, coupled with weighings 0 %, average data 7 %."""
import copy
import datetime as dt
import importlib.util
import json
import shutil

import pytest

from carbonspec.compiler.cli import main
from carbonspec.compiler.errors import InputError
from carbonspec.runtime.intercrop.dossier import build_dossier
from carbonspec.runtime.intercrop.inputs import read_json
from carbonspec.runtime.intercrop.pipeline import run

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "quantica" / "gers-synthetic.json"
BASE = ROOT / "examples" / "quantica" / "dossiers" / "gers-synthetic.json"
ANNEXES = ROOT / "annexes" / "lbc_gc" / "v2.0"
# the rows of correspondance_CI_modele.csv for the example's types (L417: species, else family)
KEY = {"mustard": "cruciferes", "phacelia": "phacelie", "vetch": "vesce", "oat": "graminees",
       "mixture": "multi_especes_avec_legumineuses"}
R_TELEDETECTION, R_COUPLAGE, R_MOYENNE = 0.025, 0.0, 0.07      # Tableau 17 L2472
T0 = 2023                                                       # first_project_year of the example's farm


@pytest.fixture(scope="module")
def example():
    doc = read_json(EXAMPLE)
    return doc, run(doc, str(EXAMPLE))


def _expected(doc, result):
    """(system index, k) -> {key: (area, area-weighted biomass)} and -> acquisition modes by area,
    from the per-plot outputs."""
    systems = [s.id for s in doc.farms[0].systems]
    rows, modes = {}, {}
    for p, out in zip(doc.plots, result["plots"]):
        for w, s in zip(p.intercrops, out["seasons"]):
            if w.ci_type is None:
                continue
            g = (systems.index(p.system), w.campaign - T0)
            a, ab = rows.setdefault(g, {}).get(KEY[w.ci_type], (0.0, 0.0))
            rows[g][KEY[w.ci_type]] = (a + p.area_ha, ab + p.area_ha * s["biomass_t_DM_ha"])
            modes.setdefault(g, {}).setdefault(s["acquisition_mode"], 0.0)
            modes[g][s["acquisition_mode"]] += p.area_ha
    return {g: {k: (a, ab / a) for k, (a, ab) in r.items()} for g, r in rows.items()}, modes


def _run_lbc(dossier: dict, tmp_path):
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(dossier), encoding="utf-8")
    out = tmp_path / "results.json"
    assert main(["run", str(path), "--method", "lbc_gc", "--version", "2.0", "--backend", "reference",
                 "--output", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_example_dossier_gets_area_weighted_biomass_and_runs_with_the_remote_sensing_rate(example, tmp_path, capsys):
    doc, result = example
    filled, notes, record = build_dossier(doc, result, str(EXAMPLE), BASE, ROOT)
    rows, modes = _expected(doc, result)
    # by hand, system 1 in 2023: P1 (12.4 ha) and P3 (15.1 ha) mustard -> cruciferes, P2 (8.7 ha) phacelia
    b = {p["id"]: p["seasons"][0]["biomass_t_DM_ha"] for p in result["plots"]}
    assert rows[(0, 0)]["cruciferes"] == pytest.approx((27.5, (12.4 * b["P1"] + 15.1 * b["P3"]) / 27.5), rel=1e-12)
    assert rows[(0, 0)]["phacelie"] == pytest.approx((8.7, b["P2"]), rel=1e-12)
    assert set(rows) == {(0, 0), (0, 1), (1, 0), (1, 1)}          # campaigns 2023, 2024 -> k = 0, 1 (choice Q1)
    systems = filled["project"]["farms"][0]["systems"]
    for (j, k), want in rows.items():
        year = next(y for y in systems[j]["years"] if y["k"] == k)
        got = {r["espece_CI"]: (r["Surf_CI"], r["BIOM"]) for r in year["intercultures"]}
        assert got.keys() == want.keys()
        for key in want:
            assert got[key] == pytest.approx(want[key], rel=1e-12), (j, k, key)
        # system 2: P4 remote sensing (10.2 ha) outweighs P5 weighed (6.3 ha): the representative mode (Q2)
        assert max(modes[(j, k)], key=modes[(j, k)].get) == "remote_sensing"
        assert year["mode_donnees_biomasses"] == "prelevement_ou_teledetection"
    untouched = [y for s in systems for y in s["years"] if y["k"] not in (0, 1)]
    assert all("intercultures" not in y and "mode_donnees_biomasses" not in y for y in untouched)
    assert record["first_project_year"] == {"EARL-des-Coteaux": 2023} and notes == []

    res = _run_lbc(filled, tmp_path)
    capsys.readouterr()
    for j, s in enumerate(res["project"]["farms"][0]["systems"]):
        for y in s["years"]:
            assert y["r_biomasses"] == (R_TELEDETECTION if y["k"] in (0, 1) else R_MOYENNE), (j, y["k"])
    # Équation 6 (L1308) on system 1, k = 0, from the Annexe 5 rows (annexe05-cultures.xlsx, placeholders):
    # cruciferes BIOM >= seuil_haut 3 -> N_AG_forte 0.022, R_MSr_MSa 0.25, N_racine 0.015;
    # phacelie 1.5 <= BIOM < 3 -> N_AG_moyenne 0.028, R_MSr_MSa 0.25, N_racine 0.015
    (a1, b1), (a2, b2) = rows[(0, 0)]["cruciferes"], rows[(0, 0)]["phacelie"]
    assert b1 >= 3 and 1.5 <= b2 < 3
    qn = b1 * (0.022 + 0.25 * 0.015) * 1000 * a1 + b2 * (0.028 + 0.25 * 0.015) * 1000 * a2
    y0 = next(y for y in res["project"]["farms"][0]["systems"][0]["years"] if y["k"] == 0)
    assert y0["QN_residus_CI"] == pytest.approx(qn, rel=1e-12)


def test_weighings_make_the_system_year_coupled(example, tmp_path, capsys):
    """Weighings on P4 too: the maize/soybean system's plots with a cover crop are all coupled
    with field weighings -> couplage, r_biomasse 0 % (Tableau 17 L2472); the other system keeps 2.5 %."""
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    p4 = next(p for p in raw["plots"] if p["id"] == "P4")
    for w in p4["intercrops"]:
        d = dt.date.fromisoformat(w["destruction"]) - dt.timedelta(days=6)
        w["weighings"] = [{"date": d.isoformat(), "biomass": 0.9, "sd": 0.25}]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    doc = read_json(path)
    result = run(doc, str(path))
    filled, _, _ = build_dossier(doc, result, str(path), BASE, ROOT)
    _, modes = _expected(doc, result)
    assert set(modes[(1, 0)]) == {"coupled"} and set(modes[(1, 1)]) == {"coupled"}
    res = _run_lbc(filled, tmp_path)
    capsys.readouterr()
    systems = res["project"]["farms"][0]["systems"]
    for y in systems[1]["years"]:
        assert y["r_biomasses"] == (R_COUPLAGE if y["k"] in (0, 1) else R_MOYENNE)
    assert [y["r_biomasses"] for y in systems[0]["years"] if y["k"] in (0, 1)] == [R_TELEDETECTION] * 2
    assert {y["mode_donnees_biomasses"] for y in filled["project"]["farms"][0]["systems"][1]["years"]
            if y["k"] in (0, 1)} == {"couplage"}


def test_a_tie_of_areas_takes_the_less_precise_mode(example):
    """Choice Q2: the same area remote-sensed and weighed -> remote sensing (the higher rate)."""
    doc, result = example
    doc2, result2 = doc.model_copy(deep=True), copy.deepcopy(result)
    p4, p5 = doc2.plots[3], doc2.plots[4]
    p5.area_ha = p4.area_ha        # 10.2 ha each
    # the aggregation rule alone: P4 (met first) as if weighed, P5 as if remote-sensed only
    for s4, s5 in zip(result2["plots"][3]["seasons"], result2["plots"][4]["seasons"]):
        s4["acquisition_mode"], s5["acquisition_mode"] = "coupled", "remote_sensing"
    filled, _, _ = build_dossier(doc2, result2, "x", BASE, ROOT)
    years = filled["project"]["farms"][0]["systems"][1]["years"]
    assert [y["mode_donnees_biomasses"] for y in years if y["k"] in (0, 1)] == ["prelevement_ou_teledetection"] * 2


def test_a_type_without_a_key_is_a_located_error(example):
    doc, result = example
    doc2 = doc.model_copy(deep=True)
    doc2.plots[0].intercrops[0].ci_type = "cereal_regrowth"     # an AMG cover-crop type, but not a sown cover
    with pytest.raises(InputError) as e:
        build_dossier(doc2, result, "in.json", BASE, ROOT)
    msg = str(e.value)
    assert "in.json: plots[0].intercrops[0].ci_type" in msg and "'cereal_regrowth'" in msg
    assert "correspondance_CI_modele" in msg and "not a sown cover crop" in msg


def test_a_type_missing_from_the_table_gets_did_you_mean(example, tmp_path):
    doc, result = example
    annexes = tmp_path / "annexes"
    shutil.copytree(ANNEXES, annexes)
    csv = annexes / "correspondance_CI_modele.csv"
    csv.write_text("".join(line for line in csv.read_text(encoding="utf-8").splitlines(keepends=True)
                           if not line.startswith("mustard,")), encoding="utf-8")
    with pytest.raises(InputError) as e:
        build_dossier(doc, result, "in.json", BASE, ROOT, annexes=annexes)
    msg = str(e.value)
    assert "in.json: plots[0].intercrops[0].ci_type" in msg and "'mustard' is not in table" in msg
    assert "did you mean" in msg and "white_mustard" in msg and "correspondance_CI_modele.csv" in msg


def test_a_campaign_outside_the_dossier_years_is_a_located_error(example):
    doc, result = example
    doc2 = doc.model_copy(deep=True)
    doc2.farms[0].first_project_year = None
    with pytest.raises(InputError) as e:
        build_dossier(doc2, result, "in.json", BASE, ROOT, first_year=2027)   # 2023 -> k = -4
    msg = str(e.value)
    assert "in.json: plots[0].intercrops[0].campaign (2023, first project year 2027)" in msg
    assert "year k = -4 is not in the dossier" in msg and "project.farms[0].systems[0].years" in msg
    assert "k = -3, -2, -1, 0, 1, 2, 3, 4" in msg
    with pytest.raises(InputError, match="first year .k = 0. is needed"):
        build_dossier(doc2, result, "in.json", BASE, ROOT)
    with pytest.raises(InputError, match=r"first year differs: 2023 \(in.json: farms\[0\].first_project_year\); "
                                         r"2024 \(--first-year\)"):
        build_dossier(doc, result, "in.json", BASE, ROOT, first_year=2024)


def test_farms_and_systems_must_match_the_dossier(example, tmp_path):
    doc, result = example
    base = json.loads(BASE.read_text(encoding="utf-8"))
    base["project"]["farms"][0]["systems"].pop()
    path = tmp_path / "base.json"
    path.write_text(json.dumps(base), encoding="utf-8")
    with pytest.raises(InputError, match=r"base.json: project.farms\[0\].systems.*1 cropping system\(s\) in the "
                                         r"dossier, 2 for farm 'EARL-des-Coteaux'"):
        build_dossier(doc, result, "in.json", path, ROOT)


def test_command_writes_both_files_or_nothing(tmp_path, capsys):
    out, ic = tmp_path / "dossier.json", tmp_path / "ic.html"
    assert main(["intercrop", str(EXAMPLE), "--dossier", str(BASE), "--out-dossier", str(out),
                 "--format", "html", "--output", str(ic)]) == 0
    assert "4 année(s) de système renseignée(s)" in capsys.readouterr().err
    filled = json.loads(out.read_text(encoding="utf-8"))
    html = ic.read_text(encoding="utf-8")
    assert filled["method"] == "lbc_gc" and "Dossier lbc_gc v2.0 renseigné" in html
    assert html.count("prelevement_ou_teledetection") == 4 and "espece_CI = phacelie" in html
    # --dossier without --out-dossier, and a campaign outside the years: exit 2, nothing written
    assert main(["intercrop", str(EXAMPLE), "--dossier", str(BASE)]) == 2
    bad_out, bad_ic = tmp_path / "bad.json", tmp_path / "bad-ic.json"
    assert main(["intercrop", str(EXAMPLE), "--dossier", str(BASE), "--out-dossier", str(bad_out),
                 "--output", str(bad_ic), "--first-year", "2030"]) == 2
    assert "first year differs" in capsys.readouterr().err
    assert not bad_out.exists() and not bad_ic.exists()


def test_base_dossier_is_what_its_builder_writes():
    spec = importlib.util.spec_from_file_location("build_lbc_base", ROOT / "examples" / "quantica" / "build_lbc_base.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert json.loads(BASE.read_text(encoding="utf-8")) == mod.build(), \
        "dossiers/gers-synthetic.json is stale: run python examples/quantica/build_lbc_base.py"


def test_every_model_cover_crop_type_has_a_row():
    """The table covers every cover-crop type the intercrop input accepts (AMG 'cc' keys), each
    row with a source, and every key it gives is an Annexe 5 key (cultures_CI)."""
    import csv

    with (ROOT / "annexes" / "amg" / "crops.csv").open(encoding="utf-8") as fh:
        amg = {r["crop"] for r in csv.DictReader(fh) if r["crop_type"] == "cc"}
    with (ANNEXES / "correspondance_CI_modele.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[1:]
    import openpyxl

    wb = openpyxl.load_workbook(ANNEXES / "annexe05-cultures.xlsx", read_only=True)
    keys = {r[0] for r in list(wb["cultures_CI"].iter_rows(values_only=True))[2:]}
    assert {r["type_modele"] for r in rows} == amg
    assert all(r["source"] and r["status"] in ("method-text", "public-source", "placeholder") for r in rows)
    assert {r["espece_CI"] for r in rows} - {""} <= keys
    assert [r["type_modele"] for r in rows if not r["espece_CI"]] == ["cereal_regrowth"]


def _spec_copy(tmp_path, old, new):
    from conftest import SPEC

    spec = tmp_path / "spec"
    shutil.copytree(SPEC, spec)
    f = spec / "56-biomasse-intercultures.cspec"
    text = f.read_text(encoding="utf-8")
    assert old in text, old
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return spec


@pytest.mark.parametrize("old, new, message", [
    ("bind species_map = correspondance_CI_modele ", "bind species_map = correspondance_CI_model ",
     "bind 'species_map' names 'correspondance_CI_model', which the spec does not declare"),
    ("gives biomass : t_DM / ha feeds", "gives biomass : kg_DM / ha feeds", "'BIOM' is in [t_DM / ha]"),
    ("choice Q2_mode_representatif", "choice Q1_annee_CI", "model 'intercrop' records the same choice twice"),
])
def test_a_broken_declaration_is_a_located_spec_error(tmp_path, capsys, old, new, message):
    spec = _spec_copy(tmp_path, old, new)
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert message in err and "56-biomasse-intercultures.cspec:" in err and "Traceback" not in err


def test_the_adapter_refuses_a_declaration_it_cannot_use():
    """The library names the bind it needs (the compiler does not know the library's keys)."""
    from carbonspec.runtime.models import intercrop_bridge as bridge

    model = json.loads((ROOT / "generated" / "lbc_gc" / "v2.0" / "model.json").read_text(encoding="utf-8"))
    decl = next(d for d in model["external_models"] if d["name"] == "intercrop")
    b = bridge.binding(decl, model)
    assert (b.fields, b.mode_field, b.mode_values, b.index) == (
        {"biomass": "BIOM", "area": "Surf_CI", "species": "espece_CI"}, "mode_donnees_biomasses",
        {"remote_sensing": "prelevement_ou_teledetection", "coupled": "couplage"}, "k")
    broken = copy.deepcopy(decl)
    del broken["binds"]["coupled"]
    with pytest.raises(InputError, match="needs 'bind coupled = NAME'"):
        bridge.binding(broken, model)
    broken = copy.deepcopy(decl)
    broken["binds"]["remote_sensing"] = ["moyenne"]
    broken["binds"]["coupled"] = ["mesure"]        # a value of another enum
    with pytest.raises(InputError, match="bind coupled = mesure: not a value of enum 'mode_biomasse'"):
        bridge.binding(broken, model)


def test_a_soil_model_block_gives_the_first_year_and_is_left_alone_with_a_note(example, tmp_path):
    """The first year may come from the dossier's soil-model block (its first_project_year); that
    block's own cover crops are not rewritten (a note says so) and it is kept as it was."""
    doc, result = example
    doc2 = doc.model_copy(deep=True)
    doc2.farms[0].first_project_year = None
    block = json.loads((ROOT / "examples" / "lbc_gc" / "yonne-amg.json").read_text(encoding="utf-8"))[
        "project"]["farms"][0]["systems"][0]["amg"]
    assert block["first_project_year"] == 2024
    base = json.loads(BASE.read_text(encoding="utf-8"))
    base["project"]["farms"][0]["systems"][0]["amg"] = block
    path = tmp_path / "base.json"
    path.write_text(json.dumps(base), encoding="utf-8")
    filled, notes, record = build_dossier(doc2, result, "in.json", path, ROOT)
    assert record["first_project_year"] == {"EARL-des-Coteaux": 2024}      # campaign 2023 -> k = -1
    assert {y["year"] for y in record["years"]} == {-1, 0} and record["index"] == "k"
    assert filled["project"]["farms"][0]["systems"][0]["amg"] == block
    assert any("systems[0].amg" in n and "non réécrites" in n for n in notes)

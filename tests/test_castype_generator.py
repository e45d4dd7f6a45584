"""Cas-type data beside the spec (casedata.py) and the cases generated from the IR
(generator.py): the change format, the folder a version takes its cases from, a spec copy
that compiles and certifies with no Python change, and generated cases that cover a new
branch or catch a mutant no data case catches."""
from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest

from carbonspec.compiler.cli import main
from carbonspec.compiler.errors import InputError
from carbonspec.runtime.certification import casedata, castype, generator, mutation
from carbonspec.runtime.certification.coverage import Coverage, branches
from carbonspec.runtime.engine.core import load_compiled
from carbonspec.runtime.engine.tables import load_annexes

from conftest import GENERATED, ROOT

ANNEX_DIR = ROOT / "annexes" / "lbc_gc" / "v2.0"
SPEC = ROOT / "spec" / "lbc_gc" / "v2.0"
DATA_DIR = SPEC / "castype"


@pytest.fixture(scope="module")
def compiled():
    return load_compiled(GENERATED)


@pytest.fixture(scope="module")
def data(compiled):
    return casedata.load(DATA_DIR, compiled.model)


# ------------------------------------------------------------- the format --
def test_changes_set_append_remove_and_every_element():
    base = {"project": {"farms": [{"SAU": 1.0, "years": [{"k": -1, "x": 1}, {"k": 0, "x": 1}], "opt": 3}]}}
    got = casedata.apply_changes(copy.deepcopy(base), [
        {"op": "set", "path": "project.farms[0].years[*].x", "value": 5},
        {"op": "set", "path": "project.farms[0].years[1].y", "value": [1]},
        {"op": "append", "path": "project.farms[0].years", "value": {"k": 1}},
        {"op": "append", "path": "project.farms[0].new_list", "value": 7},
        {"op": "remove", "path": "project.farms[0].opt"},
        {"op": "remove", "path": "project.farms[0].years[0]"},
    ], "t.json")
    assert got == {"project": {"farms": [{"SAU": 1.0, "years": [{"k": 0, "x": 5, "y": [1]}, {"k": 1}],
                                          "new_list": [7]}]}}
    assert base["project"]["farms"][0]["years"][0]["x"] == 1  # the base is not changed


@pytest.mark.parametrize("change, fragment", [
    ({"op": "put", "path": "a", "value": 1}, "expected {\"op\": one of set, append, remove"),
    ({"op": "set", "path": "a..b", "value": 1}, "bad path 'a..b'"),
    ({"op": "set", "path": "project.farms[3].SAU", "value": 1}, "index 3 out of range (the list has 1"),
    ({"op": "set", "path": "project.nope.SAU", "value": 1}, "no key 'nope'"),
    ({"op": "remove", "path": "project.farms[0].SAU", "value": 1}, "'remove' takes none"),
    ({"op": "set", "path": "project.farms[0].SAU"}, "need a 'value'"),
    ({"op": "append", "path": "project.farms[0].SAU", "value": 1}, "not a list"),
    ({"op": "set", "path": "project.farms[*]", "value": 1}, "[*] cannot be the last step"),
])
def test_a_bad_change_is_a_located_error(change, fragment):
    base = {"project": {"farms": [{"SAU": 1.0}]}}
    with pytest.raises(InputError) as exc:
        casedata.apply_changes(base, [{"op": "set", "path": "project.farms[0].SAU", "value": 2.0}, change], "c.json")
    assert exc.value.where == "c.json: changes[1]" and fragment in exc.value.message


def test_a_bad_case_file_is_a_located_error(tmp_path, compiled):
    shutil.copytree(DATA_DIR, tmp_path / "ct")
    bad = tmp_path / "ct" / "cases" / "99-bad.json"
    bad.write_text(json.dumps({"name": "bad", "description": "x", "changes": [], "dossier": {}}), encoding="utf-8")
    with pytest.raises(InputError, match="either 'changes'"):
        casedata.load(tmp_path / "ct", compiled.model)
    bad.write_text(json.dumps({"name": "nda_only", "description": "x", "changes": []}), encoding="utf-8")
    with pytest.raises(InputError, match="used by another case file"):
        casedata.load(tmp_path / "ct", compiled.model)
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        casedata.load(tmp_path / "ct", compiled.model)
    assert exc.value.where == str(bad) and "not valid JSON" in exc.value.message


def test_every_data_case_has_a_french_description_and_a_valid_name(data):
    assert len(data.cases) == 40 and data.probes == []
    for c in data.cases:
        assert re.fullmatch(r"[a-z][a-z0-9_]*[A-Za-z0-9_]*", c.name)
        assert c.dossier["method"] == "lbc_gc" and c.dossier["version"] == "2.0" and c.dossier["name"] == c.title
        # French prose: accents or French function words, no English boilerplate
        assert re.search(r"\b(le|la|les|des|du|dans|avec|est|sont|une?)\b", c.description), c.name
        assert not re.search(r"\b(the|with|replaced|Isolates)\b", c.description), c.name
    # a case written as changes gives the base dossier with exactly those changes
    nda = next(c for c in data.cases if c.name == "nda_only")
    farm = nda.dossier["project"]["farms"][0]
    assert farm["nda"] is True and [y["k"] for y in farm["systems"][0]["years"]] == [-3, -2, -1, 0]
    assert [m["QN"] for y in farm["systems"][0]["years"] for m in y["mineraux"]] == [16000.0] * 3 + [13000.0]


def test_justified_escapes_are_data_with_their_reason(data, compiled):
    assert "constant nb_rabais_donnees_stockage x1.10" in data.justified
    assert all(len(why) > 40 for why in data.justified.values())
    assert not hasattr(mutation, "JUSTIFIED")
    # every written justification names a mutant of the model (none stale)
    assert mutation.unknown_justifications(compiled.model, data.justified) == []
    assert mutation.unknown_justifications(compiled.model, {"constant nope x1.10": "x"}) == ["constant nope x1.10"]


def test_the_castype_folder_of_a_version_without_one_is_the_nearest_earlier(tmp_path):
    spec = tmp_path / "spec"
    for v in ("v1.0", "v2.0", "v3.0"):
        (spec / "m" / v / "castype").mkdir(parents=True)
    (spec / "m" / "v2.1").mkdir()
    assert casedata.find_directory(spec, "m", "2.0") == spec / "m" / "v2.0" / "castype"   # its own
    assert casedata.find_directory(spec, "m", "2.1") == spec / "m" / "v2.0" / "castype"   # nearest earlier
    assert casedata.find_directory(spec, "m", "10.0") == spec / "m" / "v3.0" / "castype"  # 10 > 3, numerically
    assert casedata.find_directory(spec, "m", "0.9") == spec / "m" / "v3.0" / "castype"   # none earlier: newest
    assert casedata.find_directory(spec, "other", "1.0") is None


# -------------------------------------------------------------- generator --
def test_minimise_is_a_greedy_set_cover():
    a, b, c, d = (generator.Candidate(n, [], n, {}) for n in "abcd")
    kept = generator.minimise([(a, {1, 2}), (b, {2, 3, 4}), (c, {1, 5}), (d, {4})], {1, 2, 3, 4, 5})
    assert [(k.seed, g) for k, g in kept] == [("b", {2, 3, 4}), ("c", {1, 5})]


def test_values_come_from_the_domain_and_the_thresholds(compiled):
    reach = generator.Reach(compiled.model)
    th = reach.thresholds()
    assert {"betterave", "pomme_de_terre"} <= th["espece"]
    inputs = {i["name"]: i for i in compiled.model["inputs"]}
    frac = generator.values_for(inputs["FRAC_LESS"], th, {}, compiled.model, [0.05])
    assert all(0 <= v <= 1 for v in frac) and {0.0, 1.0, 0.5, 0.025, 0.1} <= set(frac)
    assert generator.values_for(inputs["nda"], th, {}, compiled.model, []) == [True, False]
    # the inputs that reach QN_residus_culture's branches: the crop first (read by the conditions)
    b = next(b for b in branches(compiled.model) if b.equation == "QN_residus_culture")
    assert generator.target_inputs(compiled.model, reach, ("branch", b.id))[0] == "espece"


def test_the_generator_covers_branches_the_seed_misses(compiled, data):
    """From the mineral-N case alone, the beet and potato branches of Équation 6 (L1276) are
    reached by setting the crop to the keys the conditions name."""
    annexes = load_annexes(ANNEX_DIR, compiled.model)
    seed = castype.compute_case(compiled, annexes, data.cases[0], ("reference",))
    cov = Coverage(compiled.model, seed.record)
    want = {("branch", b.id) for b in branches(compiled.model) if b.equation == "QN_residus_culture"
            and b.condition != "otherwise"}
    assert len(want) == 2 and want <= set(generator.missing_items(cov))
    g = generator.cover(compiled, annexes, [seed], cov, only=want)
    assert g.unreached == [] and len(g.kept) == 2
    for spec in g.kept:
        assert spec.generated and spec.name.startswith("genere_") and "fertilisation_mineral_N_reduction" in spec.description
        case = castype.compute_case(compiled, annexes, spec, ("reference",))
        assert {("branch", t) for t in case.record.taken} & want
    crops = {c["espece"] for s in g.kept for y in s.dossier["project"]["farms"][0]["systems"][0]["years"]
             for c in y["cultures"]}
    assert crops == {"betterave", "pomme_de_terre"}


def test_the_generator_builds_a_case_catching_a_surviving_mutant(compiled, data):
    """Without the two urea cases, EF_urée x 1.1 escapes; the generator finds a dossier where
    urea CO2 (Équation 11) is a large part of a line item (a urea-bearing product and its
    quantity changed together in the project years) and keeps it."""
    cases = [c for c in data.cases if c.name not in ("fertilisation_urea_CO2", "fertilisation_average_N_fertiliser_CO2")]
    ct = castype.generate(compiled, ANNEX_DIR, backends=("reference",), cases=cases[:12], complete=False)
    [m] = [m for m in mutation.mutants(compiled.model) if m.id == "constant EF_uree x1.10"]
    [o] = mutation.run(compiled, ct.cases, ct.reference, only=lambda x: x.id == m.id)
    assert not o.caught
    g = generator.kill(compiled, ct, [m])
    assert g.unreached == [] and len(g.kept) == 1
    castype.add_cases(ct, g.kept)
    [o] = mutation.run(compiled, ct.cases, ct.reference, only=lambda x: x.id == m.id)
    assert o.caught and o.where.startswith("genere_01"), o.where


# ------------------------------------------------- a new version, no Python --
def _copy_spec(home: Path, version: str, edit) -> Path:
    dst = home / "spec" / "lbc_gc" / f"v{version}"
    shutil.copytree(SPEC, dst, ignore=shutil.ignore_patterns("castype"))
    method = dst / "00-method.cspec"
    method.write_text(method.read_text(encoding="utf-8").replace('version "2.0"', f'version "{version}"', 1),
                      encoding="utf-8")
    edit(dst)
    (home / "spec" / "lbc_gc" / "v2.0").mkdir(parents=True)
    shutil.copytree(DATA_DIR, home / "spec" / "lbc_gc" / "v2.0" / "castype")  # the parent's cases only
    (home / "generated").mkdir(exist_ok=True)
    for name in {f"v{version}", ANNEX_DIR.name}:  # the version's folder, or the annex set the spec names
        shutil.copytree(ANNEX_DIR, home / "annexes" / "lbc_gc" / name)
    return dst


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_copy_with_one_constant_changed_runs_castype_and_certify(tmp_path, monkeypatch, capsys):
    """v2.1 = v2.0 with EF1_min 0.016 -> 0.018 and no castype/ of its own: it compiles, takes
    v2.0's cases, covers everything, and its own reference results certify; the mineral-N
    case's RE_fertilisation moves with EF1_min (it is recomputed, not copied)."""
    home = tmp_path / "home"
    spec = _copy_spec(home, "2.1", lambda d: _replace(d / "20-fertilisation.cspec", "constant EF1_min = 0.016",
                                                        "constant EF1_min = 0.018"))
    monkeypatch.setenv("CARBONSPEC_HOME", str(home))
    assert main(["compile", str(spec), "--out", str(home / "generated")]) == 0
    out = home / "ct"
    code = main(["castype", "--method", "lbc_gc", "--version", "2.1", "--out", str(out), "--reference-only"])
    cap = capsys.readouterr()
    text = cap.out
    assert code == 0, text + cap.err
    assert "40 cases (40 from the spec's castype data, 0 generated)" in text
    ref = json.loads((out / "reference-results.json").read_text(encoding="utf-8"))
    assert ref["version"] == "2.1"
    dossier = json.loads((out / "cases" / "nda_only" / "dossier.json").read_text(encoding="utf-8"))
    assert dossier["version"] == "2.1"
    code = main(["certify", "--castype", str(out), "--results", str(out / "reference-results.json"),
                 "--report", str(home / "report")])
    assert code == 0 and capsys.readouterr().out.strip().splitlines()[-1] == "CONFORME"
    before = castype.generate(load_compiled(GENERATED), ANNEX_DIR, backends=("reference",), complete=False,
                              cases=[c for c in casedata.load(DATA_DIR, load_compiled(GENERATED).model).cases
                                     if c.name == "fertilisation_mineral_N_reduction"])
    old = before.reference["results"]["fertilisation_mineral_N_reduction"]["RE_fertilisation"]
    new = ref["results"]["fertilisation_mineral_N_reduction"]["RE_fertilisation"]
    assert new > old * 1.05  # direct N2O of mineral N is most of the difference (x 18/16)


def test_a_new_branch_gets_a_generated_case(tmp_path):
    """A copy whose Équation 9 gains a branch no data case reaches (FRAC_LESS strictly
    between 0.3 and 0.4): `castype` generates a case, from the thresholds of the condition,
    that takes it."""
    home = tmp_path / "home"
    spec = _copy_spec(home, "2.1", lambda d: _replace(
        d / "20-fertilisation.cspec",
        "  = (QN_min + QN_inhib + QN_org + QN_org_inhib + QN_residus + QN_mineralise) * FRAC_LESS\n",
        "  = 0 [kg_N] when FRAC_LESS > 0.3 and FRAC_LESS < 0.4\n"
        "  = (QN_min + QN_inhib + QN_org + QN_org_inhib + QN_residus + QN_mineralise) * FRAC_LESS\n"))
    assert main(["compile", str(spec), "--out", str(home / "generated")]) == 0
    compiled = load_compiled(home / "generated" / "lbc_gc" / "v2.1")
    data_dir = casedata.find_directory(home / "spec", "lbc_gc", "2.1")
    assert data_dir == home / "spec" / "lbc_gc" / "v2.0" / "castype"
    ct = castype.generate(compiled, ANNEX_DIR, backends=("reference",), data_dir=data_dir)
    assert ct.coverage.complete(), "\n".join(ct.coverage.lines())
    new = [b for b in branches(compiled.model) if b.equation == "N_lixivie" and b.condition != "otherwise"]
    assert len(new) == 1
    gen = [c for c in ct.cases if c.generated]
    assert len(gen) == 1 and ct.generation["generated"] == 1
    assert new[0].id in gen[0].record.taken
    assert not any(new[0].id in c.record.taken for c in ct.cases if not c.generated)
    fracs = {f.get("FRAC_LESS") for f in gen[0].dossier["project"]["farms"]}
    assert any(v is not None and 0.3 < v < 0.4 for v in fracs)
    assert "FRAC_LESS" in gen[0].description and "Cas généré" in gen[0].description


def test_the_whole_set_minimisation_names_a_case_that_adds_nothing(compiled, data):
    """Two cases with the same dossier: the set cover keeps one, the other is redundant; the
    mutants each catches are listed case by case (every_case)."""
    nda = next(c for c in data.cases if c.name == "nda_only")
    twin = casedata.CaseSpec("twin", nda.title, nda.description, copy.deepcopy(nda.dossier), "test")
    mineral = data.cases[0]
    ct = castype.generate(compiled, ANNEX_DIR, backends=("reference",), cases=[nda, twin, mineral], complete=False)
    ids = {"constant taux_rabais_nda x1.10", "constant EF1_min x1.10"}
    outcomes = mutation.run(compiled, ct.cases, ct.reference, only=lambda m: m.id in ids, every_case=True)
    by = {o.mutant.id: o.caught_by for o in outcomes}
    assert by["constant taux_rabais_nda x1.10"] == ["nda_only", "twin"]
    assert "fertilisation_mineral_N_reduction" in by["constant EF1_min x1.10"]
    m = castype.minimal_set(ct, outcomes)
    assert m["cases"] == 3 and m["kept_by_set_cover"] == 2 and m["redundant"] == ["twin"]


def test_rows_no_seed_has_are_built_from_the_declaration(compiled, data):
    """The base dossier has no mineral fertiliser: to take the urea branch of F_EngrMoy
    (Équation 11), the generator appends a mineral row built from the entity's declaration,
    with a urea product; a farm installation gets its required reference years."""
    annexes = load_annexes(ANNEX_DIR, compiled.model)
    rows = generator.synth_rows(compiled.model, annexes.tables, "poste_ferme")
    assert [y["k_poste"] for y in rows[0]["annees_poste"]] == [-3, -2, -1, 0]
    base = casedata.CaseSpec("base", "base", "base", copy.deepcopy(data.base), "base.json")
    seed = castype.compute_case(compiled, annexes, base, ("reference",))
    [urea] = [b for b in branches(compiled.model) if b.equation == "F_EngrMoy" and b.index == 0]
    g = generator.cover(compiled, annexes, [seed], Coverage(compiled.model, seed.record), only={("branch", urea.id)})
    assert g.unreached == [] and len(g.kept) == 1
    years = g.kept[0].dossier["project"]["farms"][0]["systems"][0]["years"]
    added = [m for y in years for m in y.get("mineraux", [])]
    assert added and all(annexes.tables["engrais_mineraux"].rows[(m["produit_min"],)]["uree"] for m in added)
    assert "ajoutée" in g.kept[0].description


def test_the_one_file_layout_with_json_patch_is_read_too():
    """spec/climacert_fm1/v2/castype/ (cases.json: JSON Patch per case, RFC 6902) is read by the
    same loader: a second method's cas-type with no Python of its own."""
    cc = ROOT / "spec" / "climacert_fm1" / "v2" / "castype"
    model = load_compiled(ROOT / "generated" / "climacert_fm1" / "v2").model
    got = casedata.load(cc, model)
    index = json.loads((cc / "cases.json").read_text(encoding="utf-8"))
    assert [c.name for c in got.cases] == list(index["cases"]) and len(got.cases) >= 5
    base = json.loads((cc / "base.json").read_text(encoding="utf-8"))
    for c in got.cases:
        assert c.dossier["name"] == index["cases"][c.name]["title"]
        for ch in index["cases"][c.name]["changes"]:  # each patched member is there (or gone)
            parts = ch["path"].strip("/").split("/")
            node = c.dossier
            for p in parts[:-1]:
                node = node[int(p)] if isinstance(node, list) else node[p]
            if ch["op"] == "remove":
                assert parts[-1] not in node or node is base
            elif parts[-1] != "-":
                assert (node[int(parts[-1])] if isinstance(node, list) else node[parts[-1]]) == ch["value"]
    assert casedata._from_patch({"op": "add", "path": "/a/b~1c/-", "value": 1}, {}) == \
        {"op": "append", "path": "a.b/c", "value": 1}
    assert casedata._from_patch({"op": "replace", "path": "/a/0/x", "value": 2}, {}) == \
        {"op": "set", "path": "a[0].x", "value": 2}

"""Versions (issue 11): `extends`, annex sets, `carbonspec diff`, retroactivity linked to items and
the resolver, on the demonstration version spec/lbc_gc/v2.1-demo/.

What v2.1-demo changes, written here by hand from its one file (so a change the diff invents or
misses fails): EF1_min 0.016 -> 0.015, Équation 7 (C_chaulage) maximal abatement 0.5 -> 0.4, the
new input GES_amont_biostimulants and its term in Équation 4 (EGES_fertilisation), and in its
annex set the row engrais_mineraux[ammonitrate_33_5] FE_N 6.716 -> 5.373.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from carbonspec.compiler.build import compile_model
from carbonspec.compiler.cli import main
from carbonspec.compiler.diff import reached, spec_changes
from carbonspec.compiler.model import check_spec_dir
from carbonspec.compiler.model_json import model_json

from conftest import ROOT

V20 = ROOT / "spec" / "lbc_gc" / "v2.0"
DEMO = ROOT / "spec" / "lbc_gc" / "v2.1-demo"
EXAMPLE = ROOT / "examples" / "lbc_gc" / "fertilisation-yonne.json"

EXPECTED_SPEC_CHANGES = {
    ("constant", "EF1_min", "changed"),
    ("equation", "C_chaulage", "changed"),
    ("equation", "EGES_fertilisation", "changed"),
    ("input", "GES_amont_biostimulants", "added"),
}


@pytest.fixture(scope="module")
def models():
    return check_spec_dir(V20), check_spec_dir(DEMO)


@pytest.fixture(scope="module")
def diff_doc(models):
    from carbonspec.runtime.versions.effects import diff_document

    return diff_document(models[0], models[1], V20, DEMO, ROOT)


# ------------------------------------------------------------------ the demo --
def test_demo_is_one_short_file_titled_as_a_demonstration(models):
    files = sorted(DEMO.glob("*.cspec"))
    assert len(files) == 1
    assert len(files[0].read_text(encoding="utf-8").splitlines()) < 80
    demo = models[1]
    assert "DÉMONSTRATION" in demo.method.title and "non officielle" in demo.method.title
    assert demo.lineage.parent == ("lbc_gc", "2.0")
    assert demo.annex_set.name == "v2.1-demo"
    # a complete model: every equation of v2.0 is there
    assert set(models[0].symbols) <= set(demo.symbols)


def test_diff_lists_each_change_and_nothing_else(diff_doc):
    got = {(c["category"], c["name"], c["change"]) for c in diff_doc["changes"]}
    assert got == EXPECTED_SPEC_CHANGES
    ef1 = next(c for c in diff_doc["changes"] if c["name"] == "EF1_min")
    assert ef1["old"].startswith("0.016") and ef1["new"].startswith("0.015")
    assert ef1["old_spec"] == "20-fertilisation.cspec:78" and ef1["new_lines"] == "L1361"
    rows = diff_doc["annexes"]["rows"]
    assert [(r["table"], r["key"], r["columns"]) for r in rows] == [("engrais_mineraux", ["ammonitrate_33_5"],
                                                                      ["FE_N"])]
    assert rows[0]["old"]["FE_N"] == 6.716 and rows[0]["new"]["FE_N"] == 5.373
    # the replaced row carries its own source and status; the old ones are kept beside them
    assert rows[0]["old_status"] == "public-source" and rows[0]["status"] == "placeholder"
    assert "DÉMONSTRATION" in rows[0]["source"] and "Brentrup" in rows[0]["old_source"]


def test_diff_cli_text_and_json(capsys):
    assert main(["diff", str(V20), str(DEMO), "--format", "json", "--no-effects"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {(c["category"], c["name"], c["change"]) for c in doc["changes"]} == EXPECTED_SPEC_CHANGES
    assert main(["diff", str(V20), str(DEMO), "--no-effects"]) == 0
    text = capsys.readouterr().out
    assert "EF1_min" in text and "0.016 [kg_N2O_N / kg_N]" in text and "0.015" in text
    assert "engrais_mineraux[ammonitrate_33_5]" in text and "6.716 → 5.373" in text


def test_results_differ_exactly_on_the_items_the_changes_reach(diff_doc, models):
    """Per case and line item of the v2.0 cas-type: a line item the changes cannot reach (no
    dependency path in the IR from a changed item or the replaced annex table) is identical;
    every reachable one moves in at least one case."""
    eff = diff_doc["effects"]
    assert eff["available"] and len(eff["cases"]) > 20 and not any(r["error"] for r in eff["cases"])
    names = {c["name"] for c in diff_doc["changes"]} | {"engrais_mineraux"}
    reach = reached(model_json(models[1]), names)
    moved = set()
    for r in eff["cases"]:
        for item, v in r["values"].items():
            if item not in reach:
                assert v["old"] == v["new"], f"{r['case']} {item} moved though no change reaches it"
            elif v["delta_pct"] != 0.0:
                moved.add(item)
    assert moved == {i for i in eff["items"] if i in reach}
    assert set(eff["changed_items"]) == moved
    assert {"RE_fertilisation", "RE", "RE_certifiable"} <= moved
    assert "RE_combustibles" not in moved and "RE_stockage_carbone_sol" not in moved


def test_liming_case_moves_by_the_ratio_of_the_abatements(diff_doc):
    """Hand check of the Équation 7 correction: in this case the reference and project differ
    only by the liming abatement of the organic bracket (no mineral N change, no ammonitrate),
    so RE_fertilisation scales with the maximal abatement, 0.4 / 0.5: exactly -20 %."""
    r = next(c for c in diff_doc["effects"]["cases"] if c["case"] == "fertilisation_liming_N2O_abatement")
    v = r["values"]["RE_fertilisation"]
    assert v["new"] == pytest.approx(v["old"] * 0.4 / 0.5, rel=1e-12)
    assert v["delta_pct"] == pytest.approx(-20.0, abs=1e-9)


# --------------------------------------------- algebra and retroactivity rows --
CHILD_HEAD = '''method lbc_gc version "2.1-x"
  title "test" published 2026-01-01 source "test"
  extends lbc_gc "2.0"
'''


def _child(tmp_path: Path, body: str, name: str = "v2.1-x") -> Path:
    d = tmp_path / "lbc_gc" / name
    d.mkdir(parents=True)
    (d / "00.cspec").write_text(CHILD_HEAD.replace("2.1-x", name[1:]) + body, encoding="utf-8")
    return d


def test_algebraically_equal_rewrite_is_unchanged_and_an_unlisted_change_warns(tmp_path, models, capsys):
    # Équation 5 expanded (distributivity, commuted factors, 1000 x / 1000): same value
    d = _child(tmp_path, '''
equation year.N2O_directes : kg_N2O_N @ 6.1.1 "Équation 5" L1254
  = QN_min * EF1_min + EF1_min * C_inhibiteur * QN_inhib
    + 1000 * (QN_org * EF1_org * C_chaulage + QN_org_inhib * C_inhibiteur * EF1_org * C_chaulage
      + C_chaulage * EF1_org * (QN_residus + QN_mineralise)) / 1000
constant EF4 = 0.012 [kg_N2O_N / kg_Nvol] @ 6.1.1 L1409
retroactivity "6.1.1 Calcul des RE fertilisation" "Révision de EF1" oui @ 1.8 L555
  covers EF1_min
''')
    child = check_spec_dir(d)
    changes = spec_changes(models[0], child)
    assert [(c.name, c.change, c.what) for c in changes] == [("EF4", "changed", ["valeur"])]
    warnings = [w.render() for w in child.warnings if "retroactivity" in w.message]
    assert any("'EF4'" in w and "no row of the retroactivity table covers it" in w
               and "closest row: « 6.1.1 Calcul des RE fertilisation" in w and "00.cspec:9:1" in w for w in warnings)
    assert not any("'N2O_directes'" in w for w in warnings)
    # the row covering an unchanged item is pointed out too
    assert any("covers 'EF1_min', which did not change" in w for w in warnings)
    # compile prints the warning
    assert main(["compile", str(d), "--out", str(tmp_path / "gen")]) == 0
    assert "'EF4'" in capsys.readouterr().err


def test_a_real_change_of_an_equation_is_reported(tmp_path, models):
    d = _child(tmp_path, '''
equation year.N2O_directes : kg_N2O_N @ 6.1.1 "Équation 5" L1254
  = QN_min * EF1_min + (QN_org + QN_residus + QN_mineralise) * EF1_org * C_chaulage
''')
    changes = spec_changes(models[0], check_spec_dir(d))
    assert [(c.name, c.what) for c in changes] == [("N2O_directes", ["expression"])]


# ------------------------------------------------------------ extends errors --
def _check_error(path: Path, capsys, line: int, col: int, *words):
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"00.cspec:{line}:{col}" in err, err
    for w in words:
        assert w in err, err
    return err


def test_unknown_parent_is_located(tmp_path, capsys):
    d = tmp_path / "lbc_gc" / "v2.1-x"
    d.mkdir(parents=True)
    (d / "00.cspec").write_text(CHILD_HEAD.replace('extends lbc_gc "2.0"', 'extends lbc_gc "2.9"'),
                                encoding="utf-8")
    _check_error(d, capsys, 3, 11, "unknown parent version", '"2.9"')


def test_removing_an_item_still_used_is_located(tmp_path, capsys):
    d = _child(tmp_path, "remove EF1_min @ 6.1.1 L1361\n")
    _check_error(d, capsys, 4, 8, "cannot remove 'EF1_min'", "still used at", "20-fertilisation.cspec")


def test_removing_an_unused_item_works(tmp_path):
    d = _child(tmp_path, "remove QN_residus_pomme_de_terre\n"
                         "equation culture.QN_residus_culture : kg_N @ 6.1.1 \"Équation 6\" L1274-L1276\n"
                         "  = 0 [kg_N]\n")
    m = check_spec_dir(d)
    assert "QN_residus_pomme_de_terre" not in m.symbols
    assert "symbol:QN_residus_pomme_de_terre" in m.lineage.removed


def test_overriding_with_another_unit_is_located(tmp_path, capsys):
    d = _child(tmp_path, "constant EF1_min = 0.015 [kg_N2O / kg_N] @ 6.1.1 L1361\n")
    _check_error(d, capsys, 4, 27, "'EF1_min' is in kg_N2O_N / kg_N", "in kg_N2O / kg_N changes its unit")


def test_overriding_with_another_entity_is_located(tmp_path, capsys):
    d = _child(tmp_path, "equation farm.C_chaulage : 1 @ 6.1.1 L1365\n  = 1\n")
    _check_error(d, capsys, 4, 10, "'C_chaulage' is defined per year", "overriding it per farm")


def test_a_cycle_of_versions_is_located(tmp_path, capsys):
    for me, parent in (("1", "2"), ("2", "1")):
        d = tmp_path / "m" / f"v{me}"
        d.mkdir(parents=True)
        (d / "00.cspec").write_text(f'method m version "{me}"\n  extends m "{parent}"\nunit kg\n', encoding="utf-8")
    _check_error(tmp_path / "m" / "v1", capsys, 2, 11, "cycle of versions")


# ---------------------------------------------------------------- annex sets --
def test_annex_set_extends_and_v1_bis(tmp_path, capsys):
    """The v2.1-demo set is v2.0's with one row replaced; 'v1 bis' (8.5) = the v2.1-demo
    equations with the v2.0 annex set, runnable with --annex-set."""
    from carbonspec.runtime.engine.tables import load_annexes

    mj = json.loads((ROOT / "generated/lbc_gc/v2.1-demo/model.json").read_text(encoding="utf-8"))
    demo = load_annexes(ROOT / "annexes/lbc_gc/v2.1-demo", mj)
    base = load_annexes(ROOT / "annexes/lbc_gc/v2.0", mj)
    assert demo.extends.version == base.version == "2.0-cs.1" and demo.version == "2.1-demo-cs.1"
    assert list(demo.replaced) == ["engrais_mineraux"]
    rep = demo.replaced["engrais_mineraux"][("ammonitrate_33_5",)]
    assert rep["old"]["FE_N"] == 6.716 and rep["new"]["FE_N"] == 5.373 and rep["old_status"] == "public-source"
    for name, t in base.tables.items():  # every other row is v2.0's, unchanged
        for k, row in t.rows.items():
            if (name, k) != ("engrais_mineraux", ("ammonitrate_33_5",)):
                assert demo.tables[name].rows[k] == row or json.dumps(row) == json.dumps(demo.tables[name].rows[k])
    runs = {}
    for flag in ([], ["--annex-set", "v2.0"]):
        out = tmp_path / f"r{len(flag)}.json"
        assert main(["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.1-demo", "--backend", "reference",
                     *flag, "--output", str(out)]) == 0
        runs[len(flag)] = json.loads(out.read_text(encoding="utf-8"))
    assert "annexes 2.1-demo-cs.1" in runs[0]["computed_with"] and "annexes 2.0-cs.1" in runs[2]["computed_with"]
    assert runs[0]["results"]["RE"] < runs[2]["results"]["RE"]  # the lower FE_N lowers this project's RE
    assert main(["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.1-demo", "--annex-set", "v9"]) == 2
    assert "no annex set 'v9'" in capsys.readouterr().err


# ------------------------------------------------------------------ resolver --
def test_resolver_labelled_before_the_annex_update_that_lowers_RE(tmp_path, capsys):
    """A project notified and labelled before v2.1-demo: its non-retroactive changes (the new term
    of Équation 4) do not apply (Annexe 2 L3541), and the v2.1-demo annex set, which lowers its RE,
    does not either (1.8 L555): the v2.0 annex values apply, and both figures are reported."""
    from carbonspec.runtime.engine.core import evaluate, load_compiled
    from carbonspec.runtime.dossier.reader import load_json

    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    args = ["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.1-demo", "--backend", "reference",
            "--notified", "2025-06-01", "--labelled", "2025-09-01"]
    assert main([*args, "--output", str(out)]) == 0
    err = capsys.readouterr().err
    doc = json.loads(out.read_text(encoding="utf-8"))
    retro = doc["retroactivity"]
    assert retro["equations"]["applied"] == "earlier-projects"
    assert retro["equations"]["non_retroactive_items"] == ["EGES_fertilisation", "GES_amont_biostimulants"]
    assert retro["annexes"]["applied"] == "v2.0"
    values = {c["set"]: c["value"] for c in retro["annexes"]["candidates"]}
    # the two figures, each recomputed here on its own
    variant = load_compiled(ROOT / "generated/lbc_gc/v2.1-demo/earlier-projects")
    raw = load_json(EXAMPLE)
    for name in ("v2.0", "v2.1-demo"):
        _, o, _ = evaluate(variant, json.loads(json.dumps(raw)), ROOT / "annexes/lbc_gc" / name, "reference")
        assert values[name] == pytest.approx(float(o["RE"][0]), rel=1e-12)
    assert values["v2.1-demo"] < values["v2.0"]
    assert doc["results"]["RE"] == pytest.approx(values["v2.0"], rel=1e-12)
    assert "annexes 2.0-cs.1" in doc["computed_with"]
    assert "1.8 L555" in retro["annexes"]["reason"] and "jeu v2.0 appliqué" in retro["annexes"]["reason"]
    assert "RE avec le jeu v2.0" in err and "RE avec le jeu v2.1-demo" in err
    # the report shows which rules applied and why
    assert main([*args, "--format", "html", "--output", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    assert "Règles appliquées" in page and "jeu v2.0 appliqué" in page


def test_resolver_project_after_the_version_gets_everything(tmp_path):
    out = tmp_path / "r.json"
    assert main(["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.1-demo", "--backend", "reference",
                 "--notified", "2026-02-01", "--labelled", "2026-03-01", "--output", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["retroactivity"]["equations"]["applied"] == "version"
    assert doc["retroactivity"]["annexes"]["applied"] == "v2.1-demo"
    assert "annexes 2.1-demo-cs.1" in doc["computed_with"]


def test_resolver_bad_date_is_an_input_error(capsys):
    assert main(["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.1-demo",
                 "--notified", "2025-13-01"]) == 2
    assert "--notified: expected a date YYYY-MM-DD" in capsys.readouterr().err


# -------------------------------------------------------- generated and docs --
def test_generated_demo_is_not_stale(tmp_path):
    files = compile_model(check_spec_dir(DEMO), tmp_path, ROOT / "annexes/lbc_gc/v2.1-demo")
    for f in files:
        rel = f.relative_to(tmp_path / "lbc_gc" / "v2.1-demo")
        committed = ROOT / "generated/lbc_gc/v2.1-demo" / rel
        assert committed.exists() and committed.read_bytes() == f.read_bytes(), \
            f"generated/lbc_gc/v2.1-demo/{rel} is stale: run 'carbonspec compile spec/lbc_gc/v2.1-demo'"


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_changes_page_renders_in_headless_chromium(tmp_path):
    page = ROOT / "generated/lbc_gc/v2.1-demo/docs/changements.html"
    assert page.is_file()
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's 'chromium' when it can); "
                    "the changes page is not checked in a browser here")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1600",
             f"--user-data-dir={tmp_path / 'profile'}"]
    png = tmp_path / "changes.png"
    subprocess.run([browser, *flags, f"--screenshot={png}", page.as_uri()], capture_output=True, timeout=120)
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, timeout=120, text=True)
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    text = dom.stdout
    assert '<h1 id="titre">Changements depuis v2.0</h1>' in text
    for needle in ("EF1_min", "C_chaulage", "EGES_fertilisation", "GES_amont_biostimulants", "ammonitrate_33_5",
                   "6.716 → 5.373", "fertilisation_liming_N2O_abatement", "-20.000 %"):
        assert needle in text, needle


def test_a_retroactivity_row_covering_an_unknown_item_is_located(tmp_path, capsys):
    d = _child(tmp_path, 'retroactivity "6.1.1" "x" oui @ 1.8 L555\n  covers EF1_mn\n')
    err = _check_error(d, capsys, 5, 3, "covers 'EF1_mn', which is no item", "did you mean 'EF1_min'?")
    assert "error" in err


def test_docs_of_the_demo_link_the_changes_page():
    index = (ROOT / "generated/lbc_gc/v2.1-demo/docs/index.html").read_text(encoding="utf-8")
    assert '<a href="changements.html">Changements depuis v2.0</a>' in index
    assert "DÉMONSTRATION" in index


def test_annex_set_errors_are_located(tmp_path):
    from carbonspec.compiler.errors import InputError
    from carbonspec.runtime.engine.tables import load_annexes

    mj = json.loads((ROOT / "generated/lbc_gc/v2.0/model.json").read_text(encoding="utf-8"))
    for name, parent in (("a", "b"), ("b", "a"), ("c", "nowhere")):
        d = tmp_path / name
        d.mkdir()
        (d / "VERSION.json").write_text(json.dumps({"method": "lbc_gc", "annex_version": name, "extends": parent}),
                                        encoding="utf-8")
    with pytest.raises(InputError, match="cycle of annex sets"):
        load_annexes(tmp_path / "a", mj)
    with pytest.raises(InputError, match=r"VERSION.json: extends: no annex set 'nowhere' beside this one"):
        load_annexes(tmp_path / "c", mj)

"""`run --format xlsx|html`: the report carries the same figures as the JSON results (summary
line items, rabais, eligibility, the per-entity trace, provenance), is complete before it is
written, and the HTML page is self-contained.  Values are compared with the JSON output of
the same run, read independently of the report code."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from carbonspec.compiler.cli import main
from carbonspec.runtime.reports.content import cobenefits_table, summary_items

from conftest import GENERATED, ROOT

EXAMPLES = ROOT / "examples" / "lbc_gc"
YONNE = EXAMPLES / "yonne-120ha.json"
RUN = ["--method", "lbc_gc", "--version", "2.0", "--backend", "reference"]


def _run(capsys, dossier: Path, *extra: str) -> tuple:
    code = main(["run", str(dossier), *RUN, *extra])
    return code, capsys.readouterr()


@pytest.fixture(scope="module")
def yonne_json():
    """The JSON results of the Yonne example (reference backend), computed once."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "carbonspec.compiler.cli", "run", str(YONNE), *RUN],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def yonne_xlsx(tmp_path_factory):
    path = tmp_path_factory.mktemp("rep") / "yonne.report.xlsx"
    assert main(["run", str(YONNE), *RUN, "--format", "xlsx", "--output", str(path)]) == 0
    return load_workbook(path, read_only=False)


def _table(ws):
    """(header, rows) of a report sheet: the header is the first bold row after the notes."""
    rows = list(ws.iter_rows(values_only=True))
    for i, r in enumerate(rows):
        if ws.cell(i + 1, 1).font.bold and i > 0:
            return list(r), rows[i + 1:]
    raise AssertionError(f"no header in {ws.title}")


def yonne_json_model():
    import json
    return json.loads((GENERATED / "model.json").read_text(encoding="utf-8"))


def test_summary_cells_equal_the_json_results(yonne_json, yonne_xlsx):
    header, rows = _table(yonne_xlsx["Synthèse"])
    assert header[:3] == ["poste", "valeur", "unité"]
    values = {r[0]: r[1] for r in rows}
    expected = [i["name"] for i in summary_items(yonne_json_model()) if i["name"] in yonne_json["results"]]
    assert list(values) == expected and len(expected) == 13
    for key in expected:
        assert values[key] == yonne_json["results"][key], key          # exact: full precision
    assert values["RE"] > 0 and values["RE_certifiable"] < values["RE"]  # a storage rabais applies here


def test_rabais_sheet_is_the_rabais_breakdown(yonne_json, yonne_xlsx):
    header, rows = _table(yonne_xlsx["Rabais"])
    farm = yonne_json["project"]["farms"][0]
    got = {(r[0], r[1]): r[2] for r in rows}
    for name in ("rabais_Reference", "rabais_nonPerm", "rabais_incertitude_donnees_stockage", "rabais_nda",
                 "RE_stockage_carbone_sol_apres_rabais", "RE_certifiable_exploitation"):
        assert got[("project.farms[0]", name)] == farm[name], name
    assert got[("project", "RE_certifiable")] == yonne_json["results"]["RE_certifiable"]
    assert got[("project", "rabais_global")] == yonne_json["results"]["rabais_global"]
    # a specific reference, no renewal: 0 % reference, 20 % non-permanence (Tableau 18)
    assert farm["rabais_Reference"] == 0 and farm["rabais_nonPerm"] == pytest.approx(0.2)
    assert rows[0][0] == "project"  # project rows first, then the farm's


def test_eligibility_sheet(yonne_json, yonne_xlsx):
    ws = yonne_xlsx["Éligibilité"]
    assert ws["A2"].value == "Verdict : ÉLIGIBLE"
    header, rows = _table(ws)
    criteria = [e for e in ("E1_atelier_GC", "E2_outil_certifie", "E3_conditionnalite_PAC", "E4_levier",
                            "E4_renouvellement", "E4_bilan_net", "E5_perte_surface")]
    assert sorted(r[1] for r in rows) == sorted(criteria)
    assert all(r[3] == "oui" for r in rows)
    e2 = next(r for r in rows if r[1] == "E2_outil_certifie")
    assert "Attestation de conformité de l'outil" in e2[4] and "L626" in e2[5]


def test_entity_sheets_are_the_trace(yonne_json, yonne_xlsx):
    """The year sheet has one row per year with every input and equation, as in the JSON tree."""
    ws = yonne_xlsx["year"]
    header, rows = _table(ws)
    units, data = rows[0], rows[1:]
    years = yonne_json["project"]["farms"][0]["systems"][0]["years"]
    assert len(data) == len(years) == 8
    col = {h: i for i, h in enumerate(header)}
    assert units[col["EGES_fertilisation"]] == "t_CO2e" and units[col["Surf"]] == "ha"
    for row, y in zip(data, years):
        assert row[0] == f"project.farms[0].systems[0].years[{years.index(y)}]"
        assert row[col["k"]] == y["k"] and row[col["scenario"]] == y["scenario"]
        for name in ("EGES_fertilisation", "N2O_directes", "RE_fertilisation_annee", "QN_min"):
            assert row[col[name]] == y[name], name
    # one sheet per entity, named by the entity
    assert {"project", "farm", "system", "year", "culture", "mineral", "farm_year", "combustible"} <= set(yonne_xlsx.sheetnames)
    # the report's own sheets are named in French (the advisers' language), the entities' keep their names
    assert yonne_xlsx.sheetnames[:6] == ["Synthèse", "Provisoires", "Rabais", "Éligibilité", "Co-bénéfices", "Provenance"]


def test_provenance_sheet(yonne_json, yonne_xlsx):
    header, rows = _table(yonne_xlsx["Provenance"])
    got = dict((r[0], r[1]) for r in rows)
    assert got["empreinte de la spec (spec_hash)"] == yonne_json["spec_hash"]
    assert got["annexes (annex_version)"] == yonne_json["annexes"]["version"]
    assert got["empreinte des valeurs d'annexe"] == yonne_json["annexes"]["hash"]
    assert got["backend"] == "reference" and got["dossier"] == "yonne-120ha.json"


def test_cobenefits_sheet_lists_the_model_cobenefits(yonne_json, yonne_xlsx):
    """Generic: the spec may not have co-benefits yet; then the sheet says so."""
    from carbonspec.runtime.engine.core import load_compiled

    from conftest import GENERATED

    cob = [e["name"] for e in load_compiled(GENERATED).model["equations"] if e.get("cobenefit")]
    ws = yonne_xlsx["Co-bénéfices"]
    header, rows = _table(ws)
    if not cob:
        assert rows == [] and "Aucun co-bénéfice" in ws["A2"].value
    else:
        assert {r[1].split(" ")[0] for r in rows} == set(cob)


def test_cobenefits_table_shows_the_engine_indicators(compiled, tables):
    """The co-benefits sheet is the engine's list: the change of Équation 32, Tableau 20's sign
    test, mandatory (Tableau 19) and computed.  Hand case: 1500 -> 1200 kg N on 10 ha, nitrate
    change (1200 - 1500) × 0.24 / 10 = -7.2 kg N/ha, improved; IFT not given: not computed."""
    from conftest import dossier, year
    from carbonspec.runtime.engine.core import resolve_lookups, run_backend
    doc = dossier([year(k, mineraux=[{"produit_min": "ammonitrate_33_5", "QN": 1500.0 if k < 0 else 1200.0}])
                   for k in (-3, -2, -1, 0)])
    flat = compiled.schema.flatten(doc)
    resolve_lookups(compiled, flat, tables)
    out = run_backend(compiled, flat.data, "reference")
    rows = {(r[0], r[1]): r for r in cobenefits_table(compiled, flat, out).rows}
    nitrate = rows[("project.farms[0]", "Cobenefice_nitrate")]
    assert nitrate[3] == pytest.approx(-7.2, rel=1e-12) and nitrate[6] == "oui" and nitrate[7] == "oui"
    ift = rows[("project", "Cobenefice_IFT_projet")]
    assert ift[3] == "" and ift[6] == "—" and ift[8].startswith("NON")


def test_html_report_is_self_contained_and_shows_the_figures(tmp_path, capsys, yonne_json):
    path = tmp_path / "yonne.html"
    code, captured = _run(capsys, YONNE, "--format", "html", "--output", str(path))
    assert code == 0 and captured.out == ""
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    low = html.lower()
    assert "<script" not in low and "http://" not in low and "https://" not in low and "<link" not in low
    for t in ("summary", "rabais", "eligibility", "cobenefits", "provenance", "farm", "year", "culture"):
        assert f'<section id="{t}">' in html, t
    summary = html[html.index('<section id="summary">'):html.index('<section id="provisoires">')]
    re_cert = yonne_json["results"]["RE_certifiable"]
    assert 167.75 < re_cert < 167.85  # people's format: 167,8 (one decimal from 100 t up)
    assert '>167,8</a></td>' in summary or '<td class="num">167,8</td>' in summary  # linked to its trace
    assert "RE_certifiable" in summary and "Éligible" in html
    assert yonne_json["spec_hash"] in html


def test_not_eligible_still_writes_the_complete_report(tmp_path, capsys):
    """A negative verdict is a result (exit 1), not an error: the report is written, and says so."""
    doc = json.loads(YONNE.read_text(encoding="utf-8"))
    doc["project"]["farms"][0]["outil_certifie"] = False
    dossier = tmp_path / "non-certifie.json"
    dossier.write_text(json.dumps(doc), encoding="utf-8")
    path = tmp_path / "r.xlsx"
    code, captured = _run(capsys, dossier, "--format", "xlsx", "--output", str(path))
    assert code == 1 and "NOT ELIGIBLE" in captured.err
    wb = load_workbook(path)
    assert wb["Éligibilité"]["A2"].value.startswith("Verdict : NON ÉLIGIBLE — 1 critère(s)")
    header, rows = _table(wb["Éligibilité"])
    assert [r[1] for r in rows if r[3] == "NON"] == ["E2_outil_certifie"]
    summary = dict((r[0], r[1]) for r in _table(wb["Synthèse"])[1])
    assert np.isfinite(summary["RE_certifiable"])


def test_an_error_leaves_an_existing_output_untouched(tmp_path, capsys):
    """Results are complete before anything is written: a failing run does not truncate or
    replace the file a previous run wrote."""
    path = tmp_path / "r.html"
    path.write_text("previous report", encoding="utf-8")
    doc = json.loads(YONNE.read_text(encoding="utf-8"))
    del doc["project"]["farms"][0]["systems"][0]["Sfin"]     # fails in check_outputs, after the backend ran
    dossier = tmp_path / "bad.json"
    dossier.write_text(json.dumps(doc), encoding="utf-8")
    code, captured = _run(capsys, dossier, "--format", "html", "--output", str(path))
    assert code == 2 and "missing or invalid: Sfin" in captured.err
    assert path.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "r.html"]  # no temporary file left


def test_numba_report_matches_reference_json(tmp_path, yonne_json):
    """The one Numba check: the xlsx report of the xlsx dossier, on the compiled kernel, carries
    the line items of the reference backend's JSON run of the JSON dossier (1e-9 relative)."""
    path = tmp_path / "numba.xlsx"
    args = ["run", str(EXAMPLES / "yonne-120ha.xlsx"), "--method", "lbc_gc", "--version", "2.0",
            "--format", "xlsx", "--backend", "numba", "--output", str(path)]
    assert main(args) == 0
    header, rows = _table(load_workbook(path)["Synthèse"])
    for key, value, *_ in rows:
        assert value == pytest.approx(yonne_json["results"][key], rel=1e-9, abs=1e-12), key
    prov = dict((r[0], r[1]) for r in _table(load_workbook(path)["Provenance"])[1])
    assert prov["backend"] == "numba" and prov["dossier"] == "yonne-120ha.xlsx"

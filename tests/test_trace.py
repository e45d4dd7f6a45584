"""Trace of a figure: the tree behind one value, checked by hand on the Yonne example
(examples/lbc_gc/fertilisation-yonne.json, year k = 0 of its system, real annexes).

Équation 5 (L1254): N2O_directes = (QN_min + QN_inhib × C_inhibiteur) × EF1_min
  + (QN_org + QN_org_inhib × C_inhibiteur + QN_residus + QN_mineralise) × EF1_org × C_chaulage.
The dossier gives for that year mineral N of 10050 + 2700 kg (no inhibitor) and 4500 kg
with an inhibitor, and 300 t of fumier_bovin whose N content (Annexe 7) is a placeholder row.
"""
from __future__ import annotations

import json

import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.dossier.reader import load_json
from carbonspec.runtime.engine.core import evaluate
from carbonspec.runtime.trace import render_html_fragment, render_text, trace

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "lbc_gc" / "fertilisation-yonne.json"
ANNEX_DIR = ROOT / "annexes" / "lbc_gc" / "v2.0"
YEAR = "farms[0].systems[0].years[3]"
YEAR_PATH = "project.farms[0].systems[0].years[3]"


@pytest.fixture(scope="module")
def run(compiled):
    flat, out, annexes = evaluate(compiled, load_json(EXAMPLE), ANNEX_DIR, "reference", str(EXAMPLE))
    return compiled, flat, out, annexes


@pytest.fixture(scope="module")
def dossier_year():
    year = json.loads(EXAMPLE.read_text(encoding="utf-8"))["project"]["farms"][0]["systems"][0]["years"][3]
    assert year["k"] == 0
    return year


def _child(node, name):
    return next(c for c in node["children"] if c.get("name") == name)


def test_n2o_directes_tree_by_hand(run, dossier_year):
    compiled, flat, out, annexes = run
    doc = trace(compiled.model, out, flat, f"{YEAR}.N2O_directes", annexes=annexes)
    root = doc["root"]
    assert doc["figure"] == f"{YEAR_PATH}.N2O_directes"
    assert root["equation"]["label"] == "Équation 5" and root["equation"]["section"] == "6.1.1"
    assert root["equation"]["lines"] == "L1254" and root["equation"]["spec"].startswith("20-fertilisation.cspec:")

    # QN_min and QN_inhib from the dossier's mineral rows (by hand)
    minerals = [m for m in dossier_year["mineraux"] if "QN" in m]
    qn_min = sum(m["QN"] for m in minerals if not m.get("inhibiteur"))
    qn_inhib = sum(m["QN"] for m in minerals if m.get("inhibiteur"))
    assert (qn_min, qn_inhib) == (12750.0, 4500)
    assert _child(root, "QN_min")["value"] == pytest.approx(qn_min)
    assert _child(root, "QN_inhib")["value"] == pytest.approx(qn_inhib)
    # the sum's rows are the dossier's rows, each QN a dossier field
    agg = _child(root, "QN_min")["children"][0]
    assert agg["kind"] == "aggregate" and agg["rows"] == 3  # the superphosphate row has QN 0 by default
    leaf = agg["children"][0]["children"][0]
    assert leaf["origin"]["kind"] == "dossier" and leaf["value"] == 10050.0
    assert leaf["origin"]["field"] == f"{YEAR_PATH}.mineraux[0].QN"

    # constants with their value and method line (spec: EF1_min = 0.016 @ 6.1.1 L1361)
    ef1 = _child(root, "EF1_min")
    assert ef1["kind"] == "constant" and ef1["value"] == 0.016
    assert ef1["origin"]["lines"] == "L1361" and ef1["origin"]["spec"].startswith("20-fertilisation.cspec:")

    # Équation 5 recomputed by hand from the children's values
    v = {c["name"]: c["value"] for c in root["children"] if "name" in c}
    by_hand = ((qn_min + qn_inhib * v["C_inhibiteur"]) * 0.016
               + (v["QN_org"] + v["QN_org_inhib"] * v["C_inhibiteur"] + v["QN_residus"] + v["QN_mineralise"])
               * v["EF1_org"] * v["C_chaulage"])
    assert root["value"] == pytest.approx(by_hand, rel=1e-12)
    assert root["value"] == pytest.approx(float(out["N2O_directes"][flat.paths["year"].index(YEAR_PATH)]))
    assert root["formula_values"].startswith(f"{root['value']:.6g} = (12750 + 4500 × ")


def test_organic_nitrogen_comes_from_a_placeholder_annex_row(run, dossier_year):
    compiled, flat, out, annexes = run
    doc = trace(compiled.model, out, flat, f"{YEAR}.QN_org", annexes=annexes)
    root = doc["root"]
    organic = dossier_year["organiques"][0]
    row = root["children"][0]["children"][0]
    assert row["path"] == f"{YEAR_PATH}.organiques[0]"
    qn_org_l = row["children"][0]
    assert qn_org_l["name"] == "QN_org_l" and qn_org_l["branch"] == {"index": 2, "of": 2, "text": "sinon"}
    q_org = _child(qn_org_l, "Q_org")
    assert q_org["value"] == organic["Q_org"] == 300.0
    assert q_org["origin"] == {**q_org["origin"], "kind": "dossier", "field": f"{YEAR_PATH}.organiques[0].Q_org"}
    n_total = _child(qn_org_l, "N_total")
    table = annexes.tables["produits_organiques"]
    assert n_total["origin"]["table"] == "produits_organiques" and n_total["origin"]["key"] == ["fumier_bovin"]
    assert n_total["origin"]["status"] == table.status[("fumier_bovin",)] == "placeholder"
    assert n_total["origin"]["source"] == table.sources[("fumier_bovin",)]
    assert n_total["value"] == table.rows[("fumier_bovin",)]["N_total"]
    # the key the row was looked up with is a dossier field
    assert _child(n_total, "produit_org")["origin"]["field"] == f"{YEAR_PATH}.organiques[0].produit_org"
    assert root["value"] == pytest.approx(organic["Q_org"] * n_total["value"])
    assert doc["placeholder_used"] is True
    assert doc["placeholders"] == [{"table": "produits_organiques", "key": ["fumier_bovin"], "column": "N_total",
                                    "source": table.sources[("fumier_bovin",)], "path": n_total["path"], "uses": 1}]
    text = render_text(doc)
    assert "ATTENTION : 1 valeur(s) d'annexe provisoire(s)" in text and "statut placeholder" in text
    html = render_html_fragment(doc)
    assert 'class="cs-trace-placeholder"' in html and "cs-status-placeholder" in html and "<script" not in html


def test_a_figure_without_placeholder_says_so(run):
    compiled, flat, out, annexes = run
    doc = trace(compiled.model, out, flat, f"project.{YEAR}.QN_min", annexes=annexes)
    assert doc["placeholder_used"] is False and doc["placeholders"] == []
    assert "aucune valeur d'annexe provisoire" in render_text(doc)


def test_cli_trace_json_and_errors(capsys):
    args = ["trace", str(EXAMPLE), f"{YEAR}.QN_org", "--method", "lbc_gc", "--version", "2.0",
            "--annexes", str(ANNEX_DIR)]
    assert main(args + ["--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    qn_org_l = doc["root"]["children"][0]["children"][0]["children"][0]
    assert doc["root"]["value"] == pytest.approx(300.0 * _child(qn_org_l, "N_total")["value"])
    assert main(["trace", str(EXAMPLE), "project.RE_certifiabl", "--method", "lbc_gc", "--version", "2.0"]) == 2
    err = capsys.readouterr().err
    assert "did you mean RE_certifiable" in err and "Traceback" not in err
    assert main(["trace", str(EXAMPLE), "farms[7].RE", "--method", "lbc_gc", "--version", "2.0"]) == 2
    assert "index 7 does not exist" in capsys.readouterr().err


def test_a_cut_tree_still_lists_every_placeholder(run):
    """The printed tree stops at max_nodes; the placeholder list covers the whole closure."""
    compiled, flat, out, annexes = run
    full = trace(compiled.model, out, flat, f"{YEAR}.N2O_directes", annexes=annexes)
    cut = trace(compiled.model, out, flat, f"{YEAR}.N2O_directes", annexes=annexes, max_nodes=5)
    assert not full["truncated"] and cut["truncated"]
    assert cut["placeholders"] == full["placeholders"] and len(full["placeholders"]) >= 10
    assert {"produits_organiques", "cultures_CA"} <= {p["table"] for p in full["placeholders"]}
    assert "… (arbre coupé)" in render_text(cut)

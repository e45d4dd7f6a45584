"""ClimaCert FM1 v2 end to end: the spec checks and compiles (generated/ is current), the CLI
runs the examples (JSON, xlsx, reports), an acceptance failure is a verdict with reasons (exit
1, results still written), a malformed dossier a located error (exit 2), every ambiguity of
the digest that touches a computed value is a recorded choice, and compiler/ and runtime/
name nothing of ClimaCert."""
import json
import re

import pytest

from carbonspec.compiler.build import compile_model
from carbonspec.compiler.cli import main
from carbonspec.compiler.model import check_spec_dir

from conftest import ROOT

SPEC = ROOT / "spec" / "climacert_fm1" / "v2"
GENERATED = ROOT / "generated" / "climacert_fm1" / "v2"
ANNEXES = ROOT / "annexes" / "climacert_fm1" / "v2"
EXAMPLES = ROOT / "examples" / "climacert_fm1"
RUN = ["--method", "climacert_fm1", "--version", "2"]


def test_generated_is_not_stale(tmp_path):
    files = compile_model(check_spec_dir(SPEC), tmp_path, ANNEXES)
    assert files
    for f in files:
        rel = f.relative_to(tmp_path / "climacert_fm1" / "v2")
        assert (GENERATED / rel).read_bytes() == f.read_bytes(), \
            f"generated/climacert_fm1/v2/{rel} is stale: run 'carbonspec compile spec/climacert_fm1/v2'"


def test_every_ambiguity_touching_a_value_is_a_choice():
    """Digest A.10: the ambiguities that change a computed value are recorded choices with
    printed form, reading and why (CC-A01 S_min and CC-A03 ISMO keep the other reading)."""
    model = json.loads((GENERATED / "model.json").read_text(encoding="utf-8"))
    spec_text = "".join(p.read_text(encoding="utf-8") for p in sorted(SPEC.glob("*.cspec")))
    ids = set(re.findall(r"choice (CC_A\d+)", spec_text))
    for a in ("01", "02", "03", "04", "05", "06", "12", "13", "14", "15", "16", "17", "18", "21", "22", "23",
              "24", "26", "27", "29", "30", "42", "43", "44"):
        assert f"CC_A{a}" in ids, f"CC-A{a} is not a recorded choice"
    names = {e["name"] for e in model["equations"]}
    assert {"S_min", "S_min_litteral", "Tx_ISMO_10ans", "Tx_ISMO_annuel"} <= names


def test_no_climacert_knowledge_in_compiler_or_runtime():
    words = re.compile(r"climacert|AgroImpact|HEPIA|\bISMO|S_min|BPB_|Dupla|Corg_A|StockEch", re.I)
    for folder in ("compiler", "runtime"):
        for f in (ROOT / folder).rglob("*"):
            if f.suffix in (".py", ".j2", ".lark", ".html", ".md"):
                hit = words.search(f.read_text(encoding="utf-8"))
                assert hit is None, f"{f.relative_to(ROOT)} names {hit.group(0)!r}"


def test_run_examples_json_both_backends(capsys, tmp_path):
    for name in ("grandes-cultures.json", "ferme-laitiere.json", "ferme-laitiere.xlsx"):
        docs = []
        for backend in ("numba", "reference"):
            out = tmp_path / f"{name}.{backend}.json"
            assert main(["run", str(EXAMPLES / name), *RUN, "--backend", backend, "--output", str(out)]) == 0
            docs.append(json.loads(out.read_text(encoding="utf-8")))
        for k, v in docs[0]["results"].items():
            assert v == pytest.approx(docs[1]["results"][k], rel=1e-9, abs=1e-12), k
        assert docs[0]["verdicts"][0]["passed"] is True
        assert docs[0]["units"]["S_min_exploitation"] == "t_CO2e / an"


def test_acceptance_failure_is_a_verdict_with_reasons(capsys, tmp_path):
    out = tmp_path / "r.json"
    assert main(["run", str(EXAMPLES / "prelevement-a-refaire.json"), *RUN, "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "prélèvement(s) à refaire" in err and "Critère 1" in err and "prelevements[1]" in err
    assert "Traceback" not in err and "NOT ELIGIBLE" not in err
    doc = json.loads(out.read_text(encoding="utf-8"))      # the results are complete
    v = doc["verdicts"][0]
    assert v["verdict"] == "acceptation" and v["passed"] is False
    assert {f["criterion"] for f in v["reasons"]} >= {"critere_1_masse"}
    assert doc["eligibility"]["eligible"] is True


def test_reports_and_template(tmp_path):
    for fmt in ("html", "xlsx"):
        out = tmp_path / f"r.{fmt}"
        assert main(["run", str(EXAMPLES / "prelevement-a-refaire.json"), *RUN, "--format", fmt,
                     "--output", str(out)]) == 1
        assert out.stat().st_size > 1000
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Acceptation des prélèvements" in html and "prélèvement(s) à refaire" in html
    tpl = tmp_path / "t.xlsx"
    assert main(["template", *RUN, "--out", str(tpl)]) == 0 and tpl.exists()


def test_malformed_dossier_is_a_located_error(tmp_path, capsys):
    doc = json.loads((EXAMPLES / "grandes-cultures.json").read_text(encoding="utf-8"))
    doc["exploitation"]["parcelles"][0]["prelevements"][1]["SOC"] = -1
    doc["exploitation"]["parcelles"][1]["nature"] = "vigne"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["run", str(bad), *RUN, "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "exploitation.parcelles[0].prelevements[1].SOC" in err
    assert "exploitation.parcelles[1].nature" in err
    assert "Traceback" not in err and not out.exists()


def test_tn_sampled_the_same_year_as_t0_is_located(tmp_path, capsys):
    doc = json.loads((EXAMPLES / "grandes-cultures.json").read_text(encoding="utf-8"))
    doc["exploitation"]["parcelles"][0]["prelevements"][1]["annee"] = 2019
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["run", str(bad), *RUN]) == 2
    err = capsys.readouterr().err
    assert "exploitation.parcelles[0].prelevements[1]" in err and "Tx_obs" in err

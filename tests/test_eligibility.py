"""Eligibility (section 3, Tableau 5): the verdict lists every failed criterion with its
evidence documents; `run` exits 1 on a negative verdict and still writes the results."""
import json

import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.engine.core import eligibility

from conftest import ROOT, dossier, year

EXAMPLE = ROOT / "examples" / "lbc_gc" / "fertilisation-yonne.json"


def _years(qn_projet=800.0):
    """Less mineral N in the project year: a positive net balance (criterion 4)."""
    return [year(k, mineraux=[{"produit_min": "ammonitrate_33_5", "QN": 1000.0 if k < 0 else qn_projet}])
            for k in (-3, -2, -1, 0)]


def _verdict(run, compiled, **farm):
    flat, out = run(dossier(_years(), **farm))
    return eligibility(compiled, flat, out)


def test_all_criteria_met(run, compiled):
    v = _verdict(run, compiled)
    assert v == {"eligible": True, "failed": []}


@pytest.mark.parametrize("farm, failed", [
    ({"outil_certifie": False}, ["E2_outil_certifie"]),
    ({"conditionnalite_PAC": False}, ["E3_conditionnalite_PAC"]),
    ({"leviers_declares": 0}, ["E4_levier"]),
    ({"renouvellement": True}, ["E4_renouvellement"]),                       # L635: renewal needs a new lever
    ({"renouvellement": True, "renouvellement_levier_nouveau": True}, []),
    ({"outil_certifie": False, "leviers_declares": 0}, ["E2_outil_certifie", "E4_levier"]),
])
def test_failed_criteria_are_all_listed(run, compiled, farm, failed):
    v = _verdict(run, compiled, **farm)
    assert [f["criterion"] for f in v["failed"]] == failed
    assert v["eligible"] is (not failed)
    for f in v["failed"]:
        assert f["where"] == "project.farms[0]" and f["evidence"] and "Tableau 5" in f["source"]


def test_no_net_improvement_fails_criterion_4(run, compiled):
    """Tableau 5 L628: RE émissions + RE stockage > 0 (A91: checked on the computed RE)."""
    flat, out = run(dossier(_years(qn_projet=1000.0)))
    v = eligibility(compiled, flat, out)
    assert [f["criterion"] for f in v["failed"]] == ["E4_bilan_net"]


def test_no_cropping_system_fails_criterion_1(run, compiled):
    doc = dossier(_years())
    doc["project"]["farms"][0]["systems"] = []
    flat, out = run(doc)
    v = eligibility(compiled, flat, out)
    assert [f["criterion"] for f in v["failed"]] == ["E1_atelier_GC", "E4_bilan_net"]
    assert "Document PAC descriptif des parcelles" in v["failed"][0]["evidence"][0]


def test_run_exits_1_when_not_eligible_and_keeps_the_results(tmp_path, capsys):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["project"]["farms"][0]["conditionnalite_PAC"] = False
    p = tmp_path / "d.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["run", str(p), "--method", "lbc_gc", "--version", "2.0", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "NOT ELIGIBLE" in err and "Critère 3" in err and "Lettre de fin d'instruction TelePac" in err
    res = json.loads(out.read_text(encoding="utf-8"))
    assert res["eligibility"]["eligible"] is False
    assert res["results"]["RE_fertilisation"] == pytest.approx(125.2566, abs=1e-3)

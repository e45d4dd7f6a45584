"""Command-line conveniences of issue 15 item 5: --version, the list of compiled methods on a
wrong --method/--version, and "did you mean" for a misspelt JSON dossier field."""
from __future__ import annotations

import copy
import json
from importlib.metadata import version as dist_version

from carbonspec.compiler.cli import main

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "lbc_gc" / "yonne-120ha.json"
BASE = json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_version_prints_the_installed_distribution_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"carbonspec {dist_version('carbonspec')}"


def test_a_wrong_method_lists_the_compiled_methods(capsys, tmp_path):
    code = main(["run", str(EXAMPLE), "--method", "lbc_gx", "--version", "2.0", "-o", str(tmp_path / "r.json")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert "no compiled method 'lbc_gx' version '2.0'" in err
    # every compiled method of the checkout is listed, and no 'compile spec/lbc_gx' hint for a missing spec
    compiled = sorted(p.parent for p in (ROOT / "generated").glob("*/v*/model.json"))
    assert compiled
    for d in compiled:
        assert f"--method {d.parent.name} --version {d.name[1:]}" in err
    assert "spec/lbc_gx" not in err
    assert not (tmp_path / "r.json").exists()


def test_a_method_given_as_a_path_is_not_followed(capsys):
    assert main(["schema", "--method", "../generated/lbc_gc", "--version", "2.0"]) == 2
    assert "compiled methods:" in capsys.readouterr().err


def _refused(capsys, tmp_path, doc):
    p = tmp_path / "d.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    code = main(["run", str(p), "--method", "lbc_gc", "--version", "2.0", "--backend", "reference",
                 "-o", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2
    return [line.strip() for line in err.splitlines()[1:]]


def test_a_misspelt_required_field_gives_one_line_with_the_right_name(capsys, tmp_path):
    doc = copy.deepcopy(BASE)
    year = doc["project"]["farms"][0]["systems"][0]["years"][0]
    year["Surff"] = year.pop("Surf")
    lines = _refused(capsys, tmp_path, doc)
    # one line, not "Surf: Field required" and "Surff: unknown field"
    assert lines == ["project.farms[0].systems[0].years[0].Surff: unknown field; did you mean 'Surf'? (got 120.0)"]


def test_a_misspelt_collection_and_top_level_field(capsys, tmp_path):
    doc = copy.deepcopy(BASE)
    farm = doc["project"]["farms"][0]
    farm["sytems"] = farm.pop("systems")
    assert _refused(capsys, tmp_path, doc) == ["project.farms[0].sytems: unknown field; did you mean 'systems'?"]
    doc = copy.deepcopy(BASE)
    doc["projet"] = doc.pop("project")
    assert _refused(capsys, tmp_path, doc) == ["projet: unknown field; did you mean 'project'?"]


def test_an_unknown_field_with_no_close_name_says_so(capsys, tmp_path):
    doc = copy.deepcopy(BASE)
    doc["project"]["farms"][0]["systems"][0]["years"][0]["zzzz"] = 1
    (line,) = _refused(capsys, tmp_path, doc)
    assert line.startswith("project.farms[0].systems[0].years[0].zzzz: unknown field;")
    assert "did you mean" not in line

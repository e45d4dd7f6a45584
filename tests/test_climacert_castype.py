"""ClimaCert FM1 v2 cas-type seed data (spec/climacert_fm1/v2/castype/: a base dossier and,
per case, its changes as JSON Patch) reach every equation, every branch and every enum value
of the spec, computed on both backends by the generic cas-type engine (no case module)."""
import copy
import json

import pytest

from carbonspec.runtime.certification.castype import generate
from carbonspec.runtime.engine.core import load_compiled

from conftest import ROOT

SPEC = ROOT / "spec" / "climacert_fm1" / "v2"
GENERATED = ROOT / "generated" / "climacert_fm1" / "v2"
ANNEXES = ROOT / "annexes" / "climacert_fm1" / "v2"


def _pointer(doc, path):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]
    for p in parts[:-1]:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    return doc, parts[-1]


def apply_patch(doc: dict, ops) -> dict:
    """RFC 6902 add / replace / remove (all the seed data uses)."""
    doc = copy.deepcopy(doc)
    for op in ops:
        parent, key = _pointer(doc, op["path"])
        if isinstance(parent, list):
            if op["op"] == "add":
                parent.insert(len(parent) if key == "-" else int(key), op["value"])
            elif op["op"] == "replace":
                parent[int(key)] = op["value"]
            else:
                del parent[int(key)]
        else:
            if op["op"] in ("add", "replace"):
                if op["op"] == "replace" and key not in parent:
                    raise KeyError(f"replace of a missing member {op['path']}")
                parent[key] = op["value"]
            else:
                del parent[key]
    return doc


def builders():
    index = json.loads((SPEC / "castype" / "cases.json").read_text(encoding="utf-8"))
    base = json.loads((SPEC / "castype" / index["base"]).read_text(encoding="utf-8"))
    out = {}
    for name, case in index["cases"].items():
        def build(case=case):
            d = apply_patch(base, case["changes"])
            d["name"] = case["title"]
            return d
        build.__doc__ = case["why"]
        out[name] = build
    return out


@pytest.fixture(scope="module")
def castype():
    return generate(load_compiled(GENERATED), ANNEXES, cases=builders(), probes={})


def test_coverage_is_complete(castype):
    cov = castype.coverage
    assert cov.missing_equations() == []
    assert [b.label() for b in cov.missing_branches()] == []
    assert cov.missing_inputs() == []
    assert cov.complete()


def test_cases_give_the_verdicts_they_name(castype):
    by = {c.name: c for c in castype.cases}
    acc = {c.name: float(c.outputs["critere_1_masse"].min()) for c in castype.cases}
    assert acc["base"] == 1.0 and acc["prelevement_a_refaire"] == 0.0
    assert float(by["gouge_mecanique"].outputs["gouge_manuelle_seulement"].min()) == 0.0
    assert not by["atelier_sans_outil"].eligibility["eligible"]
    assert by["base"].eligibility["eligible"]
    assert float(by["parcelle_destockante"].outputs["S_min"][1]) < 0


def test_a_missing_case_is_reported():
    """Without the case of a farm with no arable plot, the 0-area branch of S_min_ha_assolee
    is reported missing (the coverage measure can fail)."""
    b = builders()
    b.pop("sans_surface_modelisee")
    ct = generate(load_compiled(GENERATED), ANNEXES, cases=b, probes={}, backends=("reference",))
    assert [x.label() for x in ct.coverage.missing_branches()] == ["S_min_ha_assolee [1/2] = 0 when surface_modelisee == 0"]

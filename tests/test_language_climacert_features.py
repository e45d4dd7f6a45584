"""Language features added for a second method (ClimaCert FM1 v2), tested on a small spec of
their own: verdicts other than eligibility, optional scenarios and root children, a
timeline's description, sqrt with its unit check, units scaled on a substance.  Errors are
located (file:line) with exit 2; a failed verdict is exit 1 with its reasons."""
import json

from carbonspec.compiler.build import compile_model
from carbonspec.compiler.cli import main
from carbonspec.compiler.model import check_spec_dir
from carbonspec.runtime.engine.core import evaluate, load_compiled, results_document

SPEC = """\
method mini version "1"  title "Mini"  published 2024-01-01  source "mini.txt"
unit g "gramme"
unit ha "hectare"
substance C "carbone"
unit pct_C = 0.01 g_C / g "teneur en C"
entity site "site" as site @ 1 L1
entity point "point" in site as points @ 1 L2
entity note "note" in site as notes optional @ 1 L3
entity mesure "mesure" in point as mesures @ 1 L4
timeline mesure.rang @ 1 L5
  "rang de la mesure (0 = première)"
  scenario premiere 0 .. 0 optional @ 1 L5
  scenario suivante 1 .. 9 optional @ 1 L6
input note.valeur : 1 @ 1 L7
input mesure.masse : g > 0 @ 1 L8
input mesure.teneur : pct_C > 0 @ 1 L9
input mesure.variance : g_C ^ 2 >= 0 @ 1 L10
equation mesure.carbone : g_C @ 1 L11
  = masse * teneur / 100 [%]
equation mesure.ecart_type : g_C @ 1 L12
  = sqrt(variance)
equation point.carbone_premiere : g_C @ 1 L13
  = sum(mesure where scenario == premiere: carbone)
equation site.total_notes : 1 @ 1 L14
  = sum(note: valeur)
verdict controle "Contrôle des mesures" @ 1 L15
  passed "mesures acceptées"
  failed "mesure à refaire"
criterion mesure.precision "Écart-type sous 1 g C" @ 1 L16
  verdict controle
  evidence "refaire la mesure"
  = ecart_type < 1 [g_C]
"""


def write(tmp_path, text):
    d = tmp_path / "spec"
    d.mkdir(exist_ok=True)
    (d / "00-mini.cspec").write_text(text, encoding="utf-8")
    return d


def dossier(points):
    return {"method": "mini", "version": "1", "name": "t", "site": {"points": points, "notes": []}}


def test_features_compile_and_run(tmp_path):
    model = check_spec_dir(write(tmp_path, SPEC))
    compile_model(model, tmp_path / "gen", None)
    compiled = load_compiled(tmp_path / "gen" / "mini" / "v1")
    mj = compiled.model
    assert mj["verdicts"][0]["name"] == "controle"
    assert next(e for e in mj["entities"] if e["name"] == "note")["optional"] is True
    assert mj["timelines"][0]["description"] == "rang de la mesure (0 = première)"
    assert [s.get("optional") for s in mj["timelines"][0]["scenarios"]] == [True, True]
    assert next(e for e in mj["equations"] if e["name"] == "ecart_type")["unit"] == "g_C"
    ann = tmp_path / "ann"
    ann.mkdir()
    # a point without any measure (optional scenarios), notes empty (optional child)
    raw = dossier([{"mesures": [{"rang": 0, "masse": 3000.0, "teneur": 2.0, "variance": 0.25},
                                {"rang": 1, "masse": 2900.0, "teneur": 2.1, "variance": 4.0}]},
                   {"mesures": []}])
    for backend in ("numba", "reference"):
        flat, out, annexes = evaluate(compiled, raw, ann, backend)
        doc = results_document(compiled, flat, out, annexes, backend)
        pts = doc["site"]["points"]
        assert pts[0]["mesures"][0]["carbone"] == 60.0                 # 3000 g × 2 % = 60 g C
        assert pts[0]["mesures"][1]["ecart_type"] == 2.0
        assert pts[0]["carbone_premiere"] == 60.0 and pts[1]["carbone_premiere"] == 0.0
        v = doc["verdicts"][0]
        assert v["passed"] is False and v["says"] == "mesure à refaire"
        assert [f["where"] for f in v["reasons"]] == ["site.points[0].mesures[1]"]
        assert doc["eligibility"]["eligible"] is True                  # another verdict, not eligibility


def test_unknown_verdict_is_located(tmp_path, capsys):
    d = write(tmp_path, SPEC.replace("  verdict controle\n", "  verdict controles\n"))
    assert main(["check", str(d)]) == 2
    err = capsys.readouterr().err
    line = SPEC.splitlines().index("  verdict controle") + 1
    assert "unknown verdict 'controles'" in err and "did you mean 'controle'" in err
    assert f"00-mini.cspec:{line}:11:" in err


def test_sqrt_of_a_unit_without_whole_powers_is_refused(tmp_path, capsys):
    d = write(tmp_path, SPEC.replace("input mesure.variance : g_C ^ 2 >= 0", "input mesure.variance : g_C >= 0"))
    assert main(["check", str(d)]) == 2
    assert "'sqrt' of g_C has no unit with whole powers" in capsys.readouterr().err


def test_permille_needs_its_conversion(tmp_path, capsys):
    """A ‰ rate times a stock is not a stock per year until the ‰ is converted (CC-A02)."""
    text = SPEC + """unit permil = 0.001 1 "pour mille"
unit an "année"
input point.taux : permil / an @ 1 L20
equation point.flux : g_C / an @ 1 L21
  = taux * carbone_premiere
"""
    assert main(["check", str(write(tmp_path, text))]) == 2
    assert "flux" in capsys.readouterr().err
    ok = text.replace("  = taux * carbone_premiere", "  = taux / 1000 [permil] * carbone_premiere")
    assert main(["check", str(write(tmp_path, ok))]) == 0


def test_optional_is_only_for_children_of_the_root(tmp_path, capsys):
    d = write(tmp_path, SPEC.replace('entity mesure "mesure" in point as mesures @', 'entity mesure "mesure" in point as mesures optional @'))
    assert main(["check", str(d)]) == 2
    assert "'optional' only applies to a child of the root entity ('mesure' is not one)" in capsys.readouterr().err

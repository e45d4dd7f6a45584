"""End to end: the committed generated/ is fresh, the unit checker catches a forgotten
conversion factor, the CLI runs the example, and bad dossiers give located errors."""
import json
import shutil

import pytest

from carbonspec.compiler.build import compile_model
from carbonspec.compiler.cli import main
from carbonspec.compiler.model import check_spec_dir

from conftest import ANNEXES, GENERATED, ROOT, SPEC

EXAMPLE = ROOT / "examples" / "lbc_gc" / "fertilisation-yonne.json"


def test_generated_is_not_stale(tmp_path):
    """generated/ is committed (reviewers read its diffs); it must be what compile writes now."""
    annex_dir = ROOT / "annexes" / "lbc_gc" / "v2.0"  # compile shows the annex values in the docs
    files = compile_model(check_spec_dir(SPEC), tmp_path, annex_dir if annex_dir.is_dir() else None)
    assert files
    for f in files:
        rel = f.relative_to(tmp_path / "lbc_gc" / "v2.0")
        committed = GENERATED / rel
        assert committed.exists(), f"{rel} missing from generated/: run 'carbonspec compile {SPEC}'"
        assert committed.read_bytes() == f.read_bytes(), \
            f"generated/lbc_gc/v2.0/{rel} is stale: run 'carbonspec compile spec/lbc_gc/v2.0'"


def test_dropping_44_28_from_equation_4_is_a_unit_error(tmp_path, capsys):
    spec = tmp_path / "spec"
    shutil.copytree(SPEC, spec)
    f = spec / "20-fertilisation.cspec"
    text = f.read_text(encoding="utf-8")
    assert " * 44 [kg_N2O] / 28 [kg_N2O_N]" in text
    f.write_text(text.replace(" * 44 [kg_N2O] / 28 [kg_N2O_N]", ""), encoding="utf-8")
    assert main(["check", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "in equation 'EGES_fertilisation' (Équation 4)" in err
    assert "sum of different units: kg·[CO2e]·[N2O_N]/[N2O] + kg_CO2e" in err
    assert "20-fertilisation.cspec:" in err and "^" in err and "Traceback" not in err


def test_check_reports_invariants(capsys):
    assert main(["check", str(SPEC)]) == 0
    out = capsys.readouterr().out
    assert "invariant mineral_N_projet: proved by SymPy" in out
    assert "invariant pH_final_projet: not proved symbolically" in out


def test_run_example_json_to_stdout_matches_reference_backend(capsys):
    args = ["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.0", "--annexes", str(ANNEXES)]
    assert main(args) == 0
    numba_doc = json.loads(capsys.readouterr().out)  # only JSON on stdout
    assert main(args + ["--backend", "reference"]) == 0
    ref_doc = json.loads(capsys.readouterr().out)
    a, b = numba_doc["results"]["RE_fertilisation"], ref_doc["results"]["RE_fertilisation"]
    assert a == pytest.approx(b, rel=1e-9)
    assert numba_doc["units"]["RE_fertilisation"] == "t_CO2e"
    system = numba_doc["project"]["farms"][0]["systems"][0]
    assert system["RE_fertilisation_SdC"] == pytest.approx(a, rel=1e-12)
    assert sum(y["RE_fertilisation_annee"] for y in system["years"]) == pytest.approx(a, rel=1e-9)
    assert numba_doc["spec_hash"] == check_spec_dir(SPEC).spec_hash


def _bad(tmp_path, mutate):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    mutate(doc)
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


SYS = lambda d: d["project"]["farms"][0]["systems"][0]  # noqa: E731


@pytest.mark.parametrize("mutate, fragment", [
    (lambda d: SYS(d)["years"][0].update(Surf=-5), "project.farms[0].systems[0].years[0].Surf: Input should be greater than 0"),
    (lambda d: SYS(d)["years"][0].update(Surff=5), "project.farms[0].systems[0].years[0].Surff: unknown field"),
    (lambda d: SYS(d)["years"][1]["cultures"][0].update(espece="blé"), "project.farms[0].systems[0].years[1].cultures[0].espece: 'blé' is not in table 'cultures_CA'"),
    (lambda d: SYS(d)["years"].pop(1), "the reference years (k = -3 .. -1) are all required; missing k = -2"),
    (lambda d: SYS(d)["years"][5].update(k=7), "years[5].k: Input should be less than or equal to 4"),
    (lambda d: SYS(d)["years"].pop(4), "project years must be consecutive from k = 0"),
    (lambda d: SYS(d)["years"][0]["mineraux"][0].update(QN="beaucoup"), "mineraux[0].QN: Input should be a valid number"),
    (lambda d: d["project"]["farms"][0].update(type_reference="specific"), "type_reference: Input should be 'specifique', 'semi_generique' or 'generique'"),
    (lambda d: d.update(version="1.0"), "dossier is for version '1.0'"),
    (lambda d: SYS(d)["years"][3].update(pH_final=None), "donnees_chaulage_manquantes (Équation 7, 6.1.1, L1365–L1375, L1380) is outside its declared domain ]-∞, 0]: 1.0; missing or invalid: pH_final"),
])
def test_bad_dossier_is_a_located_error(tmp_path, capsys, mutate, fragment):
    p = _bad(tmp_path, mutate)
    out_file = tmp_path / "out.json"
    code = main(["run", str(p), "--method", "lbc_gc", "--version", "2.0", "--annexes", str(ANNEXES),
                 "--output", str(out_file)])
    captured = capsys.readouterr()
    assert code == 2
    assert fragment in captured.err.replace("\n", " ") or fragment in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == "" and not out_file.exists()


def test_generated_kernel_is_readable_python():
    """The generated module names the method's symbols and cites equation numbers."""
    src = (GENERATED / "kernel.py").read_text(encoding="utf-8")
    compile(src, "kernel.py", "exec")
    assert "# N2O_directes [kg_N2O_N] — Équation 5, 6.1.1, L1254" in src
    assert "KEY_CULTURES_CA_BETTERAVE = 0" in src
    # stages serial and nogil; one parallel region over blocks of root rows (kernel docstring)
    assert "@njit(cache=True, nogil=True" in src and "for r in range(lo, hi):" in src and "prange(" not in src


def test_docs_show_every_annex_table_with_its_status():
    html = (GENERATED / "docs" / "annexes.html").read_text(encoding="utf-8")
    assert "annexes <code>2.0-cs.1</code>" in html
    for name in ("cultures_CA", "engrais_mineraux", "sechage_OS", "facteur_C_culture", "perimetre"):
        section = html[html.index(f'id="table-{name}"'):]
        section = section[: section.index("</section>")]
        assert "annex-values" in section, name
    assert html.count('class="status status-placeholder">placeholder</span>') >= 100
    assert 'class="status status-method-text">method-text</span>' in html

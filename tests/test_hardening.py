"""Issue 13: one test per hardening bullet (bad specs, paths, writers, strict readers,
silently dropped input, AMG overflow, the Numba/NumPy agreement).  Every refused input
must give exit 2 with a located message, no traceback, and nothing written."""
from __future__ import annotations

import copy
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from carbonspec.compiler.cli import main
from test_spec_errors import BASE, METHOD

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples" / "lbc_gc"
FERTI = json.loads((EX / "fertilisation-yonne.json").read_text(encoding="utf-8"))
RUN = ["--method", "lbc_gc", "--version", "2.0", "--backend", "reference"]


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err and "internal error" not in cap.err, cap.err
    return code, cap.out, cap.err, " ".join(cap.err.split())


def spec_dir(tmp_path, edit=None, raw: bytes = None, name=METHOD) -> Path:
    d = tmp_path / "spec"
    d.mkdir(exist_ok=True)
    for f, text in BASE.items():
        data = text.encode("utf-8")
        if f == name:
            data = raw if raw is not None else (edit(text) if edit else text).encode("utf-8")
        (d / f).write_bytes(data)
    return d


def write_json(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def run_dossier(capsys, tmp_path, doc_or_path, *extra):
    p = doc_or_path if isinstance(doc_or_path, Path) else write_json(tmp_path / "d.json", doc_or_path)
    out = tmp_path / "out" / "r.json"
    code, o, e, flat = cli(capsys, "run", p, *RUN, "--output", out, *extra)
    if code == 2:
        assert not out.exists()
    return code, e, flat, out


# ------------------------------------------------------------------ spec --
def test_spec_not_utf8_is_located(tmp_path, capsys):
    d = spec_dir(tmp_path, raw=BASE[METHOD].encode("utf-8") + b"\n# caf\xe9\n")
    code, _, err, _ = cli(capsys, "check", d)
    n = BASE[METHOD].count("\n") + 2
    assert code == 2 and f"{METHOD}:{n}:6: error: the file is not UTF-8 text: byte 0xe9" in err


def test_spec_cut_inside_a_multibyte_character(tmp_path, capsys):
    data = BASE[METHOD].encode("utf-8")
    cut = data[:data.index("é".encode()) + 1]  # first byte of 'é' only
    code, _, err, _ = cli(capsys, "check", spec_dir(tmp_path, raw=cut))
    assert code == 2 and "not UTF-8 text: byte 0xc3 (unexpected end of data)" in err and METHOD in err


@pytest.mark.parametrize("literal", ["1e309", "1e400", "-1e309"])
def test_overflowing_literal_refused_at_check(tmp_path, capsys, literal):
    d = spec_dir(tmp_path, edit=lambda t: t + f"\nconstant Zbig = {literal} @ 1 L1\n")
    code, _, err, _ = cli(capsys, "check", d)
    assert code == 2 and f"number '{literal.lstrip('-')}' is too large for a 64-bit float" in err
    assert f"{METHOD}:" in err


def test_constant_that_overflows_when_evaluated(tmp_path, capsys):
    d = spec_dir(tmp_path, edit=lambda t: t + "\nconstant Zbig = 1e200 * 1e200 @ 1 L1\n")
    code, _, err, _ = cli(capsys, "check", d)
    assert code == 2 and "constant 'Zbig' evaluates to inf" in err
    # and a power that is complex or overflows (Python raises) is located, not a crash
    d = spec_dir(tmp_path, edit=lambda t: t + "\nconstant Zbig = 10 ^ 400 @ 1 L1\n")
    code, _, err, _ = cli(capsys, "check", d)
    assert code == 2 and "constant 'Zbig' evaluates to nan" in err


@pytest.mark.parametrize("domain, message", [("in [1e400, 14]", "number '1e400' is too large"),
                                             ("in [14, 0]", "empty domain"), ("in ]5, 5[", "empty domain"),
                                             ("> inf", "empty domain")])
def test_empty_domain_refused(tmp_path, capsys, domain, message):
    base = BASE["10-model.cspec"]
    import re
    m = re.search(r"in \[[^\]\n]*\]|>= ?0\b", base)
    assert m, "BASE has a domain to replace"
    d = spec_dir(tmp_path, edit=lambda t: t[:m.start()] + domain + t[m.end():], name="10-model.cspec")
    code, _, err, _ = cli(capsys, "check", d)
    assert code == 2 and message in err and "10-model.cspec:" in err


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\u2028"])
def test_control_characters_in_spec_strings_refused(tmp_path, capsys, char):
    d = spec_dir(tmp_path, edit=lambda t: t.replace('title "Méthode', f'title "Mé{char}thode', 1))
    code, _, err, _ = cli(capsys, "check", d)
    assert code == 2 and f"control character U+{ord(char):04X}" in err and f"{METHOD}:3:" in err


@pytest.mark.parametrize("version", ["2.0/../../x", "..", "a/b", "1 0", "2.0\\n"])
def test_version_must_be_plain(tmp_path, capsys, version):
    d = spec_dir(tmp_path, edit=lambda t: t.replace('version "1.0"', f'version "{version}"', 1))
    out_root = tmp_path / "gen"
    code, _, err, _ = cli(capsys, "compile", d, "--out", out_root)
    assert code == 2 and METHOD in err
    assert not out_root.exists() and not (tmp_path / "x").exists(), "nothing written, inside or outside --out"


def test_version_with_a_newline_refused(tmp_path, capsys):
    d = spec_dir(tmp_path, edit=lambda t: t.replace('version "1.0"', 'version "1.0\n"', 1))
    code, _, err, _ = cli(capsys, "check", d)
    assert code == 2 and f"{METHOD}:2:" in err


# ------------------------------------------------------- code execution --
def _project(tmp_path) -> Path:
    """A project root (CARBONSPEC_HOME) with generated/ holding a copy of lbc_gc v2.0 and,
    outside generated/, an evil kernel that would leave a file if it were ever imported."""
    home = tmp_path / "home"
    (home / "generated" / "lbc_gc").mkdir(parents=True)
    import shutil
    shutil.copytree(ROOT / "generated" / "lbc_gc" / "v2.0", home / "generated" / "lbc_gc" / "v2.0")
    evil = tmp_path / "evil" / "v2.0"
    evil.mkdir(parents=True)
    shutil.copy(home / "generated" / "lbc_gc" / "v2.0" / "model.json", evil / "model.json")
    (evil / "kernel.py").write_text(f"open({str(tmp_path / 'PWNED')!r}, 'w').write('x')\n", encoding="utf-8")
    return home


@pytest.mark.parametrize("method, version", [("../../evil", "2.0"), ("lbc_gc/../../../evil", "2.0"),
                                             ("lbc_gc", "2.0/../../../evil/v2.0"), ("lbc gc", "2.0"),
                                             ("lbc_gc", "2.0\n")])
def test_method_and_version_must_be_plain_names(tmp_path, capsys, monkeypatch, method, version):
    monkeypatch.setenv("CARBONSPEC_HOME", str(_project(tmp_path)))
    code, _, err, _ = cli(capsys, "run", EX / "fertilisation-yonne.json", "--method", method, "--version", version,
                          "--output", tmp_path / "r.json")
    assert code == 2 and ("--method" in err or "--version" in err)
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "r.json").exists()


def test_symlink_out_of_generated_is_not_loaded(tmp_path, capsys, monkeypatch):
    home = _project(tmp_path)
    (home / "generated" / "evil").symlink_to(tmp_path / "evil")
    monkeypatch.setenv("CARBONSPEC_HOME", str(home))
    code, _, err, _ = cli(capsys, "run", EX / "fertilisation-yonne.json", "--method", "evil", "--version", "2.0",
                          "--output", tmp_path / "r.json")
    assert code == 2 and "leads outside" in err and not (tmp_path / "PWNED").exists()


# -------------------------------------------------------- strict JSON --
def test_deep_json_dossier_and_results(tmp_path, capsys):
    deep = "[" * 5000 + "]" * 5000
    p = tmp_path / "deep.json"
    p.write_text('{"method": "lbc_gc", "version": "2.0", "project": ' + deep + "}", encoding="utf-8")
    code, err, flat, _ = run_dossier(capsys, tmp_path, p)
    assert code == 2 and "deep.json: invalid JSON: nested deeper than 64 levels" in err
    from test_castype import generated
    r = tmp_path / "results.json"
    r.write_text('{"results": ' + deep + "}", encoding="utf-8")
    code, _, err, _ = cli(capsys, "certify", "--castype", generated()[1], "--results", r, "--report", tmp_path / "a")
    assert code == 2 and "results.json: invalid JSON: nested deeper" in err and not (tmp_path / "a.html").exists()


def test_integer_too_large_in_vendor_results(tmp_path, capsys):
    from test_castype import generated
    ct = generated()[1]
    ref = json.loads((ct / "reference-results.json").read_text(encoding="utf-8"))
    case = next(iter(ref["results"]))
    item = next(iter(ref["results"][case]))
    text = json.dumps({"results": {case: {item: 1}}}).replace(": 1}", ": " + "9" * 400 + "}")
    r = tmp_path / "big.json"
    r.write_text(text, encoding="utf-8")
    code, _, err, flat = cli(capsys, "certify", "--castype", ct, "--results", r, "--report", tmp_path / "a")
    assert code == 2 and "big.json: invalid JSON: integer 9999" in flat and "is too large" in flat
    assert not (tmp_path / "a.html").exists() and not (tmp_path / "a.xlsx").exists()


@pytest.mark.parametrize("kind", ["dossier", "results", "amg"])
def test_duplicate_json_keys_refused(tmp_path, capsys, kind):
    if kind == "dossier":
        text = (EX / "fertilisation-yonne.json").read_text(encoding="utf-8")
        text = text.replace('"type_reference": "specifique",', '"type_reference": "specifique", "type_reference": "generique",', 1)
        assert text.count('"type_reference"') >= 2
        p = tmp_path / "dup.json"
        p.write_text(text, encoding="utf-8")
        code, err, flat, _ = run_dossier(capsys, tmp_path, p)
    elif kind == "results":
        from test_castype import generated
        p = tmp_path / "dup.json"
        p.write_text('{"results": {}, "results": {}}', encoding="utf-8")
        code, _, err, flat = cli(capsys, "certify", "--castype", generated()[1], "--results", p, "--report", tmp_path / "a")
    else:
        text = (ROOT / "examples" / "amg" / "trial_1.json").read_text(encoding="utf-8")
        p = tmp_path / "dup.json"
        p.write_text(text.replace('"clay": 178,', '"clay": 178, "clay": 300,', 1), encoding="utf-8")
        code, _, err, flat = cli(capsys, "amg", p, "--backend", "reference")
    assert code == 2 and "dup.json" in flat and "appears twice in the same object" in flat


def test_amg_extreme_value_is_a_domain_error(tmp_path, capsys):
    doc = json.loads((ROOT / "examples" / "amg" / "trial_1.json").read_text(encoding="utf-8"))
    doc["plots"][0]["years"][3]["yield"] = 1e308  # overflowed the stock before (exit 3)
    p = write_json(tmp_path / "amg.json", doc)
    code, out, err, flat = cli(capsys, "amg", p, "--backend", "reference")
    assert code == 2 and "amg.json: plots[0].years[3].yield: Input should be less than or equal to 300" in flat


# ------------------------------------------------------------- workbooks --
def _edit_sheet(src: Path, dst: Path, sheet_name: str, fn) -> Path:
    wb = openpyxl.load_workbook(src, read_only=True)
    index = wb.sheetnames.index(sheet_name) + 1
    wb.close()
    z = zipfile.ZipFile(src)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for n in z.namelist():
            data = z.read(n)
            if n == f"xl/worksheets/sheet{index}.xml":
                data = fn(data.decode("utf-8")).encode("utf-8")
            out.writestr(n, data)
    dst.write_bytes(buf.getvalue())
    return dst


def test_broken_sheet_xml_is_located(tmp_path, capsys):
    p = _edit_sheet(EX / "yonne-120ha.xlsx", tmp_path / "broken.xlsx", "years", lambda x: x[:len(x) // 2])
    code, err, flat, _ = run_dossier(capsys, tmp_path, p)
    assert code == 2 and "broken.xlsx: sheet 'years': unreadable sheet" in flat


def test_formula_without_value_and_nan_in_optional_cells(tmp_path, capsys):
    import re

    def formula(x):  # levier_chaulage (a bool with a default) of the farm row: a formula, no value
        m = re.search(r'<c r="([A-Z]+)3" t="b"><v>[01]</v></c>', x)
        return x[:m.start()] + f'<c r="{m.group(1)}3"><f>1+1</f></c>' + x[m.end():]

    p = _edit_sheet(EX / "yonne-120ha.xlsx", tmp_path / "f.xlsx", "farms", formula)
    code, err, flat, _ = run_dossier(capsys, tmp_path, p)
    assert code == 2 and "f.xlsx: sheet 'farms' cell" in flat and "formula '=1+1' has no computed value" in flat

    def nan(x):
        m = re.search(r'<c r="([A-Z]+)3"( t="n")?><v>[0-9.]+</v></c>', x)
        return x[:m.start()] + f'<c r="{m.group(1)}3"><v>1e999</v></c>' + x[m.end():]

    p = _edit_sheet(EX / "yonne-120ha.xlsx", tmp_path / "n.xlsx", "years", nan)
    code, err, flat, _ = run_dossier(capsys, tmp_path, p)
    assert code == 2 and "n.xlsx: sheet 'years'" in flat


def test_every_text_cell_written_as_text(tmp_path, capsys):
    """A dossier named '=HYPERLINK(...)' and a vendor case named '=1+1' stay text."""
    name = '=HYPERLINK("https:x";"y").json'
    p = tmp_path / name
    p.write_text((EX / "fertilisation-yonne.json").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "r.xlsx"
    code, *_ = cli(capsys, "run", p, *RUN, "--format", "xlsx", "--output", out)
    assert code == 0
    wb = openpyxl.load_workbook(out)  # formulas as written (not data_only)
    texts = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=HYPERLINK") for c in texts)
    assert all(c.data_type == "s" for c in texts), [c.coordinate for c in texts if c.data_type != "s"][:5]
    from carbonspec.runtime.io.workbook import as_text, workbook_bytes
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    assert wb.active["A1"].data_type == "f"
    again = openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb)))
    assert again.active["A1"].value == "=1+1" and again.active["A1"].data_type == "s"


def test_certification_workbook_case_names_are_text(tmp_path, capsys):
    from test_castype import generated
    ct = generated()[1]
    ref = json.loads((ct / "reference-results.json").read_text(encoding="utf-8"))
    results = copy.deepcopy(ref["results"])
    results["=1+1"] = next(iter(results.values()))
    r = write_json(tmp_path / "v.json", {"results": results})
    code, *_ = cli(capsys, "certify", "--castype", ct, "--results", r, "--report", tmp_path / "audit")
    assert code in (0, 1)
    wb = openpyxl.load_workbook(tmp_path / "audit.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


# --------------------------------------------------------------- outputs --
@pytest.mark.parametrize("target", ["symlink", "folder", "device"])
def test_output_only_to_regular_files(tmp_path, capsys, target):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    if target == "symlink":
        out = tmp_path / "link.json"
        out.symlink_to(victim)
    elif target == "folder":
        out = tmp_path / "folder"
        out.mkdir()
    else:
        out = Path("/dev/null")
    code, _, err, flat = cli(capsys, "run", EX / "fertilisation-yonne.json", *RUN, "--output", out)
    assert code == 2 and "--output" in err
    assert {"symlink": "symbolic link", "folder": "is a folder", "device": "not a regular file"}[target] in flat
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not list(tmp_path.glob(".*.part"))


def test_certify_report_refuses_a_symlink(tmp_path, capsys):
    from test_castype import generated
    ct = generated()[1]
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / "audit.html").symlink_to(victim)
    code, _, err, flat = cli(capsys, "certify", "--castype", ct, "--results", ct / "reference-results.json",
                             "--report", tmp_path / "audit")
    assert code == 2 and "symbolic link" in flat and victim.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "audit.xlsx").exists(), "neither report is written when one target is refused"


def test_compile_killed_midway_leaves_the_previous_folder(tmp_path, capsys, monkeypatch):
    d = spec_dir(tmp_path)
    out_root = tmp_path / "gen"
    assert cli(capsys, "compile", d, "--out", out_root)[0] == 0
    target = next(out_root.glob("*/v*"))
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    (target / "stale.txt").write_text("from an older compile", encoding="utf-8")
    before[Path("stale.txt")] = b"from an older compile"
    d2 = spec_dir(tmp_path, edit=lambda t: t.replace("Méthode de démonstration", "Autre titre", 1))
    from carbonspec.compiler import docs

    def killed(*a, **k):
        raise KeyboardInterrupt  # what a kill between kernel/model and docs looks like in-process
    monkeypatch.setattr(docs, "write_docs", killed)
    assert main(["compile", str(d2), "--out", str(out_root)]) != 0  # click turns the interrupt into Abort
    capsys.readouterr()
    after = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before, "the old folder is whole and unmixed"
    assert [p.name for p in target.parent.iterdir()] == [target.name], "no temporary folder left"
    monkeypatch.undo()
    assert cli(capsys, "compile", d2, "--out", out_root)[0] == 0
    assert not (target / "stale.txt").exists(), "a compile replaces the whole folder"
    assert "Autre titre" in (target / "kernel.py").read_text(encoding="utf-8")


# ------------------------------------------- silently dropped or invented --
@pytest.mark.parametrize("key", ["method", "version"])
def test_dossier_names_its_method_and_version(tmp_path, capsys, key):
    doc = copy.deepcopy(FERTI)
    del doc[key]
    code, err, flat, _ = run_dossier(capsys, tmp_path, doc)
    assert code == 2 and f"d.json: invalid dossier: {key}: missing" in flat
    doc = copy.deepcopy(FERTI)
    doc[key] = "9.9" if key == "version" else "autre"
    code, err, flat, _ = run_dossier(capsys, tmp_path, doc)
    assert code == 2 and f"dossier is for {key}" in flat


def test_cover_crop_fallback_warns_and_suggests(tmp_path, capsys):
    doc = copy.deepcopy(FERTI)
    ci = doc["project"]["farms"][0]["systems"][0]["years"][3]["intercultures"][0]
    assert ci["espece_CI"] == "moutarde_blanche" and "famille_CI" not in ci
    ci["espece_CI"] = "moutarde_blanch"  # a typo: falls back to the Polygonacées row (L417)
    code, err, flat, out = run_dossier(capsys, tmp_path, doc)
    assert code == 0
    assert "warning: project.farms[0].systems[0].years[3].intercultures[0]: espece_CI='moutarde_blanch' " \
           "(did you mean 'moutarde_blanche'?)" in flat and "default row 'polygonacees'" in flat
    warnings = json.loads(out.read_text(encoding="utf-8"))["warnings"]
    assert warnings and all("polygonacees" in w and "L417" in w for w in warnings)
    code, err, flat, out = run_dossier(capsys, tmp_path, FERTI)
    assert code == 0 and json.loads(out.read_text(encoding="utf-8"))["warnings"] == []


def test_urea_without_dose_refused(tmp_path, capsys):
    doc = copy.deepcopy(FERTI)
    mins = doc["project"]["farms"][0]["systems"][0]["years"][3]["mineraux"]
    urea = next(m for m in mins if m["produit_min"] == "uree_46")
    del urea["D_uree"]
    code, err, flat, _ = run_dossier(capsys, tmp_path, doc)
    assert code == 2 and "project.farms[0].systems[0].years[3].mineraux[1]" in flat
    assert "uree_sans_dose (Équation 11, 6.1.1, L1453, L1461)" in flat


def test_crop_areas_above_the_system_area_refused(tmp_path, capsys):
    doc = copy.deepcopy(FERTI)
    year = doc["project"]["farms"][0]["systems"][0]["years"][3]
    assert year["Surf"] == 120 and sum(c["Surf_culture"] for c in year["cultures"]) == 120
    year["cultures"][0]["Surf_culture"] = 61.3  # 121.3 ha > 1.01 × 120 = 121.2: refused
    code, err, flat, _ = run_dossier(capsys, tmp_path, doc)
    assert code == 2 and "years[3]: surfaces_cultures_incoherentes" in flat
    year["cultures"][0]["Surf_culture"] = 61.1  # 121.1 ha: within the 1 % rounding tolerance
    assert run_dossier(capsys, tmp_path, doc)[0] == 0


def test_liming_lever_without_ph_data(tmp_path, capsys):
    doc = copy.deepcopy(FERTI)
    year = doc["project"]["farms"][0]["systems"][0]["years"][3]
    assert doc["project"]["farms"][0]["levier_chaulage"] and year["k"] == 0
    del year["pH_initial"]
    code, err, flat, _ = run_dossier(capsys, tmp_path, doc)
    assert code == 2 and "years[3]: donnees_chaulage_manquantes (Équation 7" in flat
    assert "missing or invalid: pH_initial" in flat and "np." not in err and "float64" not in err
    doc = copy.deepcopy(FERTI)
    del doc["project"]["farms"][0]["systems"][0]["years"][3]["k_chaulage"]
    code, err, flat, _ = run_dossier(capsys, tmp_path, doc)
    assert code == 2 and "missing or invalid: k_chaulage" in flat


# --------------------------------------------------------- determinism --
def test_amg_backends_agree_where_k_is_tiny():
    """The cause of the flaky test: with T <= 0, fT = 1e-6 and k ~ 1e-8, (1 - exp(-k)) / k
    cancelled, so 1 ulp between libm's and NumPy's exp gave ~1e-9 relative.  With expm1 the
    backends agree to a few ulps."""
    from carbonspec.runtime.models.amg import SoilColumns, initial_pools, load_params, run_kernel
    P = load_params()
    rng = np.random.default_rng(13)
    n, R = 6, 20
    soil = SoilColumns(rng.uniform(0, 600, n), rng.uniform(0, 400, n), rng.uniform(4.5, 9, n),
                       rng.uniform(6, 25, n), rng.uniform(5, 30, n), rng.uniform(5, 200, n))
    T = rng.uniform(-3, 0.5, (n, R))  # mostly T <= 0: the floored fT
    W = rng.uniform(-1000, 1300, (n, R))
    M = rng.uniform(0, 8, (n, R))
    QC0, CS = initial_pools(soil.C0, P.model["Ps"], False)
    a = run_kernel(QC0, CS, soil, T, W, M, P, "numba", False)
    b = run_kernel(QC0, CS, soil, T, W, M, P, "reference", False)
    assert np.min(a.K) < 1e-6
    np.testing.assert_allclose(a.QC, b.QC, rtol=1e-13, atol=0)


def test_hypothesis_profile_is_derandomized_by_default():
    from hypothesis import settings
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci":
        assert settings().derandomize and settings().database is None


def test_duplicated_scenario_line_is_located(tmp_path, capsys):
    """Found by the fuzz suite: two equal scenario ranges crashed the overlap check (exit 3)."""
    line = next(ln for ln in BASE[METHOD].splitlines() if ln.strip().startswith("scenario "))
    d = spec_dir(tmp_path, edit=lambda t: t.replace(line, line + "\n" + line, 1))
    code, _, err, _ = cli(capsys, "check", d)
    assert code == 2 and "overlaps scenario" in err and f"{METHOD}:" in err

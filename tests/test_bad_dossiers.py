"""Malformed dossiers, JSON and xlsx, through the command line.

Every case must end with exit code 2, a message that names the dossier file and the field
path (or, for a workbook, the sheet and cell), no traceback, nothing on stdout and no
output file: a dossier that cannot be computed must never produce a result that looks like
one.  The reference backend keeps these fast; the checks are on the error, not on numbers.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from carbonspec.compiler.cli import main
from carbonspec.runtime.dossier.xlsx import write_dossier_xlsx

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "lbc_gc" / "yonne-120ha.json"
BASE = json.loads(EXAMPLE.read_text(encoding="utf-8"))
RUN = ["--method", "lbc_gc", "--version", "2.0", "--backend", "reference"]


def run_cli(capsys, dossier: Path, out_file: Path, fmt: str = "json"):
    code = main(["run", str(dossier), *RUN, "--format", fmt, "--output", str(out_file)])
    captured = capsys.readouterr()
    return code, captured


def assert_refused(code, captured, out_file: Path, *fragments: str):
    err = captured.err
    flat = " ".join(err.split())  # rich may wrap long lines
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert captured.out == ""
    assert not out_file.exists(), "no output file may be written for a refused dossier"
    assert not list(out_file.parent.glob(f".{out_file.name}.part")), "no partial file either"
    for fragment in fragments:
        assert fragment in err or " ".join(fragment.split()) in flat, f"{fragment!r} not in:\n{err}"


FARM = lambda d: d["project"]["farms"][0]          # noqa: E731
SYS = lambda d: FARM(d)["systems"][0]              # noqa: E731
YEARS = lambda d: SYS(d)["years"]                  # noqa: E731


def _drop_year(d, k):
    YEARS(d)[:] = [y for y in YEARS(d) if y["k"] != k]


def _del(obj, key):
    del obj[key]


# (id, mutation of the example dossier, fragments the message must contain besides the file name)
JSON_CASES = [
    ("wrong-type", lambda d: YEARS(d)[0].update(Surf="cent vingt"),
     ["project.farms[0].systems[0].years[0].Surf: Input should be a valid number", '(got "cent vingt")',
      "expected a number > 0 (ha)"]),
    ("bool-for-number", lambda d: YEARS(d)[1].update(Surf=True),
     ["project.farms[0].systems[0].years[1].Surf: Input should be a valid number", "(got true)"]),
    ("number-as-text", lambda d: FARM(d)["systems"][0].update(Sfin="55.02"),
     ["project.farms[0].systems[0].Sfin: Input should be a valid number", '(got "55.02")']),
    ("missing-field", lambda d: _del(YEARS(d)[0]["cultures"][0], "Surf_culture"),
     ["project.farms[0].systems[0].years[0].cultures[0].Surf_culture: Field required", "expected a number > 0 (ha)"]),
    ("negative-area", lambda d: YEARS(d)[2]["cultures"][1].update(Surf_culture=-30.0),
     ["project.farms[0].systems[0].years[2].cultures[1].Surf_culture: Input should be greater than 0", "(got -30.0)"]),
    ("negative-nitrogen", lambda d: YEARS(d)[3]["mineraux"][0].update(QN=-10.0),
     ["years[3].mineraux[0].QN: Input should be greater than or equal to 0", "expected a number >= 0 (kg_N)"]),
    ("unknown-crop", lambda d: YEARS(d)[1]["cultures"][0].update(espece="ble"),
     ["project.farms[0].systems[0].years[1].cultures[0].espece: 'ble' is not in table 'cultures_CA'",
      "closest known: ble_dur, ble_tendre"]),
    ("unknown-fertiliser", lambda d: YEARS(d)[4]["mineraux"][1].update(produit_min="ammonitrate"),
     ["years[4].mineraux[1].produit_min: 'ammonitrate' is not in table 'engrais_mineraux'"]),
    ("empty-key", lambda d: YEARS(d)[4]["mineraux"][1].update(produit_min=""),
     ["years[4].mineraux[1].produit_min: String should have at least 1 character"]),
    ("year-outside-project", lambda d: YEARS(d)[7].update(k=5),
     ["project.farms[0].systems[0].years[7].k: Input should be less than or equal to 4", "(got 5)"]),
    ("year-not-integer", lambda d: YEARS(d)[7].update(k=3.5),
     ["project.farms[0].systems[0].years[7].k: Input should be a valid integer"]),
    ("reference-year-missing", lambda d: _drop_year(d, -2),
     ["project.farms[0].systems[0].years: the reference years (k = -3 .. -1) are all required; missing k = -2"]),
    ("duplicate-year", lambda d: YEARS(d)[4].update(k=0),
     ["project.farms[0].systems[0].years[4].k: year k = 0 is given twice"]),
    ("project-years-not-consecutive", lambda d: _drop_year(d, 1),
     ["project.farms[0].systems[0].years: project years must be consecutive from k = 0; got 0, 2, 3, 4"]),
    ("no-project-year", lambda d: YEARS(d).__setitem__(slice(None), YEARS(d)[:3]),
     ["project.farms[0].systems[0].years: at least one project year (k = 0 .. 4) is required"]),
    ("farm-year-missing", lambda d: FARM(d)["annees"].pop(2),
     ["project.farms[0].annees: the reference years (k_exploitation = -3 .. -1) are all required; "
      "missing k_exploitation = -1"]),
    ("unknown-enum-value", lambda d: FARM(d).update(type_reference="specific"),
     ["project.farms[0].type_reference: Input should be 'specifique', 'semi_generique' or 'generique'",
      '(got "specific")']),
    ("unknown-enum-value-fuel-method", lambda d: FARM(d).update(methode_combustibles="D"),
     ["project.farms[0].methode_combustibles: Input should be 'A', 'B' or 'C'"]),
    ("unknown-field", lambda d: YEARS(d)[0].update(Surff=120.0),
     ["project.farms[0].systems[0].years[0].Surff: unknown field; did you mean 'Surf'?"]),
    ("empty-farms", lambda d: d["project"].update(farms=[]),
     ["project.farms: the project needs at least one farm"]),
    ("farms-not-a-list", lambda d: d["project"].update(farms={"type_reference": "specifique"}),
     ["project.farms: Input should be a valid list"]),
    ("wrong-method", lambda d: d.update(method="climacert_fm1"),
     ["method: dossier is for method 'climacert_fm1', this model is 'lbc_gc'"]),
    ("wrong-version", lambda d: d.update(version="1.0"),
     ["version: dossier is for version '1.0', this model is '2.0'"]),
    ("pH-out-of-domain", lambda d: YEARS(d)[5].update(pH_initial=15.0),
     ["project.farms[0].systems[0].years[5].pH_initial: Input should be less than or equal to 14"]),
    ("missing-soil-stock", lambda d: _del(SYS(d), "Sfin_ref"),
     ["project.farms[0].systems[0]: Delta_StockC_SdC (Équation 25", "missing or invalid: Sfin_ref"]),
    ("missing-cover-crop-species", lambda d: _del(YEARS(d)[3]["intercultures"][0], "espece_CI"),
     ["project.farms[0].systems[0].years[3].intercultures[0].espece_CI: Field required",
      "expected a key of annex table 'cultures_CI'"]),
]


@pytest.mark.parametrize("case, mutate, fragments", JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_malformed_json_dossier_is_refused_with_a_located_message(tmp_path, capsys, case, mutate, fragments):
    doc = copy.deepcopy(BASE)
    mutate(doc)
    dossier = tmp_path / f"{case}.json"
    dossier.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out_file = tmp_path / "results.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, str(dossier), *fragments)


def test_the_cases_are_distinct_and_enough():
    assert len({c[0] for c in JSON_CASES}) == len(JSON_CASES) >= 20


def test_nan_in_json_is_refused(tmp_path, capsys):
    """Python's json accepts NaN; a dossier must not (never a silent NaN)."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('"Sfin": 55.02', '"Sfin": NaN')
    assert "NaN" in text
    dossier = tmp_path / "nan.json"
    dossier.write_text(text, encoding="utf-8")
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, str(dossier), "project.farms[0].systems[0].Sfin: Input should be a finite number")


@pytest.mark.parametrize("content, fragment", [
    ('{"method": "lbc_gc", "project": {"farms": [', "invalid JSON: Expecting value"),
    ('[1, 2, 3]', "a dossier is a JSON object"),
    (b"\xff\xfe{}", "not a UTF-8 text file"),
], ids=["truncated", "array", "not-utf8"])
def test_unreadable_json_is_refused(tmp_path, capsys, content, fragment):
    dossier = tmp_path / "broken.json"
    if isinstance(content, bytes):
        dossier.write_bytes(content)
    else:
        dossier.write_text(content, encoding="utf-8")
    out_file = tmp_path / "r.html"
    code, captured = run_cli(capsys, dossier, out_file, "html")
    assert_refused(code, captured, out_file, str(dossier), fragment)


def test_truncated_json_names_line_and_column(tmp_path, capsys):
    dossier = tmp_path / "t.json"
    dossier.write_text('{\n "method": "lbc_gc",\n "project": {"farms": [\n', encoding="utf-8")
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}:4:1: invalid JSON")


@pytest.mark.parametrize("name", ["absent.json", "absent.xlsx"])
def test_missing_file_is_refused(tmp_path, capsys, name):
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, tmp_path / name, out_file)
    assert_refused(code, captured, out_file, str(tmp_path / name), "No such file")


# ====================================================================== xlsx ==
@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory, ):
    from carbonspec.runtime.engine.core import load_compiled

    from conftest import GENERATED

    path = tmp_path_factory.mktemp("xlsx") / "yonne-120ha.xlsx"
    write_dossier_xlsx(load_compiled(GENERATED).schema, copy.deepcopy(BASE), path)
    return path


def _mutated(workbook_path: Path, tmp_path: Path, mutate) -> Path:
    wb = load_workbook(workbook_path)
    mutate(wb)
    out = tmp_path / "dossier.xlsx"
    wb.save(out)
    return out


def _col(ws, name: str) -> str:
    """Column letter of a field, read from row 1 (independently of the reader)."""
    for cell in ws[1]:
        if cell.value == name:
            return get_column_letter(cell.column)
    raise KeyError(name)


def _row(ws, row_id: str) -> int:
    for r in range(3, ws.max_row + 1):
        if str(ws.cell(r, 1).value) == row_id:
            return r
    raise KeyError(row_id)


def _set(sheet: str, row_id: str, field: str, value):
    def mutate(wb):
        ws = wb[sheet]
        ws[f"{_col(ws, field)}{_row(ws, row_id)}"] = value
    return mutate


def _where(workbook_path: Path, sheet: str, row_id: str, field: str) -> str:
    ws = load_workbook(workbook_path)[sheet]
    return f"sheet '{sheet}' cell {_col(ws, field)}{_row(ws, row_id)} ({field})"


def test_xlsx_non_numeric_cell(workbook_path, tmp_path, capsys):
    # years row '1_1_5' is the 5th year of the first system of the first farm: years[4] (k = 0)
    dossier = _mutated(workbook_path, tmp_path, _set("years", "1_1_5", "Surf", "abc"))
    out_file = tmp_path / "r.xlsx"
    code, captured = run_cli(capsys, dossier, out_file, "xlsx")
    where = _where(workbook_path, "years", "1_1_5", "Surf")
    assert_refused(code, captured, out_file, str(dossier),
                   f'{where}: expected a number > 0 (ha), got "abc"',
                   "field project.farms[0].systems[0].years[4].Surf")


def test_xlsx_unknown_crop_is_located_at_its_cell(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, _set("cultures", "1_1_2_1", "espece", "blé"))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    where = _where(workbook_path, "cultures", "1_1_2_1", "espece")
    assert_refused(code, captured, out_file, f"{dossier}: {where} — project.farms[0].systems[0].years[1].cultures[0].espece",
                   "'blé' is not in table 'cultures_CA'")


def test_xlsx_empty_required_cell(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, _set("cultures", "1_1_1_2", "Surf_culture", None))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    where = _where(workbook_path, "cultures", "1_1_1_2", "Surf_culture")
    assert_refused(code, captured, out_file, str(dossier), f"{where}: Field required; expected a number > 0 (ha)",
                   "field project.farms[0].systems[0].years[0].cultures[1].Surf_culture")


def test_xlsx_bad_parent_id(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, _set("cultures", "1_1_3_2", "year_id", "1_1_9"))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    ws = load_workbook(workbook_path)["cultures"]
    cell = f"{_col(ws, 'year_id')}{_row(ws, '1_1_3_2')}"
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'cultures' cell {cell} (year_id): no row with id '1_1_9' in sheet 'years'")


def test_xlsx_empty_parent_id(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, _set("systems", "1_1", "farm_id", None))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'systems' cell B3 (farm_id): empty; give the id of a row of sheet 'farms'")


def test_xlsx_duplicate_row_id(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, _set("years", "1_1_2", "id", "1_1_1"))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'years' cell A4 (id): id '1_1_1' is already the id of row 3")


def test_xlsx_missing_sheet(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, lambda wb: wb.remove(wb["intercultures"]))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: missing sheet(s) 'intercultures'")


def test_xlsx_renamed_sheet(workbook_path, tmp_path, capsys):
    def rename(wb):
        wb["years"].title = "year"
    dossier = _mutated(workbook_path, tmp_path, rename)
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'year': not a sheet of this dossier layout; did you mean 'years'?")


def test_xlsx_unknown_column(workbook_path, tmp_path, capsys):
    def rename(wb):
        ws = wb["years"]
        ws[f"{_col(ws, 'Surf')}1"] = "Surff"
    dossier = _mutated(workbook_path, tmp_path, rename)
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'years' cell D1: unknown field 'Surff' for sheet 'years'; did you mean 'Surf'?")


def test_xlsx_wrong_unit_row(workbook_path, tmp_path, capsys):
    def unit(wb):
        ws = wb["years"]
        ws[f"{_col(ws, 'Surf')}2"] = "m2"
    dossier = _mutated(workbook_path, tmp_path, unit)
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'years' cell D2 (Surf): unit 'm2' in row 2, this method version expects 'ha'")


def test_xlsx_deleted_units_row(workbook_path, tmp_path, capsys):
    """Row 2 deleted: the first data row would be read as units; refused, not silently skipped."""
    dossier = _mutated(workbook_path, tmp_path, lambda wb: wb["farms"].delete_rows(2))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'farms' cell A2 (id): row 2 must say 'id'")


def test_xlsx_duplicate_year_is_located(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, _set("years", "1_1_6", "k", 0))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    where = _where(workbook_path, "years", "1_1_6", "k")
    assert_refused(code, captured, out_file, f"{where}: year k = 0 is given twice — field project.farms[0].systems[0].years[5].k")


def test_xlsx_wrong_version_cell(workbook_path, tmp_path, capsys):
    def version(wb):
        wb["project"]["B3"] = "2.1"
    dossier = _mutated(workbook_path, tmp_path, version)
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: invalid dossier:",
                   "sheet 'project' cell B3 (version): dossier is for version '2.1', this model is '2.0'")


def test_xlsx_bad_enum_cell(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, _set("farms", "1", "type_reference", "spécifique"))
    out_file = tmp_path / "r.html"
    code, captured = run_cli(capsys, dossier, out_file, "html")
    where = _where(workbook_path, "farms", "1", "type_reference")
    assert_refused(code, captured, out_file, f"{where}: expected one of 'specifique', 'semi_generique', 'generique', got \"spécifique\"")


def test_not_a_workbook(tmp_path, capsys):
    dossier = tmp_path / "dossier.xlsx"
    dossier.write_text("farm;Surf\n1;120\n", encoding="utf-8")
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: not a readable xlsx dossier workbook")


def test_empty_template_is_refused_not_computed(tmp_path, capsys):
    """A template run as is has no farm: RE = 0 with every criterion vacuously met would be a
    result that looks complete; it is refused."""
    template = tmp_path / "empty.xlsx"
    assert main(["template", "--method", "lbc_gc", "--version", "2.0", "--out", str(template)]) == 0
    capsys.readouterr()
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, template, out_file)
    assert_refused(code, captured, out_file, str(template), "sheet 'farms': the project needs at least one farm (exploitation agricole); the list is empty "
                   "— field project.farms")


def test_format_without_output_is_refused(capsys):
    code = main(["run", str(EXAMPLE), *RUN, "--format", "xlsx"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "--output: --format xlsx writes a file: give --output FILE.xlsx" in " ".join(captured.err.split())


def test_xlsx_reference_year_missing_is_located(workbook_path, tmp_path, capsys):
    """Deleting the k = -2 year (and its crop and fertiliser rows) of the system '1_1'."""
    def drop_year(wb):
        for sheet in ("cultures", "mineraux", "organiques", "amendements", "intercultures"):
            ws = wb[sheet]
            col = _col(ws, "year_id")
            for r in range(ws.max_row, 2, -1):
                if ws[f"{col}{r}"].value == "1_1_2":
                    ws.delete_rows(r)
        ws = wb["years"]
        ws.delete_rows(_row(ws, "1_1_2"))
    dossier = _mutated(workbook_path, tmp_path, drop_year)
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, str(dossier),
                   "sheet 'years', rows with parent id '1_1' (sheet 'systems' row 3): the reference years "
                   "(k = -3 .. -1) are all required; missing k = -2 — field project.farms[0].systems[0].years")


def test_xlsx_deleted_units_row_of_the_project_sheet(workbook_path, tmp_path, capsys):
    dossier = _mutated(workbook_path, tmp_path, lambda wb: wb["project"].delete_rows(2))
    out_file = tmp_path / "r.json"
    code, captured = run_cli(capsys, dossier, out_file)
    assert_refused(code, captured, out_file, f"{dossier}: sheet 'project' cell A2 (method): row 2 must say 'text'")

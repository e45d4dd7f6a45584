"""Annex workbooks: the loader's located errors on broken files, and a run that follows
a promoter's own annex folder (--annexes)."""
import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from carbonspec.compiler.cli import main
from carbonspec.compiler.errors import InputError
from carbonspec.runtime.engine.tables import load_annexes

from conftest import ANNEXES, ROOT

EXAMPLE = ROOT / "examples" / "lbc_gc" / "fertilisation-yonne.json"


def _csv_rows(name):
    with (ANNEXES / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _typed(cell, unit):
    """CSV text -> the Excel cell a promoter would type (numbers and booleans typed)."""
    if cell == "":
        return None
    if unit in ("key", "text"):
        return cell
    if unit == "bool":
        return cell.lower() == "true"
    return float(cell)


def write_workbook(folder: Path, tables=None, name="annexe-test.xlsx"):
    """All fixture tables as sheets of one workbook (or only `tables`)."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    info = wb.create_sheet("LISEZMOI")
    info["A1"] = "ignored by the loader"
    for p in sorted(ANNEXES.glob("*.csv")):
        if tables is not None and p.stem not in tables:
            continue
        rows = _csv_rows(p.stem)
        ws = wb.create_sheet(p.stem)
        ws.append(rows[0])
        ws.append(rows[1])
        for r in rows[2:]:
            ws.append([_typed(c, u) for c, u in zip(r, rows[1])])
    path = folder / name
    wb.save(path)
    return path


def edit(path: Path, sheet: str, cell: str, value):
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


@pytest.fixture
def book(tmp_path):
    return write_workbook(tmp_path / "annexes")


def load(compiled, folder):
    return load_annexes(folder, compiled.model)


def test_workbook_loads_like_the_csv_fixtures(compiled, book):
    xl = load(compiled, book.parent)
    ref = load(compiled, ANNEXES)
    assert set(xl.tables) == set(ref.tables)
    for name, t in ref.tables.items():
        assert xl.tables[name].rows.keys() == t.rows.keys()
        assert xl.tables[name].status == t.status
    assert xl.content_hash == ref.content_hash  # same values, same hash, whatever the file format
    assert xl.tables["cultures_CA"].where == "annexe-test.xlsx[cultures_CA]"


BROKEN = [
    # (sheet, cell, value, expected fragment of the message)
    ("cultures_CA", "D1", "INTERCEPTE", "[cultures_CA]!D1: unknown column 'INTERCEPTE' (did you mean 'INTERCEPT'?)"),
    ("cultures_CA", "D2", "t_MS / ha", "[cultures_CA]!D2: unit of column 'INTERCEPT' is 't_MS / ha'; the spec declares 't_DM / ha'"),
    ("cultures_CA", "G3", "0,006", "[cultures_CA]!G3: expected a number, found the text '0,006' (a number stored as text?)"),
    ("cultures_CA", "G4", None, "[cultures_CA]!G4: column 'N_AG': empty cell in a required column"),
    ("cultures_CA", "A4", "ble_tendre", "[cultures_CA]!A4: duplicate key ble_tendre in table 'cultures_CA'"),
    ("cultures_CA", "K3", "sourcé", "[cultures_CA]!K3: column 'status': status must be one of method-text, public-source, placeholder"),
    ("cultures_CA", "J3", None, "[cultures_CA]!J3: column 'source': empty cell in a required column"),
    ("cultures_CA", "H3", -0.2, "[cultures_CA]!H3: column 'RS': Input should be greater than or equal to 0"),
    ("engrais_mineraux", "B3", "peut-être", "[engrais_mineraux]!B3: expected true/false, found 'peut-être'"),
    ("cultures_CA", "L3", 12, "[cultures_CA]!L3: a value outside the declared columns"),
    ("annexe04_prg", "A4", 298, "[annexe04_prg]!A4: table 'annexe04_prg' has no key column, so it must have exactly one data row"),
]


@pytest.mark.parametrize("sheet, cell, value, fragment", BROKEN, ids=[b[3].split(":")[1].strip()[:40] for b in BROKEN])
def test_broken_workbook_is_a_located_error(compiled, book, sheet, cell, value, fragment):
    if sheet == "annexe04_prg" and cell == "A4":
        edit(book, sheet, "A4", 298)
        edit(book, sheet, "B4", 28)
        edit(book, sheet, "C4", "second row")
        edit(book, sheet, "D4", "placeholder")
    else:
        edit(book, sheet, cell, value)
    with pytest.raises(InputError) as err:
        load(compiled, book.parent)
    msg = err.value.render()
    assert str(book) in msg
    assert fragment in msg


def test_misspelt_sheet_name(compiled, book):
    wb = openpyxl.load_workbook(book)
    wb["amendements"].title = "amendement"
    wb.save(book)
    with pytest.raises(InputError) as err:
        load(compiled, book.parent)
    assert "[amendement]: 'amendement' is not a table of the spec (did you mean 'amendements'?)" in err.value.render()


def test_table_in_two_files(compiled, book):
    shutil.copy(ANNEXES / "amendements.csv", book.parent / "amendements.csv")
    with pytest.raises(InputError) as err:
        load(compiled, book.parent)
    assert "table 'amendements' is also in" in err.value.render()


def test_missing_table_used_by_a_lookup(compiled, tmp_path):
    folder = tmp_path / "annexes"
    write_workbook(folder, tables={"cultures_CA", "cultures_CI"})
    with pytest.raises(InputError) as err:
        load(compiled, folder)
    assert "annex table 'abattement_epandage' (Annexe 7 — FA_matériel/délais) is missing" in err.value.render()


def test_corrupt_workbook(compiled, tmp_path):
    folder = tmp_path / "annexes"
    folder.mkdir()
    (folder / "annexe07-engrais.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(InputError) as err:
        load(compiled, folder)
    assert "annexe07-engrais.xlsx: not a readable Excel workbook" in err.value.render()


def test_workbook_with_broken_sheet_xml(compiled, tmp_path):
    """A zip that opens but whose sheet XML is cut (issue 13): a located error, never exit 3."""
    import zipfile

    folder = tmp_path / "annexes"
    shutil.copytree(ROOT / "annexes" / "lbc_gc" / "v2.0", folder)
    src = folder / "annexe04-prg.xlsx"
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row"
    with zipfile.ZipFile(src, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(InputError) as err:
        load(compiled, folder)
    assert "annexe04-prg.xlsx: not a readable Excel workbook (ParseError" in err.value.render()


def test_version_file_for_another_method(compiled, book):
    (book.parent / "VERSION.json").write_text(json.dumps({"method": "climacert", "annex_version": "1"}))
    with pytest.raises(InputError) as err:
        load(compiled, book.parent)
    assert "these annexes are for method 'climacert', not 'lbc_gc'" in err.value.render()


def _run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_own_annex_folder_moves_the_results(tmp_path, capsys):
    """A promoter points --annexes at a modified copy: the result moves by exactly the
    change (here FE_N of ammonitrate, an upstream term linear in the nitrogen applied)."""
    base = ["run", str(EXAMPLE), "--method", "lbc_gc", "--version", "2.0"]
    code, out, err = _run(base + ["--annexes", str(ANNEXES)], capsys)
    assert code == 0
    before = json.loads(out)
    assert "annexes unversioned (lbc_gc)" in err and f"spec {before['spec_hash']}" in err

    mine = tmp_path / "mes-annexes"
    shutil.copytree(ANNEXES, mine)
    (mine / "VERSION.json").write_text(json.dumps({"method": "lbc_gc", "annex_version": "essai-1"}))
    text = (mine / "engrais_mineraux.csv").read_text(encoding="utf-8")
    assert "ammonitrate_33_5,false,false,false,6.72," in text
    (mine / "engrais_mineraux.csv").write_text(text.replace("ammonitrate_33_5,false,false,false,6.72,",
                                                            "ammonitrate_33_5,false,false,false,7.72,"), encoding="utf-8")
    code, out, err = _run(base + ["--annexes", str(mine)], capsys)
    assert code == 0
    after = json.loads(out)
    assert after["annexes"]["version"] == "essai-1" and "annexes essai-1" in err
    assert after["annexes"]["hash"] != before["annexes"]["hash"]
    # ΔRE = Σ_project (ref/ha - proj/ha)·Surf with Δ(EGES) = ΔFE × QN_ammonitrate / 1000
    years = before["project"]["farms"][0]["systems"][0]["years"]
    qn = [y["mineraux"][0]["QN"] for y in years]
    ref_delta = sum(q / 120.0 for q in qn[:3]) / 3 * 1.0 / 1000
    expected = sum((ref_delta - q / 120.0 / 1000) * 120.0 for q in qn[3:])
    assert after["results"]["RE_fertilisation"] - before["results"]["RE_fertilisation"] == pytest.approx(expected, rel=1e-9)


def test_annexes_command_lists_status_counts(capsys):
    code, out, err = _run(["annexes", "--method", "lbc_gc", "--version", "2.0", "--annexes", str(ANNEXES)], capsys)
    assert code == 0
    assert "abattement_epandage" in out and "16" in out
    assert "placeholder" in out and "total" in out

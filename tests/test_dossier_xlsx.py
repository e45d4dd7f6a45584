"""Dossier workbooks: the template's layout, the reader's conversions, and the round trip
JSON -> xlsx -> JSON giving the same dossier and the same results; plus the named dossier
models and the dossier format in the generated docs."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from carbonspec.compiler.cli import main
from carbonspec.runtime.dossier.xlsx import read_dossier_xlsx, write_dossier_xlsx
from carbonspec.runtime.engine.core import load_compiled

from conftest import GENERATED, ROOT

EXAMPLES = ROOT / "examples" / "lbc_gc"
RUN = ["--method", "lbc_gc", "--version", "2.0", "--backend", "reference"]
ALL_EXAMPLES = ["fertilisation-yonne.json", "yonne-120ha.json", "multi-systemes.json", "projet-collectif.json"]


@pytest.fixture(scope="module")
def schema():
    return load_compiled(GENERATED).schema


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def _results(capsys, dossier: Path) -> dict:
    code = main(["run", str(dossier), *RUN])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


# ------------------------------------------------------------------ template --
def test_template_layout(tmp_path, capsys, schema):
    path = tmp_path / "template.xlsx"
    assert main(["template", "--method", "lbc_gc", "--version", "2.0", "--out", str(path)]) == 0
    capsys.readouterr()
    wb = load_workbook(path)
    model = schema.model
    collections = [e["collection"] for e in model["entities"]]
    assert wb.sheetnames[0] == "README" and set(wb.sheetnames[1:]) == set(collections)
    # project sheet: method/version filled in, then the project's own inputs
    project = wb["project"]
    assert [c.value for c in project[1]][:3] == ["method", "version", "name"]
    assert project["A3"].value == "lbc_gc" and project["B3"].value == "2.0"
    # every entity sheet: id, the parent id (except directly under the project), its inputs in model order
    for ent in model["entities"]:
        if ent["parent"] is None:
            continue
        ws = wb[ent["collection"]]
        names = [c.value for c in ws[1]]
        inputs = [i for i in model["inputs"] if i["entity"] == ent["name"] and not i.get("builtin")]
        lead = ["id"] if ent["parent"] == "project" else ["id", f"{ent['parent']}_id"]
        assert names == lead + [i["name"] for i in inputs], ent["name"]
        units = [c.value for c in ws[2]]
        for i, name in enumerate(names):
            inp = next((x for x in inputs if x["name"] == name), None)
            if inp is not None and inp["dtype"] == "real":
                assert units[i] == inp["unit"], (ent["name"], name)
        assert ws.max_row == 2  # empty: header and units only
    # data validation: enum list, bool list, parent ids from the parent sheet
    farms = wb["farms"]
    lists = {dv.formula1 for dv in farms.data_validations.dataValidation}
    assert '"specifique,semi_generique,generique"' in lists and '"TRUE,FALSE"' in lists
    years = wb["years"]
    assert any(dv.formula1 == "'systems'!$A$3:$A$1048576" for dv in years.data_validations.dataValidation)
    # every header carries its description and method line as a comment
    surf = next(c for c in years[1] if c.value == "Surf")
    assert "surface agricole utile" in surf.comment.text and "L1234" in surf.comment.text
    readme = [r[1] for r in wb["README"].iter_rows(values_only=True)]
    assert any(isinstance(t, str) and "unité de chaque nombre" in t for t in readme)


def test_template_wants_an_xlsx_name(tmp_path, capsys):
    code = main(["template", "--method", "lbc_gc", "--version", "2.0", "--out", str(tmp_path / "t.json")])
    assert code == 2 and "give a FILE.xlsx" in capsys.readouterr().err
    assert not (tmp_path / "t.json").exists()


# ---------------------------------------------------------------- round trip --
@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_json_to_xlsx_to_json_same_dossier_same_results(tmp_path, capsys, schema, name):
    raw = _example(name)
    xlsx = tmp_path / name.replace(".json", ".xlsx")
    write_dossier_xlsx(schema, copy.deepcopy(raw), xlsx)
    back, _ = read_dossier_xlsx(schema, xlsx)
    # the validated dossiers are equal field by field (defaults filled in the same way)
    assert schema.validate(back, "xlsx").model_dump() == schema.validate(raw, "json").model_dump()
    from_json = _results(capsys, EXAMPLES / name)
    from_xlsx = _results(capsys, xlsx)
    assert from_xlsx["results"] == from_json["results"]                     # exactly, every line item
    assert from_xlsx["project"] == from_json["project"]                     # and the whole trace


def test_committed_xlsx_example_is_the_twin_of_its_json(schema):
    """examples/lbc_gc/yonne-120ha.xlsx is written by build_examples.py; it must still be the
    same dossier as yonne-120ha.json (not stale)."""
    back, _ = read_dossier_xlsx(schema, EXAMPLES / "yonne-120ha.xlsx")
    assert schema.validate(back, "xlsx").model_dump() == schema.validate(_example("yonne-120ha.json"), "json").model_dump()


def test_example_json_files_are_what_the_builder_writes(tmp_path):
    """The JSON examples are outputs of build_examples.py (values chosen and explained there)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_examples", EXAMPLES / "build_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, build in mod.EXAMPLES.items():
        committed = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
        assert committed == build(), f"{name}.json is stale: run python examples/lbc_gc/build_examples.py"


# ------------------------------------------------------------------- reading --
def test_reader_conversions_and_row_order(tmp_path, schema):
    """What a spreadsheet changes: numeric ids, decimal commas, yes/no words, integral floats;
    and children grouped by parent id whatever the order of the rows in the sheet."""
    raw = _example("yonne-120ha.json")
    path = tmp_path / "d.xlsx"
    write_dossier_xlsx(schema, copy.deepcopy(raw), path)
    wb = load_workbook(path)
    farms = wb["farms"]
    head = {c.value: c.column for c in farms[1]}
    farms.cell(3, head["id"], 1)                            # numeric id ...
    farms.cell(3, head["FRAC_LESS"], "0,3")                 # French decimal comma
    farms.cell(3, head["outil_certifie"], "oui")
    farms.cell(3, head["leviers_declares"], 3.0)            # integral float for an int
    systems = wb["systems"]
    systems.cell(3, [c.value for c in systems[1]].index("farm_id") + 1, "1")   # ... referred to as text
    # reverse the rows of the years sheet: the years' order changes, their crops must follow them
    years = wb["years"]
    rows = [[c.value for c in r] for r in years.iter_rows(min_row=3)]
    for r, values in enumerate(reversed(rows), start=3):
        for c, v in enumerate(values, start=1):
            years.cell(r, c, v)
    wb.save(path)
    back, loc = read_dossier_xlsx(schema, path)
    farm = back["project"]["farms"][0]
    assert farm["FRAC_LESS"] == 0.3 and farm["outil_certifie"] is True and farm["leviers_declares"] == 3
    assert isinstance(farm["leviers_declares"], int)
    ks = [y["k"] for y in farm["systems"][0]["years"]]
    assert ks == [4, 3, 2, 1, 0, -1, -2, -3]        # sheet order kept
    # each year still has its own crops (grouped by year_id, not by position)
    by_k = {y["k"]: y for y in farm["systems"][0]["years"]}
    src = {y["k"]: y for y in raw["project"]["farms"][0]["systems"][0]["years"]}
    for k in by_k:
        assert by_k[k]["cultures"] == src[k]["cultures"]
    # the locator follows the rows: years[0] is now k = 4, on row 3
    assert loc("project.farms[0].systems[0].years[0].k").startswith("sheet 'years' cell ")
    assert loc("project.farms[0].systems[0].years[0]") == "sheet 'years' row 3"


def test_writer_refuses_an_invalid_dossier(tmp_path, schema):
    from carbonspec.runtime.dossier.reader import DossierError

    raw = _example("yonne-120ha.json")
    raw["project"]["farms"][0]["systems"][0]["years"][0]["Surf"] = -1
    with pytest.raises(DossierError, match=r"years\[0\]\.Surf: Input should be greater than 0"):
        write_dossier_xlsx(schema, raw, tmp_path / "bad.xlsx")
    assert not (tmp_path / "bad.xlsx").exists()


# -------------------------------------------------------- models and docs --
def test_dossier_models_are_named_and_described(schema):
    js = schema.json_schema()
    model = schema.model
    wanted = {"Project", "Farm", "System", "Year", "Culture", "FarmYear", "CultureOS", "AnneeMRP", "ParcelleMiscanthus"}
    assert wanted <= set(js["$defs"])
    year = js["$defs"]["Year"]
    surf = year["properties"]["Surf"]
    assert surf["title"] == "Surf" and surf["x-unit"] == "ha" and surf["x-method"] == "6.1.1 L1234"
    assert "surface agricole utile" in surf["description"] and "> 0" in surf["description"]
    assert year["properties"]["cultures"]["items"] == {"$ref": "#/$defs/Culture"}
    # every input of every entity is described
    for ent in model["entities"]:
        props = js["$defs"][schema.class_names[ent["name"]]]["properties"]
        for inp in schema.inputs[ent["name"]]:
            assert props[inp["name"]]["description"], (ent["name"], inp["name"])


def test_generated_docs_have_the_dossier_format(schema):
    docs = GENERATED / "docs"
    assert json.loads((docs / "dossier.schema.json").read_text(encoding="utf-8")) == schema.json_schema()
    html = (docs / "dossier.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="dossier">'):]
    assert 'href="dossier.schema.json"' in section
    for ent in schema.model["entities"]:
        assert f'id="dossier-{ent["name"]}"' in section, ent["name"]
        for inp in schema.inputs[ent["name"]]:
            assert f'id="dossier-{ent["name"]}-{inp["name"]}"' in section, inp["name"]
    row = section[section.index('id="dossier-year-Surf"'):]
    row = row[: row.index("</tr>")]
    assert "<code>ha</code>" in row and "&gt; 0" in row and "required" in row and "L1234" in row


def test_schema_command_prints_the_named_schema(capsys):
    assert main(["schema", "--method", "lbc_gc", "--version", "2.0"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["title"] == "Dossier lbc_gc v2.0" and "Farm" in js["$defs"]

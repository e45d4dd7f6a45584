"""`carbonspec amg FILE.json`: located errors (file and field path, exit code 2, no
traceback), soil analyses in the input, and the committed JSON Schema."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.models.amg.io import schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "amg" / "trial_1.json"
SCHEMA = ROOT / "examples" / "amg" / "amg-input.schema.json"
BASE = json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _small():
    """The first 4 years of TRIAL_1/CON."""
    doc = copy.deepcopy(BASE)
    doc["plots"] = [doc["plots"][0]]
    doc["plots"][0]["years"] = doc["plots"][0]["years"][:4]
    return doc


def _run(tmp_path, doc, *args, name="trial.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path, main(["amg", str(path), *args])


def _error(tmp_path, capsys, doc):
    path, code = _run(tmp_path, doc)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "Traceback" not in err
    return path, " ".join(err.split())


def test_negative_yield_names_file_and_field(tmp_path, capsys):
    doc = _small()
    doc["plots"][0]["years"][3]["yield"] = -1
    path, err = _error(tmp_path, capsys, doc)
    assert f"error: {path}: plots[0].years[3].yield: Input should be greater than or equal to 0 (got -1)" in err


@pytest.mark.parametrize("edit, where, what", [
    (lambda d: d["plots"][0]["years"][1].update(crop="grain_maze"), "plots[0].years[1].crop",
     "unknown mc crop 'grain_maze'"),
    (lambda d: d["plots"][0]["years"][2].update(cover_crop={"crop": "grain_maize", "biomass": 2}),
     "plots[0].years[2].cover_crop.crop", "unknown cc crop 'grain_maize'"),
    (lambda d: d["plots"][0]["years"][1].update(organic=[{"product": "cow dung", "dose": 10}]),
     "plots[0].years[1].organic[0].product", "unknown organic product 'cow dung'"),
    (lambda d: d["plots"][0]["years"][0]["weather"].pop("PET"), "plots[0].years[0].weather.PET", "Field required"),
    (lambda d: d["plots"][0]["years"][0].update(tillage=28), "plots[0].years[0].tillage", "unknown field"),
    (lambda d: d["plots"][0]["years"][1].update(residues="burnt"), "plots[0].years[1].residues",
     "Input should be 'returned' or 'exported'"),
    (lambda d: d["plots"][0]["years"][2].update(year=2005), "plots[0]", "years must be consecutive"),
    (lambda d: d["plots"][0]["soil"].update(depth=40), "plots[0].soil.depth", "less than or equal to 30"),
    (lambda d: d["plots"][0]["soil"].pop("initial_stock"), "plots[0].soil", "give either initial_stock"),
    (lambda d: d["plots"][0]["years"][0]["weather"].update(T_mean="warm"), "plots[0].years[0].weather.T_mean",
     "valid number"),
    (lambda d: d["plots"].append(copy.deepcopy(d["plots"][0])), "plots[1].id", "duplicate plot id 'TRIAL_1/CON'"),
])
def test_bad_input_is_located(tmp_path, capsys, edit, where, what):
    doc = _small()
    edit(doc)
    path, err = _error(tmp_path, capsys, doc)
    assert f"{path}: {where}" in err and what in err, err


def test_invalid_json_and_missing_file(tmp_path, capsys):
    path, err = _error(tmp_path, capsys, '{"plots": [\n  {"id": 1,}\n]}')
    assert f"{path}:2:" in err and "invalid JSON" in err
    code = main(["amg", str(tmp_path / "absent.json")])
    assert code == 2 and "cannot read" in capsys.readouterr().err


def test_soil_analysis_with_pedotransfer(tmp_path, capsys):
    """Initial stock from two horizons, the second one's BD by the Annexe 14 PTF; the
    considered depth becomes 25 cm (soil thickness), C0 = 0.1 x (15 x 1.3 x 20 + 10 x BD x 5
    x 0.9)."""
    doc = _small()
    doc["plots"][0]["soil"] = {"clay": 178, "CaCO3": 115, "pH": 8.39, "CN": 10.35, "thickness": 25, "analysis": [
        {"top": 0, "bottom": 20, "SOC": 15, "bulk_density": 1.3},
        {"top": 20, "bottom": 35, "SOC": 10, "stones": 10,
         "texture": {"clay": 17.5, "silt": 77, "sand": 4, "OM": 1.7}}]}
    path, code = _run(tmp_path, doc, "--backend", "reference", "--no-rounding")
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    plot = out["plots"][0]
    bd = 1.437 + 0.134575 + 0.015524 - 0.04575375 - 0.00031856 - 0.11517891 - 0.0082348
    assert plot["depth_cm"] == 25
    assert plot["initial_stock"] == pytest.approx(0.1 * (15 * 1.3 * 20 + 10 * bd * 5 * 0.9), rel=1e-7)
    doc["plots"][0]["soil"]["depth"] = 30
    _, err = _error(tmp_path, capsys, doc)
    assert "plots[0].soil: depth 30 cm is deeper than the soil or the analysed layer (25 cm)" in err
    doc["plots"][0]["soil"].pop("depth")
    doc["plots"][0]["soil"]["analysis"][1]["bulk_density"] = 1.4
    _, err = _error(tmp_path, capsys, doc)
    assert "plots[0].soil.analysis[1]: give either bulk_density" in err


def test_plots_of_different_lengths_run_together(tmp_path, capsys):
    doc = copy.deepcopy(BASE)
    doc["plots"][1]["years"] = doc["plots"][1]["years"][:5]
    _, code = _run(tmp_path, doc, "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert code == 0 and len(lines) == 1 + 19 + 5
    assert lines[0].startswith("plot,year,time,")


def test_committed_schema_is_current():
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == schema(), \
        "examples/amg/amg-input.schema.json is stale: regenerate it from carbonspec.runtime.models.amg.io.schema()"

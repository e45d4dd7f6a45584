"""AMG v2 against the public R implementation (AMG_base) on its own example, TRIAL_1.

The expected values are the R script's outputs, read from
../shared/reference/amg_base-example/outputs/ (not copied into the project); the inputs
are examples/amg/trial_1.json.  Skipped, with the reason, when that folder is absent.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from carbonspec.compiler.cli import main
from carbonspec.runtime.models.amg import crop_inputs, load_params
from carbonspec.runtime.models.amg.io import read_input, run_document

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "amg" / "trial_1.json"
R_OUT = Path(__file__).resolve().parents[2] / "shared" / "reference" / "amg_base-example" / "outputs"

needs_r = pytest.mark.skipif(not (R_OUT / "outputs_SOC_STOCKS.csv").exists(),
                             reason=f"AMG_base reference outputs not found at {R_OUT} "
                                    "(they sit beside the project in ../shared/reference/)")


def _r_rows(name):
    with (R_OUT / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _run(backend, rounding):
    params = load_params()
    doc = read_input(EXAMPLE)
    return {p["id"]: p for p in run_document(doc, params, str(EXAMPLE), backend, rounding)}


@needs_r
@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_yearly_stocks_match_R_with_rounding(backend):
    got = _run(backend, rounding=True)
    r_rows = _r_rows("outputs_SOC_STOCKS.csv")
    assert len(r_rows) == 38
    for r in r_rows:
        row = got[f"TRIAL_1/{r['Treatment']}"]["years"][int(r["Time"])]
        assert row["year"] == int(r["Year"])
        for ours, theirs, tol in (("QC", "QC", 1e-4), ("QCA", "QCA", 1e-4), ("QCS", "QCS", 1e-4),
                                  ("k", "k", 1e-9), ("fT", "fT", 1e-9), ("fH", "fH", 1e-9),
                                  ("C_input_hum", "CTOT_hum_year", 1e-12)):
            assert abs(row[ours] - float(r[theirs])) <= tol, (r["Treatment"], r["Year"], ours, row[ours], r[theirs])
    # the figures quoted in the issue
    assert abs(got["TRIAL_1/CON"]["final_stock"] - 46.5781) < 1e-4
    assert abs(got["TRIAL_1/FYM"]["final_stock"] - 59.0535) < 1e-4


@needs_r
def test_without_rounding_the_deviation_is_the_known_few_hundredths():
    """Notes §1.8: without the R rounding the stocks move by up to ~0.031 t C/ha after 18
    years (mostly T rounded to 0.1 degC).  Measured here: 0.0309 (CON 2018 and FYM)."""
    got = _run("numba", rounding=False)
    dev = max(abs(got[f"TRIAL_1/{r['Treatment']}"]["years"][int(r["Time"])]["QC"] - float(r["QC"]))
              for r in _r_rows("outputs_SOC_STOCKS.csv"))
    assert 0.02 < dev < 0.035


@needs_r
def test_crop_and_organic_inputs_match_R_row_by_row():
    """outputs_C_SUPPLY.csv: CAG, CBG, their humified parts and the manure C of every crop row."""
    params = load_params()
    rows = _r_rows("outputs_C_SUPPLY.csv")
    types = {"MC": "mc", "CC": "cc", "CCH": "cch"}
    crop = [params.crop_index(types[r["Crop_type"]], r["Crop_name"], "test") for r in rows]
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    by_key = {(p["id"].split("/")[1], y["year"]): y for p in doc["plots"] for y in p["years"]}
    yields, returned = [], []
    for r in rows:
        y = by_key[(r["Treatment"], int(r["Year"]))]
        part = y if r["Crop_type"] == "MC" else y["cover_crop"]
        yields.append(part["yield"] if r["Crop_type"] == "MC" else part["biomass"])
        returned.append(part["residues"] == "returned")
    got = crop_inputs(params, crop, yields, np.zeros(len(rows)), returned, np.full(len(rows), 28.0))
    for name in ("CAG", "CBG", "CPLT", "CAG_hum", "CBG_hum", "CPLT_hum"):
        np.testing.assert_allclose(got[name], [float(r[name]) for r in rows], rtol=1e-12, atol=1e-15, err_msg=name)


@needs_r
def test_cli_csv_reproduces_R(capsys):
    code = main(["amg", str(EXAMPLE), "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0
    lines = list(csv.DictReader(out.splitlines()))
    assert len(lines) == 38
    r_rows = _r_rows("outputs_SOC_STOCKS.csv")
    for mine, r in zip(lines, r_rows):
        assert mine["plot"] == f"TRIAL_1/{r['Treatment']}" and int(mine["year"]) == int(r["Year"])
        assert abs(float(mine["QC"]) - float(r["QC"])) <= 1e-4
    assert "TRIAL_1/CON: 46.5781 t C/ha in 2018" in err and "TRIAL_1/FYM: 59.0535 t C/ha in 2018" in err


def test_cli_json_shape(capsys):
    """Runs without the R outputs: the JSON document names units, tables and rounding."""
    code = main(["amg", str(EXAMPLE), "--backend", "reference", "--no-rounding"])
    out, err = capsys.readouterr()
    assert code == 0
    doc = json.loads(out)
    assert doc["rounding"] == "none" and doc["backend"] == "reference"
    assert [p["id"] for p in doc["plots"]] == ["TRIAL_1/CON", "TRIAL_1/FYM"]
    con = doc["plots"][0]
    assert len(con["years"]) == 19 and con["years"][0]["QC"] == 50.95 and con["depth_cm"] == 28
    assert doc["units"]["QC"] == "t C/ha"
    assert "rounding emulation off" in err

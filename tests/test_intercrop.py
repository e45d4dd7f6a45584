"""`carbonspec intercrop` (QUANTICA): the SAFY crop model, its calibration on LAI series, AMG
with and without the cover crops, the input format and its errors.

Hand values: one day of the model from the equations of Duchemin et al. (2008) as written in
runtime/models/crop/__init__.py; recovery: LAI made by the model with known parameters, noise and
cloud gaps, the fitted biomass within its stated uncertainty."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonspec.compiler.cli import main
from carbonspec.compiler.errors import InputError
from carbonspec.runtime.intercrop.inputs import load_document, read_json
from carbonspec.runtime.intercrop.parquet import read_parquet, write_parquet
from carbonspec.runtime.intercrop.pipeline import run
from carbonspec.runtime.models.crop import kernel, load_params, reference
from carbonspec.runtime.models.crop.fit import fit_plot, simulate_one
from carbonspec.runtime.models.crop.params import FIXED

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "quantica" / "gers-synthetic.json"
P = load_params()
FX = P.for_type("mustard")


def test_one_day_by_hand():
    """Emergence on day 0 (DAM0 = 4.2 g/m2, GLA = DAM0 x SLA), then day 1 at T = 12 degC, Rg = 10 MJ/m2."""
    T = np.array([10.0, 12.0])
    Rg = np.array([8.0, 10.0])
    gla, dam = simulate_one(T, Rg, [0.0, 2.0, 800.0, 3000.0], FX)
    sla = FX["SLA"]                      # 0.025 for mustard (ci_types.csv)
    assert gla[0] == pytest.approx(4.2 * sla, rel=1e-15) and dam[0] == 4.2
    ft = 1 - ((12 - 20) / (0 - 20)) ** 2                      # 0.84
    apar = 0.48 * 10 * (1 - math.exp(-0.5 * 4.2 * sla))       # PAR absorbed by the day-0 canopy
    ddam = 2.0 * apar * ft
    pl = 1 - 0.1 * math.exp(0.002 * 12)                        # SMT = 12 degree-days
    assert ft == pytest.approx(0.84)
    assert dam[1] == pytest.approx(4.2 + ddam, rel=1e-14)
    assert gla[1] == pytest.approx(4.2 * sla + ddam * pl * sla, rel=1e-14)   # SMT < STT: no senescence
    assert ddam == pytest.approx(0.84 * 2 * 4.8 * (1 - math.exp(-0.0525)), rel=1e-14)


def test_temperature_outside_the_range_stops_growth_and_senescence_shrinks_the_canopy():
    T = np.array([10.0, -2.0, 40.0])
    g, d = simulate_one(T, np.array([10.0, 10.0, 10.0]), [0.0, 2.0, 800.0, 3000.0], FX)
    assert d[1] == d[0] == d[2]                               # Ft = 0 below T_min and above T_max
    T = np.full(60, 20.0)                                     # 20 degC: SMT passes STT = 800 on day 41
    g, d = simulate_one(T, np.full(60, 15.0), [0.0, 2.0, 800.0, 1000.0], FX)
    assert np.all(np.diff(d) > 0) and g[-1] < g.max()


def _weather(n, seed):
    rng = np.random.default_rng(seed)
    days = np.arange(n)
    T = 16 - 9 * np.sin(2 * np.pi * (days + 20) / 365) + rng.normal(0, 2, n)
    Rg = np.clip(14 - 9 * np.sin(2 * np.pi * (days + 20) / 365) * rng.uniform(0.6, 1.2, n), 1, None)
    return T, Rg


@pytest.mark.parametrize("seed", range(8))
def test_parameters_recovered_within_the_stated_uncertainty(seed):
    rng = np.random.default_rng(100 + seed)
    n = 190
    T, Rg = _weather(n, seed)
    truth = [rng.uniform(3, 25), rng.uniform(0.8, 2.2), rng.uniform(900, 1500), rng.uniform(2500, 6000)]
    gla, dam = simulate_one(T, Rg, truth, FX)
    obs = np.arange(2, n, 5)
    obs = obs[rng.random(obs.size) > 0.45]                    # ~45 % of the revisits lost to clouds
    sd = 0.12 + 0.05 * gla[obs]
    lai = np.maximum(gla[obs] + rng.normal(0, sd), 0)
    f = fit_plot(T, Rg, obs, lai, sd, n - 1, FX, {**P.bounds, "D0": (0.0, 40.0)})
    assert f.success and f.r2 > 0.6
    assert abs(f.biomass - dam[-1]) <= 3 * f.biomass_sd + 1e-9, (f.biomass, dam[-1], f.biomass_sd)
    assert f.biomass_sd / dam[-1] < 0.5                      # an informative uncertainty, not a blank cheque


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_plots=st.integers(1, 6))
def test_numba_and_numpy_agree(seed, n_plots):
    rng = np.random.default_rng(seed)
    n = 150
    T = rng.uniform(-5, 40, (n_plots, n))
    Rg = rng.uniform(0, 30, (n_plots, n))
    theta = np.column_stack([rng.uniform(0, 60, n_plots), rng.uniform(0.3, 6, n_plots),
                             rng.uniform(100, 3000, n_plots), rng.uniform(200, 30000, n_plots)])
    fixed = np.tile([FX[k] for k in FIXED], (n_plots, 1))
    a = kernel.simulate(T, Rg, theta, fixed)
    b = reference.simulate(T, Rg, theta, fixed)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def example():
    doc = read_json(EXAMPLE)
    return doc, run(doc, "gers")


def test_plot_without_cover_crop_has_no_biomass_and_no_extra_storage(example):
    _, r = example
    p6 = next(p for p in r["plots"] if p["id"] == "P6")        # flat LAI, no cover crop declared
    assert all(s["biomass_t_DM_ha"] == 0 and not s["present"] for s in p6["seasons"])
    assert p6["soil_carbon"]["additional_storage_t_C_ha"] == 0.0
    assert p6["soil_carbon"]["stocks_with_ci"] == p6["soil_carbon"]["stocks_without_ci"]


def test_a_declared_cover_crop_that_is_not_seen_gets_no_biomass(example):
    doc, _ = example
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    p = raw["plots"][5]                                        # P6: bare, flat LAI
    p["intercrops"][0].update({"ci_type": "mustard", "destruction": "2024-02-20"})
    r = run(load_document(raw, "x"), "x")
    s = r["plots"][5]["seasons"][0]
    assert not s["present"] and s["biomass_t_DM_ha"] == 0
    assert any("non observée" in w for w in r["warnings"])
    assert r["plots"][5]["soil_carbon"]["additional_storage_t_C_ha"] == 0.0


def test_example_recovers_its_known_biomass(example):
    """The synthetic truth (build_example.py) against the fit: within 3 sd (plus 0.1 t for the
    LAI made at the sowing day, which the fit sees as the emergence)."""
    doc, r = example
    truth = json.loads((EXAMPLE.parent / "gers-synthetic.truth.json").read_text())
    checked = 0
    for p, pd in zip(r["plots"], doc.plots):
        for s, w in zip(p["seasons"], pd.intercrops):
            if not s["present"]:
                continue
            theta = truth[p["id"]][str(s["campaign"])]
            station = doc.weather[0]
            a = (w.sowing - station.daily[0].date).days
            b = (w.destruction - station.daily[0].date).days
            T = np.array([d.T_mean for d in station.daily[a:b + 1]])
            R = np.array([d.radiation for d in station.daily[a:b + 1]])
            true_b = simulate_one(T, R, theta, P.for_type(w.ci_type))[1][-1] / 100
            assert abs(s["biomass_t_DM_ha"] - true_b) <= 3 * s["biomass_sd_t_DM_ha"] + 0.1, (p["id"], s["campaign"])
            checked += 1
    assert checked == 9


def test_extra_storage_is_positive_with_cover_crops_and_scales_with_area(example):
    _, r = example
    for p in r["plots"]:
        sc = p["soil_carbon"]
        if sc is None:
            assert p["id"] == "P3"                            # no soil analysis: no AMG
            continue
        if any(s["present"] for s in p["seasons"]):
            assert sc["additional_storage_t_C_ha"] > 0
        assert sc["additional_storage_t_CO2e_ha"] == pytest.approx(sc["additional_storage_t_C_ha"] * 44 / 12, rel=1e-15)
        assert sc["additional_storage_t_CO2e"] == pytest.approx(sc["additional_storage_t_CO2e_ha"] * p["area_ha"], rel=1e-15)


def test_system_biomass_is_the_area_weighted_mean_of_its_plots(example):
    _, r = example
    plots = {p["id"]: p for p in r["plots"]}
    sy = next(s for s in r["systems"] if s["system"] == "SdC-ble-tournesol")
    c23 = next(c for c in sy["campaigns"] if c["campaign"] == 2023)
    b = {pid: next(s["biomass_t_DM_ha"] for s in plots[pid]["seasons"] if s["campaign"] == 2023) for pid in ("P1", "P2", "P3")}
    a = {pid: plots[pid]["area_ha"] for pid in b}
    assert c23["biomass_t_DM_ha"] == pytest.approx(sum(b[k] * a[k] for k in b) / sum(a.values()), rel=1e-14)
    assert c23["ci_area_ha"] == pytest.approx(12.4 + 8.7 + 15.1) and c23["ci_type"] == "mustard"
    p5 = plots["P5"]
    assert {s["acquisition_mode"] for s in p5["seasons"]} == {"coupled"}      # weighed: coupled mode
    assert p5["provenance"]["acquisition_modes"] == ["couplage pesée / télédétection"]


def test_geometry_area_in_lambert93_matches_and_a_wrong_area_is_refused(example):
    _, r = example
    for p in r["plots"]:
        assert p["area_geometry_ha"] == pytest.approx(p["area_ha"], rel=1e-4)
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    raw["plots"][0]["area_ha"] = 14.0
    with pytest.raises(InputError) as e:
        run(load_document(raw, "f.json"), "f.json")
    assert "plots[0].area_ha" in e.value.render() and "Lambert-93" in e.value.render()


def _bad(mutate):
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    mutate(raw)
    with pytest.raises(InputError) as e:
        doc = load_document(raw, "f.json")
        run(doc, "f.json")
    return e.value.render()


def test_bad_inputs_get_located_errors():
    def unsorted(r):
        r["plots"][1]["lai"][4]["date"], r["plots"][1]["lai"][5]["date"] = \
            r["plots"][1]["lai"][5]["date"], r["plots"][1]["lai"][4]["date"]
    msg = _bad(unsorted)
    assert "plots[1].lai[5].date" in msg and "increasing" in msg
    msg = _bad(lambda r: r["plots"][2]["lai"][3].update(value=-0.2))
    assert "plots[2].lai[3].value" in msg and "greater than or equal to 0" in msg
    msg = _bad(lambda r: r["plots"][0]["intercrops"][0].update(start="2022-07-01", sowing="2022-08-01",
                                                                destruction="2023-02-01", end="2023-03-01"))
    assert "plots[0].intercrops[0]" in msg and "outside the LAI series" in msg
    msg = _bad(lambda r: r["plots"][0]["intercrops"][1].update(ci_type="moutard"))
    assert "plots[0].intercrops[1].ci_type" in msg and "unknown cc crop 'moutard'" in msg and "mustard" in msg
    msg = _bad(lambda r: r["plots"][0].update(system="SdC-ble-tournesl"))
    assert "plots[0].system" in msg and "did you mean" in msg


def test_cli_writes_json_csv_html_and_bad_input_exits_2(tmp_path, capsys):
    assert main(["intercrop", str(EXAMPLE), "--format", "csv", "--output", str(tmp_path / "r.csv")]) == 0
    rows = (tmp_path / "r.csv").read_text().splitlines()
    assert len(rows) == 1 + 12 and rows[0].startswith("plot,rpg_id")
    assert main(["intercrop", str(EXAMPLE), "--format", "html", "--output", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text()
    assert html.count("<svg") == 9 + 5 and "Données synthétiques" in html
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "carbonspec-intercrop/1", "name": "x", "name": "y"}')
    capsys.readouterr()
    assert main(["intercrop", str(bad)]) == 2
    assert "duplicate key 'name'" in capsys.readouterr().err


def test_parquet_folder_gives_the_same_results(tmp_path, example):
    doc, r = example
    write_parquet(doc, tmp_path / "pq")
    r2 = run(read_parquet(tmp_path / "pq"), "gers")
    assert json.dumps(r2, sort_keys=True) == json.dumps(r, sort_keys=True)
    import pyarrow.parquet as pq
    t = pq.read_table(tmp_path / "pq" / "lai.parquet").to_pylist()
    t[7]["value"] = -1.0
    import pyarrow as pa
    pq.write_table(pa.Table.from_pylist(t), tmp_path / "pq" / "lai.parquet")
    with pytest.raises(InputError) as e:
        read_parquet(tmp_path / "pq")
    assert "lai.parquet row 7 column value" in e.value.render()

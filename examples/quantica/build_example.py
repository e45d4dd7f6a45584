"""Builds gers-synthetic.json, the SYNTHETIC example of `carbonspec intercrop`: one farm near
Auch (Gers, Occitanie) with 6 plots in 2 cropping systems, 2022-2025.

Everything is made up, with a fixed seed, to look like real inputs:
- weather: daily values drawn around approximate monthly normals of Auch (mean temperature,
  global radiation, rainfall, reference ET; order of magnitude of the 1991-2020 normals), not
  observations;
- LAI: the SAFY model (runtime/models/crop) with known parameters per plot and season, observed
  on Sentinel-2 revisits (5 days, S2A/S2B alternating) and Landsat-8 (16 days), with
  retrieval noise and winter cloud cover flagging ~half of the dates;
- geometry: rectangles drawn in Lambert-93 and converted to WGS 84, so the declared areas
  match.
Run: .venv/bin/python examples/quantica/build_example.py  (rewrites the JSON beside it).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
from pyproj import Transformer

from carbonspec.runtime.models.crop import load_params
from carbonspec.runtime.models.crop.fit import simulate_one

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20240601)
# month: T mean degC, global radiation MJ/m2/d, rainfall mm/month, ET0 mm/month (approximate, Auch)
NORMALS = [(5.6, 5.6, 60, 18), (6.6, 8.6, 50, 28), (9.6, 13.0, 55, 55), (11.9, 16.8, 70, 78),
           (15.7, 20.2, 75, 105), (19.4, 22.6, 60, 128), (21.6, 23.3, 45, 145), (21.5, 20.2, 50, 125),
           (18.3, 15.6, 55, 85), (14.4, 10.2, 60, 50), (9.1, 6.2, 65, 24), (6.1, 4.8, 62, 15)]


def weather(first: dt.date, last: dt.date) -> list:
    out, d = [], first
    while d <= last:
        T, R, P, E = NORMALS[d.month - 1]
        days_in = 31
        out.append({"date": d.isoformat(), "T_mean": round(T + RNG.normal(0, 2.5), 1),
                    "radiation": round(max(0.5, R * RNG.uniform(0.45, 1.35)), 2),
                    "rainfall": round(float(RNG.exponential(P / days_in * 2.5)) if RNG.random() < 0.4 else 0.0, 1),
                    "ET0": round(max(0.1, E / days_in * RNG.uniform(0.6, 1.4)), 2)})
        d += dt.timedelta(days=1)
    return out


def rectangle(x0: float, y0: float, area_ha: float, ratio: float = 1.6) -> dict:
    w = (area_ha * 10_000 * ratio) ** 0.5
    h = area_ha * 10_000 / w
    inv = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    ring = [inv.transform(x, y) for x, y in ((x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0))]
    return {"type": "Polygon", "coordinates": [[[round(a, 8), round(b, 8)] for a, b in ring]]}


def lai_series(daily: list, seasons: list, first: dt.date, last: dt.date) -> list:
    """Observations every 5 days (S2) and 16 days (L8) from first to last; the truth is 0
    outside the simulated seasons."""
    start = dt.date.fromisoformat(daily[0]["date"])
    truth = {}
    P = load_params()
    for s in seasons:
        a = (s["start"] - start).days
        b = (s["destruction"] - start).days
        T = np.array([d["T_mean"] for d in daily[a:b + 1]])
        R = np.array([d["radiation"] for d in daily[a:b + 1]])
        g, _ = simulate_one(T, R, s["theta"], P.for_type(s["ci_type"]))
        for i, v in enumerate(g):
            truth[s["start"] + dt.timedelta(days=i)] = float(v)
    obs, d, n = [], first, 0
    while d <= last:
        sensors = ["S2A" if n % 2 == 0 else "S2B"] + (["L8"] if n % 3 == 0 else [])
        for sensor in sensors[:1]:
            winter = d.month in (11, 12, 1, 2)
            cloudy = RNG.random() < (0.55 if winter else 0.3)
            v = truth.get(d, 0.05)
            val = max(0.0, v + RNG.normal(0, 0.12 + 0.05 * v))
            obs.append({"date": d.isoformat(), "value": round(8.0 if cloudy and RNG.random() < 0.2 else
                                                              (RNG.uniform(0, 0.4) if cloudy else val), 3),
                        "sd": round(0.15 + 0.05 * v, 3), "qa": "cloud" if cloudy else "ok",
                        "sensor": sensor if not (n % 3 == 0 and RNG.random() < 0.3) else "L8"})
        d += dt.timedelta(days=5)
        n += 1
    return obs


SOIL = {"clay": 280, "CaCO3": 60, "pH": 7.9, "CN": 9.8, "depth": 30, "initial_stock": 48.0}
PLOTS = [  # id, system, area, ci per campaign {campaign: (ci_type, theta)}, weighing, soil
    ("P1", "SdC-ble-tournesol", 12.4, {2023: ("mustard", [8, 1.3, 1250, 4000]), 2024: ("mustard", [6, 1.1, 1300, 4500])}, False, True),
    ("P2", "SdC-ble-tournesol", 8.7, {2023: ("phacelia", [12, 1.0, 1150, 3500]), 2024: ("phacelia", [9, 0.9, 1200, 3800])}, False, True),
    ("P3", "SdC-ble-tournesol", 15.1, {2023: ("mustard", [7, 1.5, 1350, 4200])}, False, False),
    ("P4", "SdC-mais-soja", 10.2, {2023: ("vetch", [10, 1.2, 900, 5000]), 2024: ("oat", [8, 1.4, 950, 5000])}, False, True),
    ("P5", "SdC-mais-soja", 6.3, {2023: ("mixture", [9, 1.4, 950, 5000]), 2024: ("mixture", [8, 1.3, 900, 5000])}, True, True),
    ("P6", "SdC-mais-soja", 9.8, {}, False, True),   # bare intercrops: flat LAI, no cover crop
]
SUCCESSION = {"SdC-ble-tournesol": [("winter_wheat", 7.2), ("sunflower", 2.6), ("winter_wheat", 6.8), ("sunflower", 2.9)],
              "SdC-mais-soja": [("grain_maize", 9.5), ("soybean", 3.1), ("grain_maize", 10.2), ("soybean", 3.3)]}


def main() -> None:
    first, last = dt.date(2022, 1, 1), dt.date(2025, 12, 31)
    daily = weather(first, last)
    plots = []
    for n, (pid, system, area, cis, weigh, soil) in enumerate(PLOTS):
        seasons, intercrops = [], []
        for campaign in (2023, 2024):
            start = dt.date(campaign, 7, 12 + n) if system.startswith("SdC-ble") else dt.date(campaign, 9, 5 + n)
            end = dt.date(campaign + 1, 4, 5) if system.startswith("SdC-ble") else dt.date(campaign + 1, 4, 20)
            if campaign in cis:
                ci, theta = cis[campaign]
                destr = dt.date(campaign + 1, 2, 20 + n)
                sowing = start + dt.timedelta(days=20 if system.startswith("SdC-ble") else 3)
                seasons.append({"start": sowing, "destruction": destr, "ci_type": ci, "theta": theta})
                ic = {"campaign": campaign, "start": start.isoformat(), "end": end.isoformat(), "ci_type": ci,
                      "sowing": sowing.isoformat(), "destruction": destr.isoformat()}
                if weigh:
                    P = load_params()
                    a = (sowing - first).days
                    b = (destr - first).days
                    T = np.array([d["T_mean"] for d in daily[a:b + 1]])
                    R = np.array([d["radiation"] for d in daily[a:b + 1]])
                    _, dam = simulate_one(T, R, theta, P.for_type(ci))
                    wd = destr - dt.timedelta(days=6)
                    ic["weighings"] = [{"date": wd.isoformat(), "biomass": round(float(dam[(wd - sowing).days]) / 100
                                                                                  * RNG.uniform(0.93, 1.07), 2),
                                        "sd": 0.25}]
                intercrops.append(ic)
            else:
                intercrops.append({"campaign": campaign, "start": start.isoformat(), "end": end.isoformat()})
        plots.append({
            "id": pid, "rpg_id": f"032-{2023000 + 17 * n:07d}", "farm": "EARL-des-Coteaux", "system": system,
            "area_ha": area, "geometry": rectangle(505_000 + 900 * n, 6_285_000 + 350 * (n % 2), area),
            "weather": "auch-synthetique", **({"soil": SOIL} if soil else {}),
            "succession": [{"year": 2022 + i, "crop": c, "yield": y, "water": 15.0,
                            "residues": "returned" if c != "winter_wheat" else "exported"}
                           for i, (c, y) in enumerate(SUCCESSION[system])],
            "intercrops": intercrops,
            "lai": lai_series(daily, seasons, dt.date(2023, 7, 3), dt.date(2025, 4, 30))})
    doc = {"format": "carbonspec-intercrop/1", "name": "Exploitation synthétique du Gers (QUANTICA, exemple)",
           "synthetic": True,
           "description": "SYNTHETIC data (examples/quantica/build_example.py): weather around approximate "
                          "normals of Auch, LAI simulated by SAFY with known parameters plus noise and cloud gaps. "
                          "Not observations; a demonstration, not a credit.",
           "farms": [{"id": "EARL-des-Coteaux", "name": "EARL des Coteaux (fictive)", "first_project_year": 2023,
                      "systems": [{"id": "SdC-ble-tournesol", "name": "blé - tournesol"},
                                  {"id": "SdC-mais-soja", "name": "maïs - soja"}]}],
           "weather": [{"id": "auch-synthetique", "description": "synthetic daily series around Auch normals",
                        "daily": daily}],
           "plots": plots}
    (HERE / "gers-synthetic.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    truth = {p[0]: {c: v[1] for c, v in p[3].items()} for p in PLOTS}
    (HERE / "gers-synthetic.truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

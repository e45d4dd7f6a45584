"""`carbonspec intercrop` outputs: the full JSON document, a CSV table (one row per plot and
intercrop season), and a self-contained html page (French) with, per plot, the LAI series and
the fitted curve, and the AMG stocks with and without the cover crops, as inline SVG made
with matplotlib (no network, no script)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import jinja2

CSV_COLUMNS = ("plot", "rpg_id", "farm", "system", "area_ha", "campaign", "ci_type", "present", "destruction",
               "biomass_t_DM_ha", "biomass_sd_t_DM_ha", "acquisition_mode", "fit_r2", "fit_rmse_lai", "n_obs",
               "additional_storage_t_CO2e_ha", "additional_storage_t_CO2e")


def to_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n"


def to_csv(result: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in result["plots"]:
        sc = p["soil_carbon"] or {}
        for s in p["seasons"]:
            fit = s["fit"] or {}
            row = [p["id"], p["rpg_id"], p["farm"], p["system"], p["area_ha"], s["campaign"], s["ci_type"] or "",
                   s["present"], s["destruction"] or "", s["biomass_t_DM_ha"], s["biomass_sd_t_DM_ha"],
                   s["acquisition_mode"] or "", fit.get("r2", ""), fit.get("rmse_lai", ""), fit.get("n_obs", ""),
                   sc.get("additional_storage_t_CO2e_ha", ""), sc.get("additional_storage_t_CO2e", "")]
            # a text cell starting with = + - @ is read as a formula by spreadsheets: quote it
            w.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return buf.getvalue()


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _lai_chart(season: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = dt.date.fromisoformat(season["series"]["start"])
    fitted = season["series"]["fitted_lai"]
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    ax.plot([start + dt.timedelta(days=i) for i in range(len(fitted))], fitted, color="#2a7a2a",
            label="LAI simulé (SAFY ajusté)")
    obs = season["series"]["observed"]
    ax.errorbar([start + dt.timedelta(days=o["day"]) for o in obs], [o["lai"] for o in obs],
                yerr=[o["sd"] for o in obs], fmt="o", ms=3, color="#1f4e9c", ecolor="#9bb3dd",
                label="LAI observé (images sans nuage)")
    ax.set_ylabel("LAI (m²/m²)")
    ax.set_title(f"Campagne {season['campaign']} — {season['ci_type']}", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.autofmt_xdate()
    return _svg(fig)


def _soil_chart(sc: dict) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 2.6))
    ax.plot(sc["years"], sc["stocks_with_ci"], marker="o", color="#2a7a2a", label="avec CI")
    ax.plot(sc["years"], sc["stocks_without_ci"], marker="s", color="#a05a2c", label="sans CI")
    ax.set_ylabel("stock C (t C/ha)")
    ax.set_xticks(sc["years"])
    ax.set_title("AMG v2, avec et sans cultures intermédiaires", fontsize=9)
    ax.legend(fontsize=7)
    return _svg(fig)


def to_html(result: dict) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    charts = {}
    for p in result["plots"]:
        for s in p["seasons"]:
            if s["series"]:
                charts[(p["id"], s["campaign"])] = _lai_chart(s)
        if p["soil_carbon"]:
            charts[(p["id"], "soil")] = _soil_chart(p["soil_carbon"])
    return env.get_template("intercrop.html.j2").render(r=result, charts=charts, fmt=_fmt)


def _fmt(x, digits=2):
    if x is None or x == "":
        return "—"
    return f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")

"""The report's charts, as inline SVG made with matplotlib (no script, no network).

Three charts, each chosen from the model alone (no method symbol is named here):
- line items: the root entity's t CO2e line items (certify.line_items), one bar each;
- reference vs project per year: for each timeline entity, its t CO2e equations that are
  not zero in the reference years and feed an equation of another unit (an intensity per
  ha, ...): the per-year emissions; summed per year index k over every row;
- the rabais waterfall from the total before rabais to the headline figure: the rates of
  the rabais the spec declares (model.json `rabais`) used directly by a
  t CO2e equation of the rabais constructs) are switched on one by one in the reference backend, each
  bar being the change of the headline figure; a first bar "planchers et ajustements"
  carries what the rabais block changes besides its rates (floors at zero), so the bars add
  up exactly from the total to the headline figure.
"""
from __future__ import annotations

import io
import re
from typing import Dict, List, Optional, Tuple

import numpy as np

from carbonspec.runtime.engine.reference import ReferenceBackend
from carbonspec.runtime.reports import people

_COLORS = {"ref": "#8da0b3", "proj": "#2f7d4f", "pos": "#2f7d4f", "neg": "#c0572b", "total": "#34495e"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "carbonspec", "font.size": 9,
                         "font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "carbonspec"})
    _plt().close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # inline: no XML declaration, no DOCTYPE
    # inline in HTML the namespaces are implied; no metadata block: the page names no URL at all
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    return re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", text, count=2)


def _fmt_axis(ax, axis: str = "y"):
    from matplotlib.ticker import FuncFormatter

    f = FuncFormatter(lambda v, _: people.number(v, 0 if float(v).is_integer() else None))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


def _refs(node, out: set) -> set:
    if isinstance(node, dict):
        if node.get("node") == "ref":
            out.add(node["symbol"])
        for v in node.values():
            _refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _refs(v, out)
    return out


# ------------------------------------------------------------ line items --
def line_items_chart(compiled, doc: dict) -> Optional[str]:
    from carbonspec.runtime.certification.certify import main_items

    items = [i for i in main_items(compiled.model) if i["name"] in doc["results"]]
    if not items:
        return None
    unit = items[-1]["unit"]  # one axis, one unit: the headline figure's (a per-ha item is not a bar here)
    items = [i for i in items if i["unit"] == unit and (doc["results"][i["name"]] != 0 or i is items[-1])]
    plt = _plt()
    names = [i["name"] for i in items][::-1]
    values = [doc["results"][n] for n in names]
    fig, ax = plt.subplots(figsize=(7.5, 0.38 * len(names) + 1.0))
    colors = [_COLORS["total"] if n == items[-1]["name"] else (_COLORS["pos"] if v >= 0 else _COLORS["neg"])
              for n, v in zip(names, values)]
    ax.barh(names, values, color=colors)
    for y, v in enumerate(values):
        ax.annotate(people.number(v), (v, y), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                    va="center", ha="left" if v >= 0 else "right", fontsize=8)
    ax.axvline(0, color="#555", lw=0.8)
    _fmt_axis(ax, "x")
    words = people.unit_words(unit, compiled.model.get("unit_words", {}))
    ax.set_xlabel(words)
    ax.set_title(f"Résultats par poste ({items[0]['kind']}, {words})", loc="left", fontsize=10)
    ax.margins(x=0.18)
    return _svg(fig)


# ---------------------------------------------------- reference vs project --
def yearly_series(compiled, flat, out) -> List[tuple]:
    """[(name, {k: t CO2e summed over rows}, {k: scenario}, description)] per retained equation."""
    model = compiled.model
    series = []
    for tl in model["timelines"]:
        ent, k_name, scen = tl["entity"], tl["index"], tl["scenario_symbol"]
        n = int(flat.data.get("n_" + ent, 0))
        if n == 0 or k_name not in flat.data:
            continue
        k = np.asarray(flat.data[k_name]).astype(int)
        if "reference" not in model["enums"].get("scenario", []):
            continue  # no reference scenario declared: nothing to set the project against
        ref_index = model["enums"]["scenario"].index("reference")
        is_ref = np.asarray(flat.data[scen]).astype(int) == ref_index
        eqs = [e for e in model["equations"] if e["entity"] == ent and (e["unit"] or "").replace(" ", "") == "t_CO2e"]
        cand = {e["name"]: e for e in eqs if np.any(out[e["name"]][is_ref] != 0)}
        # the per-year totals are what the next stage uses: referenced by an equation of
        # another unit (an intensity per ha, a reduction term), not only summed into another total
        feeds = set()
        for e in model["equations"]:
            if (e["unit"] or "").replace(" ", "") != "t_CO2e" or e["entity"] != ent:
                feeds |= _refs(e["expr"], set()) & set(cand)
        for name in list(feeds):
            # a variant equal on every row to a quantity it builds on adds nothing (no extra term here)
            if any(o in feeds and o != name and np.allclose(out[o], out[name], rtol=1e-12, atol=0)
                   for o in _refs(cand[name]["expr"], set())):
                feeds.discard(name)
        for e in (cand[n] for n in cand if n in feeds):
            v = out[e["name"]]
            per_k = {int(kk): float(v[k == kk].sum()) for kk in sorted(set(k.tolist()))}
            scen_k = {int(kk): ("référence" if is_ref[k == kk].all() else "Projet") for kk in per_k}
            series.append((e["name"], per_k, scen_k, e.get("description") or e["name"]))
    return series


def yearly_chart(compiled, flat, out) -> Optional[str]:
    series = yearly_series(compiled, flat, out)
    if not series:
        return None
    plt = _plt()
    fig, axes = plt.subplots(1, len(series), figsize=(min(4.2 * len(series), 12), 3.2), squeeze=False)
    for ax, (name, per_k, scen_k, desc) in zip(axes[0], series):
        ks = list(per_k)
        ax.bar([str(k) for k in ks], [per_k[k] for k in ks],
               color=[_COLORS["ref"] if scen_k[k] == "référence" else _COLORS["proj"] for k in ks])
        ax.set_title(name, loc="left", fontsize=9)
        ax.set_xlabel("année k (k < 0 : référence ; k ≥ 0 : Projet)", fontsize=8)
        _fmt_axis(ax)
    axes[0][0].set_ylabel("t CO2e")
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=_COLORS["ref"], label="référence"), Patch(color=_COLORS["proj"], label="Projet")],
               loc="upper right", fontsize=8, frameon=False)
    fig.suptitle("Émissions par année : référence et Projet", x=0.01, ha="left", fontsize=10)
    fig.tight_layout()
    return _svg(fig)


# ------------------------------------------------------------ waterfall --
class _Override(ReferenceBackend):
    """The reference backend with some equations' values replaced (a rate set to 0)."""

    def compute_with(self, data, overrides: Dict[str, np.ndarray]):
        values = dict(data)
        out = {}
        with np.errstate(all="ignore"):
            for eq in self.model["equations"]:
                if eq["name"] in overrides:
                    v = overrides[eq["name"]]
                else:
                    v = np.asarray(self.eval(eq["expr"], eq["entity"], values), dtype=np.float64)
                    if v.ndim == 0:
                        v = np.full(data["n_" + eq["entity"]], float(v))
                values[eq["name"]] = out[eq["name"]] = v
        return out


def is_rabais_equation(model: dict, eq: dict) -> bool:
    """An equation the spec's rabais constructs compiled to (model.json `rabais`)."""
    from carbonspec.runtime.reports.content import rabais_equations

    return eq.get("name") in set(rabais_equations(model or {}))


def rabais_rates(model: dict) -> List[dict]:
    """The declared rabais (model.json `rabais`, the spec's `rabais` constructs) that one of the
    rabais constructs' t CO2e equations uses directly, in the constructs' order."""
    from carbonspec.runtime.reports.content import rabais_equations

    eqs = {e["name"]: e for e in model["equations"]}
    block = [eqs[n] for n in rabais_equations(model) if n in eqs]
    terms = [e for e in block if (e["unit"] or "").replace(" ", "") == "t_CO2e"]
    used = set().union(*[_refs(e["expr"], set()) for e in terms]) if terms else set()
    declared = [r["name"] for r in (model.get("rabais") or {}).get("rabais", [])]
    return [eqs[n] for n in declared if n in used and n in eqs and people.is_rate(eqs[n]["unit"], eqs[n].get("domain"))]


def waterfall_steps(compiled, flat, out, total: str, figure: str) -> List[Tuple[str, float]]:
    """[(label, change)] from `total` (before any rabais) to `figure`; sums exactly."""
    model = compiled.model
    rates = rabais_rates(model)
    backend = _Override(model)
    zero = {r["name"]: np.zeros_like(out[r["name"]]) for r in rates}
    prev = float(backend.compute_with(flat.data, zero)[figure][0])
    steps = [("planchers et ajustements", prev - float(out[total][0]))]
    overrides = dict(zero)
    for r in rates:
        del overrides[r["name"]]
        cur = float(backend.compute_with(flat.data, overrides)[figure][0])
        if abs(cur - prev) > 1e-12 * max(1.0, abs(prev)):
            steps.append((r["name"], cur - prev))
        prev = cur
    steps.append(("(arrondi)", float(out[figure][0]) - prev))
    return [(n, d) for n, d in steps if abs(d) > 1e-9 or n != "(arrondi)"]


def waterfall_chart(compiled, flat, out, total: Optional[str], figure: Optional[str]) -> Optional[str]:
    if not total or not figure or total == figure or total not in out or figure not in out:
        return None
    if not rabais_rates(compiled.model):
        return None  # the spec declares no rabais: no waterfall
    steps = waterfall_steps(compiled, flat, out, total, figure)
    steps = [(n, d) for n, d in steps if abs(d) > 1e-9]
    plt = _plt()
    labels = [total] + [n for n, _ in steps] + [figure]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.05 * len(labels)), 3.6))
    level = float(out[total][0])
    ax.bar(0, level, color=_COLORS["total"])
    ax.annotate(people.number(level), (0, level), ha="center", va="bottom", fontsize=8)
    for i, (name, d) in enumerate(steps, start=1):
        ax.bar(i, d, bottom=level, color=_COLORS["neg"] if d < 0 else _COLORS["pos"])
        ax.annotate(people.number(d), (i, max(level, level + d)), ha="center", va="bottom", fontsize=8)
        level += d
    end = float(out[figure][0])
    ax.bar(len(labels) - 1, end, color=_COLORS["total"])
    ax.annotate(people.number(end), (len(labels) - 1, end), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([re.sub(r"_", "_\u200b", l) for l in labels], rotation=30, ha="right", fontsize=8)
    ax.axhline(0, color="#555", lw=0.8)
    _fmt_axis(ax)
    unit = next((e.get("unit") for e in compiled.model["equations"] if e["name"] == figure), "")
    ax.set_ylabel(people.unit_words(unit, compiled.model.get("unit_words", {})))
    tops = [float(out[total][0]), end] + [0.0]
    lo, hi = min(tops + [level]), max(tops + [level])
    ax.set_ylim(min(0.0, lo * 1.15), hi * 1.15 if hi > 0 else 1.0)  # room for the labels above the bars
    ax.set_title(f"De {total} à {figure} : effet de chaque rabais", loc="left", fontsize=10, pad=12)
    return _svg(fig)

"""`carbonspec intercrop FILE --dossier BASE.json --out-dossier OUT.json`: the measured cover-crop
biomass written into a method's dossier, as that method's spec declares (`model intercrop`,
runtime/models/intercrop_bridge.py).

The base dossier names its method and version; their compiled model says which inputs receive
what, and its annex set holds the table turning the tool's cover-crop types into the method's
keys.  Plot -> cropping system -> farm:

- the intercrop input's farms and their cropping systems are the dossier's, in the same order
  (the counts must match);
- a campaign c goes to year k = c - t of its farm, t the farm's first project year (the
  input's `first_project_year`, `--first-year`, or the first year of a soil-model block of
  the base dossier; they must agree); a campaign outside the dossier's years is an error;
- per system and year, one row per species key: the sown area of the plots carrying it and
  their area-weighted biomass; the year's data-collection mode is the one covering the
  largest area of the system's plots with a cover crop (a tie takes remote sensing alone,
  the less precise); a plot with no declared cover crop adds nothing.

The output is validated like `carbonspec run` validates a dossier before it is written; the
notes (rows replaced, modes changed, plots that do not cover the system's area) are returned.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.models import intercrop_bridge as bridge

from .inputs import IntercropInput

AREA_TOLERANCE = 0.01     # relative: plots of a system vs the dossier's area of the system that year


def _model_and_annexes(raw: dict, base: str, root: Path, annexes: Optional[Path]):
    from carbonspec.runtime.dossier.reader import check_identity
    from carbonspec.runtime.engine.annex_cache import load_annexes_cached
    from carbonspec.runtime.engine.core import load_compiled
    from carbonspec.runtime.engine.loader import compiled_dir

    if not isinstance(raw, dict):
        raise InputError(base, "a dossier is a JSON object")
    for key in ("method", "version"):
        if not isinstance(raw.get(key), str):
            raise InputError(f"{base}: {key}", f"missing; a dossier names its {key} (a text)")
    compiled = load_compiled(compiled_dir(root / "generated", raw["method"], raw["version"]))
    model = compiled.model
    check_identity(raw, model, base)
    decl = next((d for d in model.get("external_models", []) if d["name"] == bridge.NAME), None)
    if decl is None:
        raise InputError(base, f"method {model['method']} version {model['version']} declares no model "
                               f"'{bridge.NAME}' in its spec: it does not say which dossier fields receive a "
                               f"measured cover-crop biomass")
    b = bridge.binding(decl, model)
    if annexes is None:
        annexes = root / "annexes" / model["method"] / (model.get("annex_set") or f"v{model['version']}")
    if not Path(annexes).is_dir():
        raise InputError("--annexes", f"no annex tables at {annexes}")
    tables = load_annexes_cached(Path(annexes), model).tables
    if b.species_table not in tables:
        raise InputError(str(annexes), f"annex table '{b.species_table}' is missing (no sheet or CSV file of that "
                                       f"name): the spec's model '{bridge.NAME}' reads it")
    return compiled, decl, b, tables[b.species_table]


def _first_years(doc: IntercropInput, name: str, farms_raw: list, b, model: dict,
                 first_year: Optional[int]) -> List[int]:
    """t per farm: the input's, the option's and the soil-model blocks' must agree."""
    blocks = [d["block"]["field"] for d in model.get("external_models", [])
              if d.get("block") and d["block"]["entity"] == b.levels[1][0]]
    out = []
    for i, f in enumerate(doc.farms):
        seen: Dict[int, str] = {}
        if f.first_project_year is not None:
            seen.setdefault(f.first_project_year, f"{name}: farms[{i}].first_project_year")
        if first_year is not None:
            seen.setdefault(first_year, "--first-year")
        for j, s in enumerate(farms_raw[i][b.levels[1][1]]):
            for field in blocks:
                block = s.get(field) if isinstance(s, dict) else None
                if isinstance(block, dict) and isinstance(block.get("first_project_year"), int):
                    seen.setdefault(block["first_project_year"],
                                    f"{b.levels[0][1]}[{i}].{b.levels[1][1]}[{j}].{field}.first_project_year")
        if not seen:
            raise InputError(f"{name}: farms[{i}]", "the project's first year (k = 0) is needed to place the "
                                                    "campaigns in the dossier's years: give farms[i].first_project_year "
                                                    "in the input or --first-year YEAR")
        if len(seen) > 1:
            raise InputError(f"{name}: farms[{i}]", "the project's first year differs: "
                             + "; ".join(f"{y} ({w})" for y, w in seen.items()))
        out.append(next(iter(seen)))
    return out


def _fills(doc: IntercropInput, result: dict, name: str, b, table, t: List[int]) -> Dict[Tuple[int, int], list]:
    farm_i = {f.id: i for i, f in enumerate(doc.farms)}
    sys_i = {(f.id, s.id): j for f in doc.farms for j, s in enumerate(f.systems)}
    # (farm, system, campaign) -> key -> [area, area x biomass]; -> mode -> area
    species: Dict[tuple, Dict[str, List[float]]] = defaultdict(dict)
    modes: Dict[tuple, Dict[str, float]] = defaultdict(lambda: defaultdict(float))
    where: Dict[tuple, str] = {}
    for i, (p, out) in enumerate(zip(doc.plots, result["plots"])):
        for j, (w, s) in enumerate(zip(p.intercrops, out["seasons"])):
            g = (farm_i[p.farm], sys_i[(p.farm, p.system)], w.campaign)
            where.setdefault(g, f"{name}: plots[{i}].intercrops[{j}].campaign")
            species.setdefault(g, {})
            if w.ci_type is None:
                continue
            key = bridge.species_key(table, b, w.ci_type, f"{name}: plots[{i}].intercrops[{j}].ci_type")
            acc = species[g].setdefault(key, [0.0, 0.0])
            acc[0] += p.area_ha
            acc[1] += p.area_ha * s["biomass_t_DM_ha"]
            modes[g][s["acquisition_mode"]] += p.area_ha
    fills: Dict[Tuple[int, int], list] = defaultdict(list)
    for g in sorted(species):
        fi, sj, campaign = g
        m = modes.get(g)
        mode = None
        if m:   # the largest area; a tie takes remote sensing alone (the less precise: choice of the spec)
            mode = max(sorted(m, key=lambda x: bridge.MODES.index(x)), key=lambda x: m[x])
        rows = [(key, a, ab / a) for key, (a, ab) in species[g].items()]
        fills[(fi, sj)].append(bridge.YearFill(campaign - t[fi], rows, mode,
                                               f"{where[g]} ({campaign}, first project year {t[fi]})"))
    return fills


def build_dossier(doc: IntercropInput, result: dict, name: str, base_path: Path, root: Path,
                  first_year: Optional[int] = None, annexes: Optional[Path] = None) -> Tuple[dict, List[str], dict]:
    """(the filled dossier, notes, summary per system-year); nothing is written here."""
    from carbonspec.runtime.dossier.reader import load_json

    base = str(base_path)
    raw = load_json(Path(base_path))
    compiled, decl, b, table = _model_and_annexes(raw, base, root, annexes)
    out = copy.deepcopy(raw)
    root_obj = out.get(compiled.model["entities"][0]["collection"])
    farms = root_obj.get(b.levels[0][1]) if isinstance(root_obj, dict) else None
    fpath = f"{compiled.model['entities'][0]['collection']}.{b.levels[0][1]}"
    if not isinstance(farms, list) or len(farms) != len(doc.farms):
        raise InputError(f"{base}: {fpath}", f"{len(farms) if isinstance(farms, list) else 'no'} farm(s) in the "
                                             f"dossier, {len(doc.farms)} in {name}: farms are matched in order")
    for i, f in enumerate(doc.farms):
        systems = farms[i].get(b.levels[1][1]) if isinstance(farms[i], dict) else None
        if not isinstance(systems, list) or len(systems) != len(f.systems):
            raise InputError(f"{base}: {fpath}[{i}].{b.levels[1][1]}",
                             f"{len(systems) if isinstance(systems, list) else 'no'} cropping system(s) in the dossier, "
                             f"{len(f.systems)} for farm {f.id!r} in {name}: systems are matched in order")
    t = _first_years(doc, name, farms, b, compiled.model, first_year)
    notes: List[str] = []
    summary = []
    area = defaultdict(float)
    for p in doc.plots:
        area[(p.farm, p.system)] += p.area_ha
    for (fi, sj), fills in sorted(_fills(doc, result, name, b, table, t).items()):
        f, s = doc.farms[fi], doc.farms[fi].systems[sj]
        path = f"{fpath}[{fi}].{b.levels[1][1]}[{sj}]"
        system = farms[fi][b.levels[1][1]][sj]
        notes += bridge.fill_system(system, b, fills, f"{base}: {path}")
        for d in compiled.model.get("external_models", []):
            if d.get("block") and d["block"]["entity"] == b.levels[1][0] and d["block"]["field"] in system:
                notes.append(f"{base}: {path}.{d['block']['field']}: le bloc du modèle {d['name']!r} garde ses propres "
                             f"cultures intermédiaires (non réécrites) : les accorder avec les biomasses mesurées")
        for fill in fills:
            summary.append({"farm": f.id, "system": s.id, "dossier_path": path, "year": fill.k,
                            "mode": b.mode_values[fill.mode] if fill.mode else None,
                            "rows": [{b.fields["species"]: key, b.fields["area"]: a, b.fields["biomass"]: bio}
                                     for key, a, bio in fill.species]})
        declared = {y.get(b.year_area) for y in system[b.levels[-1][1]] if isinstance(y, dict)} - {None}
        if b.year_area and any(abs(d - area[(f.id, s.id)]) > AREA_TOLERANCE * d for d in declared):
            notes.append(f"{base}: {path}: les parcelles de {s.id!r} dans {name} couvrent {area[(f.id, s.id)]:.2f} ha, "
                         f"le dossier déclare {', '.join(f'{d:g}' for d in sorted(declared))} ha ({b.year_area}) : "
                         f"les cultures intermédiaires des autres parcelles sont à ajouter à la main")
    # the dossier `run` would accept, or a located error; a model block (e.g. a soil model's) is
    # checked by its own library when the dossier is run, and is left as the base dossier had it
    compiled.schema.validate(_without_blocks(out, compiled.model), base)
    return out, notes, {"method": compiled.model["method"], "version": compiled.model["version"], "index": b.index,
                        "first_project_year": dict(zip((f.id for f in doc.farms), t)), "years": summary}



def _without_blocks(raw: dict, model: dict) -> dict:
    """A copy of the dossier without the blocks of declared external models (validated by the
    library that reads them when the dossier is run)."""
    blocks = {(d["block"]["entity"], d["block"]["field"]) for d in model.get("external_models", []) if d.get("block")}
    if not blocks:
        return raw
    children = {}
    for e in model["entities"]:
        children.setdefault(e["parent"], []).append(e)
    out = copy.deepcopy(raw)

    def walk(ent: str, obj):
        if not isinstance(obj, dict):
            return
        for entity, field in blocks:
            if entity == ent:
                obj.pop(field, None)
        for c in children.get(ent, []):
            for row in obj.get(c["collection"]) or [] if isinstance(obj.get(c["collection"]), list) else []:
                walk(c["name"], row)

    root = model["entities"][0]
    walk(root["name"], out.get(root["collection"]))
    return out

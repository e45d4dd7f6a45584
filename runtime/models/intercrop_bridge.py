"""The intercrop tool's adapter to a dossier, as a spec's `model intercrop` declaration says
(registry.py).

`carbonspec intercrop` (runtime/intercrop/) measures each plot's cover-crop biomass from its
LAI series; a method that accepts such a measurement declares, in its spec, which inputs
receive it.  This adapter reads that declaration and writes the outputs into a dossier; it
names no method symbol, everything comes from the declaration:

- `gives biomass | area | species ... feeds E.F`: the three inputs of one entity E (a row per
  cover-crop species of a year) that receive the area-weighted biomass, the sown area and the
  species key;
- `bind mode = F`: the input of E's parent (the year row) recording how the biomass was
  collected; `bind remote_sensing = V` and `bind coupled = V`: the values of that enum for
  remote sensing alone and for remote sensing coupled with field weighings;
- `bind system_area = F` (optional): the year's area input, which the plots should cover;
- `bind species_map = T`: the spec table turning the tool's cover-crop types into the keys the
  species input takes (its key column is the tool's type; its column named like the species
  input holds the key, empty for a type the method does not count as a cover crop).

The rows of E's parent are found by the path of entities from the root: the tool's farm and
cropping system are the two entities between the root and the year, and the year's timeline
index gives k.  The runtime never runs this model itself (`carbonspec run` gets the values in
the dossier), so `has_blocks` is always false and the dossier schema is unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from carbonspec.compiler.errors import InputError

NAME = "intercrop"        # the declared model name this adapter answers to (registry.ADAPTERS)
OUTPUTS = ("biomass", "area", "species")
MODES = ("remote_sensing", "coupled")


@dataclass(frozen=True)
class Binding:
    """What the declaration says, resolved against model.json."""
    row_entity: str                      # one row per cover-crop species of a year
    row_collection: str
    year_entity: str                     # its parent: the rows k of a timeline
    index: str                           # the timeline index of the year entity
    levels: Tuple[Tuple[str, str], ...]  # (entity, collection) from the root's child down to the year
    fields: Dict[str, str]               # output name -> input it feeds
    mode_field: str
    mode_values: Dict[str, str]          # "remote_sensing" | "coupled" -> enum value
    species_table: str
    species_column: str
    year_area: Optional[str] = None      # the year's area input (`bind system_area`), to check coverage


def _spec_error(decl: dict, msg: str) -> InputError:
    return InputError(f"model '{decl['name']}' ({decl.get('spec', 'spec')})", msg)


def binding(decl: dict, model: dict) -> Binding:
    """Resolve the declaration; a declaration the adapter cannot use is an error naming the key."""
    outs = {o["name"]: o for o in decl.get("outputs", [])}
    missing = [n for n in OUTPUTS if n not in outs]
    if missing:
        raise _spec_error(decl, f"the declaration lacks 'gives {missing[0]} ... feeds ENTITY.INPUT' "
                                f"(this library gives {', '.join(OUTPUTS)})")
    entities = {outs[n]["entity"] for n in OUTPUTS}
    if len(entities) != 1:
        raise _spec_error(decl, f"biomass, area and species must feed inputs of one entity (found {sorted(entities)})")
    binds = decl.get("binds", {})
    for key in ("mode", *MODES, "species_map"):
        if len(binds.get(key, [])) != 1:
            raise _spec_error(decl, f"the declaration needs 'bind {key} = NAME' (one name)")
    ents = {e["name"]: e for e in model["entities"]}
    row = entities.pop()
    year = ents[row]["parent"]
    if year is None:
        raise _spec_error(decl, f"the entity '{row}' fed by the outputs has no parent (its year)")
    chain, e = [], year
    while ents[e]["parent"] is not None:
        chain.append((e, ents[e]["collection"]))
        e = ents[e]["parent"]
    chain.reverse()
    if len(chain) != 3:
        raise _spec_error(decl, f"the tool's farm and cropping system are the two levels between the root and "
                                f"'{year}'; the spec has {len(chain) - 1} ({' > '.join(n for n, _ in chain[:-1])})")
    index = next((t["index"] for t in model.get("timelines", []) if t["entity"] == year), None)
    if index is None:
        raise _spec_error(decl, f"the entity '{year}' has no timeline: a campaign cannot be placed in it")
    inputs = {(i["entity"], i["name"]): i for i in model["inputs"]}
    mode = inputs.get((year, binds["mode"][0]))
    if mode is None or not mode.get("enum"):
        raise _spec_error(decl, f"bind mode = {binds['mode'][0]}: not an enum input of '{year}'")
    values = model["enums"][mode["enum"]]
    for key in MODES:
        if binds[key][0] not in values:
            raise _spec_error(decl, f"bind {key} = {binds[key][0]}: not a value of enum '{mode['enum']}' "
                                    f"({', '.join(values)})")
    area = binds.get("system_area")
    if area and (len(area) != 1 or (year, area[0]) not in inputs):
        raise _spec_error(decl, f"bind system_area = {' '.join(area)}: not an input of '{year}'")
    table = model["tables"].get(binds["species_map"][0])
    column = outs["species"]["feeds"]
    if table is None:
        raise _spec_error(decl, f"bind species_map = {binds['species_map'][0]}: not a table of the spec")
    if len(table["keys"]) != 1 or column not in {c["name"] for c in table["columns"]}:
        raise _spec_error(decl, f"table '{binds['species_map'][0]}' must have one key column (the tool's type) and "
                                f"a column '{column}' (the key the species input takes)")
    return Binding(row, ents[row]["collection"], year, index, tuple(chain[:-1]) + (chain[-1],),
                   {n: outs[n]["feeds"] for n in OUTPUTS}, mode["name"],
                   {k: binds[k][0] for k in MODES}, binds["species_map"][0], column,
                   area[0] if area else None)


def has_blocks(raw, b: Binding) -> bool:
    """The runtime never runs the tool from a dossier: its outputs are written by `carbonspec
    intercrop --dossier` (the dossier then supplies them like any measured value)."""
    return False


def apply(raw, decl, model, where, backend):  # pragma: no cover - has_blocks is always false
    return raw, {}


def schema_option(schema: dict, decl: dict, model: dict) -> dict:
    return schema


def species_key(table, b: Binding, ci_type: str, where: str) -> str:
    """The key the species input takes for one of the tool's cover-crop types (the spec's table)."""
    row = table.rows.get((ci_type,))
    if row is None:
        import difflib

        known = sorted(k[0] for k in table.rows)
        near = difflib.get_close_matches(ci_type, known, n=3, cutoff=0.6)
        raise InputError(where, f"cover-crop type {ci_type!r} is not in table '{b.species_table}' ({table.where}), "
                                f"which gives its key for the dossier"
                                + (f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(known)}"))
    key = row.get(b.species_column)
    if not key:
        raise InputError(where, f"cover-crop type {ci_type!r} has no key in table '{b.species_table}' "
                                f"({table.where}): {table.sources.get((ci_type,), '')}")
    return key


@dataclass
class YearFill:
    """What the tool writes into one year row of one cropping system."""
    k: int
    species: List[Tuple[str, float, float]]   # (key, area, area-weighted biomass), in first-seen order
    mode: Optional[str]                        # "remote_sensing" | "coupled", None without a cover crop
    where: str                                 # where the campaign comes from (for messages)


def fill_system(system: dict, b: Binding, fills: List[YearFill], path: str) -> List[str]:
    """Write the fills into a system's year rows (in place); the notes a user should read.
    A year row the system lacks is a located error."""
    years = system.get(b.levels[-1][1])
    if not isinstance(years, list):
        raise InputError(f"{path}.{b.levels[-1][1]}", "missing: the cropping system has no year rows")
    by_k = {}
    for n, y in enumerate(years):
        if isinstance(y, dict) and isinstance(y.get(b.index), int):
            by_k.setdefault(y[b.index], n)
    notes = []
    for f in fills:
        if f.k not in by_k:
            have = sorted(by_k)
            raise InputError(f.where, f"year {b.index} = {f.k} is not in the dossier ({path}.{b.levels[-1][1]} has "
                                      f"{b.index} = {', '.join(map(str, have)) or 'none'})")
        n = by_k[f.k]
        year = years[n]
        at = f"{path}.{b.levels[-1][1]}[{n}]"
        old = year.get(b.row_collection) or []
        if old:
            notes.append(f"{at}.{b.row_collection}: {len(old)} ligne(s) du dossier de base remplacée(s) par les "
                         f"cultures intermédiaires mesurées")
        year[b.row_collection] = [{b.fields["species"]: key, b.fields["area"]: area, b.fields["biomass"]: biomass}
                                  for key, area, biomass in f.species]
        if f.mode is not None:
            value = b.mode_values[f.mode]
            before = year.get(b.mode_field)
            if before is not None and before != value:
                notes.append(f"{at}.{b.mode_field}: {before!r} remplacé par {value!r} (biomasse des cultures "
                             f"intermédiaires mesurée)")
            year[b.mode_field] = value
    return notes

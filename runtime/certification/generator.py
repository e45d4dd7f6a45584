"""Cas-type cases generated from the IR: what the hand-made (data) cases miss.

Why: a new method version is a recompile.  When its spec gains a branch, an enum value or a
constant no data case exercises, the cas-type must not need a person to write a case first;
the IR says which inputs reach what is missing, their domains and the values the conditions
compare them with, so a search over those values finds a dossier that covers it.

How (all derived from model.json, no method knowledge):
- reach: which inputs (through equations and lookups) reach each equation, and which inputs
  each condition of a `select` reads (`Reach`);
- targets: for each missing coverage item (branch, equation, sign, input value, co-benefit
  state) or surviving mutant, the inputs that reach it, those read by the item's own
  conditions first;
- values: per input, its enum values or annex-table keys (those the spec names first), both
  booleans, the literals it is compared with (just at, above and below the threshold), its
  domain bounds, and the seed's value scaled (x0, x0.5, x2, x10);
- rows: a change applies, in a seed (a data case, valid), to every row of the input's entity,
  to its project-scenario rows only (a change between reference and project, the design of
  the hand-made cases), to its reference rows only, or to one row;
- rows: when no seed has a row of the input's entity, rows built from the entity's declaration
  (required inputs at minimal valid values; a timeline entity's required years) are appended
  under the first row of its parent;
- each candidate is validated (the dossier format, lookups, domains of the results) and its
  coverage recorded; a mutant is caught by a candidate when certification of the mutated
  model's results against the candidate's own reference fails (mutation.py's rule);
- minimisation: greedy set cover of the missing items and the mutants by the candidates
  (largest gain first, ties to the earliest), so each kept case covers something no other
  kept case does at the time it is chosen.

The search is bounded (`budget` evaluations); what it cannot reach stays missing or
unjustified and is reported as such.
"""
from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

import numpy as np

from carbonspec.compiler.errors import InputError
from carbonspec.runtime.certification.casedata import CaseSpec
from carbonspec.runtime.certification.coverage import (Coverage, CoverageBackend, Record, branches, input_record,
                                                       input_values, sign_terms, text, walk)
from carbonspec.runtime.engine.core import check_outputs, resolve_lookups

BUDGET = 1500          # candidate evaluations per call, at most
TIME_LIMIT = 240.0     # seconds per call, at most
SCALES = (0.0, 0.5, 2.0, 10.0, 0.9999)  # 0.9999: a nudge off a sum that must be 1


# ----------------------------------------------------------------- reach --
class Reach:
    """Which inputs reach which equation (transitively), and what each select condition reads."""

    def __init__(self, model: dict):
        self.model = model
        timeline_index = {t["index"] for t in model.get("timelines") or []}
        self.inputs = {i["name"]: i for i in model["inputs"]
                       if not i.get("builtin") and i["name"] not in timeline_index}
        self.eqs = {e["name"]: e for e in model["equations"]}
        lookups = {lk["name"]: lk for lk in model.get("lookups") or []}
        self._direct: Dict[str, Set[str]] = {}
        for name, lk in lookups.items():
            self._direct[name] = {s for s in _strings(lk.get("keys")) if s in self.inputs or s in self.eqs}
        for name, eq in self.eqs.items():
            self._direct[name] = _refs(eq["expr"])
        self._memo: Dict[str, Set[str]] = {}

    def inputs_of(self, name: str) -> Set[str]:
        """The inputs a symbol (equation, lookup or input) depends on."""
        if name in self.inputs:
            return {name}
        if name in self._memo:
            return self._memo[name]
        self._memo[name] = set()  # cycles (none in a valid spec) add nothing
        out: Set[str] = set()
        for d in self._direct.get(name, ()):
            out |= self.inputs_of(d)
        self._memo[name] = out
        return out

    def inputs_of_node(self, node: Optional[dict]) -> Set[str]:
        out: Set[str] = set()
        for s in _refs(node) if node is not None else ():
            out |= self.inputs_of(s)
        return out

    def thresholds(self) -> Dict[str, Set[object]]:
        """input -> the literals and enum codes it is compared with anywhere in the IR."""
        out: Dict[str, Set[object]] = {}
        for eq in self.model["equations"]:
            for _, n in walk(eq["expr"], "expr"):
                if n["node"] != "cmp":
                    continue
                for a, b in ((n["left"], n["right"]), (n["right"], n["left"])):
                    if a["node"] == "ref" and a["symbol"] in self.inputs and b["node"] in ("lit", "code"):
                        if b["node"] == "lit" and b.get("dtype") == "bool":
                            continue
                        out.setdefault(a["symbol"], set()).add(b["value"])
        return out


def _refs(node: Optional[dict]) -> Set[str]:
    if node is None:
        return set()
    return {n["symbol"] for _, n in walk(node, "expr") if n["node"] == "ref"}


def _strings(obj) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


# ------------------------------------------------------------ the items --
def missing_items(cov: Coverage) -> Dict[tuple, str]:
    """item key -> label, for everything the coverage misses (blocked items excluded)."""
    out: Dict[tuple, str] = {}
    for name in cov.missing_equations():
        out[("eq", name)] = f"équation {name} non nulle"
    for b in cov.missing_branches():
        out[("branch", b.id)] = b.label()
    for st, s in cov.missing_signs():
        out[("pos" if s == "> 0" else "neg", st.id)] = f"{st.equation} : {st.term} {s}"
    for e, i, v in cov.missing_inputs():
        out[("input", (e, i, v))] = f"{e}.{i} = {v}"
    for c in cov.missing_cobenefits():
        out[("cob", c.key)] = c.label()
    return out


def record_items(rec: Record) -> Set[tuple]:
    return ({("eq", n) for n in rec.nonzero} | {("branch", b) for b in rec.taken}
            | {("pos", s) for s in rec.positive} | {("neg", s) for s in rec.negative}
            | {("input", v) for v in rec.inputs} | {("cob", c) for c in rec.cobenefits})


def target_inputs(model: dict, reach: Reach, key: tuple) -> List[str]:
    """The inputs to perturb for an item, the most direct first."""
    kind, what = key
    first: Set[str] = set()
    rest: Set[str] = set()
    if kind == "branch":
        eq_name, rest_id = what.split(":", 1)
        path, idx = rest_id.rsplit("#", 1)
        eq = reach.eqs[eq_name]
        node = dict(walk(eq["expr"], "expr")).get(path)
        if node is not None:
            for i, (cond, _) in enumerate(node["branches"][: int(idx) + 1]):
                first |= reach.inputs_of_node(cond)
        rest = reach.inputs_of(eq_name)
    elif kind in ("eq", "pos", "neg"):
        eq_name = what if kind == "eq" else what.split(":", 1)[0]
        rest = reach.inputs_of(eq_name)
    elif kind == "input":
        first = {what[1]}
    elif kind == "cob":
        eq = reach.eqs[what[0]]
        cb = eq.get("cobenefit") or {}
        for flag in (cb.get("mandatory"), cb.get("computed_when")):
            if isinstance(flag, str):
                first |= reach.inputs_of(flag)
        rest = reach.inputs_of(what[0])
    ordered = sorted(first) + sorted(rest - first)
    return [i for i in ordered if i in reach.inputs]


# ------------------------------------------------------------ candidates --
@dataclass
class Candidate:
    seed: str                 # data case it starts from
    changes: List[dict]       # casedata changes applied to the seed's dossier
    what: str                 # French summary of the change
    dossier: dict
    record: Optional[Record] = None
    flat: object = None
    outputs: Optional[Dict[str, np.ndarray]] = None
    kills: Set[str] = field(default_factory=set)


def values_for(inp: dict, thresholds: Dict[str, Set[object]], tables: dict, model: dict,
               current: Iterable[object], want: Optional[object] = None) -> List[object]:
    """Values to try for an input, the most likely to matter first."""
    if want is not None:
        return [want]
    dt = inp["dtype"]
    if dt == "bool":
        return [True, False]
    if dt == "enum":
        enum = inp.get("enum") or ""
        named = sorted(str(v) for v in thresholds.get(inp["name"], ()))
        if enum.startswith("key:"):
            keys = table_keys(model, tables, enum[4:])
            return named + [k for k in keys if k not in named]
        return named + [v for v in model["enums"].get(enum, []) if v not in named]
    if dt not in ("real", "int"):
        return []
    out: List[float] = []
    for t in sorted(float(v) for v in thresholds.get(inp["name"], ()) if isinstance(v, (int, float))):
        d = max(abs(t) * 0.05, 0.5 if dt == "int" else 1e-3)
        out += [t, t + d, t - d]
    d = inp.get("domain") or {}
    lo, hi = d.get("lo"), d.get("hi")
    if lo is not None:
        out.append(lo if d.get("lo_closed") else lo + max(abs(lo) * 0.01, 1e-3))
    if hi is not None:
        out.append(hi if d.get("hi_closed") else hi - max(abs(hi) * 0.01, 1e-3))
    if lo is not None and hi is not None:
        out.append((lo + hi) / 2)
    known = [c for c in current if isinstance(c, (int, float)) and not isinstance(c, bool) and c]
    for c in sorted(set(known))[:8]:
        out += [c * s for s in SCALES]
    if len(set(known)) < 2:  # nothing to scale: orders of magnitude
        out += [1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0]
    seen, uniq = set(), []
    for v in out:
        v = int(round(v)) if dt == "int" else float(v)
        if v not in seen and _in_domain(v, d):
            seen.add(v)
            uniq.append(v)
    return uniq


def table_keys(model: dict, tables: dict, name: str) -> List[str]:
    """The keys of an annex table, one per distinct combination of its boolean columns first
    (a urea, an average fertiliser, any other product), then the others, each group sorted."""
    t = tables.get(name)
    if t is None:
        return []
    decl = (model.get("tables") or {}).get(name) or {}
    flags = [c["name"] for c in decl.get("columns") or [] if c.get("kind") == "bool"]
    first, rest, seen = [], [], set()
    for key in sorted(t.rows):
        sig = tuple(bool(t.rows[key].get(f)) for f in flags)
        (rest if sig in seen else first).append(key[0])
        seen.add(sig)
    return first + rest


def _spread(vals: List[object], n: int) -> List[object]:
    """n values of a list, from both ends (the largest changes and the smallest)."""
    if len(vals) <= n:
        return list(vals)
    nums = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)
    if not nums:
        return list(vals[:n])
    ordered = sorted(vals)
    return ordered[-(n - 1):][::-1] + ordered[:1]


def minimal_value(inp: dict, tables: dict, model: dict):
    """A valid value of an input for a row built from nothing: the first enum value or annex
    key, false, or a number inside the declared domain (1 when it fits)."""
    dt = inp["dtype"]
    if dt == "bool":
        return False
    if dt == "enum":
        enum = inp.get("enum") or ""
        vals = table_keys(model, tables, enum[4:]) if enum.startswith("key:") else model["enums"].get(enum, [])
        return vals[0] if vals else None
    d = inp.get("domain") or {}
    lo, hi = d.get("lo"), d.get("hi")
    for v in (1.0, lo, None if lo is None else lo + 1, hi, None if lo is None or hi is None else (lo + hi) / 2):
        if v is not None and _in_domain(v, d):
            return int(v) if dt == "int" else float(v)
    return None


def synth_rows(model: dict, tables: dict, entity: str) -> List[dict]:
    """Rows of an entity built from its declaration alone (required inputs only, minimal
    values): for a timeline entity, one row per year of each required scenario and the first
    year of the others.  What a seed lacks (no row of the entity a missing item needs)."""
    tl = next((t for t in model.get("timelines") or [] if t["entity"] == entity), None)
    row = {}
    for i in model["inputs"]:
        if i["entity"] != entity or i.get("builtin") or (tl and i["name"] == tl["index"]):
            continue
        if i.get("optional") or i.get("default") is not None:
            continue
        row[i["name"]] = minimal_value(i, tables, model)
    for child in model["entities"]:  # a timeline child with required years (the format requires them)
        ctl = next((t for t in model.get("timelines") or [] if t["entity"] == child["name"]), None)
        if child["parent"] == entity and ctl and any(sc.get("required") for sc in ctl["scenarios"]):
            row[child["collection"]] = synth_rows(model, tables, child["name"])
    if tl is None:
        return [row]
    ks: List[int] = []
    for sc in tl["scenarios"]:
        ks += list(range(sc["first"], sc["last"] + 1)) if sc.get("required") else [sc["first"]]
    return [dict(row, **{tl["index"]: k}) for k in ks]


def _has_none(x) -> bool:
    if isinstance(x, dict):
        return any(_has_none(v) for v in x.values())
    if isinstance(x, list):
        return any(_has_none(v) for v in x)
    return x is None


def _in_domain(v: float, d: dict) -> bool:
    lo, hi = d.get("lo"), d.get("hi")
    if lo is not None and (v < lo or (v == lo and not d.get("lo_closed"))):
        return False
    if hi is not None and (v > hi or (v == hi and not d.get("hi_closed"))):
        return False
    return True


def row_scenarios(model: dict, flat, entity: str) -> List[Optional[str]]:
    """Per row of `entity`: 'project' or 'reference' when the row is (in) a timeline row, else None."""
    by_path: Dict[str, str] = {}
    for tl in model.get("timelines") or []:
        ent, idx = tl["entity"], tl["index"]
        ks = (flat.raw.get(ent) or {}).get(idx) or []
        for path, k in zip(flat.paths.get(ent, []), ks):
            for sc in tl["scenarios"]:
                if k is not None and sc["first"] <= k <= sc["last"]:
                    by_path[path] = sc["name"]
    out = []
    for path in flat.paths.get(entity, []):
        sc = None
        for p, name in by_path.items():
            if path == p or path.startswith(p + ".") or path.startswith(p + "["):
                sc = name
                break
        out.append(sc)
    return out


def row_selections(model: dict, flat, entity: str) -> List[Tuple[str, List[int]]]:
    n = len(flat.paths.get(entity, []))
    if not n:
        return []
    sc = row_scenarios(model, flat, entity)
    sels = []
    proj = [r for r in range(n) if sc[r] == "project"]
    ref = [r for r in range(n) if sc[r] == "reference"]
    if proj and ref:
        sels += [("les années du Projet", proj), ("les années de référence", ref)]
    sels.append(("toutes les lignes", list(range(n))))
    if n > 1:
        sels += [("la dernière ligne", [n - 1]), ("la première ligne", [0])]
    return sels


class Search:
    """Candidate dossiers around the seeds, evaluated lazily and within the budget."""

    def __init__(self, compiled, annexes, seeds, budget: int = BUDGET, time_limit: float = TIME_LIMIT):
        self.compiled, self.annexes, self.seeds = compiled, annexes, seeds
        self.model = compiled.model
        self.model_entities = {e["name"]: e for e in self.model["entities"]}
        self.reach = Reach(self.model)
        self.thresholds = self.reach.thresholds()
        self.budget, self.deadline = budget, time.monotonic() + time_limit
        self.evaluated = 0
        self.invalid = 0
        self._seen: Set[str] = set()

    def exhausted(self) -> bool:
        return self.evaluated >= self.budget or time.monotonic() > self.deadline

    def candidates(self, inputs: List[str], want: Optional[object] = None, project_first: bool = False,
                   limit: Optional[int] = None, seeds_per_value: int = 3):
        """Yield evaluated valid candidates changing one input of one seed: input by input
        (the most direct first), value by value, row selection by selection, in the first
        `seeds_per_value` seeds that have rows of the input's entity; at most `limit`
        evaluations."""
        stop = self.evaluated + limit if limit else None
        for name in inputs:
            inp = self.reach.inputs[name]
            ent = inp["entity"]
            seeds = [s for s in self.seeds if s.flat.paths.get(ent)]
            if not seeds:
                yield from self._new_rows(inp, want, stop)
                continue
            current = [v for s in seeds for v in ((s.flat.raw.get(ent) or {}).get(name) or [])]
            for value in values_for(inp, self.thresholds, self.annexes.tables, self.model, current[:50], want):
                tried = 0
                for seed in seeds:
                    if tried >= seeds_per_value:
                        break
                    flat = seed.flat
                    mine = (flat.raw.get(ent) or {}).get(name) or []
                    sels = row_selections(self.model, flat, ent)
                    if not project_first:
                        sels = sorted(sels, key=lambda s: s[0] != "toutes les lignes")
                    changed_any = False
                    for label, rows in sels:
                        if self.exhausted() or (stop is not None and self.evaluated >= stop):
                            return
                        if all(i < len(mine) and mine[i] == value for i in rows):
                            continue  # changes nothing
                        changes = [{"op": "set", "path": f"{flat.paths[ent][r]}.{name}", "value": value}
                                   for r in rows]
                        key = seed.name + json.dumps(changes, sort_keys=True, default=str)
                        if key in self._seen:
                            continue
                        self._seen.add(key)
                        changed_any = True
                        c = self.evaluate(seed, changes, f"{ent}.{name} = {_fmt(value)} ({label})")
                        if c is not None:
                            yield c
                    tried += changed_any

    def _new_rows(self, inp: dict, want, stop):
        """No seed has a row of the input's entity: add rows built from its declaration (under
        the first row of its parent) with the input at each value, in the first seeds."""
        ent = self.model_entities[inp["entity"]]
        parent = ent["parent"]
        if parent is None:
            return
        seeds = [s for s in self.seeds if s.flat.paths.get(parent)][:2]
        rows = synth_rows(self.model, self.annexes.tables, ent["name"])
        if _has_none(rows):
            return  # an input without a valid minimal value
        tl = next((t for t in self.model.get("timelines") or [] if t["entity"] == ent["name"]), None)
        for value in values_for(inp, self.thresholds, self.annexes.tables, self.model, [], want)[:12]:
            for seed in seeds:
                variants = [("toutes les lignes ajoutées", lambda r: True)]
                if tl is not None:
                    variants.append(("les années du Projet ajoutées", lambda r, i=tl["index"]: r[i] >= 0))
                for label, pick in variants:
                    if self.exhausted() or (stop is not None and self.evaluated >= stop):
                        return
                    new = [dict(r, **{inp["name"]: value}) if pick(r) else dict(r) for r in rows]
                    path = f"{seed.flat.paths[parent][0]}.{ent['collection']}"
                    changes = [{"op": "append", "path": path, "value": r} for r in new]
                    key = seed.name + json.dumps(changes, sort_keys=True, default=str)
                    if key in self._seen:
                        continue
                    self._seen.add(key)
                    c = self.evaluate(seed, changes, f"{len(new)} ligne(s) {ent['name']} ajoutée(s), "
                                                     f"{inp['name']} = {_fmt(value)} ({label})")
                    if c is not None:
                        yield c

    def pair_candidates(self, inputs: List[str], limit: Optional[int] = None, values_per_input: int = 4,
                        project_first: bool = False):
        """Yield evaluated valid candidates changing two inputs of the same entity together, on
        the same rows (e.g. a product and its quantity), for what one change cannot reach."""
        stop = self.evaluated + limit if limit else None
        for i, a in enumerate(inputs):
            for b in inputs[i + 1:]:
                ia, ib = self.reach.inputs[a], self.reach.inputs[b]
                ent = ia["entity"]
                if ib["entity"] != ent:
                    continue
                seeds = [s for s in self.seeds if s.flat.paths.get(ent)][:2]
                for seed in seeds:
                    flat = seed.flat
                    va = _spread(values_for(ia, self.thresholds, self.annexes.tables, self.model,
                                            (flat.raw.get(ent) or {}).get(a) or []), values_per_input)
                    vb = _spread(values_for(ib, self.thresholds, self.annexes.tables, self.model,
                                            (flat.raw.get(ent) or {}).get(b) or []), values_per_input)
                    sels = row_selections(self.model, flat, ent)
                    if not project_first:
                        sels = sorted(sels, key=lambda s: s[0] != "toutes les lignes")
                    for x in va:
                        for y in vb:
                            for label, rows in sels[:2]:
                                if self.exhausted() or (stop is not None and self.evaluated >= stop):
                                    return
                                changes = [{"op": "set", "path": f"{flat.paths[ent][r]}.{n}", "value": v}
                                           for r in rows for n, v in ((a, x), (b, y))]
                                key = seed.name + json.dumps(changes, sort_keys=True, default=str)
                                if key in self._seen:
                                    continue
                                self._seen.add(key)
                                c = self.evaluate(seed, changes, f"{ent}.{a} = {_fmt(x)} et {ent}.{b} = {_fmt(y)} "
                                                                 f"({label})")
                                if c is not None:
                                    yield c

    def evaluate(self, seed, changes: List[dict], what: str) -> Optional[Candidate]:
        from carbonspec.runtime.certification.casedata import apply_changes

        self.evaluated += 1
        dossier = copy.deepcopy(seed.dossier)
        try:
            apply_changes(dossier, changes, "generator")
            flat = self.compiled.schema.flatten(json.loads(json.dumps(dossier)), "generator")
            resolve_lookups(self.compiled, flat, self.annexes.tables)
            cov = CoverageBackend(self.model)
            out = cov.compute(flat.data)
            check_outputs(self.compiled, flat, out)
        except InputError:
            self.invalid += 1
            return None
        cov.record.inputs |= input_record(self.model, flat)
        return Candidate(seed.name, changes, what, dossier, cov.record, flat, out)


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "vrai" if v else "faux"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


# ---------------------------------------------------------------- cover --
@dataclass
class Generated:
    missing: Dict[tuple, str]            # what the data cases missed
    candidates: List[Candidate]          # useful candidates found (before minimisation)
    kept: List[CaseSpec]                 # after minimisation
    evaluated: int = 0
    invalid: int = 0
    unreached: List[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"missing_before": len(self.missing), "evaluated": self.evaluated, "invalid": self.invalid,
                "candidates": len(self.candidates), "generated": len(self.kept),
                "unreached": list(self.unreached)}


def cover(compiled, annexes, seeds, coverage: Coverage, budget: int = BUDGET,
          time_limit: float = TIME_LIMIT, start: int = 1, only: Optional[Set[tuple]] = None) -> Generated:
    """Candidates covering what `coverage` misses (or only the items `only`), minimised; seeds
    are the data cases' CaseResults (valid dossiers with their flat data)."""
    model = compiled.model
    missing = missing_items(coverage)
    if only is not None:
        missing = {k: v for k, v in missing.items() if k in only}
    search = Search(compiled, annexes, seeds, budget, time_limit)
    useful: List[Tuple[Candidate, Set[tuple]]] = []
    wanted = set(missing)
    left = set(missing)
    per_item = max(60, budget // max(1, len(missing)))
    for key in list(missing):
        if key not in left or search.exhausted():
            continue
        want = key[1][2] if key[0] == "input" else None
        targets = target_inputs(model, search.reach, key)
        stages = [search.candidates(targets, want, limit=per_item)]
        if want is None:
            stages.append(search.pair_candidates(targets[:8], limit=per_item))
        for stage in stages:
            for cand in stage:
                covered = record_items(cand.record) & wanted
                if covered & left:  # new: kept in the pool with all it covers, for the set cover
                    cand.flat = cand.outputs = None  # not needed any more (memory)
                    useful.append((cand, covered))
                    left -= covered
                if key not in left:
                    break
            if key not in left:
                break
    kept = minimise([(c, g) for c, g in useful], wanted - left)
    specs = [_spec(c, g, missing, start + i, "couvre") for i, (c, g) in enumerate(kept)]
    return Generated(missing, [c for c, _ in useful], specs, search.evaluated, search.invalid,
                     sorted(missing[k] for k in left))


def minimise(cands: List[Tuple[Candidate, Set[object]]], items: Set[object]) -> List[Tuple[Candidate, Set[object]]]:
    """Greedy set cover: repeatedly keep the candidate covering the most items not yet covered
    (ties: the earliest found); each kept candidate is returned with the items it was kept for."""
    left = set(items)
    pool = list(cands)
    out = []
    while left and pool:
        best = max(range(len(pool)), key=lambda i: (len(pool[i][1] & left), -i))
        gain = pool[best][1] & left
        if not gain:
            break
        out.append((pool[best][0], gain))
        left -= gain
        pool.pop(best)
    return out


def _spec(c: Candidate, gain: Set[object], labels: Dict[object, str], n: int, verb: str) -> CaseSpec:
    names = sorted(labels.get(k, str(k)) for k in gain)
    shown = "; ".join(names[:6]) + (f" ; et {len(names) - 6} autre(s)" if len(names) > 6 else "")
    desc = (f"Cas généré à partir du cas « {c.seed} » en changeant {c.what} ; il {verb} ce qu'aucun cas "
            f"écrit ne {'couvre' if verb == 'couvre' else 'détecte'} : {shown}.")
    dossier = copy.deepcopy(c.dossier)
    title = f"cas généré n° {n} ({c.what})"
    dossier["name"] = title
    return CaseSpec(f"genere_{n:02d}", title, desc, dossier, "généré", generated=True, covers=names)


# ----------------------------------------------------------------- kill --
def kill(compiled, ct, escaped: List, budget: int = BUDGET, time_limit: float = TIME_LIMIT,
         start: int = 1) -> Generated:
    """Candidates catching surviving mutants (mutation.Mutant list), minimised."""
    from carbonspec.runtime.certification import mutation
    from carbonspec.runtime.certification.certify import case_values, reference_document

    model = compiled.model
    seeds = [c for c in ct.cases if not c.generated] or ct.cases
    search = Search(compiled, ct.annexes, seeds, budget, time_limit)
    labels = {m.id: f"mutant « {m.id} »" for m in escaped}
    useful: List[Tuple[Candidate, Set[str]]] = []
    left = {m.id for m in escaped}
    per_item = max(40, budget // max(1, len(escaped)))
    for m in escaped:
        if m.id not in left or search.exhausted():
            continue
        inputs: Set[str] = set()
        for eq in m.equations:
            inputs |= search.reach.inputs_of(eq)
        targets = sorted(inputs)
        for stage in (search.candidates(targets, project_first=True, limit=per_item),
                      search.pair_candidates(targets[:8], limit=per_item, project_first=True)):
            for cand in stage:
                values, status = case_values(model, cand.outputs)
                ref = reference_document(model, ct.annexes.version, ct.annexes.content_hash, {"c": values},
                                         {"c": status})
                probe = _Case("c", cand.flat, cand.outputs)
                caught = {o.mutant.id for o in mutation.run(compiled, [probe], ref, only=lambda x: x.id in left)
                          if o.caught}
                if caught:
                    cand.kills = caught
                    useful.append((cand, caught))
                    left -= caught
                if m.id not in left or search.exhausted():
                    break
            if m.id not in left or search.exhausted():
                break
    kept = minimise(useful, {m.id for m in escaped} - left)
    specs = [_spec(c, g, labels, start + i, "détecte") for i, (c, g) in enumerate(kept)]
    return Generated({m.id: labels[m.id] for m in escaped}, [c for c, _ in useful], specs, search.evaluated,
                     search.invalid, sorted(left))


@dataclass
class _Case:
    name: str
    flat: object
    outputs: Dict[str, np.ndarray]


def describe_branches(model: dict) -> Dict[str, str]:
    return {b.id: b.label() for b in branches(model)}


__all__ = ["Reach", "cover", "kill", "minimise", "missing_items", "target_inputs", "values_for",
           "sign_terms", "input_values", "text"]

"""Running a compiled method on a dossier.

Steps: read the dossier (dossier.py), resolve every table lookup for every row (with
the spec's fallback chains), run a backend (the generated Numba kernel, or the NumPy
reference), then refuse any non-finite value or any value outside an equation's
declared domain with a message naming the equation, its method line and the row.
"""
from __future__ import annotations

import importlib.util
import itertools
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from carbonspec.compiler.errors import InputError

from carbonspec.runtime.dossier.reader import DossierSchema, Flat
from carbonspec.runtime.engine.reference import ReferenceBackend
from carbonspec.runtime.engine.rows import ancestor_rows
from carbonspec.runtime.engine.tables import AnnexSet, Table


@dataclass
class Compiled:
    """A method version as compiled into generated/<method>/v<version>/."""
    directory: Path
    model: dict
    schema: DossierSchema
    _kernel: object = None
    _warmed: bool = False

    @property
    def kernel(self):
        if self._kernel is None:
            path = self.directory / "kernel.py"
            name = f"carbonspec_kernel_{self.model['method']}_{self.model['version'].replace('.', '_')}"
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self._kernel = module
        return self._kernel

    def warm(self, data: Dict[str, np.ndarray]) -> None:
        """Before the kernel's first run in this process: on a cold Numba cache, compile its
        stages in parallel processes (engine/warmup.py)."""
        if not self._warmed:
            from carbonspec.runtime.engine.warmup import warm_if_cold

            self._warmed = True
            warm_if_cold(self.kernel, self.directory / "kernel.py", data)


def load_compiled(directory: Path) -> Compiled:
    directory = Path(directory)
    mj = directory / "model.json"
    if not mj.exists():
        raise InputError(str(directory), "no compiled method here (model.json missing); run 'carbonspec compile'")
    model = json.loads(mj.read_text(encoding="utf-8"))
    from carbonspec.runtime.engine.loader import check_compiled

    check_compiled(directory, model)  # only a folder `compile` made: its kernel is imported
    return Compiled(directory, model, DossierSchema(model))


def resolve_lookups(compiled: Compiled, flat: Flat, tables: Dict[str, Table]) -> None:
    """Fill flat.data with every lookup column, for every row of its entity, following the
    spec's fallback chain (the first key tuple present in the table wins).

    Rows are grouped by their distinct key values first, so each distinct key is matched
    once, and lookups sharing the same keys (8 columns of cultures_CA) share the match."""
    model = compiled.model
    parents = {e["name"]: e["parent"] for e in model["entities"]}
    inputs = {i["name"]: i for i in model["inputs"]}
    matches: Dict[tuple, tuple] = {}
    for lk in model["lookups"]:
        ent, table = lk["entity"], tables[lk["table"]]
        sig = (ent, lk["table"], json.dumps(lk["keys"]))
        if sig not in matches:
            matches[sig] = _match_rows(lk, table, flat, parents, inputs, ent)
        keys, inverse = matches[sig]
        dtype = np.float64 if lk["dtype"] == "real" else np.bool_
        # key None: the row gives no key at all (optional key inputs absent) -> no value
        per_key = np.array([table.rows[k][lk["column"]] if k is not None else np.nan for k in keys], dtype=dtype)
        flat.data[lk["name"]] = per_key[inverse] if len(keys) else np.empty(0, dtype=dtype)


def _match_rows(lk, table: Table, flat: Flat, parents, inputs, ent: str):
    """(matched table key per distinct row signature, signature index of every row)."""
    n = flat.data["n_" + ent]
    alts_per_col = []
    for alts in lk["keys"]:
        col_alts = []
        for alt in alts:
            if "literal" in alt:
                col_alts.append(("literal", alt["literal"], [alt["literal"]] * n))
            else:
                src = inputs[alt["input"]]
                col_alts.append(("input", alt["input"], _gather_raw(flat, parents, src["entity"], ent, alt["input"])))
        alts_per_col.append(col_alts)
    columns = [a[2] for col in alts_per_col for a in col]
    signature = np.array(["\x1f".join("\x00" if v is None else str(v) for v in row) for row in zip(*columns)]
                         if columns else [""] * n, dtype=object)
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    uniq, first, inverse = np.unique(signature, return_index=True, return_inverse=True)
    keys = []
    for r in first:
        choices = [[a[2][r] for a in col] for col in alts_per_col]
        found = _first_present(table, choices)
        if found is not None:
            _note_fallback(lk, table, alts_per_col, choices, found, int(np.flatnonzero(inverse == len(keys))[0]),
                           flat, ent)
        if found is None and (lk.get("optional") or any(all(v is None for v in col) for col in choices)):
            keys.append(None)  # an optional key left empty, or an optional lookup's key absent: no value
            continue
        if found is None:
            bad = int(np.flatnonzero(inverse == len(keys))[0])
            raise _missing_key(lk, table, alts_per_col, bad, flat, ent)
        keys.append(found)
    return keys, inverse.reshape(-1)


def _gather_raw(flat: Flat, parents, src_entity: str, ent: str, name: str) -> List:
    values = flat.raw[src_entity][name]
    if src_entity == ent:
        return values
    return [values[i] for i in ancestor_rows(flat.data, parents, ent, src_entity)]


def _note_fallback(lk, table: Table, alts_per_col, choices, found: tuple, r: int, flat: Flat, ent: str) -> None:
    """A key given by the dossier but absent from the table, replaced by a literal default row
    of the spec's fallback chain (e.g. L417: an unlisted cover crop takes the Polygonacées
    row): legitimate, but the user must see it (a near miss is almost surely a typo).  The
    warning goes to flat.warnings (printed on stderr, kept in the results document)."""
    import difflib

    for col, chosen, values in zip(alts_per_col, found, choices):
        i = values.index(chosen)
        if col[i][0] != "literal":
            continue
        given = [(a[1], v) for a, v in zip(col[:i], values[:i]) if a[0] == "input" and v is not None]
        if not given:
            continue
        known = sorted({k[0] for k in table.rows} if len(found) == 1 else set())
        note = []
        for name, v in given:
            close = difflib.get_close_matches(str(v), known, n=1, cutoff=0.75)
            note.append(f"{name}={str(v)!r}" + (f" (did you mean '{close[0]}'?)" if close else ""))
        src = (lk.get("source") or {}).get("text") or ""
        where = flat.paths[ent][r] if r < len(flat.paths.get(ent, [])) else ent
        msg = (f"{where}: {', '.join(note)} not in table '{table.name}' ({table.path.name}); "
               f"the default row '{chosen}' was used for {lk['name']} (fallback of the method, {src})")
        warnings = flat.__dict__.setdefault("warnings", [])
        if msg not in warnings:
            warnings.append(msg)


def _first_present(table: Table, choices) -> Optional[tuple]:
    for combo in itertools.product(*choices):
        if None in combo:
            continue
        if combo in table.rows:
            return combo
    return None


def _missing_key(lk, table: Table, alts_per_col, r, flat: Flat, ent: str) -> InputError:
    col_alts = alts_per_col[0] if alts_per_col else []
    first = next((a for a in col_alts if a[0] == "input"), None)
    path = flat.paths[ent][r]
    if first is None:
        return InputError(str(table.path), f"table '{table.name}' has no row for the keys of lookup '{lk['name']}'")
    tried = [f"{a[1]}={a[2][r]!r}" if a[0] == "input" else repr(a[1]) for a in col_alts if a[2][r] is not None]
    value = first[2][r]
    if len(alts_per_col) > 1:
        value = tuple(col[0][2][r] for col in alts_per_col)
        return InputError(f"{path}", f"no row of table '{table.name}' ({table.path.name}) for {value}")
    closest = table.closest(str(value))
    return InputError(f"{path}.{first[1]}", f"'{value}' is not in table '{table.name}' ({table.path.name})"
                      + (f"; tried {', '.join(tried)}" if len(tried) > 1 else "")
                      + f"; closest known: {', '.join(closest)}")


# `auto` below this many rows (all entities) runs the NumPy reference: a dossier of a few farms
# costs it milliseconds, while merely loading the cached Numba kernel costs about a second (the
# JIT's own start-up).  Both backends give the same bits (runtime/numerics/libm.py; tested on
# every example), so the choice changes the time, never a figure.
AUTO_NUMBA_ROWS = 200_000
BACKENDS = ("auto", "numba", "reference")


def choose_backend(compiled: Compiled, data: Dict[str, np.ndarray], backend: str) -> str:
    """The backend `auto` stands for on these rows; any other name is returned as it is."""
    if backend != "auto":
        return backend
    rows = sum(int(data["n_" + e["name"]]) for e in compiled.model["entities"])
    return "numba" if rows >= AUTO_NUMBA_ROWS else "reference"


def run_backend(compiled: Compiled, data: Dict[str, np.ndarray], backend: str = "numba") -> Dict[str, np.ndarray]:
    backend = choose_backend(compiled, data, backend)
    if backend == "numba":
        compiled.warm(data)
        return compiled.kernel.compute(data)
    if backend == "reference":
        return ReferenceBackend(compiled.model).compute(data)
    raise InputError("--backend", f"unknown backend '{backend}'; expected auto, numba or reference")


def check_outputs(compiled: Compiled, flat: Flat, out: Dict[str, np.ndarray]) -> None:
    """Never a silent NaN: a non-finite or out-of-domain value stops the run, located.
    The consistency checks (equations whose domain is '<= 0': "must be 0") are looked at
    first: when one fails, it names the data problem that also poisons later values."""
    def is_check(eq):
        d = eq["domain"]
        return d is not None and d["lo"] is None and d["hi"] == 0

    equations = compiled.model["equations"]
    for eq in [e for e in equations if is_check(e)] + [e for e in equations if not is_check(e)]:
        v = out[eq["name"]]
        bad = np.flatnonzero(~np.isfinite(v))
        reason = "is not a finite number"
        if bad.size == 0 and eq["domain"] is not None:
            d = eq["domain"]
            lo_bad = (v < d["lo"]) if d["lo"] is not None and d["lo_closed"] else (v <= d["lo"]) if d["lo"] is not None else np.zeros(v.shape, bool)
            hi_bad = (v > d["hi"]) if d["hi"] is not None and d["hi_closed"] else (v >= d["hi"]) if d["hi"] is not None else np.zeros(v.shape, bool)
            bad = np.flatnonzero(lo_bad | hi_bad)
            reason = f"is outside its declared domain {d['text']}"
        if bad.size:
            r = int(bad[0])
            src = eq["source"] or {}
            cite = ", ".join(x for x in (src.get("label"), src.get("section"), src.get("text")) if x)
            missing = _missing_inputs(compiled, flat, eq, r)
            hint = f"; missing or invalid: {', '.join(missing)}" if missing else ""
            more = f" (and {bad.size - 1} other row(s))" if bad.size > 1 else ""
            raise InputError(flat.paths[eq["entity"]][r],
                             f"{eq['name']} ({cite}) {reason}: {_value_text(v[r])}{more}{hint}")


def _value_text(x) -> str:
    """A value for a user message: plain Python text, never a NumPy repr (np.float64(nan))."""
    x = float(x)
    if math.isnan(x):
        return "no value (NaN: an input it needs is missing or invalid)"
    return repr(x)


def _missing_inputs(compiled: Compiled, flat: Flat, eq: dict, r: int) -> List[str]:
    names = []

    def walk(n):
        if n["node"] == "ref" and not n["path"] and n["symbol"] in flat.data:
            arr = flat.data[n["symbol"]]
            if arr.dtype == np.float64 and r < arr.size and math.isnan(arr[r]):
                names.append(n["symbol"])
        for key in ("args",):
            for c in n.get(key, []) or []:
                walk(c)
        for key in ("left", "right", "where", "body"):
            if n.get(key):
                walk(n[key])
        for c, v in n.get("branches", []) or []:
            if c:
                walk(c)
            walk(v)

    walk(eq["expr"])
    return sorted(set(names))


def evaluate(compiled: Compiled, raw: dict, annex_dir: Path, backend: str = "numba", where: str = "<dossier>"):
    """Dossier (already parsed JSON) -> (flat, outputs, annexes); `flat.backend` says which backend
    computed it (`auto` resolved)."""
    from carbonspec.runtime.models.registry import apply_models  # a model library loads only when declared and given

    # the external models the spec declares (model.json `external_models`) fill their outputs first
    raw, soil_model = apply_models(compiled.model, raw, where, backend)
    flat = compiled.schema.flatten(raw, where)
    flat.soil_model = soil_model  # provenance per system path, for results_document
    from carbonspec.runtime.engine.annex_cache import load_annexes_cached

    annexes = load_annexes_cached(annex_dir, compiled.model)  # parsed tables kept between runs
    resolve_lookups(compiled, flat, annexes.tables)
    flat.backend = choose_backend(compiled, flat.data, backend)  # the one that ran, for the results' provenance
    out = run_backend(compiled, flat.data, flat.backend)
    check_outputs(compiled, flat, out)
    return flat, out, annexes


def eligibility(compiled: Compiled, flat: Flat, out: Dict[str, np.ndarray]) -> dict:
    """The verdict: every failed criterion, on every row it fails, with the evidence it requires."""
    failed = []
    for eq in compiled.model["equations"]:
        crit = eq.get("criterion")
        if not crit or crit.get("verdict"):  # criteria of another verdict: see verdicts()
            continue
        failed.extend(_failures(flat, out, eq))
    return {"eligible": not failed, "failed": failed}


def _failures(flat: Flat, out: Dict[str, np.ndarray], eq: dict) -> List[dict]:
    """Every row where a criterion fails: where, which criterion, its title, evidence and source."""
    crit, src = eq["criterion"], eq["source"] or {}
    return [{"where": flat.paths[eq["entity"]][int(r)], "criterion": eq["name"], "title": crit["title"],
             "evidence": crit["evidence"],
             "source": ", ".join(x for x in (src.get("label"), src.get("section"), src.get("text")) if x)}
            for r in np.flatnonzero(out[eq["name"]] < 0.5)]


def verdicts(compiled: Compiled, flat: Flat, out: Dict[str, np.ndarray]) -> List[dict]:
    """Verdicts other than eligibility (declared by the spec): per verdict, passed or not, what
    it says, and every failed criterion on every row as a reason."""
    docs = []
    for v in compiled.model.get("verdicts", []):
        failed = []
        for eq in compiled.model["equations"]:
            if (eq.get("criterion") or {}).get("verdict") == v["name"]:
                failed.extend(_failures(flat, out, eq))
        src = v["source"] or {}
        docs.append({"verdict": v["name"], "title": v["title"], "passed": not failed,
                     "says": v["failed"] if failed else v["passed"], "reasons": failed,
                     "source": ", ".join(x for x in (src.get("section"), src.get("text")) if x)})
    return docs
def not_computed(compiled: Compiled, flat: Flat, out: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Per co-benefit equation with a `computed when` flag, the rows where the flag is 0: the
    dossier lacks what the indicator needs, so the method reports it as not computed.  Its
    kernel value there is a placeholder (0), never a result: every output (results JSON,
    trace, reports, cas-type) shows null instead."""
    masks = {}
    for eq in compiled.model["equations"]:
        flag = (eq.get("cobenefit") or {}).get("computed_when")
        if flag:
            values = out[flag] if flag in out else flat.data[flag]
            masks[eq["name"]] = np.asarray(values) <= 0.5
    return masks


def value_or_null(out: Dict[str, np.ndarray], masks: Dict[str, np.ndarray], name: str, r: int) -> Optional[float]:
    """An equation's value on row r, or None where it is a co-benefit not computed."""
    m = masks.get(name)
    return None if m is not None and bool(m[r]) else float(out[name][r])


def cobenefits(compiled: Compiled, flat: Flat, out: Dict[str, np.ndarray]) -> List[dict]:
    """Section 7 indicators, per row of their entity (each farm, and the project): value,
    unit, whether the sign means improved (Tableau 20), mandatory (Tableau 19) and whether
    the dossier gave what the indicator needs.  An indicator not computed is never reported
    as improved."""
    rows = []
    for eq in compiled.model["equations"]:
        cb = eq.get("cobenefit")
        if not cb:
            continue
        imp = cb["improved"]
        for r in range(int(flat.data["n_" + eq["entity"]])):
            value = float(out[eq["name"]][r])
            mandatory = cb["mandatory"]
            if isinstance(mandatory, str):
                mandatory = bool(out[mandatory][r] > 0.5) if mandatory in out else bool(flat.data[mandatory][r])
            computed = True
            if cb.get("computed_when"):
                flag = cb["computed_when"]
                computed = bool((out[flag] if flag in out else flat.data[flag])[r] > 0.5)
            # a change within rounding noise of the threshold (e.g. -1e-13 MJ/ha when every year
            # is the same) is no change: "improved" needs a margin of 1e-9 (relative, at least absolute)
            thr, tol = imp["value"], 1e-9 * max(1.0, abs(imp["value"]), abs(value))
            improved = computed and {"<": value < thr - tol, "<=": value <= thr + tol,
                                     ">": value > thr + tol, ">=": value >= thr - tol}.get(imp["op"], False)
            src = eq["source"] or {}
            rows.append({"where": flat.paths[eq["entity"]][r], "indicator": eq["name"], "title": cb["title"],
                         "value": value if computed else None, "unit": eq["unit"], "improved_if": f"{imp['op']} {imp['value']:g}",
                         "improved": bool(improved), "mandatory": bool(mandatory), "computed": computed,
                         "source": ", ".join(x for x in (src.get("label"), src.get("section"), src.get("text")) if x)})
    return rows


def results_document(compiled: Compiled, flat: Flat, out: Dict[str, np.ndarray], annexes: AnnexSet,
                     backend: str) -> dict:
    """Result JSON: top-level values of the root entity, then the whole tree with every
    equation's value per row (the trace an auditor follows), in the spec's units."""
    model = compiled.model
    ents = {e["name"]: e for e in model["entities"]}
    children = {e: [c for c in ents if ents[c]["parent"] == e] for e in ents}
    eq_by_entity: Dict[str, List[str]] = {e: [] for e in ents}
    for eq in model["equations"]:
        eq_by_entity[eq["entity"]].append(eq["name"])
    inputs_by_entity = {e: [i["name"] for i in model["inputs"] if i["entity"] == e] for e in ents}
    root = next(e for e in ents if ents[e]["parent"] is None)
    scenario_symbols = {t["scenario_symbol"] for t in model["timelines"]}
    masks = not_computed(compiled, flat, out)

    def row(ent, r):
        d = {}
        for name in inputs_by_entity[ent]:
            if name in flat.raw.get(ent, {}):
                d[name] = flat.raw[ent][name][r]
            elif name in scenario_symbols:
                d[name] = model["enums"]["scenario"][int(flat.data[name][r])]
        for name in eq_by_entity[ent]:
            d[name] = value_or_null(out, masks, name, r)
        for child in children[ent]:
            start = flat.data[f"start_{ent}_{child}"]
            d[ents[child]["collection"]] = [row(child, c) for c in range(start[r], start[r + 1])]
        return d

    top = {name: value_or_null(out, masks, name, 0) for name in eq_by_entity[root]}
    return {
        "eligibility": eligibility(compiled, flat, out),
        **({"verdicts": verdicts(compiled, flat, out)} if compiled.model.get("verdicts") else {}),
        "cobenefits": cobenefits(compiled, flat, out),
        "method": model["method"], "version": model["version"], "spec_hash": model["spec_hash"],
        "backend": backend,
        # one line that pins the computation: equations (spec hash) and reference values (annexes)
        "computed_with": f"{model['method']} v{model['version']} · spec {model['spec_hash']} · "
                         f"annexes {annexes.version} ({annexes.content_hash})",
        "annexes": annexes.describe(),
        "units": {eq["name"]: eq["unit"] for eq in model["equations"]},
        "results": top,
        # annex fallbacks taken (a key absent from its table replaced by a literal default row)
        "warnings": list(getattr(flat, "warnings", []) or []),
        **({"soil_model": flat.soil_model} if getattr(flat, "soil_model", None) else {}),
        ents[root]["collection"]: row(root, 0),
    }

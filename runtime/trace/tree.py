"""The dependency tree of one figure (`trace`).

A figure is `[root_collection.]coll[i].coll[j]....SYMBOL`, e.g. `project.RE_certifiable`
or `farms[0].systems[1].years[4].N2O_directes` (the paths of the results document).
Only what the figure actually depends on is followed: the branch of a piecewise equation
that applied (and the conditions tested before it), the child rows an aggregate counted.
A node already expanded elsewhere in the tree is referenced, not repeated (`see`).
"""
from __future__ import annotations

import difflib
import math
import re
from typing import Dict, List, Optional, Tuple

from carbonspec.compiler.errors import InputError

from .expr import RowEval, formula, number

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$")
MAX_NODES = 4000  # past this many nodes, deeper nodes are cut (`truncated`), never silently


def parse_figure(model: dict, flat, figure: str) -> Tuple[str, int, str]:
    """(entity, row, symbol) of a figure path; a located error naming what exists."""
    ents = {e["name"]: e for e in model["entities"]}
    root = next(e for e in ents if ents[e]["parent"] is None)
    parts = [p for p in figure.strip().split(".") if p]
    if not parts:
        raise InputError("FIGURE", "empty figure; expected e.g. "
                                   f"{ents[root]['collection']}.<equation> or <collection>[i].<equation>")
    if parts[0] == ents[root]["collection"]:
        parts = parts[1:]
    ent, row = root, 0
    for seg in parts[:-1]:
        m = _SEGMENT.match(seg)
        children = {ents[c]["collection"]: c for c in ents if ents[c]["parent"] == ent}
        if not m or m.group(1) not in children:
            raise InputError(f"FIGURE {figure}", f"'{seg}' is not a list of {ent}; expected one of "
                                                 + ", ".join(f"{c}[i]" for c in sorted(children)))
        child, i = children[m.group(1)], int(m.group(2))
        rows = [int(c) for c in (flat.data[f"idx_{child}_{ent}"] == row).nonzero()[0]]
        if i >= len(rows):
            raise InputError(f"FIGURE {figure}", f"{flat.paths[ent][row]}.{m.group(1)} has {len(rows)} "
                                                 f"element(s); index {i} does not exist")
        ent, row = child, rows[i]
    name = parts[-1] if parts else ""
    known = _symbols_of(model, ent)
    if name not in known:
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
        raise InputError(f"FIGURE {figure}", f"'{name}' is not a figure of {ent} ({flat.paths[ent][row]})"
                                             + (f"; did you mean {', '.join(close)}?" if close else ""))
    return ent, row, name


def _symbols_of(model: dict, ent: str) -> Dict[str, str]:
    out = {}
    for kind, key in (("equation", "equations"), ("input", "inputs"), ("lookup", "lookups")):
        for s in model[key]:
            if s["entity"] == ent:
                out[s["name"]] = kind
    return out


class _Tracer:
    def __init__(self, model: dict, outputs, flat, annexes=None, max_nodes: int = MAX_NODES):
        self.model = model
        self.ev = RowEval(model, outputs, flat)
        self.flat = flat
        self.annexes = annexes
        self.max_nodes = max_nodes
        self.equations = {e["name"]: e for e in model["equations"]}
        self.inputs = {i["name"]: i for i in model["inputs"]}
        self.lookups = {lk["name"]: lk for lk in model["lookups"]}
        self.constants = {c["name"]: c for c in model["constants"]}
        self.seen: Dict[Tuple[str, int], str] = {}
        self.count = 0
        self.placeholders: List[dict] = []
        self._matches: Dict[str, tuple] = {}
        self._placeholder_cells: Dict[tuple, dict] = {}

    # ------------------------------------------------------------ nodes --
    def node(self, name: str, ent: str, row: int) -> dict:
        """The node of symbol `name` on row `row` of its entity `ent`."""
        self.count += 1
        if name in self.constants:
            return self.constant_node(name, name)
        path = f"{self.flat.paths[ent][row]}.{name}"
        if (name, row, ent) in self.seen:
            return {"name": name, "path": path, "kind": self.kind(name), "value": self.value(name, ent, row),
                    "see": path}
        self.seen[(name, row, ent)] = path
        if name in self.equations:
            return self.equation_node(name, ent, row, path)
        if name in self.lookups:
            return self.lookup_node(name, ent, row, path)
        if name in self.constants:
            return self.constant_node(name, path)
        return self.input_node(name, ent, row, path)

    def ref_node(self, ref: dict, ent: str, row: int) -> dict:
        """The node a reference in an expression on (ent, row) points to."""
        if ref["symbol"] in self.constants:
            return self.node(ref["symbol"], None, 0)
        return self.node(ref["symbol"], ref["entity"], self.ev.row_of(ent, row, ref["entity"]))

    def kind(self, name: str) -> str:
        return ("equation" if name in self.equations else "lookup" if name in self.lookups
                else "constant" if name in self.constants else "input")

    def value(self, name: str, ent: str, row: int):
        if name in self.constants:
            return self.constants[name]["value"]
        v = self.ev.ref_value({"symbol": name, "entity": ent}, ent, row)
        return _plain(v)

    def equation_node(self, name: str, ent: str, row: int, path: str) -> dict:
        eq = self.equations[name]
        expr = eq["expr"]
        src = eq.get("source") or {}
        node = {"name": name, "path": path, "kind": "equation", "value": self.value(name, ent, row),
                "unit": eq["unit"], "description": eq.get("description") or "",
                "equation": {"label": src.get("label") or "", "section": src.get("section") or "",
                             "lines": src.get("text") or "", "spec": eq.get("spec") or ""},
                "formula": f"{name} = {formula(expr)}"}
        live = self.live(expr, ent, row)
        node["formula_values"] = f"{number(node['value'])} = {self.substituted(expr, ent, row)}"
        if expr["node"] == "select" and len(expr["branches"]) > 1:
            i, _ = self.ev.branch(expr, ent, row)
            node["branch"] = {"index": i + 1, "of": len(expr["branches"]),
                              "text": "sinon" if expr["branches"][i][0] is None
                              else "si " + formula(expr["branches"][i][0])}
        if self.count > self.max_nodes:
            node["truncated"] = True
            return node
        children = []
        for kind, item in live:
            if kind == "ref":
                children.append(self.ref_node(item, ent, row))
            else:
                children.append(self.aggregate_node(item, ent, row))
        node["children"] = children
        return node

    def aggregate_node(self, agg: dict, ent: str, row: int) -> dict:
        rows = self.ev.agg_rows(agg, ent, row)
        child = agg["entity"]
        value = self.ev.eval(agg, ent, row)
        node = {"kind": "aggregate", "func": agg["func"], "entity": child, "formula": formula(agg),
                "value": _plain(value), "rows": len(rows), "children": []}
        for c in rows:
            body_value = None if agg["func"] == "count" else _plain(self.ev.eval(agg["body"], child, c))
            rnode = {"kind": "row", "path": self.flat.paths[child][c], "value": body_value,
                     "formula_values": (None if agg["func"] == "count" or agg["body"]["node"] == "ref"
                                       else self.substituted(agg["body"], child, c)),
                     "children": []}
            if self.count <= self.max_nodes and agg["func"] != "count":
                for kind, item in self.live(agg["body"], child, c):
                    if kind == "ref":
                        rnode["children"].append(self.ref_node(item, child, c))
                    else:
                        rnode["children"].append(self.aggregate_node(item, child, c))
            else:
                rnode["truncated"] = agg["func"] != "count"
            node["children"].append(rnode)
        return node

    def input_node(self, name: str, ent: str, row: int, path: str) -> dict:
        inp = self.inputs.get(name, {})
        raw = self.flat.raw.get(ent, {}).get(name)
        given = raw[row] if raw is not None else None
        if inp.get("builtin"):
            origin = {"kind": "builtin", "text": "déduit du calendrier du dossier"}
        elif given is None and inp.get("default") is not None:
            origin = {"kind": "default", "field": path, "default": inp["default"],
                      "text": f"absent du dossier : valeur par défaut {inp['default']}"}
        elif given is None:
            origin = {"kind": "absent", "field": path, "text": "absent du dossier (facultatif)"}
        else:
            origin = {"kind": "dossier", "field": path, "text": f"champ du dossier {path}"}
        value = self.value(name, ent, row)
        if inp.get("dtype") == "enum" and given is not None:
            value = given
        elif inp.get("builtin") and inp.get("enum") and not str(inp["enum"]).startswith("key:"):
            labels = self.model["enums"].get(inp["enum"], [])
            value = labels[int(value)] if isinstance(value, (int, float)) and 0 <= int(value) < len(labels) else value
        src = inp.get("source") or {}
        return {"name": name, "path": path, "kind": "input", "value": value, "unit": inp.get("unit"),
                "origin": {**origin, "spec": inp.get("spec"), "lines": src.get("text") or ""}}

    def constant_node(self, name: str, path: str) -> dict:
        c = self.constants[name]
        src = c.get("source") or {}
        return {"name": name, "path": name, "kind": "constant", "value": c["value"], "unit": c["unit"],
                "origin": {"kind": "constant", "spec": c.get("spec"), "section": src.get("section") or "",
                           "label": src.get("label") or "", "lines": src.get("text") or "",
                           "text": f"constante de la spec ({c.get('spec')})"}}

    def lookup_node(self, name: str, ent: str, row: int, path: str) -> dict:
        lk = self.lookups[name]
        node = {"name": name, "path": path, "kind": "lookup", "value": self.value(name, ent, row),
                "unit": lk["unit"], "origin": {"kind": "annex", "table": lk["table"], "column": lk["column"]}}
        key = self.matched_key(lk, ent, row)
        origin = node["origin"]
        if key is None:
            origin["text"] = f"aucune ligne de {lk['table']} (clé absente) : pas de valeur"
        else:
            origin["key"] = list(key)
            origin["text"] = f"table {lk['table']}, ligne {' / '.join(key)}, colonne {lk['column']}"
            if self.annexes is not None:
                t = self.annexes.tables[lk["table"]]
                origin.update({"file": t.where, "status": t.status[key], "source": t.sources[key]})
        # the keys the row was looked up with come from the dossier too
        children = []
        for alts in lk["keys"]:
            for alt in alts:
                if "input" in alt:
                    src_ent = self.inputs[alt["input"]]["entity"]
                    children.append(self.node(alt["input"], src_ent, self.ev.row_of(ent, row, src_ent)))
        if children:
            node["children"] = children
        return node

    def matched_key(self, lk: dict, ent: str, row: int) -> Optional[tuple]:
        """The table row the engine matched for this row (the same fallback chain)."""
        if self.annexes is None:
            return None
        from carbonspec.runtime.engine.core import _match_rows

        sig = lk["name"]
        if sig not in self._matches:
            parents = {e["name"]: e["parent"] for e in self.model["entities"]}
            self._matches[sig] = _match_rows(lk, self.annexes.tables[lk["table"]], self.flat, parents,
                                             self.inputs, ent)
        keys, inverse = self._matches[sig]
        return keys[int(inverse[row])] if len(keys) else None

    def scan_placeholders(self, name: str, ent: str, row: int) -> None:
        """Every placeholder annex cell in the whole dependency closure of the figure,
        however large the printed tree (it may be cut at max_nodes; this list never is)."""
        if self.annexes is None:
            return
        seen = set()
        stack = [(name, ent, row)]

        def push_expr(expr, e, r):
            for kind, item in self.live(expr, e, r):
                if kind == "ref":
                    if item["symbol"] not in self.constants:
                        stack.append((item["symbol"], item["entity"], self.ev.row_of(e, r, item["entity"])))
                else:
                    for c in self.ev.agg_rows(item, e, r):
                        if item["func"] != "count":
                            push_expr(item["body"], item["entity"], c)

        while stack:
            cur = stack.pop()
            if cur in seen:
                continue
            seen.add(cur)
            sym, e, r = cur
            if sym in self.equations:
                push_expr(self.equations[sym]["expr"], e, r)
            elif sym in self.lookups:
                lk = self.lookups[sym]
                key = self.matched_key(lk, e, r)
                t = self.annexes.tables[lk["table"]]
                if key is not None and t.status[key] == "placeholder":
                    # one entry per annex cell, however many rows read it
                    cell = (lk["table"], key, lk["column"])
                    if cell not in self._placeholder_cells:
                        self._placeholder_cells[cell] = {"table": lk["table"], "key": list(key),
                                                         "column": lk["column"], "source": t.sources[key],
                                                         "path": f"{self.flat.paths[e][r]}.{sym}", "uses": 0}
                    self._placeholder_cells[cell]["uses"] += 1
        self.placeholders = sorted(self._placeholder_cells.values(),
                                   key=lambda p: (p["table"], p["key"], p["column"]))

    # ---------------------------------------------------- expressions --
    def live(self, n: dict, ent: str, row: int) -> List[tuple]:
        """('ref', node) and ('agg', node) the value of `n` on this row depends on: in a
        piecewise expression, the conditions tested and the branch that applied."""
        out: List[tuple] = []
        seen = set()

        def add(kind, item):
            key = (kind, item["symbol"], item["entity"]) if kind == "ref" else (kind, id(item))
            if key not in seen:
                seen.add(key)
                out.append((kind, item))

        def walk(x):
            k = x["node"]
            if k == "ref":
                add("ref", x)
            elif k == "agg":
                add("agg", x)
            elif k in ("op", "logic", "func"):
                for a in x["args"]:
                    walk(a)
            elif k == "cmp":
                walk(x["left"])
                walk(x["right"])
            elif k == "select":
                i, _ = self.ev.branch(x, ent, row)
                for cond, value in x["branches"][:i + 1]:
                    if cond is not None:
                        walk(cond)
                walk(x["branches"][i][1])

        walk(n)
        return out

    def substituted(self, n: dict, ent: str, row: int) -> str:
        """The formula with every name replaced by its value on this row (the branch that
        applied only, a sum by its total)."""

        def show(x):
            k = x["node"]
            if k == "ref":
                v = self.ev.ref_value(x, ent, row)
                return number(v)
            if k == "code":
                return f'"{x["value"]}"'
            if k == "agg":
                func = {"sum": "somme", "mean": "moyenne", "count": "nombre"}[x["func"]]
                return f"{number(self.ev.eval(x, ent, row))} [{func} sur {len(self.ev.agg_rows(x, ent, row))} {x['entity']}]"
            if k == "select":
                _, value = self.ev.branch(x, ent, row)
                return formula(value, show)
            return None

        return formula(n, show)


def _plain(v):
    """JSON-friendly: numpy scalars to Python, NaN to None (absent)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def trace(model: dict, outputs, flat, figure: str, annexes=None, max_nodes: int = MAX_NODES) -> dict:
    """The dependency tree of `figure` (see the module docstring), as plain JSON data:
    {"figure", "method", "version", "root": node, "placeholders": [...], "nodes", "truncated"}.
    Needs `annexes` (the AnnexSet of the run) to name annex rows with their source and status."""
    ent, row, name = parse_figure(model, flat, figure)
    t = _Tracer(model, outputs, flat, annexes, max_nodes)
    root = t.node(name, ent, row)
    t.scan_placeholders(name, ent, row)
    return {"figure": f"{flat.paths[ent][row]}.{name}", "method": model["method"], "version": model["version"],
            "spec_hash": model["spec_hash"], "root": root, "placeholders": t.placeholders,
            "placeholder_used": bool(t.placeholders), "nodes": t.count, "truncated": t.count > max_nodes}

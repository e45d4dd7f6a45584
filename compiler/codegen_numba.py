"""Numba backend: IR -> a readable Python module of @njit loops (Jinja2 template).

One function per stage (a loop over a range of one entity's rows, compiled serial and
`nogil`; `compute` runs every stage on blocks of whole root rows in Python threads, see
the template's docstring), each block commented with the method's equation number and line.  Sums over
child rows are segmented reductions over `start_<parent>_<child>` offsets; values of
ancestors are gathered through `idx_<child>_<parent>` arrays.  Only names the compiler
produced reach the generated code: symbol names were validated by the grammar.
"""
from __future__ import annotations

import math

import re
from pathlib import Path
from typing import List, Set, Tuple

import jinja2

from . import ir
from .model import Model, Symbol
from .stages import Stage, build_stages

TEMPLATES = Path(__file__).with_name("templates")


def const_name(enum: str, value: str) -> str:
    base = enum[4:] if enum.startswith("key:") else enum
    prefix = "KEY_" if enum.startswith("key:") else ""
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{prefix}{base}_{value}").upper()


def idx_name(child: str, parent: str) -> str:
    return f"idx_{child}_{parent}"


def start_name(parent: str, child: str) -> str:
    return f"start_{parent}_{child}"


class _Printer:
    """Prints one stage's expressions; hoists aggregates into loops before the assignment."""

    def __init__(self, model: Model, stage_entity: str):
        self.model = model
        self.entity = stage_entity
        self.args: Set[str] = set()
        self.counter = 0

    def index_expr(self, ctx_chain: List[Tuple[str, str]], entity: str) -> str:
        """ctx_chain: [(entity, index variable)] innermost last.  Index of `entity`'s row."""
        for ent, var in reversed(ctx_chain):
            if ent == entity:
                return var
        # walk up from the innermost context entity
        ent, var = ctx_chain[-1]
        expr = var
        while ent != entity:
            parent = self.model.entities[ent].parent
            name = idx_name(ent, parent)
            self.args.add(name)
            expr = f"{name}[{expr}]"
            ent = parent
        return expr

    def expr(self, n: ir.Node, chain, stmts: List[str], indent: str) -> str:
        if isinstance(n, ir.Lit):
            if n.dtype == "bool":
                return "True" if n.value else "False"
            if not math.isfinite(float(n.value)):  # the parser refuses such literals; never emit 'inf'
                raise ValueError(f"non-finite literal {n.value!r} reached code generation")
            return repr(float(n.value))
        if isinstance(n, ir.Code):
            return const_name(n.enum, n.value)
        if isinstance(n, ir.Ref):
            sym = self.model.symbols[n.symbol]
            if sym.kind == "constant":
                return sym.name
            self.args.add(sym.name)
            return f"{sym.name}[{self.index_expr(chain, sym.entity)}]"
        if isinstance(n, ir.Op):
            a = [self.expr(x, chain, stmts, indent) for x in n.args]
            if n.op == "neg":
                return f"(-{a[0]})"
            op = "**" if n.op == "^" else n.op
            return f"({a[0]} {op} {a[1]})"
        if isinstance(n, ir.Cmp):
            return f"({self.expr(n.left, chain, stmts, indent)} {n.op} {self.expr(n.right, chain, stmts, indent)})"
        if isinstance(n, ir.Logic):
            a = [self.expr(x, chain, stmts, indent) for x in n.args]
            if n.op == "not":
                return f"(not {a[0]})"
            return "(" + f" {n.op} ".join(a) + ")"
        if isinstance(n, ir.Func):
            a = [self.expr(x, chain, stmts, indent) for x in n.args]
            if n.name == "known":
                return f"(not np.isnan({a[0]}))"
            if n.name in ("min", "max"):
                # np.minimum/np.maximum propagate NaN (a missing input); Python's min() would
                # silently pick the other argument
                out = a[0]
                for b in a[1:]:
                    out = f"np.{n.name}imum({out}, {b})"
                return out
            if n.name == "abs":
                return f"abs({a[0]})"
            return f"np.{n.name}({a[0]})"
        if isinstance(n, ir.Agg):
            return self.aggregate(n, chain, stmts, indent)
        if isinstance(n, ir.Select):
            out = self.expr(n.branches[-1][1], chain, stmts, indent)
            for cond, value in reversed(n.branches[:-1]):
                c = self.expr(cond, chain, stmts, indent)
                v = self.expr(value, chain, stmts, indent)
                out = f"({v} if {c} else {out})"
            return out
        raise TypeError(n)  # pragma: no cover

    def aggregate(self, n: ir.Agg, chain, stmts: List[str], indent: str) -> str:
        self.counter += 1
        acc, cnt = f"acc_{self.counter}", f"cnt_{self.counter}"
        parent, pvar = chain[-1]
        var = f"c{len(chain)}"
        start = start_name(parent, n.entity)
        self.args.add(start)
        inner_chain = chain + [(n.entity, var)]
        where = f"where {_ir_text(n.where)}" if n.where is not None else ""
        stmts.append(f"{indent}# {n.func} over {n.entity} {where}".rstrip())
        stmts.append(f"{indent}{acc} = 0.0")
        if n.func == "mean":
            stmts.append(f"{indent}{cnt} = 0")
        stmts.append(f"{indent}for {var} in range({start}[{pvar}], {start}[{pvar} + 1]):")
        body_indent = indent + "    "
        inner: List[str] = []
        if n.where is not None:
            cond = self.expr(n.where, inner_chain, inner, body_indent)
            stmts.extend(inner)
            inner = []
            stmts.append(f"{body_indent}if not {cond}:")
            stmts.append(f"{body_indent}    continue")
        if n.func == "count":
            stmts.append(f"{body_indent}{acc} += 1.0")
        else:
            val = self.expr(n.body, inner_chain, inner, body_indent)
            stmts.extend(inner)
            stmts.append(f"{body_indent}{acc} += {val}")
            if n.func == "mean":
                stmts.append(f"{body_indent}{cnt} += 1")
        if n.func == "mean":
            return f"({acc} / {cnt})"
        return acc


def _ir_text(n: ir.Node) -> str:
    """A one-line, human form of a filter for comments."""
    if isinstance(n, ir.Ref):
        return n.symbol
    if isinstance(n, ir.Code):
        return n.value
    if isinstance(n, ir.Lit):
        return str(n.value)
    if isinstance(n, ir.Cmp):
        return f"{_ir_text(n.left)} {n.op} {_ir_text(n.right)}"
    if isinstance(n, ir.Logic):
        if n.op == "not":
            return f"not {_ir_text(n.args[0])}"
        return f" {n.op} ".join(_ir_text(a) for a in n.args)
    return "…"


def _safe(text: str) -> str:
    """Spec text placed in generated comments/docstrings: no escapes, no line breaks, no
    quotes that could end a docstring (a spec must never inject Python)."""
    return str(text).replace("\\", "/").replace('"', "'").replace("\n", " ").replace("\r", " ")


def _cite(sym: Symbol) -> str:
    parts = []
    if sym.source:
        if sym.source.label:
            parts.append(sym.source.label)
        if sym.source.section:
            parts.append(sym.source.section)
        if sym.source.lines:
            parts.append(sym.source.line_text())
    return _safe(", ".join(parts))


def _stage_code(model: Model, stage: Stage) -> dict:
    p = _Printer(model, stage.entity)
    body: List[str] = []
    outputs = []
    for name in stage.equations:
        sym = model.symbols[name]
        body.append(f"        # {name} [{_safe(sym.unit_text)}] — {_cite(sym)}")
        stmts: List[str] = []
        chain = [(stage.entity, "r")]
        if len(sym.expr.branches) == 1:
            value = p.expr(sym.expr.branches[0][1], chain, stmts, "        ")
        else:
            value = p.expr(sym.expr, chain, stmts, "        ")
        body.extend(stmts)
        body.append(f"        {name}[r] = {value}")
        p.args.add(name)
        outputs.append(name)
    n_arg = f"n_{stage.entity}"
    args = [n_arg] + sorted(a for a in p.args if a not in outputs) + outputs
    labels = []
    for name in stage.equations:
        s = model.symbols[name]
        labels.append(f"{name}" + (f" ({_safe(s.source.label)})" if s.source and s.source.label else ""))
    return {"name": f"stage_{stage.index:02d}_{stage.entity}", "entity": stage.entity, "args": args,
            "n_arg": n_arg, "body": body, "outputs": outputs, "labels": labels,
            "description": _safe(model.entities[stage.entity].description)}


def generate_kernel(model: Model) -> str:
    stages = build_stages(model)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    constants = [(s.name, repr(float(s.value)), _safe(s.unit_text), _cite(s)) for s in model.of_kind("constant")]
    codes = []
    for enum, values in model.enums.items():
        for i, v in enumerate(values):
            codes.append((const_name(enum, v), i, f"enum {enum}"))
    for table, lits in model.key_literals.items():
        for i, v in enumerate(lits):
            codes.append((const_name("key:" + table, v), i, f"key of table {table}"))
    stage_code = [_stage_code(model, st) for st in stages]
    outputs = [(s.name, s.entity) for s in model.equations()]
    root = next(name for name, e in model.entities.items() if e.parent is None)
    tree, seen = [], {root}
    while len(seen) < len(model.entities):  # parents before children
        for name, e in model.entities.items():
            if name not in seen and e.parent in seen:
                tree.append((name, e.parent))
                seen.add(name)
    return env.get_template("kernel.py.j2").render(root=root, tree=tree,
        model=model, method=model.method, title=_safe(model.method.title or model.method.id),
        constants=constants, codes=codes, stages=stage_code, outputs=outputs,
        all_outputs={name for name, _ in outputs})

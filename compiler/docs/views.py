"""Docs views: the checked Model -> plain values the templates lay out.

The HTML site (site.py) and equations.md (for reviewers' diffs) are committed under
generated/ and a test rebuilds them and compares bytes, so everything here is
deterministic: no timestamps, spec files named without their directory (the same docs
whatever the working directory), and every listing follows the spec's own order or an
explicit sort.  The templates (compiler/templates/) only lay out what this module
prepares: each `_..._view` function turns one part of the model into plain strings and lists.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional

import jinja2
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup, escape

from .. import ast as A
from .. import ir
from ..model import Model, Symbol, _unit_text
from ..symbolic import equation_latex, prove_invariant

TEMPLATES = Path(__file__).parents[1] / "templates"

# The symbol table lists kinds in the order a reader meets them in the method text.
KINDS = (
    ("input", "Entrées (données du dossier)"),
    ("constant", "Constantes"),
    ("lookup", "Valeurs lues dans les annexes"),
    ("equation", "Équations"),
    ("builtin", "Intégrés"),
)
KIND_NAMES = {"input": "entrée", "constant": "constante", "lookup": "annexe", "equation": "équation",
              "builtin": "intégré"}
NO_SECTION = "—"


def write_docs(model: Model, out_dir: Path, annexes=None) -> List[Path]:
    """Write the HTML site (site.py) and equations.md into out_dir; return the paths.
    With `annexes` (a runtime AnnexSet), every annex table's rows are shown with their
    source and status, so a placeholder is never mistaken for a sourced value."""
    from .site import write_site

    out_dir = Path(out_dir)
    written = write_site(model, out_dir, annexes)
    text = _environment(False).get_template("equations.md.j2").render(**build_context(model))
    path = out_dir / "equations.md"
    # one final newline, and bytes rather than write_text (no platform newline
    # translation): the committed docs must match a fresh build byte for byte
    path.write_bytes((text.rstrip("\n") + "\n").encode("utf-8"))
    return written + [path]


DOSSIER_SCHEMA = "dossier.schema.json"


def _dossier_schema(model: Model):
    """The runtime's pydantic dossier models, built from the same model.json the runtime
    reads, so the documented format is exactly the one `run` validates."""
    from carbonspec.runtime.dossier.reader import DossierSchema

    from ..model_json import model_json

    return DossierSchema(model_json(model))


def write_dossier_schema(model: Model, out_dir: Path) -> Path:
    """docs/dossier.schema.json: the JSON Schema of the dossier format (`carbonspec schema`)."""
    import json

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DOSSIER_SCHEMA
    text = json.dumps(_dossier_schema(model).json_schema(), ensure_ascii=False, indent=1)
    path.write_bytes((text + "\n").encode("utf-8"))
    return path


def dossier_view(model: Model) -> Dict[str, object]:
    """The "Format du dossier" section: per entity (tree order), its JSON collection and
    xlsx sheet, and every input with type/unit, domain, default or optional, description
    and method line -- what a project holder fills in, as `run` validates it."""
    from carbonspec.runtime.dossier.fields import domain_text, method_reference, presence_text, type_text

    schema = _dossier_schema(model)
    entities = []

    def visit(name: str, depth: int) -> None:
        e = schema.entities[name]
        fields = [{
            "name": i["name"],
            "type": type_text(i),
            "domain": domain_text(i.get("domain")),
            "presence": presence_text(i),
            "description": i.get("description") or "",
            "method": method_reference(i),
            "spec": i.get("spec") or "",
        } for i in schema.inputs[name]]
        entities.append({
            "name": name,
            "class_name": schema.class_names[name],
            "collection": e["collection"],
            "parent": e["parent"] or "",
            "parent_collection": schema.entities[e["parent"]]["collection"] if e["parent"] else "",
            # sheets directly under the root need no parent column (the project has one row)
            "parent_column": f"{e['parent']}_id" if e["parent"] and e["parent"] != schema.root else "",
            "description": e["description"] or "",
            "depth": depth,
            "children": [schema.entities[c]["collection"] for c in schema.children[name]],
            "fields": fields,
        })
        for child in schema.children[name]:
            visit(child, depth + 1)

    visit(schema.root, 0)
    return {"schema_file": DOSSIER_SCHEMA, "root": schema.entities[schema.root]["collection"],
            "entities": entities}


def _environment(html: bool) -> jinja2.Environment:
    """One environment per output kind: autoescape for HTML, Markdown escaping by filter."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the build, not the page
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["md_code"] = md_code
    env.filters["wbr"] = wbr
    return env


def build_context(model: Model) -> Dict[str, object]:
    """Everything the two templates show, as plain values (also handy for tests).

    Views are dicts; their keys avoid dict method names (keys, values, items), which
    Jinja's attribute lookup would resolve to the method instead of the entry."""
    equations = [_equation_view(model, s) for s in model.equations()]
    return {
        "method": _method_view(model),
        "entities": _entity_tree(model),
        "timeline": _timeline_view(model),
        "sections": _group_by_section(equations),
        "equation_count": len(equations),
        "choices": [_choice_view(sym, c) for sym, c in model.choices()],
        "invariants": [_invariant_view(model, inv) for inv in model.invariants],
        "tables": [_table_view(model, t) for t in model.tables.values()],
        "enums": _enum_views(model),
        "symbol_groups": _symbol_groups(model),
        "symbol_index": sorted(model.symbols, key=str.lower),
    }


# ------------------------------------------------------------ formatting --
def where(loc: Optional[A.Loc]) -> str:
    """file:line in the spec, without the directory (the docs must not depend on the cwd)."""
    if loc is None:
        return ""
    return f"{Path(loc.file).name}:{loc.line}"


def number(value: float) -> str:
    """A number as the method would print it: 0.016, 10, 3.66666666667 (12 significant digits)."""
    return f"{value:.12g}"


def default_text(default: object) -> str:
    """An input's default in spec syntax (false, 0.24, principale)."""
    if default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, tuple):  # ("enum", value)
        return str(default[1])
    if isinstance(default, float):
        return number(default)
    return str(default)


def lines(source: Optional[A.Source]) -> str:
    """The method lines a source cites ('L1286–L1290', or 'L1318, L417')."""
    return source.line_text() if source is not None else ""


def section(source: Optional[A.Source]) -> str:
    return source.section if source is not None and source.section else ""


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$])")


def md_escape(text: object) -> str:
    """Backslash-escape Markdown's active characters so method text prints as written."""
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def md_code(text: object) -> str:
    """A Markdown code span that survives backticks in the text (printed formulas)."""
    text = "" if text is None else str(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def wbr(name: object) -> Markup:
    """Escape a symbol name and allow line breaks after its underscores (narrow table cells)."""
    return Markup("_<wbr>").join(escape(str(name)).split("_"))


def mathml(latex: str) -> Markup:
    """LaTeX -> MathML (display block); latex2mathml escapes the text it puts in elements."""
    return Markup(latex_to_mathml(latex, display="block"))


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}


def spec_text(e: A.Expr) -> str:
    """An AST expression back in spec syntax, for constants' definitions and invariants'
    conditions (the docs quote what the promoter wrote, not a re-simplified form)."""
    if isinstance(e, A.Num):
        return e.text + (f" [{_unit_text(e.unit)}]" if e.unit is not None else "")
    if isinstance(e, A.Name):
        return e.name
    if isinstance(e, A.Str):
        return f'"{e.value}"'
    if isinstance(e, A.Bool):
        return "true" if e.value else "false"
    if isinstance(e, A.BinOp):
        return f"{_operand(e.left, e.op, False)} {e.op} {_operand(e.right, e.op, True)}"
    if isinstance(e, A.Neg):
        return "-" + _operand(e.operand, "^", False)
    if isinstance(e, A.Compare):
        return f"{spec_text(e.left)} {e.op} {spec_text(e.right)}"
    if isinstance(e, A.BoolOp):
        return f" {e.op} ".join(f"({spec_text(o)})" if isinstance(o, A.BoolOp) else spec_text(o)
                                for o in e.operands)
    if isinstance(e, A.Not):
        return "not " + spec_text(e.operand)
    if isinstance(e, A.Call):
        return f"{e.func}({', '.join(spec_text(a) for a in e.args)})"
    if isinstance(e, A.Aggregate):
        filt = f" where {spec_text(e.where)}" if e.where is not None else ""
        return f"{e.func}({e.entity}{filt}: {spec_text(e.body)})"
    if isinstance(e, A.IfExpr):
        return f"if {spec_text(e.cond)} then {spec_text(e.then)} else {spec_text(e.other)}"
    raise TypeError(e)  # pragma: no cover


def _operand(e: A.Expr, op: str, right: bool) -> str:
    """Parenthesise a sub-expression only where precedence requires it."""
    text = spec_text(e)
    if isinstance(e, A.BinOp):
        inner, outer = _PRECEDENCE[e.op], _PRECEDENCE[op]
        if inner < outer or (right and inner == outer and op in "-/^"):
            return f"({text})"
    return text


# ----------------------------------------------------------------- views --
def _method_view(model: Model) -> Dict[str, object]:
    m = model.method
    return {
        "id": m.id,
        "version": m.version,
        "title": m.title or m.id,
        "published": m.published or "",
        "source": m.source or "",
        "extends": f"{m.extends[0]} {m.extends[1]}" if m.extends else "",
        "spec_hash": model.spec_hash,
        "files": sorted(Path(f.path).name for f in model.files),
    }


def _entity_tree(model: Model) -> List[Dict[str, object]]:
    """The entity tree from the root, children in declaration order (for a nested list)."""

    def node(name: str) -> Dict[str, object]:
        e = model.entities[name]
        return {
            "name": e.name,
            "description": e.description,
            "parent": e.parent or "",
            "collection": e.collection,
            "section": section(e.source),
            "lines": lines(e.source),
            "where": where(e.loc),
            "children": [node(c) for c in e.children],
        }

    return [node(model.root)] if model.entities else []


def _years(first: int, last: int) -> str:
    """A scenario's year range relative to the start year t: t-3 … t-1, t … t+4."""

    def year(k: int) -> str:
        return "t" if k == 0 else f"t{k:+d}"

    return year(first) if first == last else f"{year(first)} … {year(last)}"


def _timeline_view(model: Model) -> Optional[Dict[str, object]]:
    tl = model.timeline
    if tl is None:
        return None
    return {
        "entity": tl.entity,
        "index": tl.index,
        "section": section(tl.source),
        "lines": lines(tl.source),
        "scenarios": [{
            "name": s.name,
            "years": _years(s.first, s.last),
            "range": f"{tl.index} = {s.first} .. {s.last}",
            "required": s.required,
            "description": s.description or "",
            "section": section(s.source),
            "lines": lines(s.source),
            "where": where(s.loc),
        } for s in tl.scenarios],
    }


def _choice_view(sym: Symbol, c: A.Choice) -> Dict[str, object]:
    return {
        "id": c.id,
        "symbol": sym.name,
        "label": sym.label,
        "section": section(c.source),
        "lines": lines(c.source),
        "printed": c.printed,
        "chosen": c.chosen,
        "why": c.why,
        "where": where(c.loc),
    }


def _equation_view(model: Model, sym: Symbol) -> Dict[str, object]:
    latex = equation_latex(model, sym)
    return {
        "name": sym.name,
        "label": sym.label,
        "description": sym.description or "",
        "entity": sym.entity,
        "section": section(sym.source) or NO_SECTION,
        "lines": lines(sym.source),
        "where": where(sym.loc),
        "unit": sym.unit_text,
        "domain": sym.domain.text() if sym.domain is not None else "",
        "latex": latex,
        "mathml": mathml(latex),
        "uses": sorted({r.symbol for r in ir.refs(sym.expr)}, key=str.lower),
        "choices": [_choice_view(sym, c) for c in getattr(sym.decl, "choices", ())],
        # eligibility criteria: 1 met, 0 failed; the evidence documents each one requires
        "evidence": list(sym.criterion.evidence) if sym.criterion is not None else [],
        "cobenefit": _cobenefit_text(getattr(sym.decl, "cobenefit", None)),
    }


def _cobenefit_text(cb) -> str:
    """One line for a co-benefit indicator: Tableau 20's sign, Tableau 19's status."""
    if cb is None:
        return ""
    mandatory = ("obligatoire" if cb.mandatory is True else "optionnel" if cb.mandatory is False
                 else f"obligatoire si {cb.mandatory} = 1")
    computed = f" ; calculé si {cb.computed_when} = 1" if cb.computed_when else ""
    return f"{cb.title} — amélioré si {cb.improved_op} {cb.improved_value:g} ; {mandatory}{computed}"


def _cobenefits_view(model: Model) -> list:
    """Section 7 indicators of the spec, in spec order, for the co-benefits page section."""
    rows = []
    for sym in model.equations():
        cb = getattr(sym.decl, "cobenefit", None)
        if cb is not None:
            rows.append({"name": sym.name, "entity": sym.entity, "unit": sym.unit_text,
                         "text": _cobenefit_text(cb), "lines": lines(sym.source)})
    return rows


def _section_key(name: str):
    """Natural order of method sections: 6.1.1 < 6.1.2 < 6.10; no section last."""
    if name == NO_SECTION:
        return ((2, ""),)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in name.split("."))


def _group_by_section(equations: List[Dict[str, object]]) -> List[Dict[str, object]]:
    """Sections in method order; inside one, equations keep the model's evaluation order."""
    groups: Dict[str, List[Dict[str, object]]] = defaultdict(list)
    for eq in equations:
        groups[eq["section"]].append(eq)
    return [{"name": name, "equations": groups[name]} for name in sorted(groups, key=_section_key)]


def _invariant_view(model: Model, inv: A.InvariantDecl) -> Dict[str, object]:
    """The invariant in words, and how it is established: SymPy proof or Hypothesis tests."""
    result = prove_invariant(model, inv)
    direction = {"decreasing": "ne croît pas", "increasing": "ne décroît pas"}.get(inv.direction, inv.direction)
    return {
        "name": inv.name,
        "description": inv.description or "",
        "statement": f"{inv.target} {inv.direction} in {inv.wrt.entity}.{inv.wrt.name}",
        "target": inv.target,
        "wrt": inv.wrt.name,
        "wrt_entity": inv.wrt.entity,
        "direction": direction,
        "condition": spec_text(inv.where) if inv.where is not None else "",
        "section": section(inv.source),
        "lines": lines(inv.source),
        "where": where(inv.loc),
        "proved": result.proved,
        "detail": result.detail,
        # LaTeX, not MathML: the page holds exactly one <math> per equation, and the
        # folded derivative is a proof trace for the curious, not something to read aloud
        "derivative": result.derivative,
    }


def _annex_view(model: Model, annexes) -> Optional[Dict[str, object]]:
    """The annex values, per table: header, rows (with status and source), status counts."""
    if annexes is None:
        return None
    tables = {}
    totals: Dict[str, int] = {}
    for t in model.tables.values():
        loaded = annexes.tables.get(t.name)
        if loaded is None:
            tables[t.name] = None
            continue
        cols = list(t.keys) + [c.name for c in t.columns]
        rows = []
        for key in sorted(loaded.rows):
            values = loaded.rows[key]
            cells = list(key) + [_annex_cell(values[c.name]) for c in t.columns]
            rows.append({"cells": cells, "status": loaded.status[key], "source": loaded.sources[key]})
        counts = loaded.status_counts()
        for k, v in counts.items():
            totals[k] = totals.get(k, 0) + v
        tables[t.name] = {"file": loaded.where, "header": cols, "rows": rows, "counts": counts}
    return {"version": annexes.version, "hash": annexes.content_hash, "directory": annexes.directory.name,
            "tables": tables, "totals": totals}


def _annex_cell(v: object) -> str:
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float):
        return "" if v != v else number(v)
    return "" if v is None else str(v)


def _table_view(model: Model, t: A.TableDecl) -> Dict[str, object]:
    return {
        "name": t.name,
        "description": t.description or "",
        "section": section(t.source),
        "lines": lines(t.source),
        "where": where(t.loc),
        "key_columns": list(t.keys),
        "key_literals": list(model.key_literals.get(t.name, [])),
        "columns": [{
            "name": c.name,
            "type": _unit_text(c.type.unit) if c.type.kind == "real" else c.type.kind,
            "optional": c.optional,
            "description": c.description or "",
        } for c in t.columns],
        "used_by": [s.name for s in model.symbols.values() if s.kind == "lookup" and s.decl.table == t.name],
    }


def _enum_decls(model: Model) -> Dict[str, A.EnumDecl]:
    """Enum declarations by name (the Model keeps values and labels, the AST keeps sources)."""
    return {it.name: it for f in model.files for it in f.items if isinstance(it, A.EnumDecl)}


def _enum_views(model: Model) -> List[Dict[str, object]]:
    """Declared enums, plus the scenario enum the timeline defines (it has no declaration)."""
    decls = _enum_decls(model)
    views = []
    for name, values in model.enums.items():
        decl = decls.get(name)
        if decl is not None:
            description, source, loc = decl.description or "", decl.source, decl.loc
        else:
            description = "scénario de l'année, d'après le calendrier"
            source, loc = (model.timeline.source if model.timeline else None), None
        labels = model.enum_labels.get(name, {})
        views.append({
            "name": name,
            "description": description,
            "section": section(source),
            "lines": lines(source),
            "where": where(loc),
            "members": [{"value": v, "label": labels.get(v, v)} for v in values],
        })
    return views


def _lookup_text(sym: Symbol) -> Dict[str, object]:
    """table.column[keys], each key written as its fallback chain `a | b | "literal"`."""
    keys = [" | ".join(t.name if t.name else f'"{t.literal}"' for t in alternatives)
            for alternatives in sym.decl.keys]
    return {"table": sym.decl.table, "column": sym.decl.column, "key_text": ", ".join(keys),
            "fallback": any(len(alternatives) > 1 for alternatives in sym.decl.keys)}


def _type_text(sym: Symbol) -> Dict[str, str]:
    """What values a symbol takes: a unit, or bool/int, or an enum/table key (linked)."""
    if sym.dtype == "real":
        return {"text": sym.unit_text or "1", "link": ""}
    if sym.dtype == "enum" and sym.enum:
        if sym.enum.startswith("key:"):
            return {"text": "clé de " + sym.enum[4:], "link": "table-" + sym.enum[4:]}
        return {"text": "énum. " + sym.enum, "link": "enum-" + sym.enum}
    return {"text": {"bool": "booléen", "int": "entier"}.get(sym.dtype, sym.dtype), "link": ""}


def _used_by(model: Model) -> Dict[str, List[str]]:
    """Reverse references: which equations (and lookups, through their keys) use a symbol."""
    users: Dict[str, set] = defaultdict(set)
    for s in model.symbols.values():
        if s.kind == "equation" and s.expr is not None:
            for r in ir.refs(s.expr):
                users[r.symbol].add(s.name)
        elif s.kind == "lookup":
            for alternatives in s.decl.keys:
                for t in alternatives:
                    if t.name:
                        users[t.name].add(s.name)
    return {k: sorted(v, key=str.lower) for k, v in users.items()}


def _symbol_view(sym: Symbol, used_by: Dict[str, List[str]]) -> Dict[str, object]:
    constant = sym.decl if sym.kind == "constant" else None
    definition = ""
    if constant is not None and not isinstance(constant.value, A.Num):
        definition = spec_text(constant.value)  # e.g. 44 [kg_CO2e] / 12 [kg_C]
    return {
        "name": sym.name,
        "kind": KIND_NAMES.get(sym.kind, sym.kind),
        "entity": sym.entity or "",
        "type": _type_text(sym),
        "domain": sym.domain.text() if sym.domain is not None else "",
        "default": default_text(sym.default),
        "optional": sym.optional,
        "value": number(sym.value) if sym.value is not None else "",
        "definition": definition,
        "lookup": _lookup_text(sym) if sym.kind == "lookup" else None,
        "label": sym.label,
        "description": sym.description or "",
        "section": section(sym.source),
        "lines": lines(sym.source),
        "where": where(sym.loc),
        "used_by": used_by.get(sym.name, []),
    }


def _symbol_groups(model: Model) -> List[Dict[str, object]]:
    """All symbols, one group per kind, declaration order inside a group."""
    used_by = _used_by(model)
    groups = []
    for kind, title in KINDS:
        members = [_symbol_view(s, used_by) for s in model.symbols.values() if s.kind == kind]
        if members:
            groups.append({"kind": kind, "title": title, "symbols": members})
    known = {k for k, _ in KINDS}
    rest = [_symbol_view(s, used_by) for s in model.symbols.values() if s.kind not in known]
    if rest:  # a kind added to the model later still shows up
        groups.append({"kind": "other", "title": "Autres", "symbols": rest})
    return groups

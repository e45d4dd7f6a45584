"""`carbonspec diff OLD NEW`: what changed between two versions of a method, and what it does.

A semantic diff, not a text diff: items are matched by name and compared by meaning.
- constants: old -> new value, with both spec lines and method lines;
- equations (and criteria, rabais terms, co-benefits): added, removed, or changed in unit,
  domain or expression — an expression rewritten into an algebraically equal form (SymPy:
  the difference of each branch simplifies to 0, the conditions are equivalent) is unchanged;
- inputs added or removed (the dossier format changes), or changed in unit, domain, default;
- table lookups and annex table declarations;
- annex rows (runtime, annex_changes): each row added, removed or changed, with its sources;
- effect on results (runtime, effects): both versions run on the older version's cas-type, per
  case and line item, old, new and Δ %.

The same document feeds the terminal text, `--format json`, and the "Changements depuis vX"
page of the newer version's docs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import sympy as sp

from . import ir
from .model import Model, Symbol, _unit_text
from .units import fmt, same

CATEGORY_TITLES = {
    "constant": "Constantes", "equation": "Équations", "criterion": "Critères d'éligibilité",
    "rabais": "Rabais", "cobenefit": "Co-bénéfices", "input": "Entrées (format du dossier)",
    "lookup": "Références aux annexes", "table": "Tables d'annexe (déclaration)",
    "enum": "Énumérations", "entity": "Entités", "invariant": "Invariants",
}
CATEGORY_ORDER = list(CATEGORY_TITLES)


@dataclass
class Change:
    category: str
    name: str
    change: str  # added, removed, changed
    what: List[str] = field(default_factory=list)  # for 'changed': value, unit, domain, expression, ...
    old: Optional[str] = None
    new: Optional[str] = None
    old_spec: Optional[str] = None  # file:line of the item in the older version
    new_spec: Optional[str] = None
    old_lines: Optional[str] = None  # method lines the item cites
    new_lines: Optional[str] = None
    section: Optional[str] = None
    loc: object = None  # ast.Loc in the newer version (warnings point there); not serialised

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("loc")
        return d


def _spec(s: Symbol) -> str:
    return f"{Path(s.loc.file).name}:{s.loc.line}"


def _lines(s: Symbol) -> Optional[str]:
    return s.source.line_text() if s.source else None


def _category(model: Model, s: Symbol) -> str:
    if s.kind == "equation":
        if s.criterion is not None:
            return "criterion"
        if getattr(s.decl, "cobenefit", None) is not None:
            return "cobenefit"
        if _is_rabais(s):
            return "rabais"
        return "equation"
    return s.kind if s.kind in CATEGORY_TITLES else "equation"


def _is_rabais(s: Symbol) -> bool:
    """An item declared by a rabais construct of the spec language (its declaration type says so);
    until the language has one, rabais equations are compared as equations."""
    return "rabais" in type(s.decl).__name__.lower() or bool(getattr(s.decl, "rabais", None))


def _domain_text(d) -> Optional[str]:
    return d.text() if d is not None else None


def _unit(s: Symbol) -> str:
    return s.unit_text or fmt(s.unit)


def _value_text(s: Symbol) -> str:
    if s.kind == "constant":
        return f"{s.value:g} [{_unit(s)}]"
    if s.kind == "input":
        parts = [s.dtype if s.dtype != "real" else _unit(s)]
        if s.domain is not None:
            parts.append(s.domain.text())
        if s.optional:
            parts.append("optionnelle")
        elif s.default is not None:
            d = s.default[1] if isinstance(s.default, tuple) else s.default
            parts.append(f"défaut {d:g}" if isinstance(d, float) else f"défaut {d}")
        return " ".join(parts)
    if s.kind == "lookup":
        d = s.decl
        keys = ", ".join(" | ".join(t.name or repr(t.literal) for t in alts) for alts in d.keys)
        return f"{d.table}.{d.column}[{keys}]"
    if s.kind == "equation":
        from .docs.views import spec_text

        return " ; ".join(spec_text(b.value) + (f" si {spec_text(b.when)}" if b.when is not None else "")
                          for b in s.decl.branches) if hasattr(s.decl, "branches") else spec_text(s.decl.condition)
    return ""


# ------------------------------------------------------- algebraic equality --
def _plain(e):
    """Symbols by name only (the printers attach assumptions from domains) and decimals as
    rationals, so equality is exact."""
    e = e.xreplace({s: sp.Symbol(s.name) for s in e.free_symbols if isinstance(s, sp.Symbol)})
    return sp.nsimplify(e, rational=True) if e.atoms(sp.Float) else e


def same_expression(old: Model, a: ir.Node, new: Model, b: ir.Node) -> bool:
    """True when `a` (in the older model) and `b` (in the newer) compute the same thing: the same
    IR, or branch by branch equivalent conditions and values whose difference SymPy simplifies
    to 0."""
    from .symbolic import to_sympy

    if ir.to_json(a) == ir.to_json(b):
        return True
    ba = a.branches if isinstance(a, ir.Select) else [(None, a)]
    bb = b.branches if isinstance(b, ir.Select) else [(None, b)]
    if len(ba) != len(bb):
        return False
    try:
        for (ca, va), (cb, vb) in zip(ba, bb):
            if (ca is None) != (cb is None):
                return False
            if ca is not None:
                sa, sb = _plain(to_sympy(old, ca)), _plain(to_sympy(new, cb))
                if sa != sb and sp.simplify(sp.Equivalent(sa, sb)) is not sp.true:
                    return False
            xa, xb = _plain(to_sympy(old, va)), _plain(to_sympy(new, vb))
            if xa.is_Boolean or xb.is_Boolean:
                if xa != xb and sp.simplify(sp.Equivalent(xa, xb)) is not sp.true:
                    return False
            elif sp.simplify(xa - xb) != 0:
                return False
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return False  # SymPy could not decide: reported as changed (never silently unchanged)
    return True


# ------------------------------------------------------------ spec changes --
def spec_changes(old: Model, new: Model) -> List[Change]:
    """Every item of the spec added, removed or changed from `old` to `new`, by name."""
    out: List[Change] = []
    for name, s in new.symbols.items():
        if s.kind == "builtin":
            continue
        o = old.symbols.get(name)
        if o is None or o.kind == "builtin":
            out.append(Change(_category(new, s), name, "added", new=_value_text(s), new_spec=_spec(s),
                              new_lines=_lines(s), section=_section(s), loc=s.loc))
            continue
        what = _symbol_changes(old, o, new, s)
        if what:
            out.append(Change(_category(new, s), name, "changed", what, _value_text(o), _value_text(s), _spec(o),
                              _spec(s), _lines(o), _lines(s), _section(s), s.loc))
    for name, o in old.symbols.items():
        if o.kind != "builtin" and name not in new.symbols:
            out.append(Change(_category(old, o), name, "removed", old=_value_text(o), old_spec=_spec(o),
                              old_lines=_lines(o), section=_section(o)))
    out += _table_changes(old, new)
    out += _enum_entity_changes(old, new)
    out += _invariant_changes(old, new)
    return sorted(out, key=lambda c: (CATEGORY_ORDER.index(c.category), c.change, c.name))


def _section(s: Symbol) -> Optional[str]:
    return s.source.section if s.source else None


def _symbol_changes(old: Model, o: Symbol, new: Model, s: Symbol) -> List[str]:
    what = []
    if o.kind != s.kind:
        what.append(f"nature ({o.kind} → {s.kind})")
    if o.entity != s.entity:
        what.append("entité")
    if o.dtype != s.dtype or (o.dtype == "real" and not same(o.unit, s.unit)):
        what.append("unité")
    if _domain_text(o.domain) != _domain_text(s.domain):
        what.append("domaine")
    if o.kind == s.kind == "constant" and o.value != s.value:
        what.append("valeur")
    if o.kind == s.kind == "input":
        if o.optional != s.optional or o.default != s.default:
            what.append("défaut")
        if o.enum != s.enum:
            what.append("valeurs admises")
    if o.kind == s.kind == "lookup" and _value_text(o) != _value_text(s):
        what.append("table ou clés")
    if o.kind == s.kind == "equation":
        if not same_expression(old, o.expr, new, s.expr):
            what.append("expression")
        oc, nc = o.criterion, s.criterion
        if (oc is None) != (nc is None) or (oc and (oc.title, oc.evidence) != (nc.title, nc.evidence)):
            what.append("critère (titre ou pièces)")
        ocb, ncb = getattr(o.decl, "cobenefit", None), getattr(s.decl, "cobenefit", None)
        if (ocb is None) != (ncb is None) or (ocb and (ocb.title, ocb.improved_op, ocb.improved_value,
                                                       ocb.mandatory, ocb.computed_when)
                                              != (ncb.title, ncb.improved_op, ncb.improved_value, ncb.mandatory,
                                                  ncb.computed_when)):
            what.append("co-bénéfice")
    return what


def _table_text(t) -> str:
    cols = ", ".join(f"{c.name}:{_unit_text(c.type.unit) if c.type.kind == 'real' else c.type.kind}"
                     + (" optionnelle" if c.optional else "") for c in t.columns)
    return f"clés {', '.join(t.keys) or '—'} ; colonnes {cols}"


def _table_changes(old: Model, new: Model) -> List[Change]:
    out = []
    for name, t in new.tables.items():
        o = old.tables.get(name)
        spec = f"{Path(t.loc.file).name}:{t.loc.line}"
        if o is None:
            out.append(Change("table", name, "added", new=_table_text(t), new_spec=spec, loc=t.loc))
        elif _table_text(o) != _table_text(t):
            out.append(Change("table", name, "changed", ["colonnes"], _table_text(o), _table_text(t),
                              f"{Path(o.loc.file).name}:{o.loc.line}", spec, loc=t.loc))
    for name, o in old.tables.items():
        if name not in new.tables:
            out.append(Change("table", name, "removed", old=_table_text(o),
                              old_spec=f"{Path(o.loc.file).name}:{o.loc.line}"))
    return out


def _enum_entity_changes(old: Model, new: Model) -> List[Change]:
    out = []
    for name in sorted(set(old.enums) | set(new.enums)):
        a, b = old.enums.get(name), new.enums.get(name)
        if a != b:
            kind = "added" if a is None else "removed" if b is None else "changed"
            out.append(Change("enum", name, kind, ["valeurs"] if kind == "changed" else [],
                              ", ".join(a) if a else None, ", ".join(b) if b else None))
    for name in sorted(set(old.entities) | set(new.entities)):
        a, b = old.entities.get(name), new.entities.get(name)
        ta = (a.parent, a.collection) if a else None
        tb = (b.parent, b.collection) if b else None
        if ta != tb:
            kind = "added" if a is None else "removed" if b is None else "changed"
            out.append(Change("entity", name, kind, ["parent ou collection"] if kind == "changed" else [],
                              f"dans {ta[0]} ({ta[1]})" if ta else None, f"dans {tb[0]} ({tb[1]})" if tb else None,
                              loc=b.loc if b else None))
    return out


def _invariant_changes(old: Model, new: Model) -> List[Change]:
    def key(inv):
        return (inv.direction, inv.target, inv.wrt.entity, inv.wrt.name,
                _where_text(inv.where))

    a = {i.name: i for i in old.invariants}
    b = {i.name: i for i in new.invariants}
    out = []
    for name in sorted(set(a) | set(b)):
        if name not in a:
            out.append(Change("invariant", name, "added", loc=b[name].loc))
        elif name not in b:
            out.append(Change("invariant", name, "removed"))
        elif key(a[name]) != key(b[name]):
            out.append(Change("invariant", name, "changed", ["énoncé"], loc=b[name].loc))
    return out


def _where_text(e) -> Optional[str]:
    if e is None:
        return None
    from .docs.views import spec_text

    return spec_text(e)


# ---------------------------------------------------------------- helpers --
def changed_names(changes: List[Change]) -> List[str]:
    return [c.name for c in changes]


def reached(model_json: dict, names) -> set:
    """Every equation of `model_json` that depends (transitively) on one of `names` (symbols or
    annex tables): what a change of those items can move."""
    deps: Dict[str, set] = {}
    for eq in model_json["equations"]:
        deps[eq["name"]] = set(_refs(eq["expr"]))
    table_of = {lk["name"]: lk["table"] for lk in model_json["lookups"]}
    seeds = set(names) | {lk for lk, t in table_of.items() if t in names}
    out, grew = set(), True
    while grew:
        grew = False
        for eq, ds in deps.items():
            if eq not in out and (eq in seeds or ds & (seeds | out)):
                out.add(eq)
                grew = True
    return out


def _refs(n: dict):
    if n.get("node") == "ref":
        yield n["symbol"]
    for k in ("left", "right", "where", "body"):
        if n.get(k):
            yield from _refs(n[k])
    for c in n.get("args", []) or []:
        yield from _refs(c)
    for c, v in n.get("branches", []) or []:
        if c:
            yield from _refs(c)
        yield from _refs(v)

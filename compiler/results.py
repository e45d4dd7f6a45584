"""`result` line items: which equations are a method's reported results.

A method says which of its figures are *the* results (LBC GC: Tableau 33's postes) and how a
calculator's figures are judged against the reference ones (a tolerance, and the text that
sets it).  Written in the spec, that list drives the run summary, the reports, the
cas-type and `certify`, so the runtime never names a method's symbol:

    result RE_fertilisation "RE fertilisation" [t_CO2e] @ 8.5 "Tableau 33" L3413 L3445
      group "RE" tolerance 5 % floor 1 [t_CO2e] basis "L3445"
    result Cobenefice_IFT_projet "IFT" [1] @ 8.5 L3447
      tolerance 5 % informative "L3447 : l'IFT peut être calculé avec un autre outil"

- the order of the items is the order of the declarations (files sorted by name);
- the item names an equation of the root entity; the unit in brackets is the display unit,
  which must be the equation's unit (no silent conversion of a certified figure);
- `tolerance` is relative (5 % -> 0.05); `floor` is the smallest denominator of the relative
  deviation, in the item's unit (a reference of 0 accepts |received| <= tolerance × floor);
- `basis` says which line of the method sets the tolerance, or why one is applied where the
  text prints none; `informative` marks an item shown but not counted, with the reason;
- a co-benefit equation (field `cobenefit`) is of kind "co-benefit": its mandatory flag and
  its `computed when` flag come from its own declaration.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from lark import Token, v_args

from . import ast as A
from .errors import SpecError, SpecErrors, suggest
from .units import rational, same

COBENEFIT_KIND = "co-benefit"


@dataclass(frozen=True)
class ResultDecl:
    name: str
    label: str
    unit: A.UnitExpr
    source: Optional[A.Source]
    group: Optional[str]
    tolerance: Optional[float]
    floor: Optional[Tuple[float, Optional[A.UnitExpr]]]
    basis: Optional[str]
    informative: Optional[str]
    loc: A.Loc


class ResultSyntax:
    """Parser-transformer methods of the `result` rules (mixed into parser._ToAst)."""

    @v_args(meta=True)
    def result_decl(self, meta, ch):
        name, label, unit = str(ch[0]), str(ch[1])[1:-1], ch[2]
        opts: Dict[str, object] = {}
        source = None
        for c in ch[3:]:
            if isinstance(c, Token) and c.type == "SOURCE":
                source = self._source([c])
            elif isinstance(c, tuple):
                if c[0] in opts:
                    raise SpecError(self._loc(meta), f"result '{name}' sets '{c[0]}' twice")
                opts[c[0]] = c[1]
        return ResultDecl(name, label, unit, source, opts.get("group"), opts.get("tolerance"), opts.get("floor"),
                          opts.get("basis"), opts.get("informative"), self._loc(meta))

    def r_group(self, ch):
        return ("group", str(ch[0])[1:-1])

    def r_tolerance(self, ch):
        return ("tolerance", float(rational(str(ch[0])) / 100))

    def r_floor(self, ch):
        return ("floor", (float(ch[0]), ch[1] if len(ch) > 1 else None))

    def r_basis(self, ch):
        return ("basis", str(ch[0])[1:-1])

    def r_informative(self, ch):
        return ("informative", str(ch[0])[1:-1])


def declarations(files) -> List[ResultDecl]:
    return [it for f in files for it in f.items if isinstance(it, ResultDecl)]


def check(model) -> List[dict]:
    """The line items of a checked model, as model.json carries them; SpecErrors when an item
    names no root equation, repeats one, or declares a unit that is not the equation's."""
    errors: List[SpecError] = []
    texts = {f.path: f.text for f in model.files}
    root = model.root
    root_eqs = [s.name for s in model.symbols.values() if s.kind == "equation" and s.entity == root]
    items, seen = [], {}

    def err(loc, msg, hint=None):
        errors.append(SpecError(loc, msg, hint, texts.get(loc.file)))

    for d in declarations(model.files):
        sym = model.symbols.get(d.name)
        if d.name in seen:
            err(d.loc, f"result '{d.name}' is declared twice; first at {seen[d.name]}")
            continue
        seen[d.name] = d.loc
        if sym is None or sym.kind != "equation" or sym.criterion is not None:
            err(d.loc, f"result '{d.name}' is not an equation", suggest(d.name, root_eqs))
            continue
        if sym.entity != root:
            err(d.loc, f"result '{d.name}' is an equation of '{sym.entity}'; a result is an equation of the "
                       f"root entity '{root}'")
            continue
        try:
            unit = model.units.resolve(d.unit)
        except SpecError as e:
            e.source_text = texts.get(e.loc.file) if e.loc else None
            errors.append(e)
            continue
        if not same(unit, sym.unit):
            err(d.loc, f"result '{d.name}' is shown in [{_text(d.unit)}] but its equation is in [{sym.unit_text}]",
                "the display unit must be the equation's unit")
            continue
        floor = None
        if d.floor is not None:
            value, funit = d.floor
            if funit is not None and not same(model.units.resolve(funit), unit):
                err(d.loc, f"result '{d.name}': floor in [{_text(funit)}], expected [{sym.unit_text}]")
                continue
            floor = value
        if d.tolerance is None and d.informative is None:
            err(d.loc, f"result '{d.name}' has no tolerance", "add 'tolerance N %' and its 'basis', "
                "or 'informative \"why\"'")
            continue
        if d.tolerance is not None and d.basis is None and d.informative is None:
            err(d.loc, f"result '{d.name}' has a tolerance without its basis",
                "add 'basis \"<line of the method, or why one is applied where the text prints none>\"'")
            continue
        cb = getattr(sym.decl, "cobenefit", None)
        src = d.source or sym.source
        item = {"name": d.name, "label": d.label, "unit": sym.unit_text,
                "kind": COBENEFIT_KIND if cb is not None else (d.group or "result"),
                "group": d.group, "title": (cb.title if cb is not None else None) or d.label,
                "source": ", ".join(x for x in (src.section, src.label, src.line_text()) if x) if src else "",
                "tolerance": d.tolerance, "floor": floor,
                "basis": d.informative if d.informative is not None else d.basis,
                "informative": d.informative is not None,
                "spec": f"{d.loc.file.rsplit('/', 1)[-1]}:{d.loc.line}"}
        if cb is not None:
            item["mandatory"] = cb.mandatory
            item["computed_when"] = cb.computed_when
        items.append(item)
    if errors:
        raise SpecErrors(errors)
    return items


def _text(u: A.UnitExpr) -> str:
    from .model import _unit_text
    return _unit_text(u)

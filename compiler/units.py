"""Units with substance, on top of SymPy.

A unit is a SymPy monomial: a rational scale times powers of base units (kg, ha, L,
MJ, ...) and substance tags (N, N2O_N, CO2e, DM, ...).  `kg_N2O_N` is kg × N2O_N, so
kg N and kg N2O-N are different units and cannot be added, while ×44/28 [kg_N2O/kg_N2O_N]
and ×PRG [kg_CO2e/kg_N2O] turn one into the other.  `t = 1000 kg` makes t CO2e and
kg CO2e comparable only through an explicit conversion factor.
"""
from __future__ import annotations

import functools
from fractions import Fraction
from typing import Dict, Optional

import sympy as sp

from . import ast as A
from .errors import SpecError, suggest

ONE = sp.Integer(1)

# (base unit name, scale) -> declared unit name, so 1000·kg prints as t
_PRETTY: Dict[tuple, str] = {}


def rational(x: float | str) -> sp.Rational:
    """Exact rational of a decimal literal, so 3.6 stays 18/5 and scales compare exactly."""
    return sp.Rational(str(Fraction(str(x))))


class UnitRegistry:
    """Units and substances declared in the spec (`unit`, `substance` items)."""

    def __init__(self) -> None:
        self.units: Dict[str, sp.Expr] = {}
        self.substances: Dict[str, sp.Symbol] = {}
        self.descriptions: Dict[str, str] = {}

    def declare_unit(self, decl: A.UnitDecl) -> None:
        if decl.name in self.units or decl.name in self.substances:
            raise SpecError(decl.name_loc or decl.loc, f"duplicate definition of unit '{decl.name}'")
        if decl.factor is None:
            self.units[decl.name] = sp.Symbol(decl.name, positive=True)
        else:
            self.units[decl.name] = rational(decl.factor) * self.resolve(decl.of)
            if isinstance(decl.of, A.UnitName) and decl.of.name in self.units:
                _PRETTY[(decl.of.name, self.units[decl.name] / self.units[decl.of.name])] = decl.name
        if decl.description:
            self.descriptions[decl.name] = decl.description

    def declare_substance(self, decl: A.SubstanceDecl) -> None:
        if decl.name in self.substances or decl.name in self.units:
            raise SpecError(decl.name_loc or decl.loc, f"duplicate definition of substance '{decl.name}'")
        self.substances[decl.name] = sp.Symbol("[" + decl.name + "]", positive=True)
        if decl.description:
            self.descriptions[decl.name] = decl.description

    def atom(self, name: str, loc: A.Loc) -> sp.Expr:
        if name in self.units:
            return self.units[name]
        # unit_substance, e.g. kg_N2O_N = kg × [N2O_N], t_DM = t × [DM]
        parts = name.split("_")
        for i in range(1, len(parts)):
            prefix, rest = "_".join(parts[:i]), "_".join(parts[i:])
            if prefix in self.units and rest in self.substances:
                return self.units[prefix] * self.substances[rest]
        known = list(self.units) + [f"{u}_{s}" for u in ("kg", "t") if u in self.units for s in self.substances]
        raise SpecError(loc, f"unknown unit '{name}'", hint=suggest(name, known) or
                        "declare it with 'unit NAME' or 'substance NAME'")

    def resolve(self, u: Optional[A.UnitExpr]) -> sp.Expr:
        if u is None:
            return ONE
        if isinstance(u, A.UnitName):
            return self.atom(u.name, u.loc)
        if isinstance(u, A.UnitOne):
            return ONE
        if isinstance(u, A.UnitPercent):
            return sp.Rational(1, 100)
        if isinstance(u, A.UnitPow):
            return self.resolve(u.base) ** u.exp
        if isinstance(u, A.UnitMul):
            left, right = self.resolve(u.left), self.resolve(u.right)
            return left * right if u.op == "*" else left / right
        raise TypeError(u)  # pragma: no cover


def same(u1: sp.Expr, u2: sp.Expr) -> bool:
    return sp.simplify(u1 / u2) == 1


@functools.lru_cache(maxsize=None)
def scale_of(u: sp.Expr) -> Optional[sp.Rational]:
    """The pure number a unit reduces to, or None when it still has dimensions."""
    u = sp.simplify(u)
    return u if u.is_number else None


@functools.lru_cache(maxsize=None)  # units are few and SymPy's simplify is slow: the docs ask thousands of times
def fmt(u: sp.Expr) -> str:
    """Human form of a unit: kg_N2O_N/ha, t_CO2e, 1."""
    u = sp.simplify(u)
    if u == 1:
        return "1"
    num, den = sp.fraction(u)

    def part(e: sp.Expr) -> str:
        factors = sp.Mul.make_args(e)
        scale = sp.Integer(1)
        syms, subs = [], []
        for f in factors:
            if f.is_number:
                scale *= f
                continue
            base, exp = f.as_base_exp()
            name = str(base)
            if name.startswith("["):
                subs.append(name[1:-1] + (f"^{exp}" if exp != 1 else ""))
            else:
                syms.append([name, exp])
        if scale != 1:
            for item in syms:
                pretty = _PRETTY.get((item[0], scale))
                if pretty and item[1] == 1:
                    item[0], scale = pretty, sp.Integer(1)
                    break
        texts = [n + (f"^{x}" if x != 1 else "") for n, x in syms]
        # one mass-like unit and one substance read as kg_N, t_CO2e
        if len(texts) == 1 and len(subs) == 1 and syms[0][1] == 1:
            texts, subs = [texts[0] + "_" + subs[0]], []
        out = ([str(scale)] if scale != 1 else []) + texts + [f"[{x}]" for x in subs]
        return "·".join(out) if out else "1"

    n = part(num)
    d = part(den)
    return n if d == "1" else f"{n}/{d}" if "·" not in d else f"{n}/({d})"

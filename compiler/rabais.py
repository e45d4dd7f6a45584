"""`rabais` and `certifiable`: discounts and the composition of the certifiable result.

A method's discounts (LBC GC 6.5: Tableaux 17-18, Équations 29-30) are a few recurring
shapes.  Written as constructs, each compiles to ordinary equations (the kernel and the IR
do not change), and the model lists every rabais as one, so the docs, the reports, the
coverage of the cas-type and mutation find them by what they are, not by a file name.

    rabais farm.rabais_nonPerm in [0, 1] @ 6.5.4 "Tableau 18" L2540     # a rate chosen by conditions
      "rabais lié au risque de non-permanence"
      = taux_rabais_nonPerm_renouvellement when renouvellement
      = taux_rabais_nonPerm

    rabais farm.rabais_nda once @ 6.5.5 L2560 ...                       # applied once, whatever the reasons

    rabais farm.rabais_donnees in [0, 0.07] @ 6.5.3 "Équation 29" ...   # Équation 29's three steps
      average year.rabais_annee = r_meteo, r_sol, r_biomasses / nb_rates    # 1: mean of rates per row
        weighted by Surf as surface_annee                                  # 2: area-weighted, per year k
        over k counted as nb_annees                                        # 3: mean over the years present

    certifiable farm.RE_certifiable_exploitation @ 6.5.6 "Équation 30" L2553
      term RE_sol_apres = RE_sol less rabais_donnees, rabais_nonPerm      # X (1 - r1)(1 - r2) if X > 0, else X
      term RE_fertilisation                                                # no specific rabais
      term RE_misc_apres = RE_emissions_misc + RE_stockage_misc less r     # E + S (1 - r) if S > 0, else E + S
      term RE_aval_apres = RE_aval less r_volume on RE_proteines           # r on a part: X - min(X, r P) if P, X > 0
      subtotal RE_avant_rabais_generaux less rabais_Reference, rabais_nda  # then the general rabais on the sum

Rules the constructs carry, so a spec cannot forget them: a rabais applies only to a strictly
positive term (L2558: the term keeps its value otherwise); a rabais applied to a part of a term
never takes more than the term; a `once` rabais appears in one `less` list only (L2560); every
rate is a fraction in [0, 1] (a declared domain may narrow it).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

from lark import Token, v_args

from . import ast as A
from .errors import SpecError, SpecErrors


@dataclass(frozen=True)
class Average:
    """Équation 29: step-1 rows (`step1` on `step1_entity`, the mean of `rates`), step 2 per value
    of the timeline index `index` weighted by `weight` (areas named `weight_as`_<k>), step 3 the
    mean over the index values present (`count_as`)."""
    step1: A.QualName
    rates: Tuple[str, ...]
    weight: str
    weight_as: str
    index: str
    count_as: str
    loc: A.Loc
    per: Optional[str] = None  # a constant holding the number of rates (checked), else the number itself


@dataclass(frozen=True)
class RabaisDecl:
    target: A.QualName
    domain: Optional[A.Domain]
    once: bool
    source: Optional[A.Source]
    description: Optional[str]
    choices: Tuple[A.Choice, ...]
    branches: Tuple[A.Branch, ...]
    average: Optional[Average]
    loc: A.Loc


@dataclass(frozen=True)
class Addend:
    term: str
    rates: Tuple[str, ...]
    part: Optional[str]
    loc: A.Loc


@dataclass(frozen=True)
class Term:
    name: Optional[str]
    addends: Tuple[Addend, ...]
    loc: A.Loc


@dataclass(frozen=True)
class CertifiableDecl:
    target: A.QualName
    source: Optional[A.Source]
    description: Optional[str]
    choices: Tuple[A.Choice, ...]
    terms: Tuple[Term, ...]
    subtotal: str
    general: Tuple[str, ...]
    loc: A.Loc


class RabaisSyntax:
    """Parser-transformer methods of the rabais rules (mixed into parser._ToAst)."""

    @v_args(meta=True)
    def rabais_decl(self, meta, ch):
        target = ch[0]
        toks = [c for c in ch[1:] if isinstance(c, Token)]
        domain = next((c for c in ch[1:] if isinstance(c, A.Domain)), None)
        return RabaisDecl(target, domain, any(t.type == "ONCE" for t in toks), self._source(toks), self._desc(toks),
                          tuple(c for c in ch[1:] if isinstance(c, A.Choice)),
                          tuple(c for c in ch[1:] if isinstance(c, A.Branch)),
                          next((c for c in ch[1:] if isinstance(c, Average)), None), self._loc(meta))

    @v_args(meta=True)
    def rabais_average(self, meta, ch):
        names = [str(c) for c in ch[1:] if isinstance(c, Token)]
        per = next((c[1] for c in ch[1:] if isinstance(c, tuple)), None)
        return Average(ch[0], tuple(names[:-4]), names[-4], names[-3], names[-2], names[-1], self._loc(meta), per)

    def rabais_count(self, ch):
        return ("per", str(ch[0]))

    @v_args(meta=True)
    def certifiable_decl(self, meta, ch):
        target = ch[0]
        toks = [c for c in ch[1:] if isinstance(c, Token) and c.type in ("SOURCE", "STRING")]
        names = [str(c) for c in ch[1:] if isinstance(c, Token) and c.type == "NAME"]
        return CertifiableDecl(target, self._source(toks), self._desc(toks),
                               tuple(c for c in ch[1:] if isinstance(c, A.Choice)),
                               tuple(c for c in ch[1:] if isinstance(c, Term)), names[0], tuple(names[1:]),
                               self._loc(meta))

    @v_args(meta=True)
    def rabais_term(self, meta, ch):
        name = str(ch[0]) if isinstance(ch[0], Token) else None
        return Term(name, tuple(c for c in ch if isinstance(c, Addend)), self._loc(meta))

    @v_args(meta=True)
    def rabais_addend(self, meta, ch):
        names = [str(c) for c in ch if isinstance(c, Token)]
        part = next((c[1] for c in ch if isinstance(c, tuple)), None)
        return Addend(names[0], tuple(names[1:]), part, self._loc(meta))

    def rabais_part(self, ch):
        return ("part", str(ch[0]))


def _name(n: str, loc: A.Loc) -> A.Name:
    return A.Name(n, loc)


def _num(v: float, loc: A.Loc, unit: Optional[A.UnitExpr] = None) -> A.Num:
    return A.Num(float(v), f"{v:g}", unit, loc)


def _plus(terms: List[A.Expr], loc: A.Loc) -> A.Expr:
    out = terms[0]
    for t in terms[1:]:
        out = A.BinOp("+", out, t, loc)
    return out


def _discount(x: A.Expr, rates: Tuple[str, ...], loc: A.Loc) -> A.Expr:
    out = x
    for r in rates:
        out = A.BinOp("*", out, A.BinOp("-", _num(1, loc), _name(r, loc), loc), loc)
    return out


def _kcode(k: int) -> str:
    return f"m{-k}" if k < 0 else str(k)


class _Expander:
    """RabaisDecl / CertifiableDecl -> EquationDecls, and the listing model.json carries."""

    def __init__(self, files):
        self.files = files
        self.errors: List[SpecError] = []
        self.texts = {f.path: f.text for f in files}
        self.inputs = {it.target.name: it for f in files for it in f.items if isinstance(it, A.InputDecl)}
        self.equations = {it.target.name: it for f in files for it in f.items if isinstance(it, A.EquationDecl)}
        self.entities = {it.name: it for f in files for it in f.items if isinstance(it, A.EntityDecl)}
        self.timelines = [it for f in files for it in f.items if isinstance(it, A.TimelineDecl)]
        self.listing: Dict[str, list] = {"rabais": [], "certifiable": []}

    def err(self, loc, msg, hint=None):
        self.errors.append(SpecError(loc, msg, hint, self.texts.get(loc.file)))

    def _chain(self, top: str, bottom: str, loc) -> Optional[List[str]]:
        """Entities from `top` (excluded) down to `bottom` (included), following parents."""
        out, e = [], bottom
        while e is not None and e != top:
            out.append(e)
            parent = self.entities.get(e)
            e = parent.parent if parent is not None else None
        if e != top:
            self.err(loc, f"'{bottom}' is not below '{top}' in the entity tree")
            return None
        return list(reversed(out))

    def _unit_of(self, name: str, loc) -> Optional[A.UnitExpr]:
        it = self.inputs.get(name)
        if it is not None and it.type.kind == "real":
            return it.type.unit
        eq = self.equations.get(name)
        if eq is not None:
            return eq.unit
        self.err(loc, f"'{name}' is not a real input or an equation (the weight of an average)")
        return None

    # ------------------------------------------------------------ rabais --
    def rabais(self, d: RabaisDecl) -> List[A.EquationDecl]:
        dom = d.domain or A.Domain(0.0, 1.0, True, True, d.loc)
        if dom.lo is None or dom.hi is None or dom.lo < 0 or dom.hi > 1:
            self.err(dom.loc, f"rabais '{d.target.name}': a rate is a fraction in [0, 1], got {dom.text()}")
        one = A.UnitOne(d.loc)
        entry = {"name": d.target.name, "entity": d.target.entity, "once": d.once, "rates": [], "terms": [],
                 "equations": [], "kind": "average" if d.average else "rate",
                 "source": _source(d.source), "description": d.description,
                 "spec": f"{d.loc.file.rsplit('/', 1)[-1]}:{d.loc.line}"}
        self.listing["rabais"].append(entry)
        if d.average is None:
            entry["equations"].append(d.target.name)
            entry["branches"] = [self._line(b.loc) for b in d.branches]
            return [A.EquationDecl(d.target, one, dom, d.source, d.description, d.choices, d.branches, d.loc)]
        av = d.average
        entry["components"] = list(av.rates)
        tl = next((t for t in self.timelines if t.target.name == av.index), None)
        if tl is None:
            self.err(av.loc, f"'{av.index}' is not the index of a timeline", "write the timeline's index (e.g. k)")
            return []
        chain = self._chain(d.target.entity, av.step1.entity, av.loc)
        wunit = self._unit_of(av.weight, av.loc)
        if chain is None or wunit is None:
            return []
        ks = sorted({k for s in tl.scenarios for k in range(s.first, s.last + 1)})
        loc, src = av.loc, _with_timeline(d.source, tl.source)
        if av.per is not None:
            const = next((it for f in self.files for it in f.items
                          if isinstance(it, A.ConstantDecl) and it.name == av.per), None)
            value = const.value.value if const is not None and isinstance(const.value, A.Num) else None
            if value != len(av.rates):
                self.err(av.loc, f"'{av.per}' must be a constant equal to the number of rates averaged "
                                 f"({len(av.rates)}), got {value if const is not None else 'no such constant'}")
        divisor = _name(av.per, loc) if av.per is not None else _num(len(av.rates), loc)
        out = [A.EquationDecl(av.step1, one, dom, src, f"étape 1 de {d.target.name} : moyenne de "
                              + ", ".join(av.rates) + f" par ligne de {av.step1.entity}", (),
                              (A.Branch(A.BinOp("/", _plus([_name(r, loc) for r in av.rates], loc),
                                                divisor, loc), None, loc),), loc)]
        entry["equations"].append(av.step1.name)

        def nested(body: A.Expr, k: int) -> A.Expr:
            # sum(e1: sum(e2: ... sum(last where index == k: body)))
            inner = chain[-1]
            cond = A.Compare("==", _name(av.index, loc), _num(k, loc) if k >= 0 else A.Neg(_num(-k, loc), loc), loc)
            e = A.Aggregate("sum", inner, cond, body, loc, loc)
            for ent in reversed(chain[:-1]):
                e = A.Aggregate("sum", ent, None, e, loc, loc)
            return e

        means, present = [], []
        for k in ks:
            surf = A.QualName(d.target.entity, f"{av.weight_as}_{_kcode(k)}", loc, loc)
            step2 = A.QualName(d.target.entity, f"{av.step1.name}_{_kcode(k)}", loc, loc)
            zero = _num(0, loc, wunit)
            out.append(A.EquationDecl(surf, wunit, None, src, f"{av.weight} des lignes de {av.step1.entity} en "
                                      f"{av.index} = {k}", (), (A.Branch(nested(_name(av.weight, loc), k), None, loc),),
                                      loc))
            out.append(A.EquationDecl(
                step2, one, dom, src, f"étape 2 : moyenne de {av.step1.name} pondérée par {av.weight}, "
                f"{av.index} = {k} (0 si aucune ligne)", (),
                (A.Branch(A.BinOp("/", nested(A.BinOp("*", _name(av.step1.name, loc), _name(av.weight, loc), loc), k),
                                  _name(surf.name, loc), loc),
                          A.Compare(">", _name(surf.name, loc), zero, loc), loc),
                 A.Branch(_num(0, loc), None, loc)), loc))
            means.append(_name(step2.name, loc))
            present.append(A.IfExpr(A.Compare(">", _name(surf.name, loc), zero, loc), _num(1, loc), _num(0, loc), loc))
            entry["equations"] += [surf.name, step2.name]
        count = A.QualName(d.target.entity, av.count_as, loc, loc)
        out.append(A.EquationDecl(count, one, A.Domain(0.0, None, True, False, loc), src,
                                  f"nombre de valeurs de {av.index} où {av.weight} > 0", (),
                                  (A.Branch(_plus(present, loc), None, loc),), loc))
        out.append(A.EquationDecl(d.target, one, dom, d.source, d.description, d.choices,
                                  (A.Branch(_num(0, loc), A.Compare("==", _name(count.name, loc), _num(0, loc), loc), loc),
                                   A.Branch(A.BinOp("/", _plus(means, loc), _name(count.name, loc), loc), None, loc)),
                                  d.loc))
        entry["equations"] += [count.name, d.target.name]
        return out

    # ------------------------------------------------------- certifiable --
    def certifiable(self, d: CertifiableDecl, rabais_names, once_names) -> List[A.EquationDecl]:
        ent, loc = d.target.entity, d.loc
        unit = None
        out, summands = [], []
        entry = {"name": d.target.name, "entity": ent, "terms": [], "subtotal": d.subtotal,
                 "general_rabais": list(d.general), "source": _source(d.source), "description": d.description,
                 "spec": f"{loc.file.rsplit('/', 1)[-1]}:{loc.line}"}
        self.listing["certifiable"].append(entry)
        used: Dict[str, int] = {}
        for t in d.terms:
            for a in t.addends:
                for r in a.rates:
                    used[r] = used.get(r, 0) + 1
                    if r not in rabais_names:
                        self.err(a.loc, f"'{r}' is not a rabais", "declare it with 'rabais'")
            unit = unit or self._term_unit(t)
            discounted = [a for a in t.addends if a.rates]
            if len(discounted) > 1:
                self.err(t.loc, "a term may discount one of its addends only; split it into two terms")
                continue
            if not discounted and len(t.addends) == 1 and t.name is None:
                summands.append(t.addends[0].term)
                entry["terms"].append({"equation": t.addends[0].term, "term": t.addends[0].term, "rabais": []})
                continue
            if t.name is None:
                self.err(t.loc, "a discounted term needs a name: 'term NAME = ...'")
                continue
            tu = unit
            plain = [_name(a.term, t.loc) for a in t.addends if not a.rates]
            if not discounted:
                branches = (A.Branch(_plus(plain, t.loc), None, t.loc),)
                desc = " + ".join(a.term for a in t.addends)
            else:
                a = discounted[0]
                x = _name(a.term, t.loc)
                rates = " × ".join(f"(1 - {r})" for r in a.rates)
                if a.part is not None:
                    # the rabais takes r × part, never more than the term itself (L2558)
                    if len(a.rates) != 1 or plain:
                        self.err(a.loc, "a rabais on a part of a term takes one rate and no other addend")
                        continue
                    r = a.rates[0]
                    part = _name(a.part, t.loc)
                    zero = _num(0, t.loc, tu)
                    value = A.BinOp("-", x, A.Call("min", (x, A.BinOp("*", part, _name(r, t.loc), t.loc)), t.loc),
                                    t.loc)
                    cond = A.BoolOp("and", (A.Compare(">", part, zero, t.loc), A.Compare(">", x, zero, t.loc)),
                                    t.loc)
                    branches = (A.Branch(value, cond, t.loc), A.Branch(x, None, t.loc))
                    desc = (f"{a.term} moins {a.rates[0]} × {a.part} (au plus {a.term}), si {a.part} et "
                            f"{a.term} sont strictement positifs")
                else:
                    zero = _num(0, t.loc, tu)
                    pos = [p for p in t.addends]
                    disc_terms = [(_discount(x, a.rates, t.loc) if p is a else _name(p.term, t.loc)) for p in pos]
                    plain_terms = [_name(p.term, t.loc) for p in pos]
                    branches = (A.Branch(_plus(disc_terms, t.loc), A.Compare(">", x, zero, t.loc), t.loc),
                                A.Branch(_plus(plain_terms, t.loc), None, t.loc))
                    desc = " + ".join((f"{p.term} × {rates}" if p is a else p.term) for p in pos) + \
                        f", si {a.term} est strictement positive (sinon sans rabais)"
            out.append(A.EquationDecl(A.QualName(ent, t.name, t.loc, t.loc), tu, None, d.source, desc, (), branches,
                                      t.loc))
            summands.append(t.name)
            entry["terms"].append({"equation": t.name, "term": [a.term for a in t.addends],
                                   "rabais": [r for a in t.addends for r in a.rates],
                                   "discounted": next((a.term for a in t.addends if a.rates), None),
                                   "part": next((a.part for a in t.addends if a.part), None)})
        for r in d.general:
            used[r] = used.get(r, 0) + 1
            if r not in rabais_names:
                self.err(loc, f"'{r}' is not a rabais", "declare it with 'rabais'")
        for r in once_names:
            if used.get(r, 0) > 1:
                self.err(loc, f"rabais '{r}' is declared 'once' but applied {used[r]} times (L2560: once only)")
        if unit is None:
            self.err(loc, "a certifiable result needs at least one term")
            return out
        sub = A.QualName(ent, d.subtotal, loc, loc)
        out.append(A.EquationDecl(sub, unit, None, d.source, "somme des termes après leurs rabais spécifiques", (),
                                  (A.Branch(_plus([_name(s, loc) for s in summands], loc), None, loc),), loc))
        s = _name(d.subtotal, loc)
        out.append(A.EquationDecl(d.target, unit, None, d.source, d.description, d.choices,
                                  (A.Branch(_discount(s, d.general, loc), A.Compare(">", s, _num(0, loc, unit), loc),
                                            loc), A.Branch(s, None, loc)), d.loc))
        return out

    def _line(self, loc: A.Loc) -> str:
        """The spec text of a branch (its line, from its '='), for the docs and reports."""
        lines = self.texts.get(loc.file, "").splitlines()
        line = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
        return line.split("#", 1)[0].strip()

    def _term_unit(self, t: Term) -> Optional[A.UnitExpr]:
        for a in t.addends:
            eq = self.equations.get(a.term)
            if eq is not None:
                return eq.unit
        return None


def _with_timeline(src: Optional[A.Source], tl: Optional[A.Source]) -> Optional[A.Source]:
    """The rabais's citation plus the timeline's (where the index values are printed)."""
    if src is None or tl is None:
        return src or tl
    return A.Source(raw=f"{src.raw}; {tl.raw}", section=src.section, label=src.label,
                    lines=tuple(src.lines) + tuple(tl.lines),
                    ranges=tuple(src.ranges or ((n, n) for n in src.lines)) + tuple(tl.ranges or ((n, n) for n in tl.lines)))


def _source(s):
    if s is None:
        return None
    return {"section": s.section, "label": s.label, "lines": list(s.lines), "text": s.line_text()}


def expand(files):
    """Spec files with every rabais / certifiable construct replaced, in place, by the equations it
    compiles to; and the listing of the rabais (model.json key `rabais`)."""
    ex = _Expander(files)
    decls = [it for f in files for it in f.items if isinstance(it, RabaisDecl)]
    names = {d.target.name for d in decls}
    once = {d.target.name for d in decls if d.once}
    new_files = []
    for f in files:
        items = []
        for it in f.items:
            if isinstance(it, RabaisDecl):
                items += ex.rabais(it)
            elif isinstance(it, CertifiableDecl):
                items += ex.certifiable(it, names, once)
            else:
                items.append(it)
        new_files.append(replace(f, items=tuple(items)))
    # which terms each rabais discounts (from the certifiable compositions)
    for entry in ex.listing["rabais"]:
        for c in ex.listing["certifiable"]:
            for t in c["terms"]:
                if entry["name"] in t["rabais"]:
                    entry["terms"].append(t.get("part") or t.get("discounted") or t["term"])
            if entry["name"] in c["general_rabais"]:
                entry["terms"].append(c["subtotal"])
    by_name = {e["name"]: e for e in ex.listing["rabais"]}
    for entry in ex.listing["rabais"]:
        for comp in entry.get("components", []):
            if comp in by_name and not by_name[comp]["terms"]:
                by_name[comp]["terms"] = list(entry["terms"])
                by_name[comp]["part_of"] = entry["name"]
    if ex.errors:
        raise SpecErrors(ex.errors)
    return new_files, ex.listing


def listing_json(model) -> dict:
    """model.json's `rabais` key: each rabais (name, entity, terms, rate equations, conditions
    and rates of its branches, once) and each certifiable composition; `equations` lists every
    equation a rabais construct compiled to (what coverage counts as the rabais block)."""
    listing = getattr(model, "rabais", None) or {"rabais": [], "certifiable": []}
    out = {"rabais": [], "certifiable": list(listing["certifiable"]), "equations": []}
    for e in listing["rabais"]:
        out["rabais"].append(dict(e))
        out["equations"] += e["equations"]
    for c in listing["certifiable"]:
        out["equations"] += [t["equation"] for t in c["terms"] if t["rabais"] or t["equation"] != t["term"]]
        out["equations"] += [c["subtotal"], c["name"]]
    # the root entity's equations built on them (the Project's certifiable sum, a global rate)
    inside, totals = set(out["equations"]), []
    for name in model.order:
        s = model.symbols[name]
        if s.entity == model.root and name not in inside and any(d in inside for d in s.deps):
            inside.add(name)
            totals.append(name)
    out["totals"] = totals
    return out

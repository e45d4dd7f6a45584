"""Resolver and checker: AST items -> a checked Model.

One pass per concern, in order: declarations (units, enums, entities, tables, symbols),
then every expression is resolved against the entity tree and typed with its unit,
then the dependency graph is sorted (cycles are errors).  Errors are collected so a
promoter sees all of them at once, each with file:line:col.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import sympy as sp

from . import ast as A
from . import ir
from .errors import SpecError, SpecErrors, suggest
from .parser import parse_file
from .units import ONE, UnitRegistry, fmt, rational, same, scale_of

import keyword
import re

# Names the generated code uses itself: a spec symbol with one of these names would
# shadow it (a spec must never be able to change what the kernel does).
_RESERVED = set(keyword.kwlist) | {"np", "njit", "prange", "range", "min", "max", "abs", "compute", "data",
                                   "out", "r", "True", "False", "None", "METHOD", "VERSION", "SPEC_HASH"}
_RESERVED_RE = re.compile(r"^(c\d+|acc_\d+|cnt_\d+|idx_.*|start_.*|n_.*|stage_.*|KEY_.*|__.*)$")

FUNCTIONS = {"min": (2, None), "max": (2, None), "exp": (1, 1), "log": (1, 1), "abs": (1, 1), "known": (1, 1),
             "sqrt": (1, 1)}
SCENARIO_ENUM = "scenario"


@dataclass
class Entity:
    name: str
    description: str
    parent: Optional[str]
    collection: str
    source: Optional[A.Source]
    loc: A.Loc
    children: List[str] = field(default_factory=list)
    optional: bool = False  # a child of the root whose list may be empty

    def label(self) -> str:
        return f"{self.name} ({self.description})" if self.description else self.name


@dataclass
class Symbol:
    name: str
    kind: str  # input, constant, lookup, equation
    entity: Optional[str]
    dtype: str  # real, bool, int, enum
    unit: sp.Expr
    loc: A.Loc
    source: Optional[A.Source] = None
    description: Optional[str] = None
    enum: Optional[str] = None  # enum name, or "key:<table>" for table keys
    decl: object = None
    expr: Optional[ir.Select] = None  # equations
    value: Optional[float] = None  # constants
    domain: Optional[A.Domain] = None
    default: object = None
    optional: bool = False  # an input that may be absent (NaN); test it with known()
    unit_text: str = ""  # the unit as the spec writes it (kg_Nvol / t_PRO), for the docs
    criterion: Optional[A.CriterionDecl] = None  # set for eligibility criteria (value 1 met, 0 failed)
    deps: List[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.source and self.source.label:
            return self.source.label
        return ""


@dataclass
class Timeline:
    entity: str
    index: str
    scenarios: Tuple[A.ScenarioRange, ...]
    source: Optional[A.Source]
    scenario_symbol: str = "scenario"
    description: Optional[str] = None


@dataclass
class Model:
    method: A.MethodDecl
    files: List[A.SpecFile]
    units: UnitRegistry
    enums: Dict[str, List[str]]
    enum_labels: Dict[str, Dict[str, str]]
    entities: Dict[str, Entity]
    timelines: List[Timeline]
    tables: Dict[str, A.TableDecl]
    symbols: Dict[str, Symbol]
    order: List[str]
    key_literals: Dict[str, List[str]]
    invariants: List[A.InvariantDecl]
    warnings: List[SpecError]
    spec_hash: str
    retroactivity: List[A.RetroDecl] = field(default_factory=list)
    verdicts: List[A.VerdictDecl] = field(default_factory=list)
    annex_set: Optional[A.AnnexSetDecl] = None  # the annex set the version names (None: v<version>)
    lineage: object = None  # compiler.extends.Lineage: parent folder, items overridden/added/removed

    def items_of_section(self, section: str) -> List[str]:
        """Spec items whose source cites `section` or one of its subsections (Annexe 2 links).
        `section` may be a whole Annexe 2 cell: its leading number ('6.4.RE …' -> 6.4) or
        'Annexe N' is what counts."""
        m = re.match(r"\s*(Annexe\s+\d+\w*|\d+(?:\.\d+)*)", section)
        if not m:
            return []
        sec = m.group(1)
        out = []
        for s in self.symbols.values():
            if s.kind not in ("equation", "constant", "lookup"):
                continue
            own = (s.source.section or "") if s.source else ""
            if own == sec or own.startswith(sec + "."):
                out.append(s.name)
        return out

    @property
    def timeline(self) -> Optional[Timeline]:
        """The first timeline (the cropping-system years), as the docs present it."""
        return self.timelines[0] if self.timelines else None

    @property
    def root(self) -> str:
        return next(e.name for e in self.entities.values() if e.parent is None)

    def ancestors(self, entity: str) -> List[str]:
        out = []
        p = self.entities[entity].parent
        while p is not None:
            out.append(p)
            p = self.entities[p].parent
        return out

    def equations(self) -> List[Symbol]:
        return [self.symbols[n] for n in self.order]

    def of_kind(self, kind: str) -> List[Symbol]:
        return [s for s in self.symbols.values() if s.kind == kind]

    def choices(self):
        for s in self.symbols.values():
            if s.kind == "equation":
                for c in getattr(s.decl, "choices", ()):
                    yield s, c


def load_spec_dir(spec_dir: Path) -> List[A.SpecFile]:
    """The complete spec files of a version: with `extends`, its parent's merged with its own."""
    from .extends import load_version

    return load_version(spec_dir, _parse_dir)[0]


def _parse_dir(spec_dir: Path) -> List[A.SpecFile]:
    spec_dir = Path(spec_dir)
    if not spec_dir.is_dir():
        raise SpecError(None, f"spec directory '{spec_dir}' does not exist or is not a directory")
    files = sorted(spec_dir.glob("*.cspec"))
    if not files:
        raise SpecError(None, f"no .cspec files in '{spec_dir}'")
    return [parse_file(f) for f in files]


def build_model(files: List[A.SpecFile]) -> Model:
    return _Resolver(files).run()


def check_spec_dir(spec_dir: Path) -> Model:
    """Parse and check a version; a version that `extends` its parent is also compared with it
    (compiler/retroactivity.py: every changed item covered by a row of its retroactivity table)."""
    from .extends import load_version

    files, lineage = load_version(spec_dir, _parse_dir)
    model = build_model(files)
    model.lineage = lineage
    if lineage.parent_dir is not None:
        from .retroactivity import check_version

        check_version(model)
    return model


class _Resolver:
    def __init__(self, files: List[A.SpecFile]):
        self.files = files
        self.texts = {f.path: f.text for f in files}
        self.errors: List[SpecError] = []
        self.warnings: List[SpecError] = []
        self.units = UnitRegistry()
        self.enums: Dict[str, List[str]] = {}
        self.enum_labels: Dict[str, Dict[str, str]] = {}
        self.entities: Dict[str, Entity] = {}
        self.tables: Dict[str, A.TableDecl] = {}
        self.symbols: Dict[str, Symbol] = {}
        self.key_literals: Dict[str, List[str]] = {}
        self.timelines: List[Timeline] = []
        self.method: Optional[A.MethodDecl] = None
        self.invariants: List[A.InvariantDecl] = []
        self.defined_at: Dict[str, A.Loc] = {}

    # ------------------------------------------------------------ helpers --
    def of_kind_(self, kind: str) -> List[Symbol]:
        return [s for s in self.symbols.values() if s.kind == kind]

    def err(self, loc, message, hint=None):
        self.errors.append(SpecError(loc, message, hint, self.texts.get(loc.file) if loc else None))

    def warn(self, loc, message, hint=None):
        self.warnings.append(SpecError(loc, message, hint, self.texts.get(loc.file) if loc else None))

    def items(self, typ):
        for f in self.files:
            for it in f.items:
                if isinstance(it, typ):
                    yield it

    def guard(self, fn, *args):
        try:
            return fn(*args)
        except SpecError as e:
            if e.source_text is None and e.loc is not None:
                e.source_text = self.texts.get(e.loc.file)
            self.errors.append(e)
            return None

    def claim(self, name: str, loc: A.Loc, what: str, namespace: str = "symbol") -> bool:
        """Symbol names are global across the spec (one meaning per name, for the docs' and
        the trace's sake); enums, entities and tables each have their own namespace."""
        if name in _RESERVED or _RESERVED_RE.match(name):
            self.err(loc, f"'{name}' is reserved by the code generator; choose another name for this {what}")
            return False
        key = (namespace, name)
        if key in self.defined_at:
            first = self.defined_at[key]
            self.err(loc, f"duplicate definition of '{name}' ({what}); first defined at {first}")
            return False
        self.defined_at[key] = loc
        return True

    # --------------------------------------------------------------- run --
    def run(self) -> Model:
        methods = list(self.items(A.MethodDecl))
        if not methods:
            f = self.files[0]
            self.errors.append(SpecError(A.Loc(f.path, 1, 1), "no 'method' declaration in the spec",
                                         "add: method <id> version \"<x.y>\"", f.text))
        else:
            self.method = methods[0]
            for extra in methods[1:]:
                self.err(extra.loc, f"duplicate 'method' declaration; first at {methods[0].loc}")
        # substances first: a scaled unit may be of a substance (pct_C = 0.01 g_C / g)
        for it in self.items(A.SubstanceDecl):
            self.guard(self.units.declare_substance, it)
        for it in self.items(A.UnitDecl):
            self.guard(self.units.declare_unit, it)
        for it in self.items(A.EnumDecl):
            self.declare_enum(it)
        self.declare_entities()
        for it in self.items(A.TimelineDecl):
            self.declare_timeline(it)
        for it in self.items(A.TableDecl):
            self.guard(self.declare_table, it)
        for it in self.items(A.InputDecl):
            self.guard(self.declare_input, it)
        for it in self.items(A.ConstantDecl):
            self.guard(self.declare_constant, it)
        for it in self.items(A.LookupDecl):
            self.guard(self.declare_lookup, it)
        self.check_code_names()
        eq_decls = list(self.items(A.EquationDecl))
        for it in eq_decls:
            self.guard(self.declare_equation, it)
        self.verdicts = self.declare_verdicts()
        crit_decls = list(self.items(A.CriterionDecl))
        for it in crit_decls:
            self.guard(self.declare_criterion, it)
        if self.errors:
            raise SpecErrors(self.errors)
        for it in eq_decls:
            self.guard(self.resolve_equation, it)
        for it in crit_decls:
            self.guard(self.resolve_criterion, it)
        for it in self.items(A.InvariantDecl):
            self.guard(self.check_invariant, it)
        if self.errors:
            raise SpecErrors(self.errors)
        order = self.guard(self.sort) or []
        if self.errors:
            raise SpecErrors(self.errors)
        self.report_unused()
        digest = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: Path(f.path).name):
            digest.update(Path(f.path).name.encode())
            digest.update(f.text.encode("utf-8"))
        retro = list(self.items(A.RetroDecl))
        for r in retro:
            if r.source is None or not r.source.lines:
                self.warn(r.loc, "retroactivity row without a line of Annexe 2")
        annex_sets = list(self.items(A.AnnexSetDecl))
        for extra in annex_sets[1:]:
            self.err(extra.loc, f"a version uses one annex set; first named at {annex_sets[0].loc}")
        if annex_sets and annex_sets[0].protect and annex_sets[0].protect not in self.symbols:
            self.err(annex_sets[0].loc, f"'protect {annex_sets[0].protect}' names no equation",
                     suggest(annex_sets[0].protect, [s.name for s in self.of_kind_("equation")]))
        if self.errors:
            raise SpecErrors(self.errors)
        return Model(self.method, self.files, self.units, self.enums, self.enum_labels, self.entities,
                     self.timelines, self.tables, self.symbols, order, self.key_literals, self.invariants,
                     self.warnings, digest.hexdigest()[:16], retro, self.verdicts,
                     annex_sets[0] if annex_sets else None)

    # ------------------------------------------------------ declarations --
    def check_code_names(self):
        """Enum values become module constants of the kernel (SCENARIO_REFERENCE); no symbol
        may take one of those names."""
        codes = {re.sub(r"[^A-Za-z0-9_]", "_", f"{e}_{v}").upper() for e, vals in self.enums.items() for v in vals}
        for s in self.symbols.values():
            if s.name in codes:
                self.err(s.loc, f"'{s.name}' is the name of an enum value's code in the generated kernel; "
                         "choose another name")

    def declare_enum(self, it: A.EnumDecl):
        if not self.claim(it.name, it.loc, "enum", "enum"):
            return
        values = [v for v, _ in it.values]
        if len(set(values)) != len(values):
            self.err(it.loc, f"enum '{it.name}' lists a value twice")
        self.enums[it.name] = values
        self.enum_labels[it.name] = {v: (lbl or v) for v, lbl in it.values}

    def declare_entities(self):
        decls = list(self.items(A.EntityDecl))
        for d in decls:
            if not self.claim(d.name, d.name_loc or d.loc, "entity", "entity"):
                continue
            self.entities[d.name] = Entity(d.name, d.description or "", d.parent, d.collection or d.name + "s",
                                           d.source, d.loc, optional=d.optional)
        roots = [e for e in self.entities.values() if e.parent is None]
        for d in decls:
            if d.parent is not None and d.parent not in self.entities:
                self.err(d.parent_loc, f"unknown parent entity '{d.parent}' for entity '{d.name}'",
                         suggest(d.parent, self.entities))
        if len(roots) != 1 and self.entities:
            loc = roots[1].loc if len(roots) > 1 else decls[0].loc
            self.err(loc, "exactly one root entity (without 'in PARENT') is required; found "
                     + (", ".join(r.name for r in roots) or "none (a cycle of parents)"))
        for e in self.entities.values():
            if e.parent in self.entities:
                self.entities[e.parent].children.append(e.name)
            if e.optional and (e.parent is None or e.parent not in [r.name for r in roots]):
                # only the root's child lists must be non-empty; deeper lists may always be empty
                self.err(e.loc, f"'optional' only applies to a child of the root entity ('{e.name}' is not one)")
        # parent cycles
        for e in self.entities.values():
            seen, p = {e.name}, e.parent
            while p is not None and p in self.entities:
                if p in seen:
                    self.err(e.loc, f"entity '{e.name}' is its own ancestor")
                    break
                seen.add(p)
                p = self.entities[p].parent
        # root first, then breadth-first (the order the docs and dossier follow)
        if roots and not self.errors:
            ordered, queue = {}, [roots[0].name]
            while queue:
                n = queue.pop(0)
                ordered[n] = self.entities[n]
                queue.extend(self.entities[n].children)
            self.entities = ordered

    def entity_or_err(self, name: str, loc: A.Loc) -> Optional[str]:
        if name not in self.entities:
            self.err(loc, f"unknown entity '{name}'", suggest(name, self.entities))
            return None
        return name

    def declare_timeline(self, it: A.TimelineDecl):
        """Years of an entity, indexed relative to the start year; several entities may have
        one (the cropping-system years, the farm years), all with the same scenarios."""
        if any(t.entity == it.target.entity for t in self.timelines):
            self.err(it.loc, f"entity '{it.target.entity}' already has a timeline")
            return
        ent = self.entity_or_err(it.target.entity, it.target.loc)
        if ent is None:
            return
        names = [s.name for s in it.scenarios]
        if len(set(names)) != len(names):
            self.err(it.loc, "a scenario is listed twice in the timeline")
        ranges = sorted((s.first, s.last, s) for s in it.scenarios)
        for s in it.scenarios:
            if s.first > s.last:
                self.err(s.loc, f"scenario '{s.name}' range {s.first} .. {s.last} is empty")
        for (a0, a1, sa), (b0, b1, sb) in zip(ranges, ranges[1:]):
            if b0 <= a1:
                self.err(sb.loc, f"scenario '{sb.name}' overlaps scenario '{sa.name}'")
        if SCENARIO_ENUM in self.enums and self.enums[SCENARIO_ENUM] != names:
            self.err(it.loc, f"every timeline must list the same scenarios ({', '.join(self.enums[SCENARIO_ENUM])})")
            return
        self.timelines.append(Timeline(ent, it.target.name, it.scenarios, it.source, it.scenario_name, it.description))
        self.enums[SCENARIO_ENUM] = names
        self.enum_labels[SCENARIO_ENUM] = {s.name: (s.description or s.name) for s in it.scenarios}
        lo = min(s.first for s in it.scenarios)
        hi = max(s.last for s in it.scenarios)
        if self.claim(it.target.name, it.target.name_loc, "timeline index"):
            self.symbols[it.target.name] = Symbol(it.target.name, "input", ent, "int", ONE, it.loc, it.source,
                                                  it.description or "année relative au début du Projet (t = 0)",
                                                  domain=A.Domain(lo, hi, True, True, it.loc))
        sname = it.scenario_name
        if self.claim(sname, it.loc, "timeline scenario"):
            self.symbols[sname] = Symbol(sname, "builtin", ent, "enum", ONE, it.loc, it.source,
                                         "scénario de l'année (déduit de " + it.target.name + ")",
                                         enum=SCENARIO_ENUM)

    def declare_table(self, it: A.TableDecl):
        if not self.claim(it.name, it.loc, "table", "table"):
            return
        seen = set()
        for c in it.columns:
            if c.name in seen or c.name in it.keys:
                self.err(c.loc, f"duplicate column '{c.name}' in table '{it.name}'")
            seen.add(c.name)
            if c.type.kind == "real":
                self.guard(self.units.resolve, c.type.unit)
        self.tables[it.name] = it

    def declare_input(self, it: A.InputDecl):
        ent = self.entity_or_err(it.target.entity, it.target.loc)
        if ent is None or not self.claim(it.target.name, it.target.name_loc, "input"):
            return
        t = it.type
        sym = Symbol(it.target.name, "input", ent, "real", ONE, it.loc, it.source, it.description,
                     decl=it, domain=it.domain, default=it.default, optional=it.optional)
        if it.optional and t.kind in ("bool", "int"):
            self.err(it.optional_loc or it.loc, f"only number and key/enum inputs can be optional ('{it.target.name}' is {t.kind})")
        if t.kind == "real":
            sym.unit = self.units.resolve(t.unit)
            sym.unit_text = _unit_text(t.unit)
        elif t.kind == "bool":
            sym.dtype = "bool"
            if it.domain is not None:
                self.err(it.domain.loc, f"a bool input ('{it.target.name}') cannot have a numeric domain")
        elif t.kind == "int":
            sym.dtype = "int"
        elif t.kind == "enum":
            if t.ref not in self.enums:
                self.err(t.ref_loc, f"unknown enum '{t.ref}'", suggest(t.ref, self.enums))
                return
            sym.dtype, sym.enum = "enum", t.ref
        elif t.kind == "key":
            if t.ref not in self.tables:
                self.err(t.ref_loc, f"unknown table '{t.ref}'", suggest(t.ref, self.tables))
                return
            sym.dtype, sym.enum = "enum", "key:" + t.ref
            self.key_literals.setdefault(t.ref, [])
        if it.default is not None:
            self.check_default(sym, it)
        self.symbols[sym.name] = sym

    def check_default(self, sym: Symbol, it: A.InputDecl):
        d = it.default
        loc = it.default_loc or it.loc
        if sym.dtype == "bool" and not isinstance(d, bool):
            self.err(loc, f"default of bool input '{sym.name}' must be true or false")
        elif sym.dtype == "enum":
            if not (isinstance(d, tuple) and d[0] == "enum"):
                self.err(loc, f"default of '{sym.name}' must be one of its values")
            elif not sym.enum.startswith("key:") and d[1] not in self.enums[sym.enum]:
                self.err(loc, f"default '{d[1]}' is not a value of enum '{sym.enum}'",
                         suggest(d[1], self.enums[sym.enum]))
        elif sym.dtype in ("real", "int"):
            if isinstance(d, tuple) or isinstance(d, bool):
                self.err(loc, f"default of '{sym.name}' must be a number")
            elif it.domain is not None and not it.domain.contains(d):
                self.err(loc, f"default {d:g} of '{sym.name}' is outside its domain {it.domain.text()}")

    def declare_constant(self, it: A.ConstantDecl):
        if not self.claim(it.name, it.name_loc or it.loc, "constant"):
            return
        node = self.expr(it.value, None)
        if node.dtype != "real":
            raise SpecError(it.value.loc, f"constant '{it.name}' must be a number")
        value = _const_eval(node, self.symbols)
        if value is None:
            raise SpecError(it.value.loc, f"constant '{it.name}' must be computable from literals and other constants")
        if it.source is None or not it.source.lines:
            self.err(it.loc, f"constant '{it.name}' has no source reference with a line of the method text",
                     "add '@ <section> L<line>' after the value")
        self.symbols[it.name] = Symbol(it.name, "constant", None, "real", node.unit, it.loc, it.source,
                                       it.description, decl=it, value=value,
                                       unit_text=_unit_text(it.value.unit) if isinstance(it.value, A.Num) and it.value.unit
                                       else fmt(node.unit))

    def declare_lookup(self, it: A.LookupDecl):
        ent = self.entity_or_err(it.target.entity, it.target.loc)
        if ent is None:
            return
        table = self.tables.get(it.table)
        if table is None:
            raise SpecError(it.table_loc, f"unknown table '{it.table}'", suggest(it.table, self.tables))
        col = next((c for c in table.columns if c.name == it.column), None)
        if col is None:
            raise SpecError(it.column_loc, f"table '{it.table}' has no column '{it.column}'",
                            suggest(it.column, [c.name for c in table.columns]))
        if len(it.keys) != len(table.keys):
            raise SpecError(it.keys_loc or it.loc, f"table '{it.table}' is keyed by {len(table.keys)} column(s) "
                            f"({', '.join(table.keys) or 'none'}), the lookup gives {len(it.keys)}")
        for alternatives in it.keys:
            for term in alternatives:
                if term.name is None:
                    continue
                s = self.symbols.get(term.name)
                if s is None:
                    raise SpecError(term.loc, f"unknown key input '{term.name}'",
                                    suggest(term.name, [x.name for x in self.symbols.values() if x.dtype == "enum"]))
                if s.dtype != "enum":
                    raise SpecError(term.loc, f"'{term.name}' cannot key table '{it.table}': it is {s.dtype}, "
                                    "expected a 'key' or 'enum' input")
                if s.entity != ent and s.entity not in self._ancestors(ent):
                    raise SpecError(term.loc, f"key input '{term.name}' belongs to entity '{s.entity}', "
                                    f"which is not '{ent}' or one of its ancestors")
        if col.type.kind == "text":
            raise SpecError(it.column_loc, f"column '{it.column}' is text; only number and bool columns can be looked up")
        if not self.claim(it.target.name, it.target.name_loc, "lookup"):
            return
        dtype = "bool" if col.type.kind == "bool" else "real"
        unit = self.units.resolve(col.type.unit) if dtype == "real" else ONE
        if it.source is None or not it.source.lines:
            self.err(it.loc, f"lookup '{it.target.name}' has no source reference with a line of the method text")
        self.symbols[it.target.name] = Symbol(it.target.name, "lookup", ent, dtype, unit, it.loc, it.source,
                                              it.description or col.description, decl=it,
                                              unit_text=_unit_text(col.type.unit) if dtype == "real" else "")

    def declare_equation(self, it: A.EquationDecl):
        ent = self.entity_or_err(it.target.entity, it.target.loc)
        if ent is None or not self.claim(it.target.name, it.target.name_loc, "equation"):
            return
        unit = self.units.resolve(it.unit)
        if it.source is None or not it.source.lines:
            self.err(it.loc, f"equation '{it.target.name}' has no source reference with a line of the method text",
                     "add '@ <section> \"Équation N\" L<line>' after the unit")
        ids = [c.id for c in it.choices]
        if len(set(ids)) != len(ids):
            self.err(it.loc, f"equation '{it.target.name}' records the same choice twice")
        self.symbols[it.target.name] = Symbol(it.target.name, "equation", ent, "real", unit, it.loc, it.source,
                                              it.description, decl=it, domain=it.domain, unit_text=_unit_text(it.unit))

    def declare_verdicts(self) -> List[A.VerdictDecl]:
        """Verdicts other than eligibility; each needs a source line and is named once."""
        out = []
        for v in self.items(A.VerdictDecl):
            if not self.claim(v.name, v.loc, "verdict", "verdict"):
                continue
            if v.name == "eligibility":
                self.err(v.loc, "'eligibility' is the default verdict of criteria; choose another name")
                continue
            if v.source is None or not v.source.lines:
                self.err(v.loc, f"verdict '{v.name}' has no source reference with a line of the method text")
            out.append(v)
        return out

    def declare_criterion(self, it: A.CriterionDecl):
        """A criterion is computed like an equation (1 met, 0 failed); the verdict lists the
        failed ones with the evidence each requires."""
        ent = self.entity_or_err(it.target.entity, it.target.loc)
        if ent is None or not self.claim(it.target.name, it.target.name_loc, "criterion"):
            return
        if it.source is None or not it.source.lines:
            self.err(it.loc, f"criterion '{it.target.name}' has no source reference with a line of the method text")
        if it.verdict is not None and it.verdict not in {v.name for v in self.verdicts}:
            self.err(it.verdict_loc or it.loc, f"unknown verdict '{it.verdict}' for criterion '{it.target.name}'",
                     suggest(it.verdict, [v.name for v in self.verdicts]) or "declare it with 'verdict NAME ...'")
        self.symbols[it.target.name] = Symbol(it.target.name, "equation", ent, "real", ONE, it.loc, it.source,
                                              it.title, decl=it, domain=A.Domain(0, 1, True, True, it.loc),
                                              unit_text="1", criterion=it)

    def resolve_criterion(self, it: A.CriterionDecl):
        sym = self.symbols[it.target.name]
        cond = self.expr(it.condition, sym.entity)
        if cond.dtype != "bool":
            raise SpecError(it.condition.loc, f"criterion '{sym.name}' must be a true/false condition")
        sym.expr = ir.Select([(cond, ir.Lit(1.0, "1", dtype="real")), (None, ir.Lit(0.0, "0", dtype="real"))],
                             unit=ONE, dtype="real")
        sym.deps = sorted({r.symbol for r in ir.refs(sym.expr)})

    def _ancestors(self, entity: str) -> List[str]:
        out, p = [], self.entities[entity].parent
        while p is not None:
            out.append(p)
            p = self.entities[p].parent
        return out

    # -------------------------------------------------------- expressions --
    def resolve_equation(self, it: A.EquationDecl):
        try:
            self._resolve_equation(it)
        except SpecError as e:
            sym = self.symbols[it.target.name]
            if not e.message.startswith("equation '"):
                e.message = f"in equation '{sym.name}'{_label(sym)}: {e.message}"
            raise

    def _resolve_equation(self, it: A.EquationDecl):
        sym = self.symbols[it.target.name]
        branches = []
        for i, br in enumerate(it.branches):
            if br.when is None and i != len(it.branches) - 1:
                raise SpecError(br.loc, "only the last branch of an equation may omit 'when'")
            value = self.expr(br.value, sym.entity)
            if value.dtype != "real":
                raise SpecError(br.value.loc, f"equation '{sym.name}' must give a number, this branch gives {value.dtype}")
            self.unit_match(value, sym.unit, self._branch_start(br),
                            f"equation '{sym.name}'{_label(sym)} declares unit {fmt(sym.unit)} but this branch has unit "
                            f"{fmt(value.unit)}")
            cond = None
            if br.when is not None:
                cond = self.expr(br.when, sym.entity)
                if cond.dtype != "bool":
                    raise SpecError(br.when.loc, "a 'when' condition must be true or false",
                                    "comparisons use '==' (a single '=' starts a new branch)")
            branches.append((cond, value))
        if branches[-1][0] is not None:
            raise SpecError(it.branches[-1].loc,
                            f"equation '{sym.name}' has no default branch: the last branch must have no 'when'",
                            "add a final '= <expr>' branch for the remaining cases")
        sym.expr = ir.Select(branches, unit=sym.unit, dtype="real")
        sym.deps = sorted({r.symbol for r in ir.refs(sym.expr) if self.symbols[r.symbol].kind in ("equation", "lookup", "input", "builtin")})
        if it.cobenefit is not None:
            self._check_cobenefit(sym, it.cobenefit)

    def _check_cobenefit(self, sym: Symbol, cb: A.Cobenefit):
        """The flags a co-benefit names ('mandatory when X', 'computed when Y') are 0/1
        symbols of the same entity, so the runtime reads them on the same row."""
        for flag in (cb.mandatory if isinstance(cb.mandatory, str) else None, cb.computed_when):
            if flag is None:
                continue
            other = self.symbols.get(flag)
            if other is None:
                raise SpecError(cb.loc, f"co-benefit '{sym.name}' names unknown flag '{flag}'",
                                suggest(flag, self.symbols))
            if other.entity != sym.entity or other.kind not in ("equation", "input") or other.dtype not in ("real", "bool"):
                raise SpecError(cb.loc, f"co-benefit '{sym.name}' flag '{flag}' must be a 0/1 equation or a bool input "
                                        f"of entity '{sym.entity}'")

    def _branch_start(self, br: A.Branch) -> A.Loc:
        """Where a branch's expression starts: the first character after its '='."""
        lines = self.texts.get(br.loc.file, "").splitlines()
        line, col = br.loc.line, br.loc.column  # the '='
        if 1 <= line <= len(lines):
            text = lines[line - 1]
            i = col  # index just after '=' (col is 1-based)
            while i < len(text) and text[i] in " \t":
                i += 1
            if i < len(text):
                return A.Loc(br.loc.file, line, i + 1)
        return br.value.loc

    def unit_match(self, node: ir.Node, unit: sp.Expr, loc: A.Loc, message: str):
        if _is_zero(node):
            return
        if not same(node.unit, unit):
            raise SpecError(loc, message)

    def expr(self, e: A.Expr, ctx: Optional[str]) -> ir.Node:
        m = getattr(self, "x_" + type(e).__name__)
        return m(e, ctx)

    def x_Num(self, e: A.Num, ctx):
        unit = self.units.resolve(e.unit) if e.unit is not None else ONE
        if e.unit is not None:
            s = scale_of(unit)
            if s is not None and s != 1 and rational(e.text) * s != 1:
                raise SpecError(e.loc, f"conversion factor {e.text} [{fmt(unit) if False else _unit_text(e.unit)}] is wrong: "
                                f"the unit says it should be {1 / s}")
        return ir.Lit(e.value, e.text, unit=unit, dtype="real")

    def x_Bool(self, e: A.Bool, ctx):
        return ir.Lit(1.0 if e.value else 0.0, str(e.value).lower(), dtype="bool")

    def x_Str(self, e: A.Str, ctx):
        raise SpecError(e.loc, f"a string (\"{e.value}\") can only be compared with an enum or key input using == or !=")

    def x_Name(self, e: A.Name, ctx):
        sym = self.symbols.get(e.name)
        if sym is None:
            reachable = [s.name for s in self.symbols.values()
                         if s.entity is None or ctx is not None and (s.entity == ctx or s.entity in self._ancestors(ctx))]
            raise SpecError(e.loc, f"unknown name '{e.name}'", suggest(e.name, reachable) or suggest(e.name, self.symbols))
        if sym.entity is None:
            return ir.Ref(sym.name, None, (), unit=sym.unit, dtype=sym.dtype)
        if ctx is None:
            raise SpecError(e.loc, f"'{e.name}' is defined per {sym.entity}; a constant can only use literals and "
                            "other constants")
        if sym.entity == ctx:
            return ir.Ref(sym.name, ctx, (), unit=sym.unit, dtype=sym.dtype)
        anc = self._ancestors(ctx)
        if sym.entity in anc:
            path = tuple(anc[: anc.index(sym.entity) + 1])
            return ir.Ref(sym.name, sym.entity, path, unit=sym.unit, dtype=sym.dtype)
        if ctx in self._ancestors(sym.entity):
            chain = [sym.entity] + self._ancestors(sym.entity)
            child = chain[chain.index(ctx) - 1]
            raise SpecError(e.loc, f"bad index: '{e.name}' is defined per {sym.entity}, but this expression is per {ctx}",
                            f"aggregate it over the child rows, e.g. sum({child}: ...{e.name}...)")
        raise SpecError(e.loc, f"bad index: '{e.name}' is defined per {sym.entity}, which is not {ctx} or one of its "
                        f"ancestors ({', '.join(anc) or 'none'})")

    def _enum_literal(self, other: ir.Node, lit: A.Expr) -> Optional[ir.Node]:
        """The right-hand side of `enum_input == value`: a declared enum value or a table key."""
        if other.dtype != "enum" or not isinstance(lit, (A.Str, A.Name)):
            return None
        if isinstance(lit, A.Name) and lit.name in self.symbols:
            return None
        value = lit.value if isinstance(lit, A.Str) else lit.name
        enum = self.symbols[other.symbol].enum if isinstance(other, ir.Ref) else None
        if enum is None:
            return None
        if enum.startswith("key:"):
            table = enum[4:]
            lits = self.key_literals.setdefault(table, [])
            if value not in lits:
                lits.append(value)
            return ir.Code(enum, value, lits.index(value), dtype="enum")
        values = self.enums[enum]
        if value not in values:
            raise SpecError(lit.loc, f"'{value}' is not a value of {enum} (values: {', '.join(values)})",
                            suggest(value, values))
        return ir.Code(enum, value, values.index(value), dtype="enum")

    def x_Compare(self, e: A.Compare, ctx):
        left = self.expr(e.left, ctx) if not isinstance(e.left, A.Str) else None
        right = None
        if left is not None:
            right = self._enum_literal(left, e.right)
        if right is None:
            right = self.expr(e.right, ctx) if not isinstance(e.right, A.Str) else None
        if left is None and right is not None:
            left = self._enum_literal(right, e.left)
        if left is None or right is None:
            raise SpecError(e.loc, "a string can only be compared with an enum or key input")
        if left.dtype == "enum" or right.dtype == "enum":
            if e.op not in ("==", "!="):
                raise SpecError(e.loc, f"enum values can only be compared with == or !=, not '{e.op}'")
            if left.dtype != right.dtype:
                raise SpecError(e.loc, f"cannot compare {left.dtype} with {right.dtype}")
            le = self._enum_of(left)
            re_ = self._enum_of(right)
            if le and re_ and le != re_:
                raise SpecError(e.loc, f"cannot compare values of '{le}' with values of '{re_}'")
            return ir.Cmp(e.op, left, right, dtype="bool")
        if left.dtype == "bool" or right.dtype == "bool":
            if e.op not in ("==", "!=") or left.dtype != right.dtype:
                raise SpecError(e.loc, "booleans can only be compared with == or != to booleans")
            return ir.Cmp(e.op, left, right, dtype="bool")
        if not (_is_zero(left) or _is_zero(right)) and not same(left.unit, right.unit):
            raise SpecError(e.loc, f"comparison of different units: {fmt(left.unit)} {e.op} {fmt(right.unit)}")
        return ir.Cmp(e.op, left, right, dtype="bool")

    def _enum_of(self, n: ir.Node) -> Optional[str]:
        if isinstance(n, ir.Code):
            return n.enum
        if isinstance(n, ir.Ref):
            return self.symbols[n.symbol].enum
        return None

    def x_BinOp(self, e: A.BinOp, ctx):
        left, right = self.expr(e.left, ctx), self.expr(e.right, ctx)
        for side, n in (("left", left), ("right", right)):
            if n.dtype not in ("real", "int"):
                raise SpecError(e.loc, f"'{e.op}' needs numbers; its {side} operand is {n.dtype}")
        if e.op in "+-":
            if _is_zero(left):
                unit = right.unit
            elif _is_zero(right) or same(left.unit, right.unit):
                unit = left.unit
            else:
                verb = "sum" if e.op == "+" else "difference"
                raise SpecError(e.loc, f"{verb} of different units: {fmt(left.unit)} {e.op} {fmt(right.unit)}",
                                "a conversion factor is missing or a unit is wrong")
        elif e.op == "*":
            unit = left.unit * right.unit
        elif e.op == "/":
            unit = left.unit / right.unit
        else:  # ^
            if not same(right.unit, ONE):
                raise SpecError(e.right.loc, f"an exponent must be dimensionless, not {fmt(right.unit)}")
            if same(left.unit, ONE):
                unit = ONE
            elif isinstance(right, ir.Lit) and float(right.value).is_integer():
                unit = left.unit ** int(right.value)
            else:
                raise SpecError(e.loc, f"{fmt(left.unit)} can only be raised to an integer literal power")
        return ir.Op(e.op, [left, right], unit=sp.simplify(unit), dtype="real")

    def x_Neg(self, e: A.Neg, ctx):
        a = self.expr(e.operand, ctx)
        if a.dtype not in ("real", "int"):
            raise SpecError(e.loc, f"'-' needs a number, not {a.dtype}")
        if isinstance(a, ir.Lit):
            return ir.Lit(-a.value, "-" + a.text, unit=a.unit, dtype="real")
        return ir.Op("neg", [a], unit=a.unit, dtype="real")

    def x_BoolOp(self, e: A.BoolOp, ctx):
        args = [self.expr(o, ctx) for o in e.operands]
        for o, a in zip(e.operands, args):
            if a.dtype != "bool":
                raise SpecError(o.loc, f"'{e.op}' needs true/false operands; this one is {a.dtype}")
        return ir.Logic(e.op, args, dtype="bool")

    def x_Not(self, e: A.Not, ctx):
        a = self.expr(e.operand, ctx)
        if a.dtype != "bool":
            raise SpecError(e.loc, f"'not' needs a true/false operand, not {a.dtype}")
        return ir.Logic("not", [a], dtype="bool")

    def x_Call(self, e: A.Call, ctx):
        if e.func not in FUNCTIONS:
            raise SpecError(e.loc, f"unknown function '{e.func}'", suggest(e.func, FUNCTIONS) or
                            f"known functions: {', '.join(FUNCTIONS)}")
        lo, hi = FUNCTIONS[e.func]
        if len(e.args) < lo or (hi is not None and len(e.args) > hi):
            want = f"{lo}" if lo == hi else f"at least {lo}"
            raise SpecError(e.loc, f"'{e.func}' takes {want} argument(s), got {len(e.args)}")
        args = [self.expr(a, ctx) for a in e.args]
        for a, n in zip(e.args, args):
            if n.dtype != "real":
                raise SpecError(a.loc, f"'{e.func}' needs numbers, this argument is {n.dtype}")
        if e.func == "known":
            target = self.symbols[args[0].symbol] if isinstance(args[0], ir.Ref) else None
            if target is None or not (target.kind == "lookup" or target.optional):
                raise SpecError(e.loc, "known() takes a table lookup or an optional input, e.g. known(IR)")
            return ir.Func("known", args, dtype="bool")
        if e.func in ("min", "max"):
            unit = next((a.unit for a in args if not _is_zero(a)), ONE)
            for a, n in zip(e.args, args):
                if not _is_zero(n) and not same(n.unit, unit):
                    raise SpecError(a.loc, f"'{e.func}' of different units: {fmt(unit)} and {fmt(n.unit)}")
            return ir.Func(e.func, args, unit=unit)
        if e.func == "sqrt":
            # a standard deviation from a variance: (t_C/ha)^2 -> t_C/ha; the unit's square root
            # must have whole powers (sqrt of kg is refused)
            unit = sp.sqrt(args[0].unit)
            if any(not sp.sympify(x).is_integer for x in sp.powsimp(unit).as_powers_dict().values()) or \
                    any(not f.is_rational for f in sp.Mul.make_args(unit) if f.is_number):
                raise SpecError(e.args[0].loc, f"'sqrt' of {fmt(args[0].unit)} has no unit with whole powers")
            return ir.Func("sqrt", args, unit=unit)
        if e.func in ("exp", "log"):
            if not same(args[0].unit, ONE):
                raise SpecError(e.args[0].loc, f"'{e.func}' needs a dimensionless argument, not {fmt(args[0].unit)}")
            return ir.Func(e.func, args, unit=ONE)
        return ir.Func(e.func, args, unit=args[0].unit)

    def x_Aggregate(self, e: A.Aggregate, ctx):
        if e.entity not in self.entities:
            raise SpecError(e.entity_loc, f"unknown entity '{e.entity}'", suggest(e.entity, self.entities))
        if ctx is None or self.entities[e.entity].parent != ctx:
            kids = self.entities[ctx].children if ctx else []
            raise SpecError(e.entity_loc, f"bad index: {e.func}() over '{e.entity}' from {ctx or 'a constant'}; "
                            f"only direct children can be aggregated here ({', '.join(kids) or 'none'})")
        where = None
        if e.where is not None:
            where = self.expr(e.where, e.entity)
            if where.dtype != "bool":
                raise SpecError(e.where.loc, "a 'where' filter must be true or false")
        body = self.expr(e.body, e.entity)
        if body.dtype != "real":
            raise SpecError(e.body.loc, f"{e.func}() needs a number to aggregate, not {body.dtype}")
        unit = ONE if e.func == "count" else body.unit
        return ir.Agg(e.func, e.entity, where, body, unit=unit)

    def x_IfExpr(self, e: A.IfExpr, ctx):
        cond = self.expr(e.cond, ctx)
        if cond.dtype != "bool":
            raise SpecError(e.cond.loc, "an 'if' condition must be true or false")
        a, b = self.expr(e.then, ctx), self.expr(e.other, ctx)
        if a.dtype != b.dtype:
            raise SpecError(e.loc, f"'if' branches give {a.dtype} and {b.dtype}")
        if a.dtype == "real" and not (_is_zero(a) or _is_zero(b)) and not same(a.unit, b.unit):
            raise SpecError(e.loc, f"'if' branches have different units: {fmt(a.unit)} and {fmt(b.unit)}")
        unit = b.unit if _is_zero(a) else a.unit
        return ir.Select([(cond, a), (None, b)], unit=unit, dtype=a.dtype)

    # ------------------------------------------------------------ graph --
    def sort(self) -> List[str]:
        eqs = [s for s in self.symbols.values() if s.kind == "equation"]
        deps = {s.name: [d for d in s.deps if self.symbols[d].kind == "equation"] for s in eqs}
        order: List[str] = []
        state: Dict[str, int] = {}

        def visit(n, stack):
            st = state.get(n, 0)
            if st == 2:
                return
            if st == 1:
                cyc = stack[stack.index(n):] + [n]
                s = self.symbols[n]
                raise SpecError(s.decl.target.name_loc, "dependency cycle: " + " -> ".join(cyc))
            state[n] = 1
            for d in deps[n]:
                visit(d, stack + [n])
            state[n] = 2
            order.append(n)

        for s in eqs:
            visit(s.name, [])
        return _group_by_entity(order, {s.name: s.entity for s in eqs}, deps)

    def report_unused(self):
        used = set()
        for s in self.symbols.values():
            used.update(s.deps)
            if s.kind == "lookup":
                for alts in s.decl.keys:
                    used.update(t.name for t in alts if t.name)
        for inv in self.invariants:
            used.add(inv.wrt.name)
        for s in self.symbols.values():
            if s.kind == "input" and s.name not in used and s.name not in {t.index for t in self.timelines}:
                self.warn(s.loc, f"input '{s.name}' is never used by any equation")
            if s.kind == "lookup" and s.name not in used:
                self.warn(s.loc, f"lookup '{s.name}' is never used by any equation")

    def check_invariant(self, it: A.InvariantDecl):
        target = self.symbols.get(it.target)
        if target is None or target.kind != "equation":
            raise SpecError(it.target_loc, f"invariant target '{it.target}' is not an equation",
                            suggest(it.target, [s.name for s in self.symbols.values() if s.kind == "equation"]))
        wrt = self.symbols.get(it.wrt.name)
        if wrt is None or wrt.kind != "input" or wrt.entity != it.wrt.entity or wrt.dtype != "real":
            raise SpecError(it.wrt.name_loc, f"'{it.wrt.entity}.{it.wrt.name}' is not a numeric input of entity "
                            f"'{it.wrt.entity}'", suggest(it.wrt.name, [s.name for s in self.symbols.values()
                                                                      if s.kind == "input" and s.dtype == "real"]))
        if it.where is not None:
            cond = self.expr(it.where, wrt.entity)
            if cond.dtype != "bool":
                raise SpecError(it.where.loc, "an invariant's 'where' must be true or false")
        self.invariants.append(it)


def _group_by_entity(order: List[str], entity_of: Dict[str, str], deps: Dict[str, List[str]]) -> List[str]:
    """Reorder a topological order so equations of one entity run together (fewer loops)."""
    remaining = list(order)
    done: set = set()
    out: List[str] = []
    current = None
    while remaining:
        ready = [n for n in remaining if all(d in done for d in deps[n])]
        pick = next((n for n in ready if entity_of[n] == current), ready[0])
        current = entity_of[pick]
        # take every ready equation of this entity, repeatedly
        progress = True
        while progress:
            progress = False
            for n in list(remaining):
                if entity_of[n] == current and all(d in done for d in deps[n]):
                    out.append(n)
                    done.add(n)
                    remaining.remove(n)
                    progress = True
    return out


def _is_zero(n: ir.Node) -> bool:
    return isinstance(n, ir.Lit) and n.value == 0 and n.dtype == "real" and n.unit == ONE


def _const_eval(n: ir.Node, symbols: Dict[str, Symbol]) -> Optional[float]:
    import math
    if isinstance(n, ir.Lit):
        return n.value
    if isinstance(n, ir.Ref):
        s = symbols.get(n.symbol)
        return s.value if s is not None and s.kind == "constant" else None
    if isinstance(n, ir.Op):
        a = [_const_eval(x, symbols) for x in n.args]
        if any(v is None for v in a):
            return None
        if n.op == "neg":
            return -a[0]
        return {"+": a[0] + a[1] if len(a) > 1 else None, "-": a[0] - a[1] if len(a) > 1 else None,
                "*": a[0] * a[1] if len(a) > 1 else None, "/": a[0] / a[1] if len(a) > 1 and a[1] else None,
                "^": a[0] ** a[1] if len(a) > 1 else None}[n.op]
    if isinstance(n, ir.Func) and n.name in ("exp", "log", "abs", "min", "max", "sqrt"):
        a = [_const_eval(x, symbols) for x in n.args]
        if any(v is None for v in a):
            return None
        return {"exp": lambda: math.exp(a[0]), "log": lambda: math.log(a[0]), "abs": lambda: abs(a[0]),
                "sqrt": lambda: math.sqrt(a[0]) if a[0] >= 0 else None, "min": lambda: min(a), "max": lambda: max(a)}[n.name]()
    return None


def _label(sym: Symbol) -> str:
    return f" ({sym.source.label})" if sym.source and sym.source.label else ""


def _unit_text(u: A.UnitExpr) -> str:
    if isinstance(u, A.UnitName):
        return u.name
    if isinstance(u, A.UnitOne):
        return "1"
    if isinstance(u, A.UnitPercent):
        return "%"
    if isinstance(u, A.UnitPow):
        return f"{_unit_text(u.base)}^{u.exp}"
    right = _unit_text(u.right)
    if isinstance(u.right, A.UnitMul):
        right = f"({right})"
    return f"{_unit_text(u.left)} {u.op} {right}"

"""AST of the spec language: frozen dataclasses, each carrying where it was written.

Every node has a `loc` so that any later pass (resolver, unit checker, SymPy checks)
can point the promoter at the exact file, line and column of the problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple, Union


@dataclass(frozen=True)
class Loc:
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Source:
    """A citation of the method text: section, equation/table label, line range."""
    raw: str
    section: Optional[str] = None
    label: Optional[str] = None
    lines: Tuple[int, ...] = ()
    ranges: Tuple[Tuple[int, int], ...] = ()  # each cited line or range, as written

    def line_text(self) -> str:
        """'L1286–L1290', or 'L1318, L417' for separate citations."""
        ranges = self.ranges or tuple((n, n) for n in self.lines)
        return ", ".join(f"L{a}" if a == b else f"L{a}–L{b}" for a, b in ranges)


# ---------------------------------------------------------------- units ----
@dataclass(frozen=True)
class UnitName:
    name: str
    loc: Loc


@dataclass(frozen=True)
class UnitOne:
    loc: Loc


@dataclass(frozen=True)
class UnitPercent:
    loc: Loc


@dataclass(frozen=True)
class UnitPow:
    base: "UnitExpr"
    exp: int
    loc: Loc


@dataclass(frozen=True)
class UnitMul:
    left: "UnitExpr"
    op: str  # "*" or "/"
    right: "UnitExpr"
    loc: Loc


UnitExpr = Union[UnitName, UnitOne, UnitPercent, UnitPow, UnitMul]


# ----------------------------------------------------------- expressions ---
@dataclass(frozen=True)
class Num:
    value: float
    text: str
    unit: Optional[UnitExpr]
    loc: Loc


@dataclass(frozen=True)
class Str:
    value: str
    loc: Loc


@dataclass(frozen=True)
class Bool:
    value: bool
    loc: Loc


@dataclass(frozen=True)
class Name:
    name: str
    loc: Loc


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / ^
    left: "Expr"
    right: "Expr"
    loc: Loc


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    loc: Loc


@dataclass(frozen=True)
class Compare:
    op: str
    left: "Expr"
    right: "Expr"
    loc: Loc


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" / "or"
    operands: Tuple["Expr", ...]
    loc: Loc


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    loc: Loc


@dataclass(frozen=True)
class Call:
    func: str
    args: Tuple["Expr", ...]
    loc: Loc


@dataclass(frozen=True)
class Aggregate:
    """sum/mean/count over the child rows of `entity`, optionally filtered."""
    func: str
    entity: str
    where: Optional["Expr"]
    body: "Expr"
    loc: Loc
    entity_loc: Loc


@dataclass(frozen=True)
class IfExpr:
    cond: "Expr"
    then: "Expr"
    other: "Expr"
    loc: Loc


Expr = Union[Num, Str, Bool, Name, BinOp, Neg, Compare, BoolOp, Not, Call, Aggregate, IfExpr]


# ---------------------------------------------------------- declarations ---
@dataclass(frozen=True)
class QualName:
    entity: str
    name: str
    loc: Loc
    name_loc: Loc


@dataclass(frozen=True)
class Domain:
    lo: Optional[float]
    hi: Optional[float]
    lo_closed: bool
    hi_closed: bool
    loc: Loc

    def text(self) -> str:
        lo = "-∞" if self.lo is None else f"{self.lo:g}"
        hi = "+∞" if self.hi is None else f"{self.hi:g}"
        return f"{'[' if self.lo_closed else ']'}{lo}, {hi}{']' if self.hi_closed else '['}"

    def contains(self, x: float) -> bool:
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_closed)):
            return False
        if self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_closed)):
            return False
        return True


@dataclass(frozen=True)
class MethodDecl:
    id: str
    version: str
    title: Optional[str]
    published: Optional[str]
    source: Optional[str]
    extends: Optional[Tuple[str, str]]
    loc: Loc
    extends_loc: Optional[Loc] = None  # where `extends` names the parent (errors point there)


@dataclass(frozen=True)
class UnitDecl:
    name: str
    factor: Optional[float]
    of: Optional[UnitExpr]
    description: Optional[str]
    loc: Loc
    name_loc: Optional[Loc] = None


@dataclass(frozen=True)
class SubstanceDecl:
    name: str
    description: Optional[str]
    loc: Loc
    name_loc: Optional[Loc] = None


@dataclass(frozen=True)
class EnumDecl:
    name: str
    values: Tuple[Tuple[str, Optional[str]], ...]
    source: Optional[Source]
    description: Optional[str]
    loc: Loc


@dataclass(frozen=True)
class EntityDecl:
    name: str
    description: Optional[str]
    parent: Optional[str]
    collection: Optional[str]
    source: Optional[Source]
    loc: Loc
    parent_loc: Optional[Loc]
    name_loc: Optional[Loc] = None
    optional: bool = False  # a child of the root whose list may be empty


@dataclass(frozen=True)
class ScenarioRange:
    name: str
    first: int
    last: int
    required: bool
    source: Optional[Source]
    description: Optional[str]
    loc: Loc
    optional: bool = False  # none, or consecutive from `first` (neither: at least one)


@dataclass(frozen=True)
class TimelineDecl:
    target: QualName
    scenarios: Tuple[ScenarioRange, ...]
    source: Optional[Source]
    loc: Loc
    scenario_name: str = "scenario"  # the builtin symbol holding each row's scenario
    description: Optional[str] = None  # what the index counts (default: years from the start year)


@dataclass(frozen=True)
class TypeSpec:
    kind: str  # real, bool, int, enum, key, text
    unit: Optional[UnitExpr] = None
    ref: Optional[str] = None
    ref_loc: Optional[Loc] = None


@dataclass(frozen=True)
class InputDecl:
    target: QualName
    type: TypeSpec
    domain: Optional[Domain]
    default: Optional[object]
    source: Optional[Source]
    description: Optional[str]
    loc: Loc
    optional: bool = False
    default_loc: Optional[Loc] = None
    optional_loc: Optional[Loc] = None


@dataclass(frozen=True)
class ConstantDecl:
    name: str
    value: Expr
    source: Optional[Source]
    description: Optional[str]
    loc: Loc
    name_loc: Optional[Loc] = None


@dataclass(frozen=True)
class TableColumn:
    name: str
    type: TypeSpec
    optional: bool
    description: Optional[str]
    loc: Loc


@dataclass(frozen=True)
class TableDecl:
    name: str
    description: Optional[str]
    source: Optional[Source]
    keys: Tuple[str, ...]
    columns: Tuple[TableColumn, ...]
    loc: Loc


@dataclass(frozen=True)
class KeyTerm:
    """One alternative of a lookup key: an input name or a literal string."""
    name: Optional[str]
    literal: Optional[str]
    loc: Loc


@dataclass(frozen=True)
class LookupDecl:
    target: QualName
    table: str
    column: str
    keys: Tuple[Tuple[KeyTerm, ...], ...]  # per key column, the fallback chain
    source: Optional[Source]
    description: Optional[str]
    loc: Loc
    table_loc: Loc
    column_loc: Loc
    keys_loc: Optional[Loc] = None
    optional: bool = False  # a key absent from the table gives NaN, not an error


@dataclass(frozen=True)
class Choice:
    """A reading chosen where the method text is ambiguous (the docs list them all)."""
    id: str
    source: Source
    printed: str
    chosen: str
    why: str
    loc: Loc


@dataclass(frozen=True)
class Branch:
    value: Expr
    when: Optional[Expr]
    loc: Loc


@dataclass(frozen=True)
class Cobenefit:
    """Section 7: an equation that is a co-benefit indicator.  `improved_op`/`improved_value`
    state Tableau 20's sign ("amélioré si le résultat est < 0"); `mandatory` is True, False
    (optional, Tableau 19) or the name of a 0/1 symbol; `computed_when` names the 0/1 symbol
    that says whether the dossier gave the data the indicator needs."""
    title: str
    improved_op: str
    improved_value: float
    mandatory: object
    computed_when: Optional[str]
    loc: Loc


@dataclass(frozen=True)
class EquationDecl:
    target: QualName
    unit: UnitExpr
    domain: Optional[Domain]
    source: Optional[Source]
    description: Optional[str]
    choices: Tuple[Choice, ...]
    branches: Tuple[Branch, ...]
    loc: Loc
    cobenefit: Optional[Cobenefit] = None


@dataclass(frozen=True)
class CriterionDecl:
    """An eligibility criterion (Tableau 5): a condition and the evidence it requires."""
    target: QualName
    title: Optional[str]
    source: Optional[Source]
    evidence: Tuple[str, ...]
    condition: Expr
    loc: Loc
    verdict: Optional[str] = None  # None: the eligibility verdict
    verdict_loc: Optional[Loc] = None


@dataclass(frozen=True)
class VerdictDecl:
    """A verdict other than eligibility (accept / redo a measurement, ...): the criteria that
    name it are its reasons when they fail."""
    name: str
    title: str
    passed: str  # what the verdict says when every criterion holds
    failed: str  # ... and when one fails
    source: Optional[Source]
    loc: Loc


@dataclass(frozen=True)
class RetroDecl:
    """A row of the retroactivity table (Annexe 2): which part changed, is it retroactive."""
    section: str
    change: str
    retroactive: str  # oui, non, sans_objet, voir_annexe
    source: Optional[Source]
    loc: Loc
    covers: Tuple[str, ...] = ()  # the spec items the row covers, by name
    covers_loc: Optional[Loc] = None


@dataclass(frozen=True)
class RemoveDecl:
    """In a version that extends its parent: the parent item `name` is dropped."""
    name: str
    source: Optional[Source]
    loc: Loc
    name_loc: Loc


@dataclass(frozen=True)
class AnnexSetDecl:
    """The annex set a version uses (annexes/<method>/<name>/) and the result an annex update
    may not lower for a project labelled before it (method 1.8, L555)."""
    name: str
    protect: Optional[str]
    source: Optional[Source]
    loc: Loc


@dataclass(frozen=True)
class InvariantDecl:
    name: str
    direction: str
    target: str
    wrt: QualName
    where: Optional[Expr]
    source: Optional[Source]
    description: Optional[str]
    loc: Loc
    target_loc: Loc


Item = Union[MethodDecl, UnitDecl, SubstanceDecl, EnumDecl, EntityDecl, TimelineDecl, InputDecl,
             ConstantDecl, TableDecl, LookupDecl, EquationDecl, CriterionDecl, RetroDecl, InvariantDecl,
             RemoveDecl, AnnexSetDecl]


@dataclass(frozen=True)
class SpecFile:
    path: str
    text: str
    items: Tuple[Item, ...] = field(default_factory=tuple)

"""Lark parser: spec text -> AST (compiler.ast), with located syntax errors."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast as A
from .errors import SpecError
from .models import ModelSyntax
from .rabais import RabaisSyntax
from .results import ResultSyntax

GRAMMAR = Path(__file__).with_name("grammar.lark")

# What a promoter would call each terminal, for "expected ..." messages.
_TERMINAL_NAMES = {
    "NAME": "a name", "STRING": "a quoted string", "NUMBER": "a number", "SIGNED_NUMBER": "a number",
    "SIGNED_INT": "an integer", "SOURCE": "a source reference '@ section \"label\" Lnnn'",
    "CMP_OP": "a comparison", "ADD_OP": "'+' or '-'", "MUL_OP": "'*' or '/'", "UNIT_OP": "'*' or '/'",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COLON": "':'", "EQUAL": "'='",
    "COMMA": "','", "DOT": "'.'", "LBRACE": "'{'", "RBRACE": "'}'", "AGG": "sum/mean/count",
    "DATE": "a date YYYY-MM-DD", "DIRECTION": "'increasing' or 'decreasing'", "VBAR": "'|'",
    "CIRCUMFLEX": "'^'", "PERCENT": "'%'", "MINUS": "'-'", "__ANON_0": "'..'", "$END": "end of file",
}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", propagate_positions=True,
                maybe_placeholders=False)


_LINE_RE = re.compile(r"\bL(\d+)(?:\s*[-–]\s*L?(\d+))?")
_SECTION_RE = re.compile(r"^\s*((?:Annexe\s+\d+\w*)|(?:\d+(?:\.\d+)*))")
_LABEL_RE = re.compile(r'"([^"]*)"')


def parse_source(raw: str) -> A.Source:
    """'@ 6.1.1 "Équation 5" L1254-L1260' -> Source(section, label, lines)."""
    body = raw[1:].strip()
    section = None
    m = _SECTION_RE.match(body)
    if m:
        section = m.group(1)
    label = None
    lm = _LABEL_RE.search(body)
    if lm:
        label = lm.group(1)
    lines: list[int] = []
    ranges: list[tuple] = []
    for lm2 in _LINE_RE.finditer(_LABEL_RE.sub("", body)):
        start = int(lm2.group(1))
        end = int(lm2.group(2)) if lm2.group(2) else start
        lines.append(start)
        if end != start:
            lines.append(end)
        ranges.append((start, end))
    return A.Source(raw=body, section=section, label=label, lines=tuple(lines), ranges=tuple(ranges))


def _unquote(tok: Token) -> str:
    return str(tok)[1:-1]


from .names import IDENT_RE, VERSION_RE, version_problem  # noqa: E402,F401  (shared with the runtime's loader)


# Characters refused anywhere in a spec file: C0 controls other than tab and line breaks,
# DEL, C1 controls and the Unicode line/paragraph separators (Python's splitlines() breaks
# lines there, so positions would lie; a NUL would end up in kernel.py).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _finite(tok, value: float, loc: A.Loc, text: str) -> float:
    """A number literal of the spec as a float: one that overflows a double (1e309) is an error
    here, before it can become 'inf' in kernel.py or an empty domain."""
    import math

    if not math.isfinite(value):
        raise SpecError(loc, f"number {str(tok)!r} is too large for a 64-bit float (at most about 1.8e308)",
                        source_text=text)
    return value


class _ToAst(ResultSyntax, RabaisSyntax, ModelSyntax, Transformer):
    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def _loc(self, meta_or_tok) -> A.Loc:
        if isinstance(meta_or_tok, Token):
            return A.Loc(self.path, meta_or_tok.line, meta_or_tok.column)
        return A.Loc(self.path, getattr(meta_or_tok, "line", 0), getattr(meta_or_tok, "column", 0))

    # split a children list into typed optional parts
    @staticmethod
    def _take(children, typ):
        return [c for c in children if isinstance(c, typ)]

    @staticmethod
    def _tok(children, ttype):
        return [c for c in children if isinstance(c, Token) and c.type == ttype]

    def _source(self, children):
        toks = self._tok(children, "SOURCE")
        return parse_source(str(toks[0])) if toks else None

    def _desc(self, children):
        toks = self._tok(children, "STRING")
        return _unquote(toks[-1]) if toks else None

    # ---- top
    def start(self, children):
        return list(children)

    @v_args(meta=True)
    def method_decl(self, meta, ch):
        name, version = ch[0], ch[1]
        problem = version_problem(_unquote(version))
        if problem:
            raise SpecError(self._loc(version), problem, source_text=self._text)
        if not IDENT_RE.match(str(name)):
            raise SpecError(self._loc(name), f"method id {str(name)!r} is too long (at most 64 characters)",
                            source_text=self._text)
        fields = dict(title=None, published=None, source=None, extends=None)
        for f in ch[2:]:
            fields[f[0]] = f[1]
        extends_loc = None
        if fields["extends"] is not None:
            extends_loc, fields["extends"] = fields["extends"][2], fields["extends"][:2]
        return A.MethodDecl(str(name), _unquote(version), fields["title"], fields["published"],
                            fields["source"], fields["extends"], self._loc(meta), extends_loc)

    def meta_title(self, ch):
        return ("title", _unquote(ch[0]))

    def meta_published(self, ch):
        return ("published", str(ch[0]))

    def meta_source(self, ch):
        return ("source", _unquote(ch[0]))

    def meta_extends(self, ch):
        return ("extends", (str(ch[0]), _unquote(ch[1]), self._loc(ch[0])))

    @v_args(meta=True)
    def unit_decl(self, meta, ch):
        name = ch[0]
        factor = of = None
        rest = ch[1:]
        if rest and isinstance(rest[0], Token) and rest[0].type == "NUMBER":
            factor = _finite(rest[0], float(rest[0]), self._loc(rest[0]), self._text)
            of = rest[1]
        return A.UnitDecl(str(name), factor, of, self._desc(rest), self._loc(meta), self._loc(name))

    @v_args(meta=True)
    def substance_decl(self, meta, ch):
        return A.SubstanceDecl(str(ch[0]), self._desc(ch[1:]), self._loc(meta), self._loc(ch[0]))

    @v_args(meta=True)
    def enum_decl(self, meta, ch):
        values = tuple(c for c in ch[1:] if isinstance(c, tuple))
        rest = [c for c in ch[1:] if isinstance(c, Token)]
        return A.EnumDecl(str(ch[0]), values, self._source(rest), self._desc(rest), self._loc(meta))

    def enum_value(self, ch):
        return (str(ch[0]), _unquote(ch[1]) if len(ch) > 1 else None)

    @v_args(meta=True)
    def entity_decl(self, meta, ch):
        name = ch[0]
        names = self._tok(ch[1:], "NAME")
        desc = self._desc(ch[1:])
        # 'in PARENT' and 'as COLLECTION' are both NAME tokens: tell them apart by the keyword
        # that preceded them in the text (Lark drops anonymous keywords).
        parent = collection = None
        parent_loc = None
        text = self._text
        for tok in names:
            before = text[: tok.start_pos].rstrip()
            if before.endswith(" in") or before.endswith("\tin") or before.endswith("\nin"):
                parent, parent_loc = str(tok), self._loc(tok)
            else:
                collection = str(tok)
        return A.EntityDecl(str(name), desc, parent, collection, self._source(ch), self._loc(meta), parent_loc,
                            self._loc(name), bool(self._tok(ch[1:], "OPTIONAL")))

    @v_args(meta=True)
    def timeline_decl(self, meta, ch):
        target = ch[0]
        scen = tuple(c for c in ch[1:] if isinstance(c, A.ScenarioRange))
        names = self._tok(ch[1:], "NAME")
        return A.TimelineDecl(target, scen, self._source([c for c in ch if isinstance(c, Token)]), self._loc(meta),
                              str(names[0]) if names else "scenario", self._desc(ch[1:]))

    @v_args(meta=True)
    def scenario_range(self, meta, ch):
        name, first, last = ch[0], int(ch[1]), int(ch[2])
        for tok, v in ((ch[1], first), (ch[2], last)):
            if abs(v) > 1000:  # a year index: a range of millions of years is a typo, not a timeline
                raise SpecError(self._loc(tok), f"scenario index {v} is out of range (|index| <= 1000)",
                                source_text=self._text)
        rest = ch[3:]
        required = bool(self._tok(rest, "REQUIRED"))
        return A.ScenarioRange(str(name), first, last, required, self._source(rest), self._desc(rest), self._loc(meta),
                               bool(self._tok(rest, "OPTIONAL")))

    # ---- types and domains
    def t_bool(self, ch):
        return A.TypeSpec("bool")

    def t_int(self, ch):
        return A.TypeSpec("int")

    def t_text(self, ch):
        return A.TypeSpec("text")

    def t_enum(self, ch):
        return A.TypeSpec("enum", ref=str(ch[0]), ref_loc=self._loc(ch[0]))

    def t_key(self, ch):
        return A.TypeSpec("key", ref=str(ch[0]), ref_loc=self._loc(ch[0]))

    def t_real(self, ch):
        return A.TypeSpec("real", unit=ch[0])

    def closed(self, ch):
        return True

    def open(self, ch):
        return False

    def inf(self, ch):
        return float("inf")

    def neginf(self, ch):
        return float("-inf")

    def signed_number(self, ch):
        return _finite(ch[0], float(ch[0]), self._loc(ch[0]), self._text)

    @v_args(meta=True)
    def dom_interval(self, meta, ch):
        lo_closed, lo, hi, hi_closed = ch
        if lo == float("inf") or hi == float("-inf") or lo > hi or (lo == hi and not (lo_closed and hi_closed)):
            # no value satisfies it: every input or equation would be refused (or never checked)
            raise SpecError(self._loc(meta), f"empty domain: no number lies in {'[' if lo_closed else ']'}"
                            f"{lo:g}, {hi:g}{']' if hi_closed else '['} (the lower bound must be below the upper)",
                            source_text=self._text)
        lo = None if lo == float("-inf") else lo
        hi = None if hi == float("inf") else hi
        return A.Domain(lo, hi, lo_closed, hi_closed, self._loc(meta))

    @v_args(meta=True)
    def dom_compare(self, meta, ch):
        op, v = str(ch[0]), ch[1]
        loc = self._loc(meta)
        if (op in (">", ">=") and v == float("inf")) or (op in ("<", "<=") and v == float("-inf")):
            raise SpecError(loc, f"empty domain: no number is {op} {v:g}", source_text=self._text)
        if op == ">=":
            return A.Domain(v, None, True, False, loc)
        if op == ">":
            return A.Domain(v, None, False, False, loc)
        if op == "<=":
            return A.Domain(None, v, False, True, loc)
        if op == "<":
            return A.Domain(None, v, False, False, loc)
        raise SpecError(loc, f"a domain uses >=, >, <= or <, not '{op}'", source_text=self._text)

    @v_args(meta=True)
    def default(self, meta, ch):
        v = ch[0]
        if isinstance(v, Token):
            return ("name", str(v), self._loc(v))
        # the value's own position: the token after the 'default' keyword
        return ("value", v, self._value_loc(meta))

    def _value_loc(self, meta) -> A.Loc:
        text = self._text
        pos = meta.start_pos + len("default")
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return A.Loc(self.path, line, col)

    def true(self, ch):
        return True

    def false(self, ch):
        return False

    # ---- symbols
    @v_args(meta=True)
    def input_decl(self, meta, ch):
        target, typ = ch[0], ch[1]
        domain = next((c for c in ch[2:] if isinstance(c, A.Domain)), None)
        default = next((c for c in ch[2:] if isinstance(c, tuple)), None)
        default_loc = default[2] if default is not None else None
        if default is not None:
            default = default[1] if default[0] == "value" else ("enum", default[1])
        toks = [c for c in ch[2:] if isinstance(c, Token)]
        opt = self._tok(toks, "OPTIONAL")
        return A.InputDecl(target, typ, domain, default, self._source(toks), self._desc(toks), self._loc(meta),
                           optional=bool(opt), default_loc=default_loc,
                           optional_loc=self._loc(opt[0]) if opt else None)

    @v_args(meta=True)
    def constant_decl(self, meta, ch):
        toks = [c for c in ch[2:] if isinstance(c, Token)]
        return A.ConstantDecl(str(ch[0]), ch[1], self._source(toks), self._desc(toks), self._loc(meta),
                              self._loc(ch[0]))

    @v_args(meta=True)
    def table_decl(self, meta, ch):
        name = str(ch[0])
        toks = [c for c in ch[1:] if isinstance(c, Token)]
        keys = next((c for c in ch if isinstance(c, tuple) and c and c[0] == "__keys__"), ("__keys__",))[1:]
        cols = tuple(c for c in ch if isinstance(c, A.TableColumn))
        return A.TableDecl(name, self._desc(toks), self._source(toks), tuple(keys), cols, self._loc(meta))

    def table_key(self, ch):
        return ("__keys__",) + tuple(str(c) for c in ch)

    @v_args(meta=True)
    def table_column(self, meta, ch):
        rest = ch[2:]
        return A.TableColumn(str(ch[0]), ch[1], bool(self._tok(rest, "OPTIONAL")), self._desc(rest), self._loc(meta))

    @v_args(meta=True)
    def lookup_decl(self, meta, ch):
        target, table, column = ch[0], ch[1], ch[2]
        keys = next((c for c in ch[3:] if isinstance(c, list)), [])
        toks = [c for c in ch[3:] if isinstance(c, Token)]
        keys_loc = getattr(keys, "loc", None) or self._loc(column)
        optional = any(t.type == "OPTIONAL" for t in toks)
        return A.LookupDecl(target, str(table), str(column), tuple(keys), self._source(toks), self._desc(toks),
                            self._loc(meta), self._loc(table), self._loc(column), keys_loc, optional)

    @v_args(meta=True)
    def lookup_keys(self, meta, ch):
        keys = _KeyList(ch)
        keys.loc = self._loc(meta)
        return keys

    def key_alt(self, ch):
        return tuple(ch)

    def key_name(self, ch):
        return A.KeyTerm(str(ch[0]), None, self._loc(ch[0]))

    def key_string(self, ch):
        return A.KeyTerm(None, _unquote(ch[0]), self._loc(ch[0]))

    @v_args(meta=True)
    def equation_decl(self, meta, ch):
        target, unit = ch[0], ch[1]
        domain = next((c for c in ch[2:] if isinstance(c, A.Domain)), None)
        choices = tuple(c for c in ch[2:] if isinstance(c, A.Choice))
        branches = tuple(c for c in ch[2:] if isinstance(c, A.Branch))
        toks = [c for c in ch[2:] if isinstance(c, Token)]
        cobenefit = next((c for c in ch[2:] if isinstance(c, A.Cobenefit)), None)
        return A.EquationDecl(target, unit, domain, self._source(toks), self._desc(toks), choices, branches,
                              self._loc(meta), cobenefit)

    @v_args(meta=True)
    def cobenefit(self, meta, ch):
        title, op, value, mandatory = _unquote(ch[0]), str(ch[1]), ch[2], ch[3]
        computed = ch[4] if len(ch) > 4 else None
        return A.Cobenefit(title, op, value, mandatory, computed, self._loc(meta))

    def cb_mandatory(self, ch):
        return str(ch[0]) if ch else True

    def cb_optional(self, ch):
        return False

    def cb_computed(self, ch):
        return str(ch[0])

    @v_args(meta=True)
    def choice(self, meta, ch):
        return A.Choice(str(ch[0]), parse_source(str(ch[1])), _unquote(ch[2]), _unquote(ch[3]), _unquote(ch[4]),
                        self._loc(meta))

    @v_args(meta=True)
    def branch(self, meta, ch):
        return A.Branch(ch[0], ch[1] if len(ch) > 1 else None, self._loc(meta))

    @v_args(meta=True)
    def criterion_decl(self, meta, ch):
        target, cond = ch[0], ch[-1]
        toks = [c for c in ch[1:-1] if isinstance(c, Token)]
        evidence = tuple(c[1] for c in ch[1:-1] if isinstance(c, tuple) and c and c[0] == "__evidence__")
        verdict = next((c for c in ch[1:-1] if isinstance(c, tuple) and c and c[0] == "__verdict__"), None)
        strings = self._tok(toks, "STRING")
        return A.CriterionDecl(target, _unquote(strings[0]) if strings else None, self._source(toks), evidence,
                               cond, self._loc(meta), verdict[1] if verdict else None, verdict[2] if verdict else None)

    def criterion_verdict(self, ch):
        return ("__verdict__", str(ch[0]), self._loc(ch[0]))

    @v_args(meta=True)
    def verdict_decl(self, meta, ch):
        strings = [_unquote(t) for t in self._tok(ch, "STRING")]
        return A.VerdictDecl(str(ch[0]), strings[0], strings[1], strings[2], self._source(ch), self._loc(meta))

    @v_args(meta=True)
    def retro_decl(self, meta, ch):
        toks = [c for c in ch[3:] if isinstance(c, Token)]
        covers = next((c for c in ch[3:] if isinstance(c, tuple)), ((), None))
        return A.RetroDecl(_unquote(ch[0]), _unquote(ch[1]), str(ch[2]), self._source(toks), self._loc(meta),
                           covers[0], covers[1])

    @v_args(meta=True)
    def retro_covers(self, meta, ch):
        return (tuple(str(c) for c in ch), self._loc(meta))

    @v_args(meta=True)
    def remove_decl(self, meta, ch):
        return A.RemoveDecl(str(ch[0]), self._source(ch[1:]), self._loc(meta), self._loc(ch[0]))

    @v_args(meta=True)
    def annexset_decl(self, meta, ch):
        names = self._tok(ch[1:], "NAME")
        return A.AnnexSetDecl(_unquote(ch[0]), str(names[0]) if names else None, self._source(ch[1:]),
                              self._loc(meta))

    def evidence(self, ch):
        return ("__evidence__", _unquote(ch[0]))

    @v_args(meta=True)
    def invariant_decl(self, meta, ch):
        name, direction, target, wrt = ch[0], ch[1], ch[2], ch[3]
        where = ch[4] if len(ch) > 4 and not isinstance(ch[4], Token) else None
        toks = [c for c in ch[4:] if isinstance(c, Token)]
        return A.InvariantDecl(str(name), str(direction), str(target), wrt, where, self._source(toks),
                               self._desc(toks), self._loc(meta), self._loc(target))

    @v_args(meta=True)
    def qualname(self, meta, ch):
        return A.QualName(str(ch[0]), str(ch[1]), self._loc(ch[0]), self._loc(ch[1]))

    # ---- units
    def unit_name(self, ch):
        return A.UnitName(str(ch[0]), self._loc(ch[0]))

    def unit_one(self, ch):
        loc = self._loc(ch[0])
        if float(ch[0]) != 1:
            raise SpecError(loc, f"a unit cannot be the number {ch[0]}; only 1 (dimensionless) is allowed",
                            hint="write the scale as a unit declaration, e.g. 'unit t = 1000 kg'",
                            source_text=self._text)
        return A.UnitOne(loc)

    @v_args(meta=True)
    def unit_percent(self, meta, ch):
        return A.UnitPercent(self._loc(meta))

    @v_args(meta=True)
    def unit_product(self, meta, ch):
        out = ch[0]
        for i in range(1, len(ch), 2):
            out = A.UnitMul(out, str(ch[i]), ch[i + 1], self._loc(meta))
        return out

    @v_args(meta=True)
    def unit_power(self, meta, ch):
        return A.UnitPow(ch[0], int(ch[1]), self._loc(meta))

    # ---- expressions
    @v_args(meta=True)
    def or_(self, meta, ch):
        return A.BoolOp("or", tuple(ch), self._loc(meta))

    @v_args(meta=True)
    def and_(self, meta, ch):
        return A.BoolOp("and", tuple(ch), self._loc(meta))

    @v_args(meta=True)
    def not_(self, meta, ch):
        return A.Not(ch[0], self._loc(meta))

    @v_args(meta=True)
    def compare(self, meta, ch):
        return A.Compare(str(ch[1]), ch[0], ch[2], self._loc(ch[1]))

    def _fold(self, ch):
        out = ch[0]
        for i in range(1, len(ch), 2):
            op = ch[i]
            out = A.BinOp(str(op), out, ch[i + 1], self._loc(op))
        return out

    def arith(self, ch):
        return self._fold(ch)

    def term(self, ch):
        return self._fold(ch)

    @v_args(meta=True)
    def neg(self, meta, ch):
        return A.Neg(ch[0], self._loc(meta))

    @v_args(meta=True)
    def power(self, meta, ch):
        return A.BinOp("^", ch[0], ch[1], self._loc(meta))

    def number(self, ch):
        tok = ch[0]
        return A.Num(_finite(tok, float(tok), self._loc(tok), self._text), str(tok), ch[1] if len(ch) > 1 else None, self._loc(tok))

    def string(self, ch):
        return A.Str(_unquote(ch[0]), self._loc(ch[0]))

    def name(self, ch):
        return A.Name(str(ch[0]), self._loc(ch[0]))

    def call(self, ch):
        return A.Call(str(ch[0]), tuple(ch[1:]), self._loc(ch[0]))

    def aggregate(self, ch):
        func, ent = ch[0], ch[1]
        where = ch[2] if len(ch) == 4 else None
        return A.Aggregate(str(func), str(ent), where, ch[-1], self._loc(func), self._loc(ent))

    @v_args(meta=True)
    def ifexpr(self, meta, ch):
        return A.IfExpr(ch[0], ch[1], ch[2], self._loc(meta))

    @v_args(meta=True)
    def true_lit(self, meta, ch):
        return A.Bool(True, self._loc(meta))

    @v_args(meta=True)
    def false_lit(self, meta, ch):
        return A.Bool(False, self._loc(meta))


class _KeyList(list):
    """The key alternatives of a lookup, remembering where the '[' is."""
    loc = None


_KEYWORDS = ("method", "unit", "substance", "enum", "entity", "timeline", "input", "constant", "table",
             "lookup", "equation", "invariant", "scenario", "column", "key", "choice")


def _expected_text(expected) -> str:
    names = sorted({_TERMINAL_NAMES.get(e, f"'{e.lower()}'" if e.isupper() else f"'{e}'") for e in expected})
    if len(names) > 8:
        names = names[:8] + ["…"]
    return ", ".join(names)


def parse_text(text: str, path: str) -> A.SpecFile:
    """Parse one spec file.  Raises SpecError with file:line:col on any syntax error."""
    bad = _CONTROL_RE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise SpecError(A.Loc(path, line, col), f"control character U+{ord(bad.group()):04X} in the spec; "
                        "only printable text, tabs and line breaks are allowed",
                        source_text=_CONTROL_RE.sub("?", text))
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        line, col = getattr(exc, "line", 0) or 0, getattr(exc, "column", 0) or 0
        if isinstance(exc, UnexpectedCharacters):
            ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "end of file"
            msg = f"unexpected character {ch!r}"
            if ch == "=" :
                msg += " (comparisons use '==')"
        elif isinstance(exc, UnexpectedEOF):
            lines = text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
            msg = "unexpected end of file; expected " + _expected_text(exc.expected)
        elif isinstance(exc, UnexpectedToken):
            tok = exc.token
            shown = "end of file" if tok.type == "$END" else repr(str(tok))
            msg = f"unexpected {shown}; expected " + _expected_text(exc.expected)
            if tok.type == "EQUAL" or str(tok) == "=":
                msg += " (comparisons use '==')"
            if tok.type == "NAME":
                import difflib
                close = difflib.get_close_matches(str(tok), _KEYWORDS, n=1, cutoff=0.75)
                if close:
                    msg += f"; did you mean '{close[0]}'?"
            if tok.type == "$END":
                lines = text.splitlines() or [""]
                line, col = len(lines), len(lines[-1]) + 1
        else:  # pragma: no cover
            msg = str(exc).splitlines()[0]
        raise SpecError(A.Loc(path, line, col), "syntax error: " + msg, source_text=text) from None
    transformer = _ToAst(path)
    transformer._text = text
    try:
        items = transformer.transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, SpecError):
            raise exc.orig_exc from None
        raise
    return A.SpecFile(path=path, text=text, items=tuple(items))


def decode_spec(data: bytes, path: str) -> str:
    """The text of a spec file; bytes that are not UTF-8 (a Latin-1 file, a file cut inside a
    multi-byte character) are a located error, not a crash."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise SpecError(A.Loc(path, line, col), f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} "
                        f"({exc.reason}); save it as UTF-8",
                        source_text=data.decode("utf-8", "replace")) from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_file(path: Path) -> A.SpecFile:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError(A.Loc(str(path), 1, 1), f"cannot read the spec file: {exc.strerror or exc}") from None
    return parse_text(decode_spec(data, str(path)), str(path))

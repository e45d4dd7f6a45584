"""`model`: an external model a method relies on, declared with its interface.

LBC GC's Équation 25 reads the end-of-project soil carbon stocks of a model run (AMG v2,
Annexe 13).  The spec declares the model the runtime may run instead of asking the dossier
for its outputs, so the runtime stays generic: it reads the declaration from model.json and
calls the model library registered under the declared name (runtime/models/registry.py).

    model amg "AMG v2 (Clivot et al. 2019)" version "AMG v2, Clivot et al. 2019" @ 6.3.4 L1951
      "modèle de carbone du sol"
      takes clay : g / kg "argile"                          # the library's interface, with units
      gives soc_final : t_C / ha feeds system.Sfin          # an output fills an input of the spec
      block system.amg                                      # where a dossier gives the model's inputs
      bind area = Surf                                      # the method's names the library needs
      bind excluded_by = parcelles_miscanthus "why"         # (a reason, shown in the library's messages)
      supplied by dossier                                   # or the dossier gives the outputs itself

A `choice` (as in an equation, after the description) records a reading of the method the
binding takes where the text is ambiguous; a bind may also name a table of the spec (a
correspondence the library reads from the annex set, each row with its source and status).

Checks: every `feeds` target is an input of the spec with the output's unit; the block's
entity exists; every bound name is a symbol of the spec, an enum value, an entity or a table;
a choice is recorded once.
Which bind keys a library needs is the library's business (it refuses a declaration that lacks
one, naming the key), so a new library needs no compiler change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from lark import Token, v_args

from . import ast as A
from .errors import SpecError, SpecErrors, suggest
from .units import same


@dataclass(frozen=True)
class ModelPort:
    name: str
    unit: A.UnitExpr
    feeds: Optional[A.QualName]
    description: Optional[str]
    loc: A.Loc


@dataclass(frozen=True)
class ModelDecl:
    name: str
    label: str
    version: str
    source: Optional[A.Source]
    description: Optional[str]
    inputs: Tuple[ModelPort, ...]
    outputs: Tuple[ModelPort, ...]
    block: Optional[A.QualName]
    binds: Tuple[Tuple[str, Tuple[str, ...], A.Loc, Optional[str]], ...]
    supplied_by_dossier: bool
    loc: A.Loc
    choices: Tuple[A.Choice, ...] = ()


class ModelSyntax:
    """Parser-transformer methods of the `model` rules (mixed into parser._ToAst)."""

    @v_args(meta=True)
    def model_decl(self, meta, ch):
        name, label, version = str(ch[0]), str(ch[1])[1:-1], str(ch[2])[1:-1]
        toks = [c for c in ch[3:] if isinstance(c, Token)]
        lines = [c for c in ch[3:] if isinstance(c, tuple)]
        return ModelDecl(name, label, version, self._source(toks), self._desc(toks),
                         tuple(p for k, p in lines if k == "in"), tuple(p for k, p in lines if k == "out"),
                         next((p for k, p in lines if k == "block"), None),
                         tuple(p for k, p in lines if k == "bind"), any(k == "supplied" for k, _ in lines),
                         self._loc(meta), tuple(c for c in ch[3:] if isinstance(c, A.Choice)))

    @v_args(meta=True)
    def m_input(self, meta, ch):
        desc = str(ch[2])[1:-1] if len(ch) > 2 else None
        return ("in", ModelPort(str(ch[0]), ch[1], None, desc, self._loc(meta)))

    @v_args(meta=True)
    def m_output(self, meta, ch):
        desc = str(ch[3])[1:-1] if len(ch) > 3 else None
        return ("out", ModelPort(str(ch[0]), ch[1], ch[2], desc, self._loc(meta)))

    def m_block(self, ch):
        return ("block", ch[0])

    @v_args(meta=True)
    def m_bind(self, meta, ch):
        names = tuple(str(c) for c in ch[1:] if c.type == "NAME")
        why = next((str(c)[1:-1] for c in ch[1:] if c.type == "STRING"), None)
        return ("bind", (str(ch[0]), names, self._loc(meta), why))

    def m_supplied(self, ch):
        return ("supplied", True)


def declarations(files) -> List[ModelDecl]:
    return [it for f in files for it in f.items if isinstance(it, ModelDecl)]


def check(model) -> List[dict]:
    """The external models of a checked model, as model.json carries them."""
    from .model import _unit_text
    errors: List[SpecError] = []
    texts = {f.path: f.text for f in model.files}
    enum_values = {v for vals in model.enums.values() for v in vals}
    collections = {e.collection for e in model.entities.values()}
    out = []

    def err(loc, msg, hint=None):
        errors.append(SpecError(loc, msg, hint, texts.get(loc.file)))

    for d in declarations(model.files):
        outputs = []
        for p in d.outputs:
            sym = model.symbols.get(p.feeds.name)
            if sym is None or sym.kind != "input" or sym.entity != p.feeds.entity:
                err(p.loc, f"model '{d.name}': output '{p.name}' feeds '{p.feeds.entity}.{p.feeds.name}', which is "
                           "not an input of the spec", suggest(p.feeds.name, [s.name for s in model.of_kind("input")]))
                continue
            if not same(model.units.resolve(p.unit), sym.unit):
                err(p.loc, f"model '{d.name}': output '{p.name}' is in [{_unit_text(p.unit)}] but "
                           f"'{sym.name}' is in [{sym.unit_text}]")
                continue
            outputs.append({"name": p.name, "unit": _unit_text(p.unit), "feeds": sym.name, "entity": sym.entity,
                            "description": p.description})
        if d.block is not None and d.block.entity not in model.entities:
            err(d.block.loc, f"model '{d.name}': no entity '{d.block.entity}'", suggest(d.block.entity, model.entities))
        binds = {}
        reasons = {}
        for key, names, loc, why in d.binds:
            if why:
                reasons[key] = why
            for n in names:
                if n not in model.symbols and n not in enum_values and n not in model.entities \
                        and n not in collections and n not in model.tables:
                    err(loc, f"model '{d.name}': bind '{key}' names '{n}', which the spec does not declare",
                        suggest(n, list(model.symbols) + sorted(enum_values) + list(model.tables)))
            binds[key] = list(names)
        ids = [c.id for c in d.choices]
        if len(set(ids)) != len(ids):
            err(d.loc, f"model '{d.name}' records the same choice twice")
        if d.block is not None and d.block.name in model.symbols:
            err(d.block.loc, f"model '{d.name}': the block '{d.block.name}' has the name of a symbol of the spec")
        out.append({"name": d.name, "label": d.label, "version": d.version,
                    "source": ({"section": d.source.section, "label": d.source.label, "lines": list(d.source.lines),
                                "text": d.source.line_text()} if d.source else None),
                    "description": d.description,
                    "inputs": [{"name": p.name, "unit": _unit_text(p.unit), "description": p.description}
                               for p in d.inputs],
                    "outputs": outputs,
                    "block": {"entity": d.block.entity, "field": d.block.name} if d.block else None,
                    "binds": binds, "reasons": reasons, "supplied_by_dossier": d.supplied_by_dossier,
                    "choices": [{"id": c.id, "source": {"section": c.source.section, "label": c.source.label,
                                                        "lines": list(c.source.lines), "text": c.source.line_text()},
                                 "printed": c.printed, "chosen": c.chosen, "why": c.why} for c in d.choices],
                    "spec": f"{d.loc.file.rsplit('/', 1)[-1]}:{d.loc.line}"})
    if errors:
        raise SpecErrors(errors)
    return out

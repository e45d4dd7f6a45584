"""model.json: the checked model as data, everything the runtime needs to read a dossier and
run either backend without re-parsing the spec."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

from . import ir
from .model import Model, _unit_text
from .stages import build_stages
from .units import fmt


def _cobenefit(s) -> Optional[dict]:
    """Section 7 metadata of a co-benefit indicator (None for other equations)."""
    cb = getattr(s.decl, "cobenefit", None)
    if cb is None:
        return None
    return {"title": cb.title, "improved": {"op": cb.improved_op, "value": cb.improved_value},
            "better": "lower" if cb.improved_op in ("<", "<=") else "higher",
            "mandatory": cb.mandatory, "computed_when": cb.computed_when}


def _domain(d):
    if d is None:
        return None
    return {"lo": d.lo, "hi": d.hi, "lo_closed": d.lo_closed, "hi_closed": d.hi_closed, "text": d.text()}


def _source(s):
    if s is None:
        return None
    return {"section": s.section, "label": s.label, "lines": list(s.lines), "text": s.line_text()}


def version_json(model: Model) -> Dict:
    """Versions (compiler/extends.py, compiler/retroactivity.py): the annex set the version uses,
    the result an annex update may not lower (1.8 L555), the parent and what changed from it."""
    from .retroactivity import changes_json

    a = model.annex_set
    lineage = model.lineage
    return {
        "annex_set": a.name if a is not None else f"v{model.method.version}",
        "annex_rule": ({"protect": a.protect, "source": _source(a.source)} if a is not None and a.protect else None),
        "parent": ({"method": lineage.parent[0], "version": lineage.parent[1]}
                   if lineage is not None and lineage.parent else None),
        "changes": changes_json(model),
        "dossier_versions": _versions(model),
    }


def _versions(model: Model) -> list:
    """This version and the versions it extends, newest first: the dossiers it reads."""
    out, m = [], model
    while m is not None:
        out.append(m.method.version)
        m = getattr(m, "parent_model", None)
    return out


def model_json(model: Model) -> Dict:
    """Everything the runtime needs, without re-parsing the spec."""
    m = model.method
    entities = [{"name": e.name, "parent": e.parent, "collection": e.collection, "description": e.description,
                 **({"optional": True} if e.optional else {})}
                for e in model.entities.values()]
    inputs, constants, lookups, equations = [], [], [], []
    for s in model.symbols.values():
        base = {"name": s.name, "entity": s.entity, "dtype": s.dtype, "unit": s.unit_text or fmt(s.unit),
                "description": s.description, "source": _source(s.source),
                "spec": f"{Path(s.loc.file).name}:{s.loc.line}"}
        if s.kind == "input":
            default = s.default
            if isinstance(default, tuple):
                default = default[1]
            inputs.append({**base, "enum": s.enum, "domain": _domain(s.domain), "default": default,
                           "optional": s.optional, "required": s.default is None and not s.optional})
        elif s.kind == "builtin":
            inputs.append({**base, "enum": s.enum, "builtin": True, "domain": None, "default": None,
                           "optional": False, "required": False})
        elif s.kind == "constant":
            constants.append({**base, "value": s.value})
        elif s.kind == "lookup":
            d = s.decl
            lookups.append({**base, "table": d.table, "column": d.column,
                            "optional": d.optional,
                            "keys": [[{"input": t.name} if t.name else {"literal": t.literal} for t in alts]
                                     for alts in d.keys]})
    for s in model.equations():
        equations.append({"name": s.name, "entity": s.entity, "unit": s.unit_text, "domain": _domain(s.domain),
                          "description": s.description, "source": _source(s.source),
                          "spec": f"{Path(s.loc.file).name}:{s.loc.line}", "expr": ir.to_json(s.expr),
                          "criterion": ({"title": s.criterion.title, "evidence": list(s.criterion.evidence),
                                         **({"verdict": s.criterion.verdict} if s.criterion.verdict else {})}
                                        if s.criterion is not None else None),
                          "cobenefit": _cobenefit(s)})
    tables = {}
    for t in model.tables.values():
        tables[t.name] = {"description": t.description, "keys": list(t.keys), "source": _source(t.source),
                          "columns": [{"name": c.name, "kind": c.type.kind,
                                       "unit": _unit_text(c.type.unit) if c.type.kind == "real" else None,
                                       "optional": c.optional, "description": c.description}
                                      for c in t.columns]}
    timelines = [{"entity": t.entity, "index": t.index, "scenario_symbol": t.scenario_symbol,
                  **({"description": t.description} if t.description else {}),
                  "scenarios": [{"name": s.name, "first": s.first, "last": s.last, "required": s.required,
                                 **({"optional": True} if s.optional else {})}
                                for s in t.scenarios]} for t in model.timelines]
    from .symbolic import _resolve_condition, prove_invariant

    invariants = []
    for inv in model.invariants:
        proof = prove_invariant(model, inv)
        invariants.append({"name": inv.name, "direction": inv.direction, "target": inv.target,
                           "entity": inv.wrt.entity, "input": inv.wrt.name,
                           "where": ir.to_json(_resolve_condition(model, inv)) if inv.where is not None else None,
                           "proved": proof.proved, "description": inv.description,
                           "source": _source(inv.source)})
    return {
        "method": m.id, "version": m.version, "title": m.title, "published": m.published, "source": m.source,
        "spec_hash": model.spec_hash, "entities": entities, "timelines": timelines, "enums": model.enums,
        "key_literals": model.key_literals, "tables": tables, "inputs": inputs, "constants": constants,
        "lookups": lookups, "equations": equations, "invariants": invariants,
        "retroactivity": [{"section": r.section, "change": r.change, "retroactive": r.retroactive,
                           "source": _source(r.source),
                           "items": list(r.covers) if r.covers else model.items_of_section(r.section),
                           "covers": list(r.covers)}
                          for r in model.retroactivity],
        **version_json(model),
        "stages": [{"entity": st.entity, "equations": st.equations} for st in build_stages(model)],
        # the spec's words for its unit and substance codes (reports write `t_CO2e` in words)
        "unit_words": dict(sorted(model.units.descriptions.items())),
        # verdicts other than eligibility (absent when the method declares none)
        **({"verdicts": [{"name": v.name, "title": v.title, "passed": v.passed, "failed": v.failed,
                          "source": _source(v.source)} for v in model.verdicts]} if model.verdicts else {}),
    }

"""Dossier reading: nested JSON -> validated pydantic models -> column arrays.

The pydantic models are built from the compiled model.json, so the dossier format
follows the spec: each entity is an object with its inputs and a list per child entity
(named by the entity's collection, e.g. `farms`, `systems`, `years`).  The models are
named after the entities (Farm, FarmYear, CultureOS, ...) and every field carries its
description, unit, domain, default and method line, so the JSON Schema (`carbonspec
schema`, docs/dossier.schema.json) documents the format.  Unknown fields are refused (a
misspelt input must not be silently dropped), numbers are strict (true or "120" is not a
number), and every error names the field path, e.g.
`project.farms[0].systems[2].years[4].mineraux[1].QN`, with what was found and what is
expected (dossier_errors.py; the xlsx reader turns the path into a sheet and cell).

Flattening walks the tree depth-first, so the rows of each entity are grouped by
parent: the children of parent row p are rows start[p] .. start[p+1].
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Tuple

import numpy as np
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError, create_model

from carbonspec.compiler.errors import InputError

from carbonspec.runtime.dossier.errors import _NOTHING, DossierError, Issue
from carbonspec.runtime.dossier.timelines import check_timelines
from carbonspec.runtime.dossier.fields import (class_name, domain_text, expectation, method_reference,
                             presence_text, type_text)


def _path_text(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_json(path: Path) -> Any:
    """The parsed JSON of a dossier file; an unreadable file, bad JSON, a duplicate key, a
    number that overflows or a file nested absurdly deep is a located error (runtime/io)."""
    from carbonspec.runtime.io.strict_json import load_file

    return load_file(path, "dossier")


def check_identity(raw: Any, model: dict, where: str) -> None:
    """A dossier file names the method and version it was filled for (the template writes
    them): a file without them could be run against any method, silently."""
    if not isinstance(raw, dict):
        raise InputError(where, "a dossier is a JSON object")
    for key in ("method", "version"):
        if raw.get(key) is None:
            raise DossierError(where, [Issue(key, f"missing; a dossier names its {key} "
                                                  f"(\"{key}\": \"{model[key]}\" for this model)")])


@dataclass
class Flat:
    """Column arrays of a dossier, plus what is needed to report on its rows."""
    data: Dict[str, np.ndarray]
    paths: Dict[str, List[str]]  # entity -> field path of each row
    raw: Dict[str, Dict[str, List[Any]]] = field(default_factory=dict)  # entity -> input -> raw values
    warnings: List[str] = field(default_factory=list)  # located notes for the user (annex fallbacks taken)
    backend: str = ""  # the backend that computed these rows (engine.core.evaluate), for provenance


class DossierSchema:
    """Pydantic models for one compiled method."""

    def __init__(self, model: dict):
        self.model = model
        self.entities = {e["name"]: e for e in model["entities"]}
        self.children = {e["name"]: [c["name"] for c in model["entities"] if c["parent"] == e["name"]]
                         for e in model["entities"]}
        self.inputs = {e: [i for i in model["inputs"] if i["entity"] == e and not i.get("builtin")]
                       for e in self.entities}
        self.root = next(e["name"] for e in model["entities"] if e["parent"] is None)
        self.class_names = {e: class_name(e) for e in self.entities}
        self.pyd: Dict[str, type] = {}
        for e in reversed(model["entities"]):
            self.pyd[e["name"]] = self._entity_model(e["name"])
        root_coll = self.entities[self.root]["collection"]
        self.document = create_model(
            "Dossier", __config__=ConfigDict(extra="forbid", title=f"Dossier {model['method']} v{model['version']}"),
            __doc__=f"Dossier for {model.get('title') or model['method']} v{model['version']}: the {root_coll} "
                    f"and, nested, every entity's inputs (carbonspec).",
            method=(Optional[str], Field(None, description=f"method id; if given, must be '{model['method']}'")),
            version=(Optional[str], Field(None, description=f"method version; if given, must be '{model['version']}'")),
            name=(Optional[str], Field(None, description="free label of the dossier (shown in reports)")),
            **{root_coll: (self.pyd[self.root], Field(..., description=self.entities[self.root]["description"]))})

    def _field(self, inp: dict):
        dom = inp.get("domain") or {}
        kw: Dict[str, Any] = {"title": inp["name"], "description": self.field_description(inp),
                              "json_schema_extra": {"x-unit": type_text(inp), "x-method": method_reference(inp),
                                                    "x-spec": inp.get("spec") or ""}}
        if inp["dtype"] in ("real", "int"):
            if dom.get("lo") is not None:
                kw["ge" if dom["lo_closed"] else "gt"] = dom["lo"]
            if dom.get("hi") is not None:
                kw["le" if dom["hi_closed"] else "lt"] = dom["hi"]
        if inp["dtype"] == "real":
            # strict: true or "120" is not silently read as a number (a JSON number, int or float, is)
            typ: Any = StrictFloat
            kw["allow_inf_nan"] = False
        elif inp["dtype"] == "int":
            typ = StrictInt
        elif inp["dtype"] == "bool":
            typ = StrictBool
        elif inp["enum"].startswith("key:"):
            typ = str
            kw["min_length"] = 1
        else:
            typ = Literal[tuple(self.model["enums"][inp["enum"]])]
        if inp["optional"]:
            return (Optional[typ], Field(None, **kw))
        if inp["default"] is not None:
            return (typ, Field(inp["default"], **kw))
        return (typ, Field(..., **kw))

    def field_description(self, inp: dict) -> str:
        """One line for the JSON Schema: the method's words, then unit, domain, presence and
        the method lines, so the schema alone tells a tool vendor what to put there."""
        parts = [inp.get("description") or inp["name"]]
        parts.append(f"[{type_text(inp)}]")
        dom = domain_text(inp.get("domain"))
        if dom:
            parts.append(dom)
        parts.append(f"({presence_text(inp)})")
        ref = method_reference(inp)
        if ref:
            parts.append(f"— méthode {ref}")
        return " ".join(parts)

    def _entity_model(self, name: str):
        ent = self.entities[name]
        fields = {i["name"]: self._field(i) for i in self.inputs[name]}
        for child in self.children[name]:
            coll = self.entities[child]["collection"]
            fields[coll] = (List[self.pyd[child]],
                            Field(default_factory=list, title=coll,
                                  description=f"{self.entities[child]['description']} "
                                              f"(entity {child}, one object per row)"))
        parent = ent["parent"]
        doc = f"{ent['description']} (entity {name}" + (f", in {parent}.{ent['collection']})" if parent else ")")
        return create_model(self.class_names[name], __config__=ConfigDict(extra="forbid", title=self.class_names[name]),
                            __doc__=doc, **fields)

    def expectation(self, inp: dict) -> str:
        return expectation(inp, self.model["enums"])

    def input_at(self, path: str) -> Optional[dict]:
        """The input a field path ends with (project.farms[0].systems[1].Sfin -> system.Sfin)."""
        ent = self.root
        parts = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", path)
        if not parts or parts[0] != self.entities[self.root]["collection"]:
            return None
        for part in parts[1:]:
            child = next((c for c in self.children[ent] if self.entities[c]["collection"] == part), None)
            if child is not None:
                ent = child
                continue
            return next((i for i in self.inputs[ent] if i["name"] == part), None)
        return None

    def json_schema(self) -> dict:
        from carbonspec.runtime.models.registry import schema_with_models  # blocks of declared external models
        return schema_with_models(self.model, self.document.model_json_schema())

    # ------------------------------------------------------------------ read --
    def read(self, path: Path) -> Tuple[dict, "Flat"]:
        raw = load_json(path)
        check_identity(raw, self.model, str(path))
        return raw, self.flatten(raw, str(path))

    def validate(self, raw: Any, where: str):
        if not isinstance(raw, dict):
            raise InputError(where, "a dossier is a JSON object")
        for key in ("method", "version"):
            want = self.model[key]
            # a version that extends another reads the dossiers of its ancestors (model.json
            # "dossier_versions"): a missing new input is then reported by the validation below
            accepted = (self.model.get("dossier_versions") or [want]) if key == "version" else [want]
            if raw.get(key) is not None and str(raw[key]) not in accepted:
                raise DossierError(where, [Issue(key, f"dossier is for {key} '{raw[key]}', this model is '{want}'")])
        import gc

        # pydantic builds ~10 objects per row: the cyclic GC would rescan them all,
        # tripling the time on large dossiers; nothing cyclic is created here
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            doc = self.document.model_validate(raw)
        except ValidationError as exc:
            issues = []
            for e in exc.errors()[:20]:
                got = e.get("input", _NOTHING)
                if isinstance(got, (dict, list)) or e["type"] == "missing":
                    got = _NOTHING
                msg = e["msg"]
                path = _path_text(e["loc"])
                if e["type"] == "extra_forbidden":
                    msg = "unknown field"  # suggest.merge_typos adds the closest known name
                inp = self.input_at(path)
                want = self.expectation(inp) if inp is not None and e["type"] != "extra_forbidden" else None
                issues.append(Issue(path, msg, got, want))
            from carbonspec.runtime.dossier.suggest import merge_typos

            raise DossierError(where, merge_typos(self, issues), max(exc.error_count() - 20, 0)) from None
        finally:
            if gc_was_enabled:
                gc.enable()
        self._check_root_not_empty(doc, where)
        return doc

    def _check_root_not_empty(self, doc, where: str) -> None:
        """A project without farms would compute RE = 0 and pass every per-farm criterion
        vacuously: each direct child list of the root must hold at least one row."""
        root_coll = self.entities[self.root]["collection"]
        root = getattr(doc, root_coll)
        for child in self.children[self.root]:
            coll = self.entities[child]["collection"]
            if self.entities[child].get("optional"):  # declared 'optional' in the spec: may be empty
                continue
            if not getattr(root, coll):
                raise DossierError(where, [Issue(f"{root_coll}.{coll}", f"the {root_coll} needs at least one "
                                                 f"{child} ({self.entities[child]['description']}); the list is empty")])

    def flatten(self, raw: Any, where: str = "<dossier>") -> Flat:
        doc = self.validate(raw, where)
        rows: Dict[str, List[dict]] = {e: [] for e in self.entities}
        parents: Dict[str, List[int]] = {e: [] for e in self.entities}
        paths: Dict[str, List[str]] = {e: [] for e in self.entities}
        root_coll = self.entities[self.root]["collection"]

        def walk(ent: str, obj, parent_row: int, path: str):
            row = len(rows[ent])
            rows[ent].append(obj)
            parents[ent].append(parent_row)
            paths[ent].append(path)
            for child in self.children[ent]:
                coll = self.entities[child]["collection"]
                for i, item in enumerate(getattr(obj, coll)):
                    walk(child, item, row, f"{path}.{coll}[{i}]")

        walk(self.root, getattr(doc, root_coll), -1, root_coll)
        data: Dict[str, np.ndarray] = {}
        raw_values: Dict[str, Dict[str, List[Any]]] = {}
        for ent, objs in rows.items():
            n = len(objs)
            data["n_" + ent] = n
            parent = self.entities[ent]["parent"]
            if parent is not None:
                idx = np.asarray(parents[ent], dtype=np.int64)
                data[f"idx_{ent}_{parent}"] = idx
                start = np.zeros(data["n_" + parent] + 1, dtype=np.int64)
                np.add.at(start, idx + 1, 1)
                data[f"start_{parent}_{ent}"] = np.cumsum(start)
            raw_values[ent] = {}
            for inp in self.inputs[ent]:
                values = [getattr(o, inp["name"]) for o in objs]
                raw_values[ent][inp["name"]] = values
                data[inp["name"]] = self._encode(inp, values)
        # the batch's column-wise check (timelines.py), located by this dossier's field paths
        check_timelines(self.model, data, where, row_path=lambda ent, r, field: f"{paths[ent][r]}.{field}",
                        parent_path=lambda parent, p, ent: f"{paths[parent][p]}.{self.entities[ent]['collection']}")
        return Flat(data, paths, raw_values)

    def _encode(self, inp: dict, values: List[Any]) -> np.ndarray:
        if inp["dtype"] == "real":
            return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
        if inp["dtype"] == "bool":
            return np.array(values, dtype=np.bool_)
        if inp["dtype"] == "int":
            return np.array(values, dtype=np.int64)
        enum = inp["enum"]
        if enum.startswith("key:"):
            lits = self.model["key_literals"].get(enum[4:], [])
            codes = {v: i for i, v in enumerate(lits)}
        else:
            codes = {v: i for i, v in enumerate(self.model["enums"][enum])}
        return np.array([codes.get(v, -1) if v is not None else -1 for v in values], dtype=np.int64)

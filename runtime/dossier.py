"""Dossier reading: nested JSON -> validated pydantic models -> column arrays.

The pydantic models are built from the compiled model.json, so the dossier format
follows the spec: each entity is an object with its inputs and a list per child entity
(named by the entity's collection, e.g. `farms`, `systems`, `years`).  Unknown fields
are refused (a misspelt input must not be silently dropped), and every error names the
field path, e.g. `project.farms[0].systems[2].years[4].mineraux[1].QN`.

Flattening walks the tree depth-first, so the rows of each entity are grouped by
parent: the children of parent row p are rows start[p] .. start[p+1].
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Tuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, create_model

from carbonspec.compiler.errors import InputError


def _path_text(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Flat:
    """Column arrays of a dossier, plus what is needed to report on its rows."""
    data: Dict[str, np.ndarray]
    paths: Dict[str, List[str]]  # entity -> field path of each row
    raw: Dict[str, Dict[str, List[Any]]] = field(default_factory=dict)  # entity -> input -> raw values


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
        self.pyd: Dict[str, type] = {}
        for e in reversed(model["entities"]):
            self.pyd[e["name"]] = self._entity_model(e["name"])
        root_coll = self.entities[self.root]["collection"]
        self.document = create_model(
            "Dossier", __config__=ConfigDict(extra="forbid"),
            method=(Optional[str], None), version=(Optional[str], None), name=(Optional[str], None),
            **{root_coll: (self.pyd[self.root], ...)})

    def _field(self, inp: dict):
        dom = inp.get("domain") or {}
        kw: Dict[str, Any] = {"description": inp.get("description") or ""}
        if inp["dtype"] in ("real", "int"):
            if dom.get("lo") is not None:
                kw["ge" if dom["lo_closed"] else "gt"] = dom["lo"]
            if dom.get("hi") is not None:
                kw["le" if dom["hi_closed"] else "lt"] = dom["hi"]
        if inp["dtype"] == "real":
            typ: Any = float
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

    def _entity_model(self, name: str):
        fields = {i["name"]: self._field(i) for i in self.inputs[name]}
        for child in self.children[name]:
            coll = self.entities[child]["collection"]
            fields[coll] = (List[self.pyd[child]], Field(default_factory=list))
        return create_model(f"E_{name}", __config__=ConfigDict(extra="forbid"), **fields)

    def json_schema(self) -> dict:
        return self.document.model_json_schema()

    # ------------------------------------------------------------------ read --
    def read(self, path: Path) -> Tuple[dict, "Flat"]:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(where, f"cannot read dossier: {exc.strerror}") from None
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}") from None
        return raw, self.flatten(raw, where)

    def validate(self, raw: Any, where: str):
        if not isinstance(raw, dict):
            raise InputError(where, "a dossier is a JSON object")
        for key in ("method", "version"):
            want = self.model[key]
            if raw.get(key) is not None and str(raw[key]) != want:
                raise InputError(f"{where}: {key}", f"dossier is for {key} '{raw[key]}', this model is '{want}'")
        import gc

        # pydantic builds ~10 objects per row: the cyclic GC would rescan them all,
        # tripling the time on large dossiers; nothing cyclic is created here
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self.document.model_validate(raw)
        except ValidationError as exc:
            lines = []
            for e in exc.errors()[:20]:
                got = e.get("input")
                shown = "" if isinstance(got, (dict, list)) else f" (got {json.dumps(got, ensure_ascii=False)})"
                msg = e["msg"]
                if e["type"] == "extra_forbidden":
                    msg = "unknown field; check its spelling against the dossier schema"
                lines.append(f"{_path_text(e['loc'])}: {msg}{shown}")
            more = f"\n  … and {exc.error_count() - 20} more" if exc.error_count() > 20 else ""
            raise InputError(where, "invalid dossier:\n  " + "\n  ".join(lines) + more) from None
        finally:
            if gc_was_enabled:
                gc.enable()

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
        for tl in self.model["timelines"]:
            self._timeline(tl, data, paths)
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

    def _timeline(self, tl, data, paths):
        """Years: the scenario of each year follows from k; check the years of each parent."""
        ent, index = tl["entity"], tl["index"]
        parent = self.entities[ent]["parent"]
        ks = data[index]
        scen = np.full(len(ks), -1, dtype=np.int64)
        names = self.model["enums"]["scenario"]
        for i, sc in enumerate(tl["scenarios"]):
            scen[(ks >= sc["first"]) & (ks <= sc["last"])] = names.index(sc["name"])
        data[tl["scenario_symbol"]] = scen
        start = data[f"start_{parent}_{ent}"]
        coll = self.entities[ent]["collection"]
        for p in range(data["n_" + parent]):
            mine = ks[start[p]:start[p + 1]]
            here = f"{paths[parent][p]}.{coll}"
            seen = set()
            for j, k in enumerate(mine.tolist()):
                if k in seen:
                    raise InputError(f"{here}[{j}].{index}", f"year {index} = {k} is given twice")
                seen.add(k)
            for sc in tl["scenarios"]:
                wanted = set(range(sc["first"], sc["last"] + 1))
                have = sorted(seen & wanted)
                span = f"{index} = {sc['first']} .. {sc['last']}"
                if sc["required"] and have != sorted(wanted):
                    missing = sorted(wanted - seen)
                    raise InputError(here, f"the {sc['name']} years ({span}) are all required; missing "
                                           f"{index} = {', '.join(map(str, missing))}")
                if not sc["required"]:
                    if not have:
                        raise InputError(here, f"at least one {sc['name']} year ({span}) is required")
                    if have != list(range(sc["first"], sc["first"] + len(have))):
                        raise InputError(here, f"{sc['name']} years must be consecutive from {index} = "
                                               f"{sc['first']}; got {', '.join(map(str, have))}")

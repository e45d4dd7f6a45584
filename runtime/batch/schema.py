"""The Arrow (Parquet) schema of a batch, generated from `model.json`.

One table per entity: `id` (int64 or string, unique in the entity), `parent_id` (the `id` of
the parent entity's row; not on the root), then one column per dossier input with the
dossier's field name.  Numbers are float64, integers int64, booleans bool, enums and table
keys strings.  Each field carries its unit and description in the Arrow field metadata
(the same wording as the JSON Schema and the xlsx template, runtime/dossier/fields.py), and
the file carries the method, version and spec hash it was written for.
"""
from __future__ import annotations

from typing import Dict, List

import pyarrow as pa

from carbonspec.runtime.dossier.fields import domain_text, method_reference, presence_text, type_text

ID = "id"
PARENT_ID = "parent_id"
NAME = "name"  # free label of a dossier, on the root entity (the dossier's "name")
META_PREFIX = b"carbonspec."

ARROW_TYPES = {"real": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "enum": pa.string()}


def entities(model: dict) -> List[dict]:
    """Entities of the method, parents before children (model.json order is not relied on)."""
    out, seen = [], set()
    todo = list(model["entities"])
    while todo:
        for e in list(todo):
            if e["parent"] is None or e["parent"] in seen:
                out.append(e)
                seen.add(e["name"])
                todo.remove(e)
    return out


def root(model: dict) -> str:
    return next(e["name"] for e in model["entities"] if e["parent"] is None)


def inputs(model: dict, entity: str) -> List[dict]:
    """The dossier inputs of an entity (builtins such as the scenario follow from k)."""
    return [i for i in model["inputs"] if i["entity"] == entity and not i.get("builtin")]


def field_for(inp: dict) -> pa.Field:
    meta = {"unit": type_text(inp), "presence": presence_text(inp), "description": inp.get("description") or "",
            "domain": domain_text(inp.get("domain")), "method": method_reference(inp)}
    required = not inp.get("optional") and inp.get("default") is None
    return pa.field(inp["name"], ARROW_TYPES[inp["dtype"]], nullable=not required,
                    metadata={k: v for k, v in meta.items() if v})


def file_metadata(model: dict) -> Dict[bytes, bytes]:
    return {META_PREFIX + k.encode(): str(model[k]).encode() for k in ("method", "version", "spec_hash")}


def entity_schema(model: dict, entity: str, id_type: pa.DataType = pa.int64()) -> pa.Schema:
    ent = next(e for e in model["entities"] if e["name"] == entity)
    fields = [pa.field(ID, id_type, nullable=False, metadata={"description": f"row id of {entity} (unique)"})]
    if ent["parent"] is not None:
        fields.append(pa.field(PARENT_ID, id_type, nullable=False,
                               metadata={"description": f"id of the {ent['parent']} row this {entity} belongs to"}))
    else:
        fields.append(pa.field(NAME, pa.string(), metadata={"description": "free label of the dossier"}))
    fields += [field_for(i) for i in inputs(model, entity)]
    return pa.schema(fields, metadata=file_metadata(model))


def batch_schema(model: dict) -> Dict[str, pa.Schema]:
    """entity -> Arrow schema of its table."""
    return {e["name"]: entity_schema(model, e["name"]) for e in entities(model)}


def describe(model: dict) -> str:
    """The schema as text (`carbonspec batch-schema`): one block per entity file."""
    lines = []
    for ent, sch in batch_schema(model).items():
        lines.append(f"{ent}.parquet")
        for f in sch:
            m = {k.decode(): v.decode() for k, v in (f.metadata or {}).items()}
            lines.append(f"  {f.name:32s} {str(f.type):8s} {m.get('unit', ''):24s} {m.get('presence', '')}")
    return "\n".join(lines) + "\n"

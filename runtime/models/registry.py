"""External models a spec declares (`model`, model.json key `external_models`), run before the
kernel by the library registered under the declared name.

The runtime knows libraries, not methods: a declaration says which dossier block feeds the
model, which spec inputs its outputs fill and the method's names the library needs (`binds`);
the library's adapter reads all of that from the declaration.  A declaration whose name has no
registered library is a clear error, never a silent skip (the dossier's block would be ignored).
"""
from __future__ import annotations

import importlib
from typing import Dict, List, Tuple

from carbonspec.compiler.errors import InputError

# declared name -> the module that adapts the library to a dossier (has_blocks, apply, schema_option)
ADAPTERS = {"amg": "carbonspec.runtime.models.amg_bridge",
            "intercrop": "carbonspec.runtime.models.intercrop_bridge"}   # written by `carbonspec intercrop --dossier`


def declarations(model: dict) -> List[dict]:
    return list(model.get("external_models") or [])


def adapter(decl: dict):
    path = ADAPTERS.get(decl["name"])
    if path is None:
        raise InputError(f"model '{decl['name']}'", f"the spec declares the external model '{decl['name']}' "
                         f"({decl.get('label')}), which this runtime has no library for; known: "
                         + ", ".join(sorted(ADAPTERS)))
    return importlib.import_module(path)


def apply_models(model: dict, raw: dict, where: str, backend: str) -> Tuple[dict, Dict[str, dict]]:
    """Run every declared model whose block a dossier gives; (dossier with the outputs filled in,
    provenance per block path)."""
    provenance: Dict[str, dict] = {}
    for decl in declarations(model):
        if decl["name"] not in ADAPTERS:
            adapter(decl)  # the located error: an unknown library is never skipped silently
        block = decl.get("block")
        if not block or not _has_key(raw, block["field"]):
            continue  # no row gives the block: the library is not even imported (a `run` stays fast)
        lib = adapter(decl)
        if lib.has_blocks(raw, lib.binding(decl, model)):
            raw, prov = lib.apply(raw, decl, model, where, backend)
            provenance.update(prov)
    return raw, provenance


def _has_key(raw, key: str) -> bool:
    """Whether any object of the dossier has the field `key`: the cheap test before the adapter's
    own (which also checks that the block sits on the right entity)."""
    stack = [raw]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            if key in obj:
                return True
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)
    return False


def schema_with_models(model: dict, schema: dict) -> dict:
    """The dossier's JSON Schema with each declared model's block as an alternative."""
    for decl in declarations(model):
        if decl.get("block"):
            schema = adapter(decl).schema_option(schema, decl, model)
    return schema

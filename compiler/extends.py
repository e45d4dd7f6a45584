"""`extends`: a version written as its parent plus a few changes.

A spec folder whose `method` declaration says `extends <method> "<version>"` holds only what changes:
an item with the name of a parent item replaces it (in the parent's place, so the compiled
model keeps the parent's order), a new name adds an item, `remove NAME` drops one.  The result
is the complete list of spec files the resolver checks as if they had been written in full, so
the compiled model, kernel and docs of the new version are complete.

Located errors (file:line:col): unknown parent, a cycle of versions, a parent of another method,
removing an unknown item or one still used, overriding with another entity or unit.  The
retroactivity table is the version's own (Annexe 2 lists the updates of *this* version): it is
not inherited.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from . import ast as A
from .errors import SpecError, SpecErrors, suggest


@dataclass
class Lineage:
    """Where a version comes from: its folder, its parent's folder and what it changes by name."""
    spec_dir: Path
    parent_dir: Optional[Path] = None
    parent: Optional[Tuple[str, str]] = None  # (method, version) as written after `extends`
    overridden: List[str] = field(default_factory=list)  # item keys "kind:name"
    added: List[str] = field(default_factory=list)
    removed: List[str] = field(default_factory=list)
    own_files: List[str] = field(default_factory=list)  # the files of this folder (not the parent's)


def item_key(it) -> Optional[Tuple[str, str]]:
    """(namespace, name) by which a child item replaces a parent item; None for items that are
    not inherited by name (the retroactivity rows, `remove`)."""
    if isinstance(it, A.MethodDecl):
        return ("method", "")
    if isinstance(it, A.AnnexSetDecl):
        return ("annexes", "")
    if isinstance(it, (A.RetroDecl, A.RemoveDecl)):
        return None
    if isinstance(it, (A.InputDecl, A.LookupDecl, A.EquationDecl, A.CriterionDecl)):
        return ("symbol", it.target.name)
    if isinstance(it, A.ConstantDecl):
        return ("symbol", it.name)
    if isinstance(it, A.TimelineDecl):
        return ("timeline", it.target.entity)
    for cls, ns in ((A.UnitDecl, "unit"), (A.SubstanceDecl, "unit"), (A.EnumDecl, "enum"),
                    (A.EntityDecl, "entity"), (A.TableDecl, "table"), (A.InvariantDecl, "invariant")):
        if isinstance(it, cls):
            return (ns, it.name)
    # constructs added later (result line items, rabais, ...): by their name if they have one
    name = getattr(it, "name", None)
    if name is None and getattr(it, "target", None) is not None:
        name = getattr(it.target, "name", None)
    return (type(it).__name__, str(name)) if isinstance(name, str) else None


def _name_loc(it) -> A.Loc:
    target = getattr(it, "target", None)
    if isinstance(target, A.QualName):
        return target.name_loc
    return getattr(it, "name_loc", None) or it.loc


def _method(files: List[A.SpecFile]) -> Optional[A.MethodDecl]:
    return next((it for f in files for it in f.items if isinstance(it, A.MethodDecl)), None)


def _roots(spec_dir: Path) -> Iterator[Path]:
    """Folders that may hold spec/<method>/: the spec folder's ancestors, $CARBONSPEC_HOME, the
    working directory and its parents."""
    seen = set()
    env = os.environ.get("CARBONSPEC_HOME")
    for p in [*spec_dir.resolve().parents, *([Path(env)] if env else []), Path.cwd(), *Path.cwd().parents]:
        if p not in seen:
            seen.add(p)
            yield p


def find_parent(spec_dir: Path, method: A.MethodDecl) -> Path:
    """spec/<method>/v<version>: first a sibling folder of the child, then under a project root."""
    name, version = method.extends
    loc = method.extends_loc or method.loc
    candidates = [spec_dir.resolve().parent / f"v{version}"]
    candidates += [root / "spec" / name / f"v{version}" for root in _roots(spec_dir)]
    for c in candidates:
        if c.is_dir() and any(c.glob("*.cspec")):
            return c
    known = sorted(p.name[1:] for p in spec_dir.resolve().parent.glob("v*") if p.is_dir())
    hint = suggest(version, known) or (f"versions found beside this one: {', '.join(known)}" if known else None)
    raise SpecError(loc, f"unknown parent version: {name} \"{version}\" (looked for {candidates[0]} and "
                         f"spec/{name}/v{version} under the project root)", hint)


def load_version(spec_dir: Path, parse_dir, _chain: Tuple[Path, ...] = (),
                 keep_parent: frozenset = frozenset()) -> Tuple[List[A.SpecFile], Lineage]:
    """The complete spec files of the version in `spec_dir` (its parent's merged with its own) and
    its lineage.  `parse_dir(path)` parses the .cspec files of one folder.  Items named in
    `keep_parent` keep the parent's definition (the rules of projects notified before the version,
    for its non-retroactive changes)."""
    spec_dir = Path(spec_dir)
    own = parse_dir(spec_dir)
    lineage = Lineage(spec_dir, own_files=[f.path for f in own])
    method = _method(own)
    if method is None or method.extends is None:
        _refuse_removes(own)
        return own, lineage
    key = spec_dir.resolve()
    loc = method.extends_loc or method.loc
    text = next(f.text for f in own if f.path == loc.file)
    if method.extends[0] != method.id:
        raise SpecError(loc, f"version {method.id} \"{method.version}\" cannot extend a version of another method "
                             f"('{method.extends[0]}')", f"write: extends {method.id} \"{method.extends[1]}\"", text)
    try:
        parent_dir = find_parent(spec_dir, method)
    except SpecError as e:
        e.source_text = text
        raise
    if parent_dir.resolve() in _chain + (key,):
        cycle = " -> ".join(str(p) for p in (*_chain, key, parent_dir.resolve()))
        raise SpecError(loc, f"cycle of versions: {cycle}", "a version cannot extend itself or a version "
                             "built on it", text)
    parent_files, _ = load_version(parent_dir, parse_dir, _chain + (key,))
    pmethod = _method(parent_files)
    if pmethod is not None and pmethod.version != method.extends[1]:
        raise SpecError(loc, f"the folder {parent_dir} holds version \"{pmethod.version}\", not "
                             f"\"{method.extends[1]}\"", None, text)
    lineage.parent_dir, lineage.parent = parent_dir, method.extends
    return merge(parent_files, own, lineage, keep_parent), lineage


def _refuse_removes(files: List[A.SpecFile]) -> None:
    for f in files:
        for it in f.items:
            if isinstance(it, A.RemoveDecl):
                raise SpecError(it.loc, f"'remove {it.name}' only makes sense in a version that extends another",
                                "add 'extends <method> \"<version>\"' to the method declaration", f.text)


def merge(parent: List[A.SpecFile], own: List[A.SpecFile], lineage: Lineage,
          keep_parent: frozenset = frozenset()) -> List[A.SpecFile]:
    """Parent items replaced, added to or dropped by the child's, by name."""
    texts = {f.path: f.text for f in (*parent, *own)}
    errors: List[SpecError] = []

    def err(loc, message, hint=None):
        errors.append(SpecError(loc, message, hint, texts.get(loc.file) if loc else None))

    parent_items: Dict[Tuple[str, str], object] = {}
    for f in parent:
        for it in f.items:
            k = item_key(it)
            if k is not None:
                parent_items[k] = it
    replacing: Dict[Tuple[str, str], object] = {}
    removes: List[A.RemoveDecl] = []
    added: List[object] = []
    for f in own:
        for it in f.items:
            if isinstance(it, A.RemoveDecl):
                if it.name not in keep_parent:
                    removes.append(it)
                continue
            k = item_key(it)
            if k is not None and k in parent_items and k[1] in keep_parent:
                continue
            if k is not None and k in parent_items:
                if k[0] not in ("method", "annexes"):
                    _check_override(parent_items[k], it, err)
                    lineage.overridden.append(f"{k[0]}:{k[1]}")
                replacing[k] = it
            else:
                if k is not None and k[0] not in ("method", "annexes"):
                    lineage.added.append(f"{k[0]}:{k[1]}")
                added.append(it)
    dropped = set()
    for r in removes:
        k = next((k for k in parent_items if k[1] == r.name and k[0] not in ("method", "annexes")), None)
        if k is None:
            err(r.name_loc, f"cannot remove '{r.name}': the parent version has no item of that name",
                suggest(r.name, [k[1] for k in parent_items]))
            continue
        if k in replacing:
            err(r.loc, f"'{r.name}' is both redefined and removed in this version")
            continue
        dropped.add(k)
        lineage.removed.append(f"{k[0]}:{k[1]}")
    merged: List[A.SpecFile] = []
    for f in parent:
        items = []
        for it in f.items:
            k = item_key(it)
            if isinstance(it, A.RetroDecl):
                continue  # a version's Annexe 2 lists its own updates: the parent's rows are not inherited
            if k in dropped:
                continue
            items.append(replacing.get(k, it) if k is not None else it)
        merged.append(dataclasses.replace(f, items=tuple(items)))
    added_ids = {id(it) for it in added}
    for f in own:
        merged.append(dataclasses.replace(f, items=tuple(it for it in f.items if id(it) in added_ids)))
    if dropped:
        for r in removes:
            names = {r.name}
            for use_name, loc in references(merged):
                if use_name in names:
                    err(r.name_loc, f"cannot remove '{r.name}': it is still used at {loc}",
                        "remove or redefine its users too")
                    break
    if errors:
        raise SpecErrors(errors)
    return merged


def _unit_text(u) -> str:
    from .model import _unit_text as ut

    return "".join(ut(u).split()) if u is not None else ""


def _check_override(old, new, err) -> None:
    """A redefinition keeps the kind of value, the entity and the unit: a consumer of the item in
    the parent's equations must read the same thing."""
    what = getattr(getattr(new, "target", None), "name", None) or getattr(new, "name", "?")
    if type(old) is not type(new) and not ({type(old), type(new)} <= {A.InputDecl, A.ConstantDecl, A.LookupDecl,
                                                                       A.EquationDecl}):
        err(new.loc, f"'{what}' overrides a {type(old).__name__.replace('Decl', '').lower()} of the parent with a "
                     f"{type(new).__name__.replace('Decl', '').lower()}")
        return
    old_t, new_t = getattr(old, "target", None), getattr(new, "target", None)
    if isinstance(old_t, A.QualName) and isinstance(new_t, A.QualName) and old_t.entity != new_t.entity:
        err(new_t.loc, f"'{what}' is defined per {old_t.entity} in the parent version; overriding it per "
                       f"{new_t.entity} would change every equation that reads it",
            f"write {old_t.entity}.{what}, or give the new item another name")
    ou, nu = _declared_unit(old), _declared_unit(new)
    if ou is not None and nu is not None and ou != nu:
        err(_unit_loc(new), f"'{what}' is in {_shown(_declared_unit_expr(old))} in the parent version; "
                            f"overriding it in {_shown(_declared_unit_expr(new))} changes its unit",
            "keep the unit (convert the value), or give the new item another name")


def _shown(u) -> str:
    from .model import _unit_text as ut

    return ut(u) if u is not None else "1"


def _declared_unit_expr(it):
    if isinstance(it, A.EquationDecl):
        return it.unit
    if isinstance(it, A.InputDecl) and it.type.kind == "real":
        return it.type.unit
    if isinstance(it, A.ConstantDecl) and isinstance(it.value, A.Num):
        return it.value.unit
    return None


def _declared_unit(it) -> Optional[str]:
    """The unit an item declares, as normalised text; None where it is not written (the resolver
    compares the units of other constants)."""
    if isinstance(it, (A.EquationDecl, A.InputDecl)) or (isinstance(it, A.ConstantDecl) and isinstance(it.value, A.Num)):
        u = _declared_unit_expr(it)
        if isinstance(it, A.InputDecl) and it.type.kind != "real":
            return it.type.kind + ":" + (it.type.ref or "")
        return _unit_text(u) if u is not None else "1"
    return None


def _unit_loc(it) -> A.Loc:
    u = _declared_unit_expr(it)
    return getattr(u, "loc", None) or it.loc


def references(files: List[A.SpecFile]) -> Iterator[Tuple[str, A.Loc]]:
    """Every use of a name in the items (not the definitions): expression names, lookup keys and
    tables, entities of targets and aggregates, invariant targets, enum and key types, co-benefit
    flags."""
    for f in files:
        for it in f.items:
            yield from _refs(it, it)


def _refs(node, item) -> Iterator[Tuple[str, A.Loc]]:
    if isinstance(node, A.Name):
        yield node.name, node.loc
        return
    if isinstance(node, A.KeyTerm):
        if node.name:
            yield node.name, node.loc
        return
    if isinstance(node, A.QualName):
        yield node.entity, node.loc
        if isinstance(item, A.InvariantDecl):
            yield node.name, node.name_loc
        return
    if isinstance(node, A.Aggregate):
        yield node.entity, node.entity_loc
    if isinstance(node, A.LookupDecl):
        yield node.table, node.table_loc
    if isinstance(node, A.InvariantDecl):
        yield node.target, node.target_loc
    if isinstance(node, A.EntityDecl) and node.parent:
        yield node.parent, node.parent_loc or node.loc
    if isinstance(node, A.TypeSpec) and node.ref:
        yield node.ref, node.ref_loc or getattr(item, "loc", None)
    if isinstance(node, A.Cobenefit):
        for flag in (node.mandatory, node.computed_when):
            if isinstance(flag, str):
                yield flag, node.loc
    if isinstance(node, A.AnnexSetDecl) and node.protect:
        yield node.protect, node.loc
    if dataclasses.is_dataclass(node) and not isinstance(node, (A.Loc, A.Source)):
        for fld in dataclasses.fields(node):
            v = getattr(node, fld.name)
            if isinstance(v, (tuple, list)):
                for x in v:
                    if dataclasses.is_dataclass(x) or isinstance(x, (tuple, list)):
                        yield from _refs(x, item)
            elif dataclasses.is_dataclass(v):
                yield from _refs(v, item)
    elif isinstance(node, (tuple, list)):
        for x in node:
            yield from _refs(x, item)


def earlier_projects_model(model):
    """The rules of a project notified before this version (Annexe 2 L3541): this version with
    its non-retroactive changes left out (the parent's definition of those items; items it adds
    stay, unused), or None when every change is retroactive."""
    from .model import _parse_dir, build_model
    from .retroactivity import covering_rows, retroactive

    rows = covering_rows(model)
    late = frozenset(c.name for c in getattr(model, "changes", []) or [] if retroactive(rows.get(c.name, [])) is False)
    if not late:
        return None
    files, lineage = load_version(model.lineage.spec_dir, _parse_dir, keep_parent=late)
    variant = build_model(files)
    variant.method = dataclasses.replace(variant.method, title=(variant.method.title or "") +
                                         " — règles des Projets notifiés avant cette version")
    variant.lineage = lineage
    variant.parent_model = getattr(model, "parent_model", None)
    # same spec files, other equations: its own hash, so results say which rules computed them
    import hashlib

    variant.spec_hash = hashlib.sha256(f"{model.spec_hash}:earlier-projects:{','.join(sorted(late))}"
                                       .encode()).hexdigest()[:16]
    variant.warnings = []
    return variant

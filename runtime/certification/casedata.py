"""The hand-made cas-type cases as data beside the spec (spec/<method>/v<version>/castype/).

Why data: a new method version is a recompile, so the cases a person designed (one change
between the reference and the project years, so that one line item is nearly proportional to
what is tested) must travel with the spec, not live in Python.  The format (documented for
spec writers in spec/<method>/v<version>/castype/README.md):

    castype/base.json            a valid dossier every case starts from
    castype/cases/NN-<name>.json one case per file, in file-name order:
        {"name": "<identifier>", "title": "<court titre>", "description": "<en français>",
         "changes": [{"op": "set"|"append"|"remove", "path": "project.farms[0].SAU", "value": ...}]}
      or, instead of "changes", "dossier": {...} (a full dossier when a diff would be longer);
      a probe (coverage.Blocked) adds "refused_because": "<text>" and optionally "blocks": [labels]
    castype/justified.json       {"mutants": {"<mutant id>": "<why it cannot be caught>"}}

A path is keys separated by dots and list indices `[i]`; `[*]` applies the change to every
element of the list.  `set` replaces or adds a key (or a list element), `append` adds to the
end of a list, `remove` deletes a key (or a list element).  The dossier's `method` and
`version` are set to the compiled model's, so the parent version's cases serve a child version
that has none of its own.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from carbonspec.compiler.errors import InputError

OPS = ("set", "append", "remove")
_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\*|\d+)\]")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class CaseSpec:
    """One data case: the dossier it gives and where it was read from."""
    name: str
    title: str
    description: str
    dossier: dict
    source: str
    refused_because: Optional[str] = None   # set for a probe
    blocks: Tuple[str, ...] = ()
    generated: bool = False
    covers: List[str] = field(default_factory=list)  # for generated cases: what they were kept for


@dataclass
class CaseData:
    directory: Optional[Path]
    cases: List[CaseSpec]
    probes: List[CaseSpec]
    justified: Dict[str, str]
    base: Optional[dict]


# ------------------------------------------------------------- locating --
def _version_key(name: str):
    parts = re.findall(r"\d+|[^\d.]+", name.lstrip("v"))
    return [(0, int(p)) if p.isdigit() else (1, p) for p in parts]


def find_directory(spec_root: Path, method: str, version: str) -> Optional[Path]:
    """The castype/ folder of spec/<method>/v<version>/, else that of the nearest earlier
    version of the same method that has one, else the newest other version's; None if no
    version has one."""
    method_dir = Path(spec_root) / method
    own = method_dir / f"v{version}" / "castype"
    if own.is_dir():
        return own
    if not method_dir.is_dir():
        return None
    others = sorted((p for p in method_dir.iterdir() if (p / "castype").is_dir()), key=lambda p: _version_key(p.name))
    if not others:
        return None
    mine = _version_key(f"v{version}")
    earlier = [p for p in others if _version_key(p.name) < mine]
    return (earlier[-1] if earlier else others[-1]) / "castype"


# -------------------------------------------------------------- reading --
def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), f"not valid JSON: {exc}") from None


def load(directory: Path, model: dict) -> CaseData:
    """Read a castype/ folder; every case's dossier built and stamped with the model's method
    and version.  Errors are located at the file and the change."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(str(directory), "no cas-type data folder here (expected base.json and cases/)")
    base_path = directory / "base.json"
    base = _read_json(base_path) if base_path.is_file() else None
    if base is not None and not isinstance(base, dict):
        raise InputError(str(base_path), "expected a JSON object (a dossier)")
    cases, probes, seen = [], [], set()
    case_dir = directory / "cases"
    files = sorted(case_dir.glob("*.json")) if case_dir.is_dir() else []
    index = directory / "cases.json"
    if not files and index.is_file():
        specs = read_index(index, directory, model)
    elif not files:
        raise InputError(str(case_dir), "no case file (cases/NN-<name>.json, or an index cases.json)")
    else:
        specs = [read_case(f, base, model) for f in files]
    for c in specs:
        f = c.source
        if c.name in seen:
            raise InputError(str(f), f"case name '{c.name}' is used by another case file")
        seen.add(c.name)
        (probes if c.refused_because is not None else cases).append(c)
    justified: Dict[str, str] = {}
    jpath = directory / "justified.json"
    if jpath.is_file():
        doc = _read_json(jpath)
        muts = doc.get("mutants") if isinstance(doc, dict) else None
        if not isinstance(muts, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                 for k, v in muts.items()):
            raise InputError(str(jpath), "expected {\"mutants\": {\"<mutant id>\": \"<reason>\", ...}}")
        justified = dict(muts)
    return CaseData(directory, cases, probes, justified, base)


def read_index(path: Path, directory: Path, model: dict) -> List[CaseSpec]:
    """The one-file layout: cases.json = {"base": "base.json", "cases": {name: {"title",
    "why" (the description), "changes": JSON Patch (RFC 6902: add, replace, remove with
    /-separated pointers)}}}."""
    doc = _read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), dict):
        raise InputError(str(path), "expected {\"base\": \"base.json\", \"cases\": {\"<name>\": {...}}}")
    base_path = directory / str(doc.get("base") or "base.json")
    base = _read_json(base_path)
    out = []
    for name, case in doc["cases"].items():
        where = f"{path}: cases.{name}"
        if not isinstance(case, dict) or not _NAME.match(name):
            raise InputError(where, "expected an identifier naming an object (title, why, changes)")
        ops = []
        for i, ch in enumerate(case.get("changes") or []):
            if not isinstance(ch, dict) or ch.get("op") not in ("add", "replace", "remove") \
                    or not isinstance(ch.get("path"), str) or not ch["path"].startswith("/"):
                raise InputError(f"{where}: changes[{i}]", "expected a JSON Patch operation (add, replace, remove) "
                                                           "with a /-separated path")
            if ch["op"] == "add" and ch["path"].rsplit("/", 1)[-1].isdigit():
                raise InputError(f"{where}: changes[{i}]", "'add' at a list index (an insertion) is not supported: "
                                                           "append with '/-' or 'replace' the element")
            ops.append(_from_patch(ch, base))
        dossier = apply_changes(copy.deepcopy(base), ops, where)
        title = case.get("title") or name
        dossier["method"], dossier["version"], dossier["name"] = model["method"], model["version"], title
        out.append(CaseSpec(name, title, " ".join(str(case.get("why") or case.get("description") or name).split()),
                            dossier, where, case.get("refused_because"), tuple(case.get("blocks") or ())))
    return out


def _from_patch(ch: dict, base: dict) -> dict:
    """A JSON Patch operation as a change of this format ('add' at '-' or past a list's end
    appends; 'add'/'replace' elsewhere set)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ch["path"].split("/")[1:]]
    tokens = [p if not p.isdigit() else f"[{p}]" for p in parts]
    if ch["op"] == "add" and parts and parts[-1] == "-":
        path = _join(tokens[:-1])
        return {"op": "append", "path": path, "value": ch.get("value")}
    out = {"op": "remove" if ch["op"] == "remove" else "set", "path": _join(tokens)}
    if ch["op"] != "remove":
        out["value"] = ch.get("value")
    return out


def _join(tokens: List[str]) -> str:
    s = ""
    for t in tokens:
        s += t if t.startswith("[") else (f".{t}" if s else t)
    return s


def read_case(path: Path, base: Optional[dict], model: dict) -> CaseSpec:
    doc = _read_json(path)
    where = str(path)
    if not isinstance(doc, dict):
        raise InputError(where, "expected a JSON object (name, title, description, changes or dossier)")
    allowed = {"name", "title", "description", "changes", "dossier", "refused_because", "blocks"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise InputError(f"{where}: {unknown[0]}", f"unknown key; expected one of {', '.join(sorted(allowed))}")
    for key in ("name", "description"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise InputError(f"{where}: {key}", "required, a non-empty text")
    if not _NAME.match(doc["name"]):
        raise InputError(f"{where}: name", f"'{doc['name']}' is not an identifier (letters, digits, _)")
    if ("changes" in doc) == ("dossier" in doc):
        raise InputError(where, "give either 'changes' (to base.json) or 'dossier' (a full dossier), not both")
    if "dossier" in doc:
        if not isinstance(doc["dossier"], dict):
            raise InputError(f"{where}: dossier", "expected a JSON object")
        dossier = copy.deepcopy(doc["dossier"])
    else:
        if base is None:
            raise InputError(where, "has 'changes' but the folder has no base.json")
        if not isinstance(doc["changes"], list):
            raise InputError(f"{where}: changes", "expected a list of changes")
        dossier = apply_changes(copy.deepcopy(base), doc["changes"], where)
    title = doc.get("title") or doc["name"]
    dossier["method"], dossier["version"] = model["method"], model["version"]
    dossier["name"] = title
    blocks = doc.get("blocks") or []
    if not isinstance(blocks, list) or not all(isinstance(b, str) for b in blocks):
        raise InputError(f"{where}: blocks", "expected a list of labels")
    refused = doc.get("refused_because")
    if refused is not None and (not isinstance(refused, str) or not refused):
        raise InputError(f"{where}: refused_because", "expected a non-empty text")
    return CaseSpec(doc["name"], title, " ".join(doc["description"].split()), dossier, where, refused,
                    tuple(blocks))


# -------------------------------------------------------------- changes --
def parse_path(path: str, where: str) -> List[object]:
    """'a.b[2].c[*]' -> ['a', 'b', 2, 'c', '*']."""
    if not isinstance(path, str) or not path:
        raise InputError(where, "a change needs a non-empty 'path'")
    out, pos = [], 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m or (m.group(1) and pos > 0 and not m.group(0).startswith(".")) or (pos == 0 and m.group(0).startswith(".")):
            raise InputError(where, f"bad path '{path}' at character {pos + 1}: expected .key, [index] or [*]")
        out.append(m.group(1) if m.group(1) else ("*" if m.group(2) == "*" else int(m.group(2))))
        pos = m.end()
    if not isinstance(out[0], str):
        raise InputError(where, f"bad path '{path}': must start with a key")
    return out


def apply_changes(dossier: dict, changes: list, where: str) -> dict:
    for i, ch in enumerate(changes):
        at = f"{where}: changes[{i}]"
        if not isinstance(ch, dict) or ch.get("op") not in OPS:
            raise InputError(at, f"expected {{\"op\": one of {', '.join(OPS)}, \"path\": ..., \"value\": ...}}")
        extra = sorted(set(ch) - {"op", "path", "value"})
        if extra:
            raise InputError(at, f"unknown key '{extra[0]}'")
        if (ch["op"] == "remove") == ("value" in ch):
            raise InputError(at, "'set' and 'append' need a 'value'; 'remove' takes none")
        tokens = parse_path(ch.get("path"), at)
        _apply(dossier, tokens, ch["op"], ch.get("value"), at, ch["path"])
    return dossier


def _apply(node, tokens, op, value, at, path):
    head, rest = tokens[0], tokens[1:]
    if head == "*":
        if not isinstance(node, list):
            raise InputError(at, f"path '{path}': [*] on something that is not a list")
        if not rest:
            raise InputError(at, f"path '{path}': [*] cannot be the last step")
        for item in node:
            _apply(item, rest, op, value, at, path)
        return
    if isinstance(head, str) and not isinstance(node, dict):
        raise InputError(at, f"path '{path}': '{head}' of something that is not an object")
    if isinstance(head, int) and not isinstance(node, list):
        raise InputError(at, f"path '{path}': [{head}] of something that is not a list")
    if isinstance(head, int) and head >= len(node):
        raise InputError(at, f"path '{path}': index {head} out of range (the list has {len(node)} elements)")
    if rest:
        if isinstance(head, str) and head not in node:
            raise InputError(at, f"path '{path}': no key '{head}'")
        _apply(node[head], rest, op, value, at, path)
        return
    if op == "set":
        node[head] = copy.deepcopy(value)
    elif op == "append":
        target = node.get(head) if isinstance(node, dict) else node[head]
        if target is None and isinstance(node, dict):
            node[head] = target = []
        if not isinstance(target, list):
            raise InputError(at, f"path '{path}': append to something that is not a list")
        target.append(copy.deepcopy(value))
    else:
        if isinstance(head, str) and head not in node:
            raise InputError(at, f"path '{path}': no key '{head}' to remove")
        del node[head]

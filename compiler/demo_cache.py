"""What `carbonspec demo` may skip on a warm machine: the check and compile of a spec whose
inputs and output have not changed since the last demo.

Checking and compiling the three specs (SymPy, docs with MathML, the version pages) is about
half of the demo; on a second run it rewrites byte-identical folders (compiler/build.py keeps
them).  The demo records, per spec folder, a key over everything the build reads — every
file of spec/ and annexes/, every source file of the compiler and the runtime, the method
text the excerpts come from, the Python version and every installed distribution's version —
and the hash of the generated folder it produced.  When both still match, the compile would
write the same bytes, so the demo says so and reuses the recorded counts.  `carbonspec
compile` never uses this record: it always compiles.  The record lives in the demo's output
folder (out/, not committed); deleting it forces a full demo.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterable, Optional

from .errors import InputError

STATE = ".demo-compiled.json"
_SKIP_DIRS = {"__pycache__", ".git", ".venv", "node_modules"}


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for f in sorted(filenames):
            if not f.endswith((".pyc", ".nbi", ".nbc")) and not f.startswith("."):
                yield Path(dirpath) / f


def tree_hash(root: Path) -> str:
    """Hash of every file's relative path and bytes under `root` (caches aside)."""
    h = hashlib.sha256()
    root = Path(root)
    if not root.is_dir():
        return ""
    for p in _walk(root):
        h.update(p.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _environment() -> str:
    from importlib import metadata

    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    return hashlib.sha256("\n".join([sys.version, *dists]).encode("utf-8")).hexdigest()


def inputs_key(root: Path) -> str:
    """Everything a compile reads but the method text (Record checks it per spec): spec/,
    annexes/, the compiler and runtime sources (with their templates), the interpreter and
    the installed packages."""
    code = Path(__file__).resolve().parent.parent  # the carbonspec package: compiler/ and runtime/
    h = hashlib.sha256()
    for part in (Path(root) / "spec", Path(root) / "annexes", code / "compiler", code / "runtime"):
        h.update(part.name.encode("utf-8") + b"\0" + tree_hash(part).encode("ascii"))
    h.update(os.environ.get("CARBONSPEC_METHODS", "").encode("utf-8"))
    h.update(_environment().encode("ascii"))
    return h.hexdigest()


class Record:
    """The demo's record of its last compiles (out/.demo-compiled.json)."""

    def __init__(self, out_root: Path):
        self.path = Path(out_root) / STATE
        try:
            self.data: Dict[str, dict] = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(self.data, dict):
                self.data = {}
        except (OSError, ValueError):
            self.data = {}

    def unchanged(self, spec_dir: Path, key: str, root: Path) -> Optional[dict]:
        """The recorded entry when this spec's inputs and its generated folder
        (root/generated/<method>/v<version>) are as recorded."""
        entry = self.data.get(str(spec_dir))
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        try:
            from carbonspec.runtime.engine.loader import check_names

            check_names(entry["method"], entry["version"])  # plain names, never a path
            generated = Path(root) / "generated" / entry["method"] / f"v{entry['version']}"
            if not all(isinstance(entry[k], int) for k in ("equations", "invariants", "proved", "files")):
                return None
        except (KeyError, TypeError, InputError):
            return None
        if entry.get("generated") != tree_hash(generated):
            return None
        text = entry.get("method_text")
        if text and hashlib.sha256(Path(text).read_bytes() if Path(text).is_file() else b"").hexdigest() != entry.get("text_hash"):
            return None
        return entry

    def remember(self, spec_dir: Path, key: str, generated: Path, method_text: Optional[Path], **counts) -> None:
        self.data[str(spec_dir)] = {
            "key": key, "generated": tree_hash(generated),
            "method_text": str(method_text) if method_text else "",
            "text_hash": hashlib.sha256(method_text.read_bytes()).hexdigest() if method_text else "", **counts}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".part")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(self.path)

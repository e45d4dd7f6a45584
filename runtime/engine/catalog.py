"""The compiled methods a checkout holds (generated/<method>/v<version>/model.json).

One place answers "which methods can I run?" for the CLI (a wrong --method/--version lists
them instead of suggesting a folder that may not exist) and for the HTTP API (/methods).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List

from carbonspec.compiler.errors import InputError


def compiled_methods(root: Path) -> List[dict]:
    """Every compiled method under root/generated, sorted by method then version: id, version,
    title, spec hash and folder.  A model.json that does not parse is skipped (it is not runnable)."""
    found = []
    for mj in sorted((Path(root) / "generated").glob("*/v*/model.json")):
        try:
            model = json.loads(mj.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append({"method": model.get("method", mj.parent.parent.name),
                      "version": model.get("version", mj.parent.name[1:]),
                      "title": model.get("title") or "", "spec_hash": model.get("spec_hash", ""),
                      "directory": str(mj.parent)})
    return found


def methods_text(root: Path) -> str:
    """`lbc_gc 2.0, climacert_fm1 2` — the list an error message shows."""
    found = compiled_methods(root)
    if not found:
        return "no method is compiled here; run 'carbonspec compile spec/<method>/v<version>'"
    return "compiled methods: " + ", ".join(f"--method {m['method']} --version {m['version']}" for m in found)


def compiled_dir(root: Path, method: str, version: str) -> Path:
    """The folder of a compiled method version, or a located error listing the compiled ones.
    `method` and `version` are matched against the folder list, never joined into a path
    unchecked (a '../x' method must not reach the file system)."""
    for m in compiled_methods(root):
        if m["method"] == method and m["version"] == version:
            return Path(m["directory"])
    spec = Path(root) / "spec" / method / f"v{version}"
    hint = ""
    if method and "/" not in method and ".." not in method and "/" not in version and spec.is_dir():
        hint = f"; the spec exists: run 'carbonspec compile spec/{method}/v{version}'"
    raise InputError("--method/--version", f"no compiled method '{method}' version '{version}'; "
                                           f"{methods_text(root)}{hint}")

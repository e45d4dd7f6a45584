"""`carbonspec compile`: a checked model -> generated/<method>/<version>/.

Writes kernel.py (Numba backend), model.json (the IR and everything the runtime needs
to read a dossier and run either backend) and docs/.  Output is deterministic so a
test can tell when the committed generated/ is stale.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import List, Optional

from .codegen_numba import generate_kernel
from .errors import InputError, SpecError
from .model import Model
from .model_json import model_json


def output_dir(root: Path, model: Model) -> Path:
    return Path(root) / model.method.id / f"v{model.method.version}"


def compile_model(model: Model, root: Path, annex_dir: Optional[Path] = None) -> List[Path]:
    """Write kernel, model.json and docs; returns the files written.  With `annex_dir`,
    the docs also show every annex table's values with their status.

    Everything is built in a temporary sibling folder, then swapped in by renames: a compile
    killed midway leaves the previous folder whole (never a new kernel beside old docs)."""
    out = output_dir(root, model)
    if out.resolve().parent.parent != Path(root).resolve():  # the version is checked by the parser
        raise SpecError(model.method.loc, f"output folder {out} is not under {root}")
    return write_folder(out, lambda tmp: _write_all(model, tmp, annex_dir))


def write_folder(out: Path, write) -> List[Path]:
    """Build a whole folder with `write(tmp) -> files` in a temporary sibling, then swap it in
    by renames: killed midway, `out` is still the previous folder, whole (compile, docs)."""
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(str(out), "is a symbolic link or a file, not a folder: remove it first or choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        written = write(tmp)
        _swap_in(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return [out / p.relative_to(tmp) for p in written]


def _swap_in(new: Path, out: Path) -> None:
    """Replace folder `out` by `new` with renames only (the old one is removed afterwards)."""
    os.chmod(new, 0o755 & ~_umask())
    if not out.exists():
        os.replace(new, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.replace(out, old)
    try:
        os.replace(new, out)
    except OSError:
        os.replace(old, out)  # put the previous build back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_all(model: Model, out: Path, annex_dir: Optional[Path]) -> List[Path]:
    from .docs import write_docs, write_dossier_schema

    written = []
    kernel = out / "kernel.py"
    kernel.write_text(generate_kernel(model), encoding="utf-8")
    written.append(kernel)
    mj = out / "model.json"
    mj.write_text(json.dumps(model_json(model), ensure_ascii=False, indent=1, sort_keys=False) + "\n",
                  encoding="utf-8")
    written.append(mj)
    annexes = None
    if annex_dir is not None:
        from carbonspec.runtime.engine.tables import load_annexes

        annexes = load_annexes(annex_dir, model_json(model))
    written += write_docs(model, out / "docs", annexes)
    written.append(write_dossier_schema(model, out / "docs"))
    if getattr(model, "lineage", None) is not None and model.lineage.parent_dir is not None:
        written += write_version_outputs(model, out, annex_dir)
    return written


def write_version_outputs(model: Model, out: Path, annex_dir: Optional[Path]) -> List[Path]:
    """For a version that extends its parent: the "Changements depuis vX" page (docs/changements.html,
    with the effect on the parent's cas-type) and the rules of projects notified before the version
    (earlier-projects/: model.json and kernel.py without its non-retroactive changes)."""
    from carbonspec.runtime.versions.effects import diff_document
    from carbonspec.runtime.versions.render import write_changes_page

    from .extends import earlier_projects_model
    from .retroactivity import parent_model

    root = Path(annex_dir).parents[2] if annex_dir is not None else Path.cwd()
    parent = parent_model(model)
    doc = diff_document(parent, model, model.lineage.parent_dir, model.lineage.spec_dir, root)
    written = [write_changes_page(doc, out / "docs")]
    variant = earlier_projects_model(model)
    vdir = out / "earlier-projects"
    if variant is not None:
        vdir.mkdir(parents=True, exist_ok=True)
        (vdir / "kernel.py").write_text(generate_kernel(variant), encoding="utf-8")
        (vdir / "model.json").write_text(json.dumps(model_json(variant), ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
        written += [vdir / "kernel.py", vdir / "model.json"]
    return written

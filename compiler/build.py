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


CACHE_DIR = "__pycache__"  # Python's and Numba's on-disk caches, next to each module (never generated)


def write_folder(out: Path, write) -> List[Path]:
    """Build a whole folder with `write(tmp) -> files` in a temporary sibling, then swap it in
    by renames: killed midway, `out` is still the previous folder, whole (compile, docs).

    When the build is byte-identical to `out` (same files, same bytes; caches aside), `out` is
    kept as it is: its kernel.py keeps its mtime, so Numba's on-disk cache (__pycache__, keyed
    by the source's path, mtime and size) stays valid and a recompile of an unchanged spec
    costs no JIT compilation.  Otherwise the new folder is swapped in; a module whose bytes did
    not change carries its old mtime and its own cache files over (`_carry_caches`), a changed
    one starts without any cache."""
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError(str(out), "is a symbolic link or a file, not a folder: remove it first or choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        written = write(tmp)
        if not (out.is_dir() and same_tree(tmp, out)):
            if out.is_dir():
                _carry_caches(out, tmp)
            _swap_in(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return [out / p.relative_to(tmp) for p in written]


def _files(root: Path) -> dict:
    """relative path -> path of every file under `root`, caches and symbolic links aside."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != CACHE_DIR and not os.path.islink(os.path.join(dirpath, d))]
        for f in filenames:
            p = Path(dirpath) / f
            if not p.is_symlink():
                found[p.relative_to(root).as_posix()] = p
    return found


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        if a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def same_tree(new: Path, old: Path) -> bool:
    """True when `old` holds exactly the files of `new`, byte for byte (caches aside)."""
    a, b = _files(new), _files(old)
    return a.keys() == b.keys() and all(_same_bytes(a[k], b[k]) for k in a)


def _carry_caches(old: Path, new: Path) -> None:
    """Each .py module of `new` byte-identical to its counterpart in `old` takes the old file's
    mtime and the old cache files named after it (Python's <stem>.cpython-*.pyc, Numba's
    <stem>.<function>-<line>.pyXY.nbi/.nbc): the cache of identical source stays valid.  A
    changed module gets nothing: Numba compiles it afresh, never from a stale cache."""
    a, b = _files(new), _files(old)
    for rel, p in a.items():
        if not rel.endswith(".py") or rel not in b or not _same_bytes(p, b[rel]):
            continue
        st = b[rel].stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
        src_cache, dst_cache = b[rel].parent / CACHE_DIR, p.parent / CACHE_DIR
        if not src_cache.is_dir() or src_cache.is_symlink():
            continue
        stem = p.stem + "."
        for c in src_cache.iterdir():
            if c.name.startswith(stem) and c.is_file() and not c.is_symlink():
                dst_cache.mkdir(exist_ok=True)
                shutil.copy2(c, dst_cache / c.name)


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

"""Parsed annex tables kept on disk between runs, so a warm `run` does not re-read 30 workbooks.

The key is everything the parse depends on: the method's table declarations (model.json), the
name, size and modification time of every file in the annex folder, and the source of the
table reader; a change to any of them reads the tables again.  The cache lives in
$CARBONSPEC_CACHE (default ~/.cache/carbonspec); an unwritable cache is skipped, never an error.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

from carbonspec.runtime.engine import tables as T


def _key(annex_dir: Path, model: dict) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(model.get("tables"), sort_keys=True, default=str).encode())
    h.update(Path(T.__file__).read_bytes())
    h.update(str(annex_dir.resolve()).encode())
    for p in sorted(annex_dir.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(annex_dir)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:32]


def cache_dir() -> Path:
    return Path(os.environ.get("CARBONSPEC_CACHE") or Path.home() / ".cache" / "carbonspec") / "annexes"


def load_annexes_cached(annex_dir: Path, model: dict) -> T.AnnexSet:
    annex_dir = Path(annex_dir)
    if os.environ.get("CARBONSPEC_NO_CACHE") or not annex_dir.is_dir():
        return T.load_annexes(annex_dir, model)
    path = cache_dir() / f"{_key(annex_dir, model)}.pickle"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    annexes = T.load_annexes(annex_dir, model)  # errors in the tables surface here, as without a cache
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        with open(tmp, "wb") as f:
            pickle.dump(annexes, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass
    return annexes

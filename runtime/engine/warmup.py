"""A cold start of a compiled kernel, compiled on every CPU at once.

Why: on an empty Numba cache (a fresh install, a new spec version) the kernel's stage functions
are JIT-compiled one after the other the first time they run: about 20 s of one core for LBC GC.
Each stage compiles independently and lands in Numba's on-disk cache, so the stages are shared
out between worker processes (each compiles its part on zero-row arrays of the run's types), and
the run itself then loads them all from the cache.  It is only an optimisation: when processes
cannot be started (a daemonic Dask worker, one CPU), the stages compile in the run as before.
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict

import numpy as np

MAX_WORKERS = 4


def _zero_rows(data: Dict[str, object]) -> Dict[str, object]:
    """The run's arrays with no rows: same dtype, dimensions and writeability (Numba types
    a read-only array apart), so that what the workers compile is what the run will load."""
    out = {}
    for k, v in data.items():
        if isinstance(v, np.ndarray) and v.ndim >= 1:
            z = np.empty((0,) + v.shape[1:], dtype=v.dtype)
            if not v.flags.writeable:
                z.setflags(write=False)
            out[k] = z
        else:
            out[k] = v
    return out


def _compile_part(kernel_path: str, module_name: str, data: Dict[str, object], part: int, parts: int) -> None:
    # under the run's own module name: Numba's cache records it and the run re-imports it by name
    spec = importlib.util.spec_from_file_location(module_name, kernel_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    module.compile_stages(data, part, parts)


def _main_importable() -> bool:
    """A spawned worker re-imports the parent's __main__ from its file: not possible for code
    read from stdin or `python -c`."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or Path(path).is_file()


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def warm_if_cold(kernel, kernel_path: Path, data: Dict[str, object]) -> bool:
    """Compile the kernel's stages in parallel when most of them are missing from the cache;
    True when it did."""
    stages = getattr(kernel, "STAGES", None)
    if not stages or kernel.stages_cached() >= len(stages) // 2:
        return False
    parts = min(MAX_WORKERS, cpus(), len(stages))
    if parts < 2 or multiprocessing.current_process().daemon or not _main_importable():
        return False
    zero = _zero_rows(data)
    try:
        with ProcessPoolExecutor(parts, mp_context=multiprocessing.get_context("spawn")) as pool:
            for f in [pool.submit(_compile_part, str(kernel_path), kernel.__name__, zero, i, parts) for i in range(parts)]:
                f.result()
    except Exception as exc:  # noqa: BLE001 - an optimisation only: the run compiles what is missing
        print(f"note: parallel compile of the kernel skipped ({type(exc).__name__}: {exc})", file=sys.stderr)
        return False
    return True

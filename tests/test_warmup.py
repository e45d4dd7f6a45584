"""A cold Numba cache: the kernel's stages are compiled by worker processes, then the run loads
every one of them from the cache and computes the same bits (runtime/engine/warmup.py).

In a subprocess, since NUMBA_CACHE_DIR must be set before Numba starts; on ClimaCert's kernel,
the smallest, to keep the test short."""
import json
import os
import subprocess
import sys

from conftest import ROOT

SCRIPT = r'''
import json, sys
from pathlib import Path
import numpy as np
from carbonspec.runtime.engine.core import load_compiled, evaluate
from carbonspec.runtime.engine import warmup

if __name__ == "__main__":
    warmup.cpus = lambda: 2  # the workers run even on a one-CPU machine
    root = Path(sys.argv[1])
    c = load_compiled(root / "generated" / "climacert_fm1" / "v2")
    raw = json.loads((root / "examples" / "climacert_fm1" / "grandes-cultures.json").read_text(encoding="utf-8"))
    before = c.kernel.stages_cached()
    flat, out, _ = evaluate(c, raw, root / "annexes" / "climacert_fm1" / "v2", "numba")
    _, ref, _ = evaluate(c, raw, root / "annexes" / "climacert_fm1" / "v2", "reference")
    stages = c.kernel.STAGES
    print(json.dumps({"before": before, "after": c.kernel.stages_cached(), "stages": len(stages),
                      "hits": sum(len(f.stats.cache_hits) for f in stages),
                      "misses": sum(len(f.stats.cache_misses) for f in stages),
                      "same": all(np.array_equal(out[k], ref[k], equal_nan=True) for k in ref)}))
'''


def test_cold_cache_is_compiled_by_workers_and_loaded_by_the_run(tmp_path):
    script = tmp_path / "cold.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))
    p = subprocess.run([sys.executable, str(script), str(ROOT)], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert got["before"] == 0 and got["after"] == got["stages"] > 1
    # every stage came from the cache the workers filled: the run itself compiled none
    assert got["hits"] == got["stages"] and got["misses"] == 0
    assert got["same"]
    assert "parallel compile of the kernel skipped" not in p.stderr


def test_zero_rows_keep_types_and_read_only_flags():
    import numpy as np

    from carbonspec.runtime.engine.warmup import _zero_rows

    ro = np.arange(5.0)
    ro.setflags(write=False)
    z = _zero_rows({"a": ro, "b": np.arange(3, dtype=np.int64), "n_x": 3})
    assert z["a"].shape == (0,) and not z["a"].flags.writeable and z["a"].dtype == np.float64
    assert z["b"].dtype == np.int64 and z["b"].flags.writeable and z["n_x"] == 3

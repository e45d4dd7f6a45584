"""The `carbonspec batch` and `carbonspec convert` commands' bodies (compiler/cli.py only parses
options): a progress bar with rows per second, a summary line, and the direction of a
conversion taken from what it is given (dossiers -> batch folder, batch folder -> dossiers)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

from carbonspec.compiler.errors import InputError


def run_batch_command(folder: Path, compiled_dir: Path, annex_dir: Path, out_dir: Path, backend: str,
                      every: bool, memory_gb: float, scheduler: Optional[str], local_cluster: int, console) -> dict:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .run import run_batch

    if not Path(annex_dir).is_dir():
        raise InputError("--annexes", f"no annex tables at {annex_dir}; pass --annexes DIR")
    if not memory_gb > 0:
        raise InputError("--memory", f"a memory budget is a positive number of GB; got {memory_gb}")
    if local_cluster < 0:
        raise InputError("--local-cluster", f"a number of workers; got {local_cluster}")
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rate]}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("chunks", total=None, rate="")

        def progress(done, chunks, roots_done, roots):
            rate = roots_done / max(time.perf_counter() - t0, 1e-9)
            bar.update(task, completed=done, total=chunks, rate=f"{roots_done}/{roots} dossiers, {rate:,.0f}/s")

        summary = run_batch(folder, out_dir, compiled_dir, annex_dir, backend, every, int(memory_gb * (1 << 30)),
                            scheduler, local_cluster, progress)
    rows = summary["rows"]
    biggest = max(rows, key=rows.get)
    secs = summary["seconds"]
    console.print(f"{sum(rows.values()):,} rows ({', '.join(f'{n:,} {e}' for e, n in rows.items() if n)}) in "
                  f"{summary['chunks']} chunk(s), {secs:.1f} s ({rows[biggest] / secs:,.0f} {biggest} rows/s); "
                  f"results in {out_dir}")
    return summary


def convert_command(inputs: List[Path], compiled_dir: Path, out: Path, console) -> None:
    from carbonspec.runtime.engine.core import load_compiled

    from .convert import batch_to_dossiers, dossiers_to_batch, write_dossiers

    compiled = load_compiled(compiled_dir)
    names = {e["name"] for e in compiled.model["entities"]}
    is_batch = len(inputs) == 1 and Path(inputs[0]).is_dir() and any(
        (Path(inputs[0]) / f"{n}.parquet").exists() or (Path(inputs[0]) / n).is_dir() for n in names)
    if is_batch:
        docs = batch_to_dossiers(compiled, Path(inputs[0]))
        files = write_dossiers(compiled, docs, out)
        console.print(f"{len(files)} dossier(s) written: {out}")
    else:
        rows = dossiers_to_batch(compiled, inputs, out)
        console.print(f"batch written to {out}: " + ", ".join(f"{n:,} {e}" for e, n in rows.items() if n))

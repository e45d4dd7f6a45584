"""A batch on a Dask cluster: one task per chunk, the same `run_chunk` as the local run.

Each task receives the chunk's row selection (slices of the entity files, or row indices)
and the paths of the batch, the compiled method and the annexes; a worker loads the method
and tables once and writes its part files into the run's temporary folder, so the folders
must be visible to the workers (one machine, or a shared filesystem).  Workers run the kernel
on one thread each: the cluster's parallelism is its workers.  The parts are the same files a
single-process run writes, so the results are identical.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional

from carbonspec.compiler.errors import InputError


def run_on_dask(job, selections: List[Dict[str, object]], scheduler: Optional[str], local_workers: int):
    from dask.distributed import Client, LocalCluster

    from .run import run_chunk

    job = dataclasses.replace(job, threads=1)
    cluster = None
    try:
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise InputError("--scheduler", f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        else:
            cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        with client:
            futures = [client.submit(run_chunk, job, sel, c, pure=False) for c, sel in enumerate(selections)]
            return client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()

"""carbonspec.runtime: runs compiled methods.  It knows no method: everything particular to one
comes from the `model.json` that `compile` wrote.

Folders by job; each imports only folders above it in this list (tests/test_runtime_layout.py):

- `numerics/`      floating-point helpers of the reference backends (C-library exp, log, powers)
- `io/`            files on disk (atomic writes to regular files, strict JSON, deterministic workbooks)
- `models/`        external models a spec declares: the libraries (AMG soil carbon, the SAFY crop
                   model), the registry from a declared name to its library, and the adapters
- `dossier/`       user input: pydantic models from `model.json`, JSON and xlsx readers, located errors
- `engine/`        the compiled module, annex tables and lookups, Numba / reference backends, results
- `trace/`         the dependency tree of one figure (equations, values, leaves and their origin)
- `certification/` cas-type, coverage, `certify`, mutation score (method section 8.5)
- `versions/`      what a new version changes in results, and which rules apply to a project
- `reports/`       the report of a run, in html and xlsx, and the terminal summary
- `intercrop/`     the QUANTICA tool: cover-crop biomass from LAI series, AMG with and without
- `batch/`         Parquet batches, chunked, on one machine or a Dask cluster
- `api/`           the HTTP API (FastAPI)
"""

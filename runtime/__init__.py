"""carbonspec.runtime: runs compiled methods.  It knows no method: everything particular to one
comes from the `model.json` that `compile` wrote.

Folders by job; each imports only folders above it in this list (tests/test_runtime_layout.py):

- `io/`            files on disk (deterministic workbooks, exact floats in cells)
- `models/`        external models a spec declares: the libraries (AMG soil carbon), the registry
                   from a declared name to its library, and each library's adapter to a dossier
- `dossier/`       user input: pydantic models from `model.json`, JSON and xlsx readers, located errors
- `engine/`        the compiled module, annex tables and lookups, Numba / reference backends, results
- `reports/`       the report of a run, in html and xlsx
- `certification/` cas-type, coverage, `certify`, mutation score (method section 8.5)
"""

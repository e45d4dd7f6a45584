"""carbonspec.runtime: runs compiled methods.  It knows no method: everything particular to one
comes from the `model.json` that `compile` wrote.

Folders by job (imports go downwards only, never back up the list):

- `io/`            files on disk (deterministic workbooks, exact floats in cells)
- `engine/`        the compiled module, annex tables and lookups, Numba / reference backends, results
- `dossier/`       user input: pydantic models from `model.json`, JSON and xlsx readers, located errors
- `models/`        external models (AMG soil carbon) and the wiring that feeds them from a dossier
- `reports/`       the report of a run, in html and xlsx
- `certification/` cas-type, coverage, `certify`, mutation score (method section 8.5)
"""

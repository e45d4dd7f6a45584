"""Evaluating a compiled method on a dossier: loading the compiled module, the annex tables
and their lookups, the Numba kernel or the NumPy reference interpreter, and the results document.
Knows no method: everything particular comes from `model.json`."""

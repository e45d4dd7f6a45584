"""Docs backend: the checked Model -> the docs site of a method version (site.py), its
equations.md, the dossier JSON Schema, and the method's cited lines kept in the
repository (excerpts.py)."""
from .views import (build_context, dossier_view, md_code, md_escape, mathml, wbr, write_docs,
                    write_dossier_schema)

__all__ = ["build_context", "dossier_view", "md_code", "md_escape", "mathml", "wbr", "write_docs",
           "write_dossier_schema"]

"""carbonspec.runtime: dossiers, annex tables, backends and results for compiled methods."""

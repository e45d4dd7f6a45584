"""Reading what a user supplies: the dossier models built from `model.json` (pydantic),
the JSON and xlsx readers and writers, and the located error messages they share."""

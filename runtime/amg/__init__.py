"""AMG v2 soil organic carbon model (placeholder docstring, completed below)."""

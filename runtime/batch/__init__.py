"""Batches: many dossiers at once, column-wise, from Parquet to Parquet.

Owns the columnar batch format (one Parquet file or folder per entity, `id` and `parent_id`
columns, the dossier's field names and units; its Arrow schema generated from `model.json`),
its column-wise validation with located errors (file, entity, row id, field), the conversions
dossier (JSON/xlsx) <-> batch, the chunked run under a memory budget and its Dask
distribution.  A batch produces the same `Flat` the dossier reader produces, straight from
Arrow columns (no object per row), and runs the same kernel: the results are bit-identical.

May import: runtime.engine (kernel, annex tables, output checks), runtime.dossier (errors,
field wording, the pydantic reader for conversions), pyarrow, numpy; dask only in `dask_run`.
Knows no method: everything particular comes from `model.json`.
"""

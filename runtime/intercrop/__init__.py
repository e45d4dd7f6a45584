"""`carbonspec intercrop`: cover-crop (CI) biomass from satellite LAI series and its soil
carbon effect, plot by plot (the QUANTICA Occitanie data flow, digest part B.2):

    LAI series per plot + daily weather --SAFY fit (models/crop)--> CI biomass at destruction
    CI biomass + succession + soil      --AMG with and without CI (models/amg)--> additional storage

Modules: inputs.py (the JSON format, pydantic, located errors), parquet.py (the same format
as Parquet tables), geometry.py (areas in Lambert-93), pipeline.py (presence, fit, AMG,
aggregation plot -> cropping system -> farm, provenance), render.py (json, csv, html).
A tool that feeds methods, not a method: it names no method's symbol; the mapping of its
outputs to a method's dossier fields is declared in that method's spec.
"""

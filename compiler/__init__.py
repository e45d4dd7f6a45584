"""carbonspec.compiler: spec text -> checked model -> IR -> Numba kernel, reference IR and docs."""

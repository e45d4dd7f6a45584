"""What a method id and a method version may be: plain names, since both name folders
(generated/<method>/v<version>/) and are printed into kernel.py.

In a module of its own so that the runtime's loader checks a `--method`/`--version` with the
parser's own rules without importing the parser (and SymPy with it) on every `run`.
"""
from __future__ import annotations

import re

# A method version names a folder (generated/<method>/v<version>/) and is printed into
# kernel.py: plain characters only, no '..' (nothing that could leave the output root).
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
# A method id (the grammar's NAME) is also a folder name and part of a Python module name.
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def version_problem(version: str):
    """Why `version` is not a plain version string (None when it is one)."""
    if not VERSION_RE.match(version) or ".." in version:
        return (f"version {version!r} is not a plain version: use letters, digits, '.', '_' or '-' "
                "(at most 32, no '..', no '/'), e.g. \"2.0\"")
    return None

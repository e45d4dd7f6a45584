"""External models a spec declares (`model`, model.json `external_models`): the libraries
(`amg/`: AMG v2 soil carbon, Clivot et al. 2019, which knows no method), the registry that maps a
declared name to its library (`registry.py`), and each library's adapter to a dossier
(`amg_bridge.py`; `intercrop_bridge.py` for the cover-crop biomass `carbonspec intercrop`
measures), which takes every name of the method from the declaration."""

import os
from pathlib import Path


def library_table_dir(name: str) -> Path:
    """Where a model library's tables are: $CARBONSPEC_HOME/annexes/<name>, else the checkout's."""
    home = os.environ.get("CARBONSPEC_HOME")
    root = Path(home) if home else Path(__file__).resolve().parents[2]
    return root / "annexes" / name

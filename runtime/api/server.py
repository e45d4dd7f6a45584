"""`carbonspec serve`: the HTTP API (app.py) under uvicorn."""
from __future__ import annotations

from pathlib import Path
from typing import Optional


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, castype: Optional[Path] = None,
          max_body_mb: float = 8.0, timeout: float = 120.0) -> None:
    import uvicorn

    from carbonspec.runtime.api.app import create_app

    app = create_app(root, castype, int(max_body_mb * 1024 * 1024), timeout)
    uvicorn.run(app, host=host, port=port, log_level="info")

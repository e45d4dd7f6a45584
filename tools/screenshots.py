"""Screenshots of the pages a person reads, taken with headless Chromium (`make screenshots`).

PAGES lists them: a name, the file to open (relative to the checkout), the window size, and
how to make the file when it is missing.  Other pages (the docs site) are appended to PAGES.
Output: out/screenshots/<name>.png.  Chromium is Debian's `chromium` (the make target installs
it when absent); without it this script says so and exits 0 (nothing to do), and the tests
that need it are skipped with a message.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, List, Optional

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "screenshots"


def _report(dossier: str, out: str, method: str = "lbc_gc", version: str = "2.0") -> Callable[[], None]:
    def make() -> None:
        from carbonspec.compiler.cli import main

        code = main(["run", str(ROOT / dossier), "--method", method, "--version", version,
                     "--format", "html", "--output", str(ROOT / out)])
        if code not in (0, 1):
            raise SystemExit(f"cannot make {out} (exit {code})")
    return make


# (name, file, (width, height), how to make the file or None)
PAGES: List[tuple] = [
    ("report-yonne-top", "out/lbc_gc/yonne-120ha-json.report.html", (1280, 1000),
     _report("examples/lbc_gc/yonne-120ha.json", "out/lbc_gc/yonne-120ha-json.report.html")),
    ("report-yonne-charts", "out/lbc_gc/yonne-120ha-json.report.html", (1280, 3000),
     _report("examples/lbc_gc/yonne-120ha.json", "out/lbc_gc/yonne-120ha-json.report.html")),
    ("report-multi-systemes-charts", "out/lbc_gc/multi-systemes-json.report.html", (1280, 3200),
     _report("examples/lbc_gc/multi-systemes.json", "out/lbc_gc/multi-systemes-json.report.html")),
    # another method's report: its own verdict (samples to redo), no LBC section (runtime/reports/content.py)
    ("report-climacert-prelevement-a-refaire", "out/climacert_fm1/prelevement-a-refaire-json.report.html", (1280, 1000),
     _report("examples/climacert_fm1/prelevement-a-refaire.json",
             "out/climacert_fm1/prelevement-a-refaire-json.report.html", "climacert_fm1", "2")),
]


def find_chromium() -> Optional[str]:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def shoot(url: str, png: Path, size=(1280, 1000), chromium: Optional[str] = None, timeout: float = 90) -> Path:
    """One screenshot of `url` (file://...) into `png`, headless, no network, own profile."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium is not installed (apt-get install -y chromium)")
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
               f"--window-size={size[0]},{size[1]}", f"--screenshot={png}", url]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "HOME": profile})
    if proc.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium failed ({proc.returncode}) on {url}: {proc.stderr[-500:]}")
    return png


def page_url(path: str) -> str:
    file, _, anchor = path.partition("#")
    return (ROOT / file).resolve().as_uri() + (f"#{anchor}" if anchor else "")


def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        print("screenshots: chromium is not installed; skipped (apt-get install -y chromium)")
        return 0
    made = set()
    for name, path, size, make in PAGES:
        file = ROOT / path.partition("#")[0]
        if make is not None and file not in made:
            make()  # always refreshed: a screenshot of a stale page would mislead
            made.add(file)
        if not file.is_file():
            print(f"screenshots: {path} is missing; skipped", file=sys.stderr)
            continue
        png = shoot(page_url(path), OUT / f"{name}.png", size, chromium)
        print(f"{png.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The html report in headless Chromium (Debian's `chromium`): the placeholder banner is visible
at the top and the three SVG charts render.  Checked on the screenshots' pixels: the banner's
background colour fills a band at the top of the first screen, and each chart's bar colours
are painted (an SVG that failed to render leaves none).  Skipped, with a message, when
Chromium is not installed (`make screenshots` installs it)."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from carbonspec.compiler.cli import main

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import screenshots  # noqa: E402  (tools/screenshots.py: the same function `make screenshots` uses)

pytestmark = pytest.mark.skipif(screenshots.find_chromium() is None,
                                reason="chromium is not installed (apt-get install -y chromium, or make screenshots)")

BANNER = (0xFF, 0xF4, 0xD6)          # .banner background (report.html.j2)
CHART = {"bars up": (0x2F, 0x7D, 0x4F), "reference years": (0x8D, 0xA0, 0xB3),
         "rabais (down)": (0xC0, 0x57, 0x2B), "totals": (0x34, 0x49, 0x5E)}  # charts._COLORS


def _pixels(png) -> np.ndarray:
    import matplotlib.image

    img = matplotlib.image.imread(str(png))
    return np.rint(img[..., :3] * 255).astype(int)


def _mask(img: np.ndarray, rgb) -> np.ndarray:
    return (np.abs(img - np.array(rgb)) <= 2).all(axis=-1)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "yonne.html"
    assert main(["run", str(ROOT / "examples" / "lbc_gc" / "yonne-120ha.json"), "--method", "lbc_gc",
                 "--version", "2.0", "--backend", "reference", "--format", "html", "-o", str(path)]) == 0
    return path


def test_the_placeholder_banner_is_visible_on_the_first_screen(report, tmp_path):
    img = _pixels(screenshots.shoot(report.as_uri(), tmp_path / "top.png", (1280, 900)))
    banner = _mask(img, BANNER)
    rows = np.flatnonzero(banner.sum(axis=1) > 0.6 * img.shape[1])  # a band across most of the width
    assert rows.size > 60, "no banner band on the first screen"
    assert rows.min() < 200  # at the top, under the title


def test_the_three_charts_render(report, tmp_path):
    img = _pixels(screenshots.shoot(report.as_uri(), tmp_path / "full.png", (1280, 3000)))
    html = report.read_text(encoding="utf-8")
    chart_top = html.index('id="graphiques"')
    assert chart_top > 0
    counts = {name: int(_mask(img, rgb).sum()) for name, rgb in CHART.items()}
    # yonne-120ha: positive line items (green), 3 reference years (grey), the two soil rabais (orange),
    # RE and RE_certifiable as totals (navy): each a few hundred pixels at least when painted
    for name, n in counts.items():
        assert n > 300, f"{name}: {n} pixels — chart not rendered? {counts}"

"""Plot areas from GeoJSON geometry (WGS 84 longitude/latitude, RFC 7946) computed in
Lambert-93 (EPSG:2154), the projection of the French parcel register (RPG), with pyproj."""
from __future__ import annotations

from functools import lru_cache
from typing import List

import numpy as np


@lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def _ring_area(ring: List[List[float]]) -> float:
    xy = np.asarray(ring, dtype=float)
    if xy.ndim != 2 or xy.shape[0] < 4 or xy.shape[1] < 2:
        raise ValueError("a linear ring needs at least 4 positions [lon, lat]")
    if not np.allclose(xy[0, :2], xy[-1, :2]):
        raise ValueError("a linear ring must be closed (first position = last position)")
    if not (np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90)):
        raise ValueError("positions must be [longitude, latitude] in degrees (WGS 84)")
    x, y = _transformer().transform(xy[:, 0], xy[:, 1])
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("a position is outside the domain of Lambert-93")
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2.0


def area_ha(geometry: dict) -> float:
    """Area of a GeoJSON Polygon or MultiPolygon in hectares (holes subtracted); ValueError
    with a message for anything else."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        polys = [coords]
    elif kind == "MultiPolygon":
        polys = coords
    else:
        raise ValueError(f"geometry type {kind!r}: expected Polygon or MultiPolygon")
    if not isinstance(polys, list) or not polys:
        raise ValueError("empty coordinates")
    total = 0.0
    for poly in polys:
        if not isinstance(poly, list) or not poly:
            raise ValueError("a polygon needs an exterior ring")
        total += _ring_area(poly[0]) - sum(_ring_area(h) for h in poly[1:])
    return total / 10_000.0

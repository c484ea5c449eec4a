"""Distances on the Earth and GPS accuracy: one source for every layer (formats, engine, reports, GUI).

A spherical model: good to 0.5 %, plenty for places 150 m apart and for drawing a track.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

EARTH_RADIUS_M = 6_371_008.8  # m, IUGG mean radius
# User equivalent range error, to turn HDOP into metres (accuracy = HDOP x UERE): m, 1 sigma, typical
# single-frequency GPS range error (Kaplan, "Understanding GPS", ch. 7).
UERE_M = 5.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    # math's functions bound once and min() written out: a fifth less time, the same bits (tested)
    p1 = _radians(lat1)
    p2 = _radians(lat2)
    dp = p2 - p1
    dl = _radians(lon2 - lon1)
    a = _sin(dp / 2) ** 2 + _cos(p1) * _cos(p2) * _sin(dl / 2) ** 2
    r = _sqrt(a)
    return 2 * EARTH_RADIUS_M * _asin(r if r < 1.0 else 1.0)  # min(1.0, r)


_radians, _sin, _cos, _sqrt, _asin = math.radians, math.sin, math.cos, math.sqrt, math.asin


# A point made ready for `farthest_m`: its latitude in radians, that latitude's cosine, its longitude in
# degrees.
Prepared = tuple[float, float, float]
_RAD = math.pi / 180.0  # math.radians multiplies by this constant


def prepared(lat: float, lon: float) -> Prepared:
    """``(lat, lon)`` for `farthest_m`: what `distance_m` computes of one point, computed once."""
    p = math.radians(lat)
    return p, math.cos(p), lon


def farthest_m(points: Sequence[Prepared], start: int) -> float:
    """The largest `distance_m` between a point from ``start`` on and any point before it (-1 when there
    is no such pair): the same operations in the same order as `distance_m`, so the same metres to the
    bit, with each point's radians and cosine computed once (`prepared`) and only the largest haversine
    term turned into metres (the distance grows with it).  For a set of places that grows: fold in the
    new ones only."""
    sin = math.sin
    best = -1.0
    for j in range(start, len(points)):
        p2, c2, lon2 = points[j]
        for i in range(j):
            p1, c1, lon1 = points[i]
            h = sin((p2 - p1) / 2) ** 2 + c1 * c2 * sin((lon2 - lon1) * _RAD / 2) ** 2
            if h > best:
                best = h
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(best))) if best >= 0.0 else -1.0


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point ``north_m`` and ``east_m`` metres away (small offsets)."""
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlon = math.degrees(east_m / (EARTH_RADIUS_M * max(1e-9, math.cos(math.radians(lat)))))
    return lat + dlat, lon + dlon


# A step of the track counts toward the distance travelled only once the user is
# this far from the last counted point (or the fix's stated accuracy, if worse):
# a still receiver wanders by tens of metres (gpsd's haicom-305N log: ~46 m).
TRACK_STEP_MIN_M = 25.0


class Position(Protocol):
    """What `track_length_m` reads of a fix (`trackerscan.model.Fix` has it)."""

    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def accuracy_m(self) -> float | None: ...


def track_length_m(fixes: Iterable[Position]) -> float:
    """Distance travelled along the fixes, ignoring jitter below `TRACK_STEP_MIN_M`."""
    total = 0.0
    anchor: Position | None = None
    for f in fixes:
        if anchor is None:
            anchor = f
            continue
        d = distance_m(anchor.lat, anchor.lon, f.lat, f.lon)
        if d >= max(TRACK_STEP_MIN_M, f.accuracy_m or 0.0):
            total += d
            anchor = f
    return total

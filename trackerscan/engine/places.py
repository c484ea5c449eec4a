"""Places: where the user has been, clustered so that drift never makes a new one.

A place is opened when ``PLACE_CONFIRM_FIXES`` good fixes in a row lie more than
``PLACE_SPACING_M`` (plus their own accuracy) from the current place's centre;
coming back near an earlier place reuses it.  Without GPS, places come from the
user's PlaceMarks and from session gaps, and have no position.  A mark says "I am
somewhere else now": the place it opens and the place it closes are told apart by
the user, whereas two sessions may have been in the same room.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from trackerscan.engine import thresholds as th
from trackerscan.engine.known import Home
from trackerscan.geo import distance_m
from trackerscan.model import Fix

_CELL_DEG = th.PLACE_SPACING_M / 111_000.0


@dataclass(slots=True)
class Place:
    """One place: a centre (GPS places) or none (marked or session places)."""

    id: int
    lat: float | None
    lon: float | None
    origin: str  # "gps", "mark", "session"
    home: str | None  # the Home label when inside a declared home
    first_time: float
    label: str = ""
    ended_by_mark: bool = False  # the user marked the next place: this one is known to be another

    @property
    def told_apart(self) -> bool:
        """A place without position that the user's marks distinguish from the places around it."""
        return self.origin == "mark" or self.ended_by_mark


class Places:
    """All places of one run, and the current one."""

    def __init__(self, homes: Sequence[Home] = ()) -> None:
        self.homes = tuple(homes)
        self.all: list[Place] = []
        self.current: Place | None = None  # current GPS place
        self.current_offline: Place | None = None  # current marked/session place
        self._previous_offline: Place | None = None
        self._grid: dict[tuple[int, int], list[Place]] = {}
        self._pending: list[Fix] = []

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / _CELL_DEG), math.floor(lon * math.cos(math.radians(lat)) / _CELL_DEG)

    def _home_of(self, lat: float, lon: float) -> str | None:
        for h in self.homes:
            if distance_m(lat, lon, h.lat, h.lon) <= h.radius_m:
                return h.label or "home"
        return None

    def _near(self, lat: float, lon: float) -> Place | None:
        ci, cj = self._cell(lat, lon)
        best: Place | None = None
        best_d = th.PLACE_SPACING_M
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for p in self._grid.get((ci + di, cj + dj), ()):
                    assert p.lat is not None and p.lon is not None
                    d = distance_m(lat, lon, p.lat, p.lon)
                    if d < best_d:
                        best, best_d = p, d
        return best

    def _open_gps(self, lat: float, lon: float, t: float) -> Place:
        home = self._home_of(lat, lon)
        # All fixes inside one declared home are one place.
        if home is not None:
            for p in self.all:
                if p.home == home and p.origin == "gps":
                    return p
        near = self._near(lat, lon)
        if near is not None:
            return near
        p = Place(len(self.all), lat, lon, "gps", home, t)
        self.all.append(p)
        self._grid.setdefault(self._cell(lat, lon), []).append(p)
        return p

    def add_fix(self, fix: Fix, accuracy_m: float) -> bool:
        """Feed a trusted fix; True when the current place changed."""
        if accuracy_m > th.MAX_FIX_ACCURACY_M:
            return False
        cur = self.current
        if cur is None:
            self.current = self._open_gps(fix.lat, fix.lon, fix.time)
            return True
        assert cur.lat is not None and cur.lon is not None
        d = distance_m(cur.lat, cur.lon, fix.lat, fix.lon)
        if d - accuracy_m <= th.PLACE_SPACING_M:
            self._pending.clear()
            return False
        pend = self._pending
        pend.append(fix)
        if len(pend) < th.PLACE_CONFIRM_FIXES:
            return False
        lat = sum(f.lat for f in pend) / len(pend)
        lon = sum(f.lon for f in pend) / len(pend)
        pend.clear()
        new = self._open_gps(lat, lon, fix.time)
        if new is cur:
            return False
        self.current = new
        return True

    def lose_gps(self) -> None:
        self.current = None
        self._pending.clear()

    def open_offline(self, t: float, origin: str, label: str = "") -> Place:
        """A place without position: the user marked one, or a new session began."""
        cur = self.current_offline
        if origin == "mark" and cur is not None:
            if cur.origin == "session" and t - cur.first_time <= th.MARK_JOINS_SESSION_S:
                # The user names where this session began: another place than the one before it.
                cur.origin, cur.label = "mark", label
                if self._previous_offline is not None:
                    self._previous_offline.ended_by_mark = True
                return cur
            cur.ended_by_mark = True
        p = Place(len(self.all), None, None, origin, None, t, label)
        self.all.append(p)
        self._previous_offline = cur
        self.current_offline = p
        return p

    def span_between(self, a: Place, b: Place) -> float:
        if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
            return 0.0
        return distance_m(a.lat, a.lon, b.lat, b.lon)

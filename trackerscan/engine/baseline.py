"""A plain AirGuard-like rule, for comparison only (prior-art.md 2.3, the 2022 rule with 150 m places):
a device (by address) alerts once it has >= 3 sightings, >= 30 min from first to last and >= 3 places
at least 150 m apart.  AirGuard samples 20 s every 15 min; here it gets every sighting and fix."""

from __future__ import annotations

from trackerscan.engine import thresholds as th
from trackerscan.geo import distance_m
from trackerscan.model import Event, Fix, Sighting

BASELINE_MIN_SIGHTINGS = 3
BASELINE_MIN_SPAN_S = 30 * 60.0
BASELINE_PLACES = 3
BASELINE_PLACE_M = 150.0
BASELINE_SAMPLE_S = 60.0  # one stored beacon per device per minute (AirGuard: one per 15 min)


class Baseline:
    def __init__(self) -> None:
        self.fix: Fix | None = None
        self.first: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self.places: dict[str, list[tuple[float, float]]] = {}
        self.next: dict[str, float] = {}
        self.alerts: dict[str, float] = {}

    def feed(self, e: Event) -> str | None:
        """The address alerted by this event, if any."""
        if isinstance(e, Fix):
            self.fix = e
            return None
        if not isinstance(e, Sighting):
            return None
        a, t = e.address, e.time
        if a in self.alerts or t < self.next.get(a, -1.0):
            return None
        self.next[a] = t + BASELINE_SAMPLE_S
        self.first.setdefault(a, t)
        self.count[a] = self.count.get(a, 0) + 1
        f = self.fix
        if f is not None and t - f.time <= th.MAX_FIX_AGE_S:
            pl = self.places.setdefault(a, [])
            if all(distance_m(f.lat, f.lon, p, q) >= BASELINE_PLACE_M for p, q in pl):
                pl.append((f.lat, f.lon))
        if (
            self.count[a] >= BASELINE_MIN_SIGHTINGS
            and t - self.first[a] >= BASELINE_MIN_SPAN_S
            and len(self.places.get(a, ())) >= BASELINE_PLACES
        ):
            self.alerts[a] = t
            return a
        return None

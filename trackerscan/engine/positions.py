"""The user's own track: which fixes to trust, and where a sighting was heard.

Causal: a sighting gets the position of the last trusted fix before it, with an
uncertainty that grows with the fix's age (the user may have moved since).
"""

from __future__ import annotations

import math
from array import array
from typing import cast

from trackerscan.engine import thresholds as th
from trackerscan.geo import distance_m
from trackerscan.model import Fix, FixMode


def fix_accuracy_m(fix: Fix) -> float:
    """Horizontal accuracy in metres: the receiver's figure, else HDOP x UERE, else a default."""
    if fix.accuracy_m is not None and fix.accuracy_m > 0:
        return float(fix.accuracy_m)
    if fix.hdop is not None and fix.hdop > 0:
        return float(fix.hdop) * th.UERE_M
    return th.DEFAULT_FIX_ACCURACY_M


_OPTIONAL = ("alt", "speed_mps", "course", "hdop", "accuracy_m")  # Fix's optional float fields


class FixColumns:
    """Fixes stored as columns of numbers: about 70 bytes a fix instead of about 300 as `Fix` tuples.

    A day at one fix a second is 86,400 fixes (issue #8: ~6 MB instead of ~26 MB).  `list()` gives
    back the very fixes appended (None, NaN and every field kept).
    """

    __slots__ = ("_floats", "_modes", "_nones", "_odd_sats", "_sats", "_source_ids", "_sources")

    def __init__(self) -> None:
        self._floats = array("d")  # time, lat, lon, then the optional fields (NaN when None)
        self._nones = array("B")  # bit j: optional field j (then satellites, bit 5) is None
        self._sats = array("i")
        self._modes = array("B")
        self._source_ids = array("I")
        self._sources: dict[str, int] = {}
        self._odd_sats: dict[int, int] = {}  # satellite counts beyond 32 bits, by fix index

    def __len__(self) -> int:
        return len(self._modes)

    def append(self, fix: Fix) -> None:
        nones = 0
        optional = (fix.alt, fix.speed_mps, fix.course, fix.hdop, fix.accuracy_m)  # as _OPTIONAL
        values: list[float]
        if None in optional:  # one test for the common case, a fix with every field (2 µs a fix less)
            for j, v in enumerate(optional):
                if v is None:
                    nones |= 1 << j
            values = [fix.time, fix.lat, fix.lon, *(math.nan if v is None else v for v in optional)]
        else:
            values = [fix.time, fix.lat, fix.lon, *cast("tuple[float, ...]", optional)]
        if fix.satellites is None:
            nones |= 1 << len(_OPTIONAL)
        self._floats.fromlist(values)  # (twice extend's speed)
        self._nones.append(nones)
        sats = fix.satellites or 0
        if not -(2**31) <= sats < 2**31:  # not a receiver's count, but kept as given
            self._odd_sats[len(self._modes)] = sats
            sats = 0
        self._sats.append(sats)
        self._modes.append(int(fix.mode))
        sources = self._sources
        sid = sources.get(fix.source)
        if sid is None:
            sid = sources[fix.source] = len(sources)
        self._source_ids.append(sid)

    def list(self) -> list[Fix]:
        """Every fix appended, in order."""
        names = list(self._sources)
        f = self._floats
        w = 3 + len(_OPTIONAL)
        out: list[Fix] = []
        for i, nones in enumerate(self._nones):
            row = f[i * w : i * w + w]
            opt = [None if nones & (1 << j) else row[3 + j] for j in range(len(_OPTIONAL))]
            sats = None if nones & (1 << len(_OPTIONAL)) else self._odd_sats.get(i, self._sats[i])
            out.append(
                Fix(row[0], row[1], row[2], opt[0], opt[1], opt[2], opt[3], opt[4],
                    FixMode(self._modes[i]), sats, names[self._source_ids[i]])
            )
        return out


class UserTrack:
    """Trusted fixes in time order, the last one, and the user's recent speed."""

    __slots__ = ("_rejected", "_speed_ref", "fixes", "last", "last_accuracy", "rejected", "speed_mps")

    def __init__(self) -> None:
        self.fixes = FixColumns()
        self.last: Fix | None = None
        self.last_accuracy = th.DEFAULT_FIX_ACCURACY_M
        self.speed_mps: float | None = None
        self.rejected = 0
        self._rejected: Fix | None = None
        self._speed_ref: list[Fix] = []

    def add(self, fix: Fix) -> bool:
        """Keep ``fix`` if plausible; False when it goes back in time or jumps impossibly far."""
        last = self.last
        if last is not None:
            dt = fix.time - last.time
            if dt <= 0:
                self.rejected += 1
                return False
            if distance_m(last.lat, last.lon, fix.lat, fix.lon) > th.MAX_USER_SPEED_MPS * dt + 200.0:
                # Accept the jump only when a second fix confirms the new position.
                prev = self._rejected
                self._rejected = fix
                if prev is None or not (
                    fix.time - prev.time > 0
                    and distance_m(prev.lat, prev.lon, fix.lat, fix.lon)
                    <= th.MAX_USER_SPEED_MPS * (fix.time - prev.time) + 200.0
                ):
                    self.rejected += 1
                    return False
                self._speed_ref.clear()
        self._rejected = None
        self.last = fix
        self.last_accuracy = fix_accuracy_m(fix)
        self.fixes.append(fix)
        self._update_speed(fix)
        return True

    def _update_speed(self, fix: Fix) -> None:
        ref = self._speed_ref
        ref.append(fix)
        while len(ref) > 2 and fix.time - ref[1].time >= th.SPEED_WINDOW_S:
            ref.pop(0)
        first = ref[0]
        span = fix.time - first.time
        if span >= th.SPEED_WINDOW_S / 2:
            self.speed_mps = distance_m(first.lat, first.lon, fix.lat, fix.lon) / span
        elif fix.speed_mps is not None and self.speed_mps is None:
            self.speed_mps = float(fix.speed_mps)

    def position_at(self, t: float) -> tuple[float, float, float] | None:
        """(lat, lon, uncertainty_m) for a sighting at ``t``, or None when no recent fix exists."""
        last = self.last
        if last is None:
            return None
        age = t - last.time
        if age > th.MAX_FIX_AGE_S or age < -th.MAX_FIX_AGE_S:
            return None
        speed = self.speed_mps if self.speed_mps is not None else th.UNKNOWN_SPEED_MPS
        return last.lat, last.lon, self.last_accuracy + speed * abs(age)

    def fresh(self, t: float, max_age_s: float = th.MAX_FIX_AGE_S) -> bool:
        return self.last is not None and t - self.last.time <= max_age_s

"""The levels of a sweep, kept by layout as doubles: what the detector reads.

A hop's levels as a tuple of Python floats take 32 bytes a level; here they take 8, in one growing
array per layout (first bin, bin step, bins), with each hop's time beside them.  An hour of the
simulator's rtl_power-style hops over the UK bands is about 42 MB this way, where the hops
themselves take about 170 MB; the detector reads each layout as a 2-D numpy view of the array, with
no copy.  Hops of one layout stay in the order they came, which is all the analysis depends on.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import numpy as np

from trackerscan.rf.records import Hop

Layout = tuple[int, float, int]  # first bin (Hz), bin step (Hz), bins


class SweepLevels:
    """Every hop of a sweep, by layout: times and levels as doubles."""

    def __init__(self) -> None:
        self._rows: dict[Layout, tuple[array[float], array[float]]] = {}
        self.hops = 0

    @classmethod
    def of(cls, hops: Iterable[Hop]) -> SweepLevels:
        levels = cls()
        for hop in hops:
            levels.add(hop)
        return levels

    def add(self, hop: Hop) -> None:
        key = (hop.low_hz, hop.step_hz, len(hop.db))
        rows = self._rows.get(key)
        if rows is None:
            rows = self._rows[key] = (array("d"), array("d"))
        rows[0].append(hop.time)
        rows[1].extend(hop.db)
        self.hops += 1

    def layouts(self) -> dict[Layout, tuple[np.ndarray, np.ndarray]]:
        """Each layout's hop times (k,) and levels (k, bins), read-only views of the arrays kept."""
        out: dict[Layout, tuple[np.ndarray, np.ndarray]] = {}
        for key, (times, levels) in self._rows.items():
            t = np.frombuffer(times, dtype=np.float64)
            d = np.frombuffer(levels, dtype=np.float64).reshape(len(times), key[2])
            out[key] = (t, d)
        return out

"""GPS sources without a receiver: a fixed position given by the user, or no positions at all."""

from __future__ import annotations

import asyncio

from trackerscan.model import Fix, FixMode, SourceEventKind
from trackerscan.sources.gps.base import GpsSource
from trackerscan.sources.gps.clock import ClockCorrector

FIXED_EVERY_S = 1.0  # s between fixes of a fixed position


class FixedSource(GpsSource):
    """A position given by the user, repeated every `FIXED_EVERY_S` and stamped with the (corrected) clock."""

    def __init__(self, lat: float, lon: float, clock: ClockCorrector | None = None,
                 every_s: float = FIXED_EVERY_S) -> None:
        super().__init__("fixed", clock)
        self.lat = lat
        self.lon = lon
        self.every_s = every_s

    async def _run(self) -> None:
        while True:
            self._put(Fix(self.clock.now(), self.lat, self.lon, mode=FixMode.FIX_2D, source=self.name))
            await asyncio.sleep(self.every_s)


class NoGpsSource(GpsSource):
    """No positions: one INFO event, then nothing until closed."""

    def __init__(self, clock: ClockCorrector | None = None) -> None:
        super().__init__("none", clock)

    async def _run(self) -> None:
        self._event(SourceEventKind.INFO, "no GPS: places come from place marks")
        await asyncio.Event().wait()

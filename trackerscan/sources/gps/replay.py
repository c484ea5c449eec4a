"""Fixes of a recorded GPS file (NMEA log, GPX track or session fixes), replayed in time or at once."""

from __future__ import annotations

import asyncio
import time
from datetime import date as Date
from pathlib import Path

from trackerscan.formats.fixfile import read_fix_file
from trackerscan.formats.nmea import Record, summary
from trackerscan.model import Fix, SourceEvent, SourceEventKind
from trackerscan.sources.gps.base import GpsSource
from trackerscan.sources.gps.clock import ClockCorrector


class ReplaySource(GpsSource):
    """Fixes of a recorded file, in real time (speed=1), N times faster, or at once (speed=0)."""

    def __init__(self, path: Path, speed: float, clock: ClockCorrector | None = None,
                 date: Date | None = None) -> None:
        super().__init__(f"replay:{path.name}", clock)
        self.path = path
        self.speed = speed
        self._date = date
        self._records: list[Record] = []

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        self._records, self.rejected = await loop.run_in_executor(None, read_fix_file, self.path, self._date,
                                                                    f"replay:{self.path.name}")

    async def _run(self) -> None:
        records = self._records
        start = time.monotonic()
        t0 = records[0].time if records else 0.0
        for record in records:
            if self.speed > 0:
                wait = start + (record.time - t0) / self.speed - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            else:
                await asyncio.sleep(0)
            self._put(record)
        fixes = sum(1 for r in records if isinstance(r, Fix))
        end = records[-1].time if records else self.clock.now()
        self._put(SourceEvent(end, self.name, SourceEventKind.INFO,
                              f"replay finished: {fixes} fixes; {summary(self.rejected)}"))

"""The clock correction for computers without a real-time clock, from GPS time.

A Raspberry Pi without a real-time clock boots with a wrong clock.  Live GPS sources (serial NMEA, gpsd)
stamp fixes with GPS time and compare it with the system clock through their `ClockCorrector`
(``source.clock``): when they differ by more than `CLOCK_OFFSET_THRESHOLD_S` the offset is recorded (a
``SourceEvent`` of kind ``CLOCK_OFFSET`` whose ``value`` is GPS minus system time, in seconds) and
``clock.correct(t)`` / ``clock.now()`` give GPS-based times.  Pass one corrector to `open_gps` and use the
same object to stamp Bluetooth sightings, so both agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from trackerscan.model import SourceEvent, SourceEventKind
from trackerscan.release import RELEASE_DATE
from trackerscan.timeutil import iso_utc

CLOCK_OFFSET_THRESHOLD_S = 2.0  # s; issue #3: a system clock further than this from GPS time is corrected
# s; issue #11: GPS time more than a day ahead of the system clock (a Pi without a real-time clock boots
# at its last shutdown, or 1970) is adopted only when this many GPS epochs give the same offset, so that
# one corrupt date cannot move every sighting
CLOCK_FUTURE_S = 86400.0
CLOCK_CONFIRM_EPOCHS = 2
_RELEASE_T = float((RELEASE_DATE.toordinal() - 719163) * 86400)  # RELEASE_DATE 00:00 UTC, Unix time


class ClockCorrector:
    """GPS time minus system time, once they differ by more than ``threshold_s``; else 0.

    ``correct(t)`` turns a system-clock stamp into GPS-based time; ``now()`` is
    the corrected current time.  The offset changes only when the measured one
    moves by more than the threshold (receiver latency is not a clock error).
    A GPS time before `RELEASE_DATE` is never adopted (a receiver's week
    rollover, not the present), and one more than `CLOCK_FUTURE_S` ahead of the
    system clock only once `CLOCK_CONFIRM_EPOCHS` GPS epochs agree on the
    offset.  Both what is adopted and what is refused come back as events.
    """

    def __init__(self, threshold_s: float = CLOCK_OFFSET_THRESHOLD_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.threshold_s = threshold_s
        self.offset_s = 0.0
        self._clock = clock
        self._pending: list[float] = []  # offsets of GPS epochs far ahead, waiting for agreement
        self._refused = False  # an early GPS time was reported: say it once until one is adopted

    def system_time(self) -> float:
        return self._clock()

    def now(self) -> float:
        return self._clock() + self.offset_s

    def correct(self, t: float) -> float:
        return t + self.offset_s

    def observe(self, gps_time: float, system_time: float, source: str) -> SourceEvent | None:
        """Compare one GPS time with the system clock at its arrival; an event when the offset changes."""
        measured = gps_time - system_time
        if abs(measured) <= self.threshold_s:
            if self.offset_s == 0.0:
                return None
            self.offset_s = 0.0
            return SourceEvent(gps_time, source, SourceEventKind.CLOCK_OFFSET,
                               "the system clock agrees with GPS time again", 0.0)
        if abs(measured - self.offset_s) <= self.threshold_s:
            return None
        if gps_time < _RELEASE_T:
            if self._refused:
                return None
            self._refused = True
            return SourceEvent(gps_time, source, SourceEventKind.CLOCK_OFFSET,
                               f"GPS time {iso_utc(gps_time)} is before this trackerscan's release "
                               f"({RELEASE_DATE}): the system clock is not corrected from it", None)
        confirm = ""
        if measured > CLOCK_FUTURE_S:
            pending = [m for m in self._pending if abs(m - measured) <= self.threshold_s]
            self._pending = [*pending, measured]
            if len(self._pending) < CLOCK_CONFIRM_EPOCHS:
                return None
            confirm = f" ({CLOCK_CONFIRM_EPOCHS} GPS epochs agree)"
        self._pending = []
        self._refused = False
        self.offset_s = measured
        way = "behind" if measured > 0 else "ahead of"
        return SourceEvent(gps_time, source, SourceEventKind.CLOCK_OFFSET,
                           f"the system clock is {abs(measured):.1f} s {way} GPS time{confirm}: using GPS "
                           f"time from {iso_utc(gps_time)}", measured)

"""A watchdog that notices a scanner gone silent, so its source can restart it.

Pure bookkeeping: the caller feeds it the time of each sighting and asks
whether a restart is due.  The clock is injected (monotonic seconds by
default), so tests drive time without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# A scanner that has delivered nothing for this long is restarted (seconds).
# BlueZ and some USB controllers occasionally stop reporting while still
# "discovering"; anywhere people are, phones advertise several times a second,
# so 30 s of silence is far outside normal operation (issue #3).
SILENCE_RESTART_S = 30.0

# After a restart that brought nothing back the next one waits twice as long,
# up to this (seconds): in a truly empty place (a field, a locked car park) the
# log then holds one restart every 5 minutes instead of one every 30 s.
SILENCE_RESTART_MAX_S = 300.0

# How often a source asks the watchdog (seconds): well under SILENCE_RESTART_S.
WATCHDOG_POLL_S = 1.0


class Watchdog:
    """Tracks when a scanner last delivered something and when to restart it."""

    def __init__(
        self,
        silence_s: float = SILENCE_RESTART_S,
        max_silence_s: float = SILENCE_RESTART_MAX_S,
        clock: Callable[[], float] = time.monotonic,
        poll_s: float = WATCHDOG_POLL_S,
    ) -> None:
        self.silence_s = silence_s
        self.max_silence_s = max(max_silence_s, silence_s)
        self.clock = clock
        self.poll_s = poll_s
        self.restarts = 0
        self._limit = silence_s
        self._last = clock()

    def reset(self) -> None:
        """Start counting afresh (the scanner was just (re)started by its source)."""
        self._last = self.clock()

    def feed(self) -> None:
        """The scanner delivered something: it is alive."""
        self._last = self.clock()
        self._limit = self.silence_s

    def silent_for(self) -> float:
        """Seconds since the scanner last delivered something (or was started)."""
        return max(0.0, self.clock() - self._last)

    def due(self) -> bool:
        """True when the scanner has been silent long enough to restart it."""
        return self.silent_for() >= self._limit

    def restarted(self) -> float:
        """Record a restart; return the silence (seconds) that caused it."""
        silence = self.silent_for()
        self.restarts += 1
        self._limit = min(self._limit * 2.0, self.max_silence_s)
        self._last = self.clock()
        return silence

"""One live radio sweep for every front end, as `live.LiveSession` is for Bluetooth.

`trackerscan rf sweep`, the window's radio sweep mode and the kit's three presses each run a
`RadioSweep`: the source opened from its spec, every hop into a `LiveRf` (candidates and the hot/cold
meter) and, when asked, copied to a recording in the rtl_power CSV format; the sweep ends when `stop`
is called (from any thread), Ctrl-C is pressed, the time limit is reached or the source ends.  The
whole sweep, not only the live window of its last 20 minutes, is then analysed and recorded in a
session of its own (`sessions/radio.py`), so every front end leaves the same kind of session.
`run` blocks: the window and the kit call it in a worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from trackerscan.find.rf_sweep import LiveRf, Meter
from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import Analysis, analyze
from trackerscan.rf.levels import SweepLevels
from trackerscan.rf.sweep_csv import format_hop
from trackerscan.sessions.paths import sessions_dir
from trackerscan.sessions.radio import record_sweep
from trackerscan.sources.rf import RfSource, open_rf


@dataclass(frozen=True, slots=True)
class RadioResult:
    """How a sweep ended: what it found and covered, the meter's last reading, and the session it was
    recorded in (None when nothing was swept or no session was asked for)."""

    source: str
    analysis: Analysis
    meter: Meter | None
    session: Path | None


class RadioSweep:
    """One radio sweep from ``spec`` over ``region``'s uplink bands.

    ``on_hop(live, analysed)`` is called after every hop (``analysed``: the candidates were analysed
    again); ``record`` receives every hop as a CSV line; ``minutes`` ends the sweep after that much
    sweep time; ``session=False`` leaves no session.  A `TrackerscanError` from `run` means the device
    could not be used (one sentence for the user).
    """

    def __init__(self, spec: str, region: str, data_dir: str | None, *, session: bool = True,
                 record: IO[str] | None = None, minutes: float | None = None,
                 on_hop: Callable[[LiveRf, bool], None] | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        self.spec = spec
        self.region = region
        self.data_dir = data_dir
        self.session = session
        self.record = record
        self.minutes = minutes
        self.on_hop = on_hop
        self.wall = wall
        self._stop = threading.Event()
        self._bands = region_bands(region)
        self._source: RfSource | None = None
        self._started: float | None = None

    def open(self) -> str:
        """Open the device (a `TrackerscanError` if it cannot be used) and return its name; `run` opens
        it when this was not called."""
        if self._source is None:
            self._started = self.wall()
            self._source = open_rf(self.spec, self._bands, clock=self.wall)
        return self._source.name

    def stop(self) -> None:
        """End the sweep at its next hop (any thread)."""
        self._stop.set()

    def close(self) -> None:
        """Let the device go if `open` was called but `run` will not be (`run` closes it itself)."""
        if self._source is not None:
            self._source.close()
            self._source = None

    def run(self) -> RadioResult:
        """Sweep until stopped; analyse and record the sweep."""
        self.open()
        source, started = self._source, self._started
        assert source is not None and started is not None
        bands = self._bands
        live = LiveRf(bands)
        swept = SweepLevels()  # the whole sweep, as doubles (8 bytes a level)
        try:
            for hop in source.hops():
                if self._stop.is_set():
                    break
                if self.record is not None:
                    self.record.write(format_hop(hop) + "\n")
                swept.add(hop)
                analysed = live.add(hop)
                if self.on_hop is not None:
                    self.on_hop(live, analysed)
                if (self.minutes is not None and live.first_time is not None and live.last_time is not None
                        and live.last_time - live.first_time >= self.minutes * 60):
                    break
        except KeyboardInterrupt:  # Ctrl-C in `rf sweep` ends the sweep as `stop` does
            pass
        finally:
            self.close()
            if self.record is not None:
                self.record.flush()
        result = analyze(swept, bands, source.damaged)
        path = None
        if self.session and live.first_time is not None and live.last_time is not None:
            path = record_sweep(sessions_dir(self.data_dir, create=True), source=source.name,
                                region=self.region, result=result, started=started,
                                first=live.first_time, last=live.last_time)
        return RadioResult(source.name, result, live.meter(), path)

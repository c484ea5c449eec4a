"""A live RF sweep: hops in, the candidate table and a hot/cold meter out.  Pure: time comes with hops.

Detection runs again over a sliding window every few seconds of sweep time; the meter follows the
most confident candidate and reads its channels in every hop that covers them.  A tracker is on the
air for seconds a minute, so the meter shows its last burst, and whether that burst was stronger than
the one before (the antenna moved closer), not a continuous level as the Bluetooth finder does.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from trackerscan.rf import thresholds as th
from trackerscan.rf.bands import Band
from trackerscan.rf.detect import Analysis, analyze
from trackerscan.rf.records import Hop, Transmitter
from trackerscan.smoothing import TREND_DB, Trend

# Sweep data kept for detection, seconds: five reports of a 120 s tracker and a margin (20 min).
WINDOW_S = th.MIN_SWEEP_S * 2
# Detection runs again after this many seconds of sweep time: a Pi 4 analyses a 20-minute window
# in about a second, and a new burst comes at most every 10 s.
REANALYZE_S = 10.0
# The meter's scale, dB over the floor: 0 is the floor, 40 a tracker within a hand's width.
GAUGE_MAX_DB = 40.0


@dataclass(frozen=True, slots=True)
class Meter:
    """The hot/cold readout on one candidate."""

    target: Transmitter
    last_db: float | None  # its last burst, dB over its floor
    last_time: float | None
    trend: Trend
    gauge: int  # 0-100


class LiveRf:
    """State of a live sweep."""

    def __init__(self, bands: tuple[Band, ...]) -> None:
        self.bands = bands
        self._hops: deque[Hop] = deque()
        self.analysis: Analysis | None = None
        self._analysed_at: float | None = None
        self._bursts: list[tuple[float, float]] = []  # (time, dB over floor) of the target
        self.first_time: float | None = None
        self.last_time: float | None = None
        self.damaged = 0

    def add(self, hop: Hop) -> bool:
        """Take one hop; True when the candidates were analysed again."""
        self._hops.append(hop)
        if self.first_time is None:
            self.first_time = hop.time
        self.last_time = hop.time if self.last_time is None else max(self.last_time, hop.time)
        while self._hops and self._hops[0].time < self.last_time - WINDOW_S:
            self._hops.popleft()
        self._read_meter(hop)
        if self._analysed_at is None or hop.time - self._analysed_at >= REANALYZE_S:
            self._analysed_at = hop.time
            old = self.target
            self.analysis = analyze(self._hops, self.bands, self.damaged)
            new = self.target
            if new is None or old is None or (new.low_hz, new.band) != (old.low_hz, old.band):
                self._bursts.clear()
            return True
        return False

    @property
    def hops(self) -> tuple[Hop, ...]:
        """The hops in the window."""
        return tuple(self._hops)

    @property
    def candidates(self) -> list[Transmitter]:
        return self.analysis.transmitters if self.analysis else []

    @property
    def target(self) -> Transmitter | None:
        c = self.candidates
        return c[0] if c else None

    def _read_meter(self, hop: Hop) -> None:
        t = self.target
        if t is None or hop.high_hz <= t.low_hz or hop.low_hz >= t.high_hz:
            return
        levels = [v for i, v in enumerate(hop.db) if t.low_hz <= hop.bin_hz(i) < t.high_hz]
        if not levels:
            return
        above = max(levels) - t.floor_db
        if above < th.BURST_DB:
            return
        if self._bursts and hop.time - self._bursts[-1][0] <= th.MERGE_GAP_S:
            if above > self._bursts[-1][1]:  # the same burst: keep its peak
                self._bursts[-1] = (hop.time, above)
            return
        self._bursts.append((hop.time, above))
        del self._bursts[:-2]

    def meter(self) -> Meter | None:
        t = self.target
        if t is None:
            return None
        if not self._bursts:
            return Meter(t, None, None, Trend.UNKNOWN, 0)
        when, last = self._bursts[-1]
        trend = Trend.UNKNOWN
        if len(self._bursts) == 2:
            diff = last - self._bursts[0][1]
            trend = Trend.CLOSER if diff >= TREND_DB else Trend.FURTHER if diff <= -TREND_DB else Trend.STEADY
        gauge = round(100 * min(1.0, max(0.0, last / GAUGE_MAX_DB)))
        return Meter(t, last, when, trend, gauge)

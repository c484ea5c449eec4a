"""RSSI smoothing and trend for a hot/cold sweep.  Pure: time comes in with each reading.

RSSI from one tracker jumps by 5-10 dB from one advertisement to the next (body shadowing, multipath,
three advertising channels), so single readings cannot say "closer" or "further".  Two exponential
moving averages that respect uneven gaps between readings do: a fast one for the readout and a slow
one as the reference; their difference is the trend.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

# Time constants, seconds.  Trackers advertise every 0.03-4 s (DULT requires <= 4 s, Apple ~2 s:
# trackers.md 2.2, 3.4), so the fast average spans 1-3 adverts at walking pace; the slow one about 4x.
FAST_TAU_S = 2.0
SLOW_TAU_S = 8.0
# Difference between fast and slow averages that counts as a trend, dB.  Above the ~2-3 dB left after
# smoothing single-reading noise of 5-10 dB over a few adverts, below the ~6 dB of halving the distance
# (log-distance path loss with exponent 2).
TREND_DB = 3.0
# A gap longer than this restarts both averages, seconds: after 30 s without a reading the old level
# says nothing about where the user is now.
RESTART_GAP_S = 30.0


class Trend(enum.Enum):
    CLOSER = "closer"
    FURTHER = "further"
    STEADY = "steady"
    UNKNOWN = "unknown"  # too few readings yet

    @property
    def arrow(self) -> str:
        return {"closer": "↑", "further": "↓", "steady": "→", "unknown": "·"}[self.value]


# Minimum readings before a trend is reported (count): one reading has no direction.
MIN_READINGS_FOR_TREND = 3


@dataclass(slots=True)
class RssiSmoother:
    """Fast and slow time-aware EWMAs of one device's RSSI (dBm)."""

    fast: float | None = None
    slow: float | None = None
    last_time: float | None = None
    readings: int = 0

    def add(self, t: float, rssi: float) -> None:
        last = self.last_time
        if self.fast is None or self.slow is None or last is None or t - last > RESTART_GAP_S:
            self.fast = self.slow = float(rssi)
            self.last_time = t
            self.readings = 1
            return
        dt = max(0.0, t - last)  # out-of-order readings count as simultaneous
        fast_w = 1.0 - math.exp(-dt / FAST_TAU_S) if dt > 0 else _SAME_TIME_WEIGHT
        slow_w = 1.0 - math.exp(-dt / SLOW_TAU_S) if dt > 0 else _SAME_TIME_WEIGHT / 4
        self.fast += fast_w * (rssi - self.fast)
        self.slow += slow_w * (rssi - self.slow)
        self.last_time = max(t, last)
        self.readings += 1

    @property
    def smoothed(self) -> float | None:
        return self.fast

    @property
    def trend(self) -> Trend:
        if self.fast is None or self.slow is None or self.readings < MIN_READINGS_FOR_TREND:
            return Trend.UNKNOWN
        diff = self.fast - self.slow
        if diff >= TREND_DB:
            return Trend.CLOSER
        if diff <= -TREND_DB:
            return Trend.FURTHER
        return Trend.STEADY


# Weight of a reading that arrives at the same time as the previous one (two adapters, or a scan
# response): averaged in as one of four, so bursts do not swing the readout.
_SAME_TIME_WEIGHT = 0.25


class Heat(enum.Enum):
    VERY_HOT = "very hot"
    HOT = "hot"
    WARM = "warm"
    COOL = "cool"
    COLD = "cold"


# Smoothed RSSI limits for the hot/cold words, dBm.  Tags transmit at about 0 dBm, which gives roughly
# -55 to -60 dBm at 1 m in open air (log-distance model, exponent 2); every step of 10 dB is about
# 3x the distance.  Walls, car bodies and bags take off 5-20 dB, so these are words for a sweep, not
# distances.
VERY_HOT_DBM = -55.0  # within about an arm's length
HOT_DBM = -65.0  # a couple of metres
WARM_DBM = -75.0  # same room or car
COOL_DBM = -85.0  # nearby, behind something


def heat(smoothed_dbm: float) -> Heat:
    if smoothed_dbm >= VERY_HOT_DBM:
        return Heat.VERY_HOT
    if smoothed_dbm >= HOT_DBM:
        return Heat.HOT
    if smoothed_dbm >= WARM_DBM:
        return Heat.WARM
    if smoothed_dbm >= COOL_DBM:
        return Heat.COOL
    return Heat.COLD


# The span shown on a 0-100 heat gauge, dBm: -100 is about the weakest a receiver reports, -40 is
# touching distance.
GAUGE_MIN_DBM = -100.0
GAUGE_MAX_DBM = -40.0


def gauge(smoothed_dbm: float) -> int:
    """0 (coldest) to 100 (touching), linear in dB."""
    share = (smoothed_dbm - GAUGE_MIN_DBM) / (GAUGE_MAX_DBM - GAUGE_MIN_DBM)
    return round(100 * min(1.0, max(0.0, share)))

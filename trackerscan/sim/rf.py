"""Simulated sweeps of the uplink bands: cellular trackers, phones, interference, with their truth.

A sweep passes every bin of the region's bands once a second (one timestamp per sweep, as rtl_power
writes it), each bin sampled at its own moment within the sweep, so a short burst is seen only if the
sweep passes its channel while it lasts.  Levels add in power over a noise floor with a gentle
slope and Gaussian noise (rtl_power averages many FFTs, so its per-bin noise is about 1 dB).

- **trackers** report every ``period_s`` with timer jitter, skip some reports, move between a few
  channels of their carrier, and are weak (10 dB over the floor) to strong (40 dB), 1 bin wide
  (GSM, NB-IoT) or 5-6 (LTE-M);
- **phones** send Poisson traffic (bursts at random times, of random length, width and level);
- **interference**: base-station leakage (constant carriers, and ones switching on for minutes) and
  wideband bursts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from trackerscan.rf import thresholds as rf_thresholds
from trackerscan.rf.bands import Band, region_bands
from trackerscan.rf.records import Hop

STEP_HZ = 200_000.0
BINS_PER_HOP = 12  # 2.4 MHz per hop, an RTL-SDR's usable bandwidth
SWEEP_S = 1.13  # one pass over all bands (not a whole second, so reports do not land in step with it)
SWEEP_BUSY_S = 0.9  # the part of it spent sampling (the rest is retuning)
FLOOR_DB = -105.0
NOISE_DB = 1.0
START = 1_790_000_000.0  # 2026-09-21T12:53:20Z


@dataclass(frozen=True, slots=True)
class SimTracker:
    period_s: float
    above_db: float
    center_hz: float
    width_bins: int = 1
    burst_s: float = 2.0
    jitter_s: float = 0.2
    miss: float = 0.1  # share of reports skipped
    hops_hz: tuple[float, ...] = (0.0,)  # channel offsets it moves between
    hop_every: int = 0  # reports on one channel before moving (0: never moves)
    phase_s: float = 0.0


@dataclass(frozen=True, slots=True)
class TrackerTruth:
    tracker: SimTracker
    reports: tuple[float, ...]  # start of every report sent
    seen: tuple[float, ...]  # start of the reports a sweep passed while they lasted
    # ... of those, the ones another emission (a phone, interference, another tracker) overlapped on the
    # same or the next bins within a few seconds: in power alone they are one burst with it
    masked: tuple[float, ...] = ()


@dataclass(slots=True)
class RfScenario:
    name: str
    seed: int
    region: str
    hops: list[Hop]
    truth: list[TrackerTruth] = field(default_factory=list)


@dataclass(slots=True)
class _Emission:
    start: float
    end: float
    lo: int  # bin indices, inclusive
    hi: int
    level_db: float  # absolute
    owner: int = -1  # tracker index, -1 otherwise


class _Grid:
    def __init__(self, bands: tuple[Band, ...]) -> None:
        starts: list[float] = []
        for b in bands:
            f = float(b.low_hz)
            while f < b.high_hz:
                starts.append(f)
                f += STEP_HZ * BINS_PER_HOP
        self.hop_starts = starts
        self.freqs = np.array([s + i * STEP_HZ for s in starts for i in range(BINS_PER_HOP)])
        self.n = len(self.freqs)
        self.bands = bands

    def bin_of(self, hz: float) -> int:
        return int(np.argmin(np.abs(self.freqs - hz)))

    def random_hz(self, rng: np.random.Generator) -> float:
        b = self.bands[int(rng.integers(len(self.bands)))]
        return float(rng.uniform(b.low_hz + 2e6, b.high_hz - 2e6))


def _tracker_emissions(k: int, tr: SimTracker, grid: _Grid, slope: np.ndarray, minutes: float,
                       rng: np.random.Generator) -> tuple[list[_Emission], list[float]]:
    out, reports = [], []
    t = START + tr.phase_s
    n = 0
    end = START + minutes * 60
    while t < end:
        if rng.random() >= tr.miss:
            channel = tr.hops_hz[(n // tr.hop_every) % len(tr.hops_hz)] if tr.hop_every else tr.hops_hz[0]
            c = grid.bin_of(tr.center_hz + channel)
            half = tr.width_bins // 2
            level = FLOOR_DB + float(slope[c]) + tr.above_db + float(rng.normal(0, 1.0))
            out.append(_Emission(t, t + tr.burst_s, c - half, c - half + tr.width_bins - 1, level, k))
            reports.append(t)
        n += 1
        t = START + tr.phase_s + n * tr.period_s + float(rng.normal(0, tr.jitter_s))
    return out, reports


def _phone_emissions(grid: _Grid, phones: int, minutes: float, rng: np.random.Generator) -> list[_Emission]:
    out = []
    end = START + minutes * 60
    for _ in range(phones):
        center = grid.random_hz(rng)
        rate = 1.0 / float(rng.uniform(15, 120))  # bursts per second
        base = float(rng.uniform(6, 30))
        t = START + float(rng.exponential(1 / rate))
        while t < end:
            dur = float(rng.exponential(2.0)) if rng.random() < 0.9 else float(rng.uniform(10, 60))
            width = int(rng.integers(1, 26))
            c = grid.bin_of(center + float(rng.uniform(-5e6, 5e6)))
            level = FLOOR_DB + base + float(rng.normal(0, 4.0))
            out.append(_Emission(t, t + dur, c, c + width - 1, level))
            t += float(rng.exponential(1 / rate))
    return out


def _interference(grid: _Grid, minutes: float, carriers: int, wideband_per_min: float, avoid: list[float],
                  rng: np.random.Generator) -> list[_Emission]:
    """Leakage carriers (kept 3 MHz from the trackers' channels: a tracker under a carrier stronger
    than itself is not "10 dB over the floor") and wideband bursts."""
    out = []
    end = START + minutes * 60
    for i in range(carriers):
        hz = grid.random_hz(rng)
        while any(abs(hz - a) < 3e6 for a in avoid):
            hz = grid.random_hz(rng)
        c = grid.bin_of(hz)
        level = FLOOR_DB + float(rng.uniform(8, 25))
        if i % 2 == 0:  # constant leakage
            out.append(_Emission(START - 1, end + 1, c, c, level))
        else:  # switching on for minutes at a time
            t = START + float(rng.uniform(0, 120))
            while t < end:
                on = float(rng.uniform(60, 300))
                out.append(_Emission(t, t + on, c, c + 1, level))
                t += on + float(rng.uniform(60, 300))
    if wideband_per_min > 0:
        t = START + float(rng.exponential(60 / wideband_per_min))
        while t < end:
            lo = grid.bin_of(grid.random_hz(rng))
            out.append(_Emission(t, t + float(rng.uniform(0.5, 5)), lo, min(grid.n - 1, lo + 60),
                                 FLOOR_DB + float(rng.uniform(8, 20))))
            t += float(rng.exponential(60 / wideband_per_min))
    return out


# Another emission this close to a tracker's report, in seconds and in bins, merges with it in the
# detector (events less than MERGE_GAP_S apart; up to BIN_GAP quiet bins inside one sweep's event).
MASK_GAP_S = rf_thresholds.MERGE_GAP_S
MASK_GAP_BINS = rf_thresholds.BIN_GAP + 1


def _masked(ems: list[_Emission], seen: list[set[float]]) -> list[set[float]]:
    """Per tracker, the starts of its reports that another emission overlapped (MASK_GAP_*)."""
    out: list[set[float]] = [set() for _ in seen]
    for e in ems:
        if e.owner < 0:
            continue
        if any(o is not e and o.owner != e.owner
               and o.start <= e.end + MASK_GAP_S and o.end >= e.start - MASK_GAP_S
               and o.lo <= e.hi + MASK_GAP_BINS and o.hi >= e.lo - MASK_GAP_BINS for o in ems):
            out[e.owner].add(e.start)
    return out


def simulate(name: str, seed: int, trackers: list[SimTracker], *, minutes: float = 15.0, phones: int = 0,
             carriers: int = 2, wideband_per_min: float = 0.0, region: str = "uk") -> RfScenario:
    """Sweeps of ``minutes`` with the given cast; the same seed gives the same sweeps."""
    rng = np.random.default_rng(seed)
    grid = _Grid(region_bands(region))
    slope = 3.0 * np.sin(np.linspace(0, 7, grid.n)) + rng.normal(0, 0.5, grid.n)
    ems: list[_Emission] = []
    reports = []
    for k, tr in enumerate(trackers):
        em, r = _tracker_emissions(k, tr, grid, slope, minutes, rng)
        ems += em
        reports.append(r)
    ems += _phone_emissions(grid, phones, minutes, rng)
    ems += _interference(grid, minutes, carriers, wideband_per_min, [t.center_hz for t in trackers], rng)
    ems.sort(key=lambda e: e.start)
    starts = np.array([e.start for e in ems])
    offsets = np.arange(grid.n) / grid.n * SWEEP_BUSY_S
    seen: list[set[float]] = [set() for _ in trackers]
    hops: list[Hop] = []
    n_sweeps = int(minutes * 60 / SWEEP_S)
    max_dur = max((e.end - e.start for e in ems), default=0.0)
    for s in range(n_sweeps):
        t = START + s * SWEEP_S
        power = 10 ** ((FLOOR_DB + slope + rng.normal(0, NOISE_DB, grid.n)) / 10)
        lo_i = int(np.searchsorted(starts, t - max_dur - 1))
        hi_i = int(np.searchsorted(starts, t + SWEEP_S))
        for e in ems[lo_i:hi_i]:
            if e.end < t or e.start > t + SWEEP_S:
                continue
            lo, hi = max(0, e.lo), min(grid.n - 1, e.hi)
            if lo > hi:
                continue
            when = t + offsets[lo:hi + 1]
            on = (when >= e.start) & (when <= e.end)
            if not on.any():
                continue
            power[lo:hi + 1][on] += 10 ** (e.level_db / 10)
            if e.owner >= 0:
                seen[e.owner].add(e.start)
        db = 10 * np.log10(power)
        for h, f0 in enumerate(grid.hop_starts):
            vals = db[h * BINS_PER_HOP:(h + 1) * BINS_PER_HOP]
            hops.append(Hop(t, round(f0), round(f0 + BINS_PER_HOP * STEP_HZ), STEP_HZ, 1000,
                            tuple(round(float(v), 2) for v in vals)))
    masked = _masked(ems, seen)
    truth = [TrackerTruth(tr, tuple(r), tuple(sorted(seen[k])), tuple(sorted(masked[k] & seen[k])))
             for k, (tr, r) in enumerate(zip(trackers, reports, strict=True))]
    return RfScenario(name, seed, region, hops, truth)


# --- The suite ---------------------------------------------------------------------------------------------
_B20 = 845_000_000.0
_B8 = 900_000_000.0
_B3 = 1_750_000_000.0
_B28 = 720_000_000.0


def _suite() -> dict[str, tuple[list[SimTracker], dict[str, float]]]:
    busy: dict[str, float] = {"phones": 40, "carriers": 6, "wideband_per_min": 1.0}
    quiet: dict[str, float] = {"phones": 0, "carriers": 2}
    return {
        "quiet": ([], quiet),
        "busy": ([], busy),
        "tracker_60s_strong": ([SimTracker(60, 35, _B20)], quiet),
        "tracker_120s_weak": ([SimTracker(120, 10, _B8, phase_s=17)], quiet),
        "tracker_10s_gsm": ([SimTracker(10, 20, _B8, burst_s=1.0)], quiet),
        "tracker_30s_ltem_hops": ([SimTracker(30, 15, _B3, width_bins=6, hops_hz=(0, 1.4e6, -1.4e6),
                                              hop_every=3)], quiet),
        "tracker_60s_missed": ([SimTracker(60, 12, _B28, miss=0.3, jitter_s=0.5)], quiet),
        "busy_tracker_60s": ([SimTracker(60, 15, _B20, phase_s=5)], busy),
        "busy_tracker_120s_weak": ([SimTracker(120, 10, _B3, width_bins=6, phase_s=40)], busy),
        "busy_two_trackers": ([SimTracker(45, 20, _B8), SimTracker(90, 12, _B28, phase_s=30)], busy),
    }


def scenario_names() -> list[str]:
    return list(_suite())


def build(name: str, seed: int = 0, minutes: float | None = None) -> RfScenario:
    """One scenario of the suite: 15 minutes, or 25 for 120 s trackers (room for 5 reports missed or not)."""
    suite = _suite()
    if name not in suite:
        raise KeyError(name)
    trackers, cast = suite[name]
    if minutes is None:
        minutes = 25.0 if any(t.period_s >= 120 for t in trackers) else 15.0
    return simulate(name, seed, trackers, minutes=minutes, phones=int(cast.get("phones", 0)),
                    carriers=int(cast.get("carriers", 2)), wideband_per_min=cast.get("wideband_per_min", 0.0))


def expected_found(tr: SimTracker) -> bool:
    """The done-when target: period ≤ 120 s and ≥ 10 dB over the floor."""
    return tr.period_s <= 120 and tr.above_db >= 10 and not math.isnan(tr.period_s)

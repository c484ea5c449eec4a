"""The immutable records of the RF side: one sweep hop as read, one transmitter as found."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hop:
    """One line of an rtl_power/hackrf_sweep CSV: power in ``len(db)`` bins of ``step_hz`` from ``low_hz``.

    ``time`` is UTC seconds since the epoch; ``db`` are relative power levels (dB, uncalibrated for
    RTL-SDR and HackRF, dBm for a tinySA).  Bin ``i`` starts at ``low_hz + i * step_hz``.
    """

    time: float
    low_hz: int
    high_hz: int
    step_hz: float
    samples: int
    db: tuple[float, ...]

    def bin_hz(self, i: int) -> int:
        return round(self.low_hz + i * self.step_hz)


@dataclass(frozen=True, slots=True)
class Transmitter:
    """A transmitter whose bursts repeat with a stable period."""

    band: str
    low_hz: int
    high_hz: int
    period_s: float
    bursts: int
    first_seen: float
    last_seen: float
    peak_db: float
    confidence: float  # 0-1
    jitter_s: float  # RMS of burst times around the fitted schedule
    floor_db: float  # median noise floor in its channels

    @property
    def above_floor_db(self) -> float:
        return self.peak_db - self.floor_db


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of one uplink band was swept, and for how long."""

    band: str
    low_hz: int
    high_hz: int
    seconds: float

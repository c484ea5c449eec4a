"""RF sources, chosen by short strings; each yields Hops, one sweep pass after another.

- ``tinysa:/dev/ttyACM0``: a tinySA or tinySA Ultra over its USB serial command interface;
- ``rtlsdr`` or ``rtlsdr:INDEX``: an RTL-SDR dongle through ``rtl_power`` (package rtl-sdr);
- ``hackrf``: a HackRF One through ``hackrf_sweep`` (package hackrf);
- ``replay:FILE[,speed=N]``: a recorded sweep in the rtl_power CSV format (speed=0, the default: as
  fast as possible; N: N times real time).

Listening only: every source receives and reports power levels; none transmits or decodes anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

from trackerscan.errors import InputError
from trackerscan.rf.bands import Band
from trackerscan.rf.records import Hop
from trackerscan.safetext import printable as shown

RF_SPEC_FORMS = "tinysa:/dev/ttyACM0, rtlsdr, rtlsdr:INDEX, hackrf or replay:FILE[,speed=N]"


class RfSource(Protocol):
    """What every RF source offers."""

    name: str
    low_hz: int  # what the device can tune
    high_hz: int
    damaged: int  # sweep lines or replies that could not be read, so far

    def hops(self) -> Iterator[Hop]:
        """Hops as they are measured, until the source ends or is closed."""
        ...

    def close(self) -> None: ...


def open_rf(spec: str, bands: tuple[Band, ...], *, clock: Callable[[], float] = time.time) -> RfSource:
    """The source for ``spec``, set to sweep the parts of ``bands`` it can tune.

    ``clock`` (UTC epoch seconds) stamps live sweeps; a replay keeps its recorded times.
    """
    kind, _, rest = spec.strip().partition(":")
    if kind == "tinysa":
        from trackerscan.sources.rf_tinysa import TinySa

        if not rest:
            raise InputError("tinysa needs the serial port, e.g. tinysa:/dev/ttyACM0.")
        tinysa: RfSource = TinySa(rest, bands, clock=clock)
        return tinysa
    if kind in ("rtlsdr", "hackrf"):
        from trackerscan.sources.rf_programs import open_program

        return open_program(kind, rest, bands)
    if kind == "replay":
        from trackerscan.sources.rf_replay import Replay

        return Replay(rest)
    raise InputError(f"'{shown(spec)}' is not an RF source: use {RF_SPEC_FORMS}.")

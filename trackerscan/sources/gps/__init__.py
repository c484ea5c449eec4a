"""GPS sources chosen by short strings, and the clock correction for computers without a real-time clock.

`open_gps(spec)` accepts:

- ``nmea:/dev/ttyACM0[,BAUD]``: a receiver on a serial port (baud detected when omitted:
  4800, 9600, 38400, 115200); unplugging is reported and the port reopened when it is back;
- ``gpsd`` or ``gpsd:HOST:PORT``: gpsd's JSON protocol (``?WATCH``), 127.0.0.1:2947 by default;
  reconnects when gpsd restarts;
- ``replay:FILE[,speed=N]``: an NMEA log or GPX track, in real time or N times faster (0: at once);
- ``fixed:LAT,LON``: a stationary sweep without a receiver (a fix every second, stamped now);
- ``none``: no positions at all (places then come from the user's place marks).

Every source is an async iterator of `Fix`, `NoFix` and `SourceEvent`, stopped
with ``await source.aclose()``.  No fix is explicit (`NoFix`), never 0, 0.

Modules: `clock` (`ClockCorrector`), `base` (`GpsSource`), `serial_nmea`, `gpsd`, `replay`, `fixed`
(``fixed:`` and ``none``); `open_gps` here chooses one by its spec.

**Clock.**  Live sources stamp fixes with GPS time and correct the system clock through their
`ClockCorrector` (``source.clock``, see `trackerscan.sources.gps.clock`): pass one corrector to `open_gps`
and stamp Bluetooth sightings with the same object, so both agree.
"""

from __future__ import annotations

import errno
import os
from datetime import date as Date
from pathlib import Path

from trackerscan.errors import InputError
from trackerscan.safetext import is_digits
from trackerscan.sources.gps.base import GpsSource
from trackerscan.sources.gps.clock import ClockCorrector
from trackerscan.sources.gps.fixed import FixedSource, NoGpsSource
from trackerscan.sources.gps.gpsd import GpsdSource
from trackerscan.sources.gps.replay import ReplaySource
from trackerscan.sources.gps.serial_nmea import MAX_BAUD, SerialNmeaSource, open_error
from trackerscan.sources.replay_speed import parse_speed

GPS_SPEC_FORMS = (
    "nmea:/dev/ttyACM0[,BAUD], gpsd, gpsd:HOST:PORT, replay:FILE[,speed=N], fixed:LAT,LON or none"
)


def _bad_spec(spec: str, why: str = "") -> InputError:
    return InputError(f"'{spec}' is not a GPS source{why}: use {GPS_SPEC_FORMS}.")


def open_gps(spec: str, *, clock: ClockCorrector | None = None, date: Date | None = None) -> GpsSource:
    """A GPS source for ``spec``; `InputError` names the accepted forms when it is not one.

    ``clock`` is shared with other sources so they stamp in GPS time;
    ``date`` is for NMEA logs without dates (replay of GGA-only logs).
    A serial device that does not exist raises `SourceError` at once.
    """
    kind, _, rest = spec.strip().partition(":")
    if kind == "none" and not rest:
        return NoGpsSource(clock)
    if kind == "gpsd":
        if not rest:
            return GpsdSource(clock=clock)
        host, _, port_text = rest.rpartition(":")
        if not host or not is_digits(port_text) or not 0 < int(port_text) < 65536:
            raise _bad_spec(spec, " (give gpsd:HOST:PORT)")
        return GpsdSource(host.strip("[]"), int(port_text), clock)
    if kind == "nmea" and rest:
        path, _, baud_text = rest.partition(",")
        baud = None
        if baud_text:
            if not is_digits(baud_text.strip()) or not 0 < int(baud_text) <= MAX_BAUD:
                raise _bad_spec(spec, f" ({baud_text!r} is not a baud rate)")
            baud = int(baud_text)
        if not os.path.exists(path):
            raise open_error(path, FileNotFoundError(errno.ENOENT, "not found"))
        return SerialNmeaSource(path, baud, clock, date)
    if kind == "replay" and rest:
        path_text, _, option = rest.partition(",")
        speed = 1.0
        if option:
            name, _, value = option.partition("=")
            if name.strip() != "speed":
                raise _bad_spec(spec, " (give speed=N, N >= 0)")
            speed = parse_speed(value)
        replay_path = Path(path_text)
        if not replay_path.is_file():
            raise InputError(f"Cannot read {replay_path}: no such file.")
        return ReplaySource(replay_path, speed, clock, date)
    if kind == "fixed" and rest:
        try:
            lat_text, lon_text = rest.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            raise _bad_spec(spec, " (give fixed:LAT,LON in decimal degrees)") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad_spec(spec, " (latitude -90..90, longitude -180..180)")
        if lat == 0 and lon == 0:
            raise InputError("fixed:0,0 is not where a sweep happens: give the real latitude and longitude.")
        return FixedSource(lat, lon, clock)
    raise _bad_spec(spec)

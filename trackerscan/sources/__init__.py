"""Live and recorded sources, chosen by short strings.

Bluetooth (`open_ble`):

- ``bleak`` or ``bleak:hci1`` (``,passive`` for passive scanning): BlueZ through bleak;
- ``hci:TRANSPORT``: bumble's host stack on any bumble transport, e.g. ``hci:usb:0``,
  ``hci:serial:/dev/ttyACM0,1000000``, ``hci:tcp-client:127.0.0.1:9001``;
- ``replay:FILE[,speed=N]``: a btsnoop capture or recorded session (speed=0: as fast as possible).

GPS: `open_gps` (from `trackerscan.sources.gps`).  Every source is an async
iterator of events (``async for event in source``), stopped with ``await source.aclose()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from trackerscan.errors import InputError
from trackerscan.safetext import printable as shown
from trackerscan.sources.base import Source
from trackerscan.sources.ble_base import BleEvent, BleSource

if TYPE_CHECKING:
    from datetime import date as Date

    from trackerscan.sources.ble_bumble import BumbleDevice
    from trackerscan.sources.gps.base import GpsSource
    from trackerscan.sources.gps.clock import ClockCorrector

__all__ = [
    "BLE_SPEC_FORMS", "BleEvent", "BleSource", "Source", "open_ble", "open_bumble_device", "open_gps",
]

BLE_SPEC_FORMS = (
    "bleak, bleak:hci1, hci:usb:0, hci:serial:/dev/ttyACM0,1000000, hci:tcp-client:HOST:PORT "
    "or replay:FILE[,speed=N]"
)


def open_ble(spec: str, *, clock: Callable[[], float] = time.time) -> BleSource:
    """A Bluetooth LE source for ``spec``; `InputError` names the accepted forms when it is not one.

    ``clock`` (UTC epoch seconds) stamps what the source receives: pass the GPS-corrected
    ``ClockCorrector.now`` so sightings and fixes share one time base (a replay keeps its recorded times).

    Opening checks only what it can without waiting (``bleak`` raises
    `NoAdapterError` at once on a computer with no adapter and no BlueZ);
    the adapter itself is opened by ``await source.start()`` (or ``async with``
    / the first ``async for``), which raises `NoAdapterError` or `SourceError`.
    """
    kind, _, rest = spec.strip().partition(":")
    if kind == "bleak":
        from trackerscan.sources.ble_bleak import open_bleak

        return open_bleak(rest, clock=clock)
    if kind == "hci":
        from trackerscan.sources.ble_bumble import open_hci

        return open_hci(rest, clock=clock)
    if kind == "replay":
        from trackerscan.sources.ble_replay import open_replay

        return open_replay(rest, clock=clock)
    raise InputError(f"'{shown(spec)}' is not a Bluetooth source: use {BLE_SPEC_FORMS}.")


def open_gps(spec: str, *, clock: ClockCorrector | None = None, date: Date | None = None) -> GpsSource:
    """A GPS source for ``spec`` (see `trackerscan.sources.gps.open_gps`); ``clock`` is shared with the
    Bluetooth source (pass its ``now`` to `open_ble`), ``date`` dates NMEA logs that carry none."""
    from trackerscan.sources.gps import open_gps as _open

    return _open(spec, clock=clock, date=date)


async def open_bumble_device(transport: str) -> BumbleDevice:
    """Open a bumble HCI transport and power on a Device (see `trackerscan.sources.ble_bumble`)."""
    from trackerscan.sources.ble_bumble import open_bumble_device as _open

    return await _open(transport)

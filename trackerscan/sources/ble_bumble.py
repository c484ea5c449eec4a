"""Scanning with bumble's own host stack over an HCI transport: ``hci:TRANSPORT``.

TRANSPORT is any bumble transport name: ``usb:0`` (a dongle such as an
nRF52840 with HCI firmware, no BlueZ needed), ``serial:/dev/ttyACM0,1000000``,
``tcp-client:127.0.0.1:9001`` (e.g. a virtual controller from
``python -m bumble.apps.controllers``), ``hci-socket:0``...

`open_bumble_device` is the reusable part: it opens a transport and powers on
a bumble `Device` on it (the find/ring code uses it for GATT).  Sightings come
from LE Advertising Reports and LE Extended Advertising Reports alike, through
the Device's 'advertisement' event; `sighting_from_bumble` is the one
conversion.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from trackerscan.errors import InputError, NoAdapterError, SourceError
from trackerscan.model import AddressType, Sighting
from trackerscan.safetext import printable as shown
from trackerscan.sources.ble_base import LiveBleSource
from trackerscan.sources.watchdog import Watchdog

log = logging.getLogger(__name__)

# How long opening a transport and resetting the controller may take (seconds).
# A USB or serial controller answers HCI_Reset in well under a second; a
# serial port at the wrong baud rate never does, and the user should be told.
OPEN_TIMEOUT_S = 10.0

# Commands sent while closing (stop scanning) get this long (seconds): the
# controller may already be gone.
CLOSE_TIMEOUT_S = 2.0

# bumble's own address for the scanning device: a static random address (top
# bits 11), used only as our own address when asking for scan responses.
OWN_ADDRESS = "F0:5C:A1:1E:D0:01"

# The transport schemes bumble 0.0.236 opens (bumble.transport.open_transport).
BUMBLE_TRANSPORTS = frozenset({
    "serial", "udp", "tcp-client", "tcp-server", "ws-client", "ws-server", "pty", "file", "vhci",
    "hci-socket", "usb", "pyusb", "android-emulator", "android-netsim", "unix", "unix-client", "unix-server",
})

# HCI value meaning "RSSI not available" (Core spec Vol 4, Part E, 7.7.65.13).
RSSI_NOT_AVAILABLE = 127


@dataclass
class BumbleDevice:
    """A powered-on bumble Device and the transport it runs on (None for in-process controllers)."""

    device: Any  # bumble.device.Device (bumble ships no type information)
    transport: Any | None = None

    @property
    def terminated(self) -> asyncio.Future[None] | None:
        """Resolves when the transport is lost (unplugged, connection closed); None if it cannot tell."""
        source = getattr(self.transport, "source", None)
        fut = getattr(source, "terminated", None)
        return fut if isinstance(fut, asyncio.Future) else None

    async def close(self) -> None:
        """Close the transport (must not raise)."""
        transport, self.transport = self.transport, None
        if transport is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(transport.close(), CLOSE_TIMEOUT_S)


async def open_bumble_device(
    transport: str, *, name: str = "trackerscan", address: str = OWN_ADDRESS, timeout: float = OPEN_TIMEOUT_S
) -> BumbleDevice:
    """Open a bumble HCI transport (e.g. ``usb:0``) and power on a Device on it.

    Raises NoAdapterError when the transport cannot be opened and SourceError
    when the controller does not answer.  Close with ``await result.close()``.
    """
    from bumble.device import Device
    from bumble.hci import Address
    from bumble.transport import open_transport

    try:
        opened = await asyncio.wait_for(open_transport(transport), timeout)
    except Exception as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise NoAdapterError(
            f"Could not open the Bluetooth controller at hci:{shown(transport)} ({shown(reason)})."
        ) from exc
    device = Device.with_hci(name, Address(address), opened.source, opened.sink)
    handle = BumbleDevice(device, opened)
    try:
        await asyncio.wait_for(device.power_on(), timeout)
    except Exception as exc:
        await handle.close()
        reason = str(exc).strip() or type(exc).__name__
        raise SourceError(
            f"The Bluetooth controller at hci:{shown(transport)} did not answer ({shown(reason)}); "
            "check that it runs HCI firmware and, for a serial port, the baud rate."
        ) from exc
    return handle


def _address_type(address: Any) -> AddressType:
    if address.is_public:
        return AddressType.PUBLIC
    if address.is_random:
        return AddressType.RANDOM
    return AddressType.UNKNOWN


def sighting_from_bumble(advertisement: Any, adv: bytes, when: float, source: str) -> Sighting:
    """The one conversion of a bumble Advertisement (raw AD bytes given separately) into a Sighting."""
    rssi = advertisement.rssi
    return Sighting(
        time=when,
        address=advertisement.address.to_string(False),
        address_type=_address_type(advertisement.address),
        rssi=None if rssi is None or rssi == RSSI_NOT_AVAILABLE else int(rssi),
        adv=bytes(adv),
        source=source,
        connectable=bool(advertisement.is_connectable),
    )


class BumbleSource(LiveBleSource):
    """Scanning through bumble's host stack; reopens the transport if it is lost."""

    def __init__(
        self,
        name: str,
        opener: Callable[[], Awaitable[BumbleDevice]],
        *,
        passive: bool = False,
        clock: Callable[[], float] = time.time,
        watchdog: Watchdog | None = None,
    ) -> None:
        super().__init__(name, clock=clock, watchdog=watchdog)
        self._opener = opener
        self.passive = passive
        self._handle: BumbleDevice | None = None
        self._last_adv: dict[str, bytes] = {}  # advertiser -> last ADV data, to join its scan response

    @property
    def bumble_device(self) -> Any:
        """The powered-on bumble Device this source scans with (None while closed).  A dongle can be
        opened only once, so ringing a tracker during a scan goes through this device."""
        return self._handle.device if self._handle is not None else None

    # -- events ----------------------------------------------------------------

    def _on_report(self, report: Any) -> None:
        """Every raw report, seen before bumble merges scan responses: keep the ADV part."""
        from bumble.hci import HCI_LE_Advertising_Report_Event, HCI_LE_Extended_Advertising_Report_Event

        if isinstance(report, HCI_LE_Advertising_Report_Event.Report):
            scan_rsp = report.event_type == HCI_LE_Advertising_Report_Event.EventType.SCAN_RSP
        elif isinstance(report, HCI_LE_Extended_Advertising_Report_Event.Report):
            scan_rsp = bool(report.event_type & (1 << 3))  # event type bit 3: scan response
        else:
            return
        if not scan_rsp:
            self._last_adv[str(report.address)] = bytes(report.data)

    def _on_advertisement(self, advertisement: Any) -> None:
        data = bytes(advertisement.data_bytes)
        if advertisement.is_scan_response:
            # bumble merged ADV + SCAN_RSP; keep the raw bytes of both, ADV first
            data = self._last_adv.pop(str(advertisement.address), b"") + data
        self._sighted(sighting_from_bumble(advertisement, data, self._clock(), self.name))

    # -- life cycle ------------------------------------------------------------

    async def _start_scanning(self) -> None:
        assert self._handle is not None
        await self._handle.device.start_scanning(active=not self.passive, filter_duplicates=False)

    async def _open(self) -> None:
        handle = await self._opener()
        device = handle.device
        device.host.on("advertising_report", self._on_report)
        device.on("advertisement", self._on_advertisement)
        self._handle = handle
        try:
            await self._start_scanning()
        except Exception as exc:
            await self._close()
            raise SourceError(f"Scanning could not start on {shown(self.name)} ({shown(exc)}).") from exc

    async def _close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        device = handle.device
        with contextlib.suppress(Exception):
            device.remove_listener("advertisement", self._on_advertisement)
            device.host.remove_listener("advertising_report", self._on_report)
        if handle.transport is None or not (handle.terminated and handle.terminated.done()):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(device.stop_scanning(), CLOSE_TIMEOUT_S)
        await handle.close()
        self._last_adv.clear()

    async def _wait_lost(self) -> str:
        assert self._handle is not None
        terminated = self._handle.terminated
        if terminated is None:
            await asyncio.Event().wait()  # cannot tell: never reported lost
        else:
            with contextlib.suppress(Exception):
                await asyncio.shield(terminated)
        return "the HCI transport was closed (controller unplugged or gone)"

    async def _restart_scan(self) -> None:
        assert self._handle is not None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._handle.device.stop_scanning(), CLOSE_TIMEOUT_S)
        await self._start_scanning()


def open_hci(options: str, *, clock: Callable[[], float] = time.time) -> BumbleSource:
    """``hci:`` spec after the prefix: a bumble transport name, optionally followed by ``;passive``."""
    transport, _, flag = options.partition(";")
    transport = transport.strip()
    scheme = transport.split(":", 1)[0]
    if not transport or scheme not in BUMBLE_TRANSPORTS or flag.strip() not in ("", "passive", "active"):
        raise InputError(
            "An hci source needs a bumble transport name, e.g. hci:usb:0, hci:serial:/dev/ttyACM0,1000000 "
            "or hci:tcp-client:127.0.0.1:9001."
        )

    async def opener() -> BumbleDevice:
        return await open_bumble_device(transport)

    return BumbleSource(f"hci:{transport}", opener, passive=flag.strip() == "passive", clock=clock)

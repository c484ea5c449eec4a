"""Scanning through BlueZ with bleak: ``bleak`` (default adapter), ``bleak:hci1``, ``bleak:hci1,passive``.

bleak hands over parsed fields; `sighting_from_bleak` is the one place they
become a `Sighting`, with the AD bytes rebuilt by `trackerscan.adv.build_ad`
so classification has one code path.  The adapter object is watched on
D-Bus: when it disappears (unplugged) the gap is recorded and the source
reopens it as soon as it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from bleak import BleakScanner
from bleak.args.bluez import BlueZScannerArgs, OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from trackerscan.adv import build_ad, normalise_address
from trackerscan.errors import InputError, NoAdapterError, SourceError
from trackerscan.model import AddressType, Sighting
from trackerscan.sources.ble_base import LiveBleSource, shown
from trackerscan.sources.ble_bluez import AdapterWatch, check_bleak_possible, resolve_adapter
from trackerscan.sources.watchdog import Watchdog

log = logging.getLogger(__name__)

# RSSI bleak reports when BlueZ gave none (HCI's "not available").
RSSI_UNKNOWN = -127

# How long BlueZ may take to start discovery (seconds): it answers in tens of
# milliseconds; a wedged adapter never does, and is then treated as lost.
SCAN_START_TIMEOUT_S = 10.0

_SD16 = AdvertisementDataType.SERVICE_DATA_UUID16
# What a passive scan asks BlueZ to report (AdvertisementMonitor or-patterns):
# the tracker frames of trackers.md section 1.  BlueZ's passive mode needs at
# least one pattern; anything else is simply not reported in passive mode.
TRACKER_OR_PATTERNS: tuple[OrPattern, ...] = (
    OrPattern(0, AdvertisementDataType.MANUFACTURER_SPECIFIC_DATA, b"\x4c\x00\x12"),  # Apple Find My
    OrPattern(0, _SD16, b"\xb2\xfc"),  # DULT 0xFCB2
    OrPattern(0, _SD16, b"\xaa\xfe"),  # Google FMDN 0xFEAA
    OrPattern(0, _SD16, b"\x5a\xfd"),  # Samsung SmartTag 0xFD5A
    OrPattern(0, _SD16, b"\x69\xfd"),  # Samsung Find My Mobile 0xFD69
    OrPattern(0, _SD16, b"\x44\xfd"),  # Apple Find My accessory, unpaired 0xFD44
    OrPattern(0, _SD16, b"\xed\xfe"),  # Tile 0xFEED
    OrPattern(0, _SD16, b"\xec\xfe"),  # Tile 0xFEEC
    OrPattern(0, _SD16, b"\x84\xfd"),  # Tile 0xFD84
    OrPattern(0, _SD16, b"\x33\xfe"),  # Chipolo 0xFE33
    OrPattern(0, _SD16, b"\x25\xfa"),  # Pebblebee 0xFA25
)


def _address_type(device: BLEDevice) -> AddressType:
    details = device.details
    props = details.get("props") if isinstance(details, dict) else None
    kind = props.get("AddressType") if isinstance(props, dict) else None
    if kind == "public":
        return AddressType.PUBLIC
    if kind == "random":
        return AddressType.RANDOM
    return AddressType.UNKNOWN


def sighting_from_bleak(device: BLEDevice, adv: AdvertisementData, when: float, source: str) -> Sighting:
    """The one conversion of bleak's parsed fields into a Sighting (AD bytes rebuilt by build_ad)."""
    raw = build_ad(adv.manufacturer_data, adv.service_data, adv.service_uuids, adv.local_name)
    rssi = adv.rssi if adv.rssi is not None and adv.rssi != RSSI_UNKNOWN else None
    return Sighting(
        time=when,
        address=normalise_address(device.address) or device.address.upper(),
        address_type=_address_type(device),
        rssi=rssi,
        adv=raw,
        source=source,
        connectable=None,  # BlueZ does not say
    )


class BleakSource(LiveBleSource):
    """Continuous scanning through BlueZ (active by default; passive with or-patterns)."""

    def __init__(
        self,
        adapter: str | None = None,
        *,
        passive: bool = False,
        clock: Callable[[], float] = time.time,
        watchdog: Watchdog | None = None,
        reopen_max_wait_s: float | None = None,
    ) -> None:
        name = "bleak" + (f":{adapter}" if adapter else "") + (",passive" if passive else "")
        kwargs: dict[str, Any] = {}
        if reopen_max_wait_s is not None:
            kwargs["reopen_max_wait_s"] = reopen_max_wait_s
        super().__init__(name, clock=clock, watchdog=watchdog, **kwargs)
        self.wanted_adapter = adapter
        self.passive = passive
        self.adapter: str | None = None  # the one in use, once open
        self._scanner: BleakScanner | None = None
        self._watch: AdapterWatch | None = None

    def _on_advertisement(self, device: BLEDevice, adv: AdvertisementData) -> None:
        self._sighted(sighting_from_bleak(device, adv, self._clock(), self.name))

    def _make_scanner(self, adapter: str) -> BleakScanner:
        mode: Literal["active", "passive"] = "passive" if self.passive else "active"
        bluez: BlueZScannerArgs = {"adapter": adapter}
        if self.passive:
            bluez["or_patterns"] = list(TRACKER_OR_PATTERNS)
        return BleakScanner(self._on_advertisement, scanning_mode=mode, bluez=bluez)

    async def _open(self) -> None:
        info = await resolve_adapter(self.wanted_adapter)
        watch = AdapterWatch(info.name)
        try:
            await watch.start()
        except Exception as exc:
            watch.close()
            raise SourceError(f"Could not watch Bluetooth adapter {info.name} on D-Bus ({exc}).") from exc
        scanner = self._make_scanner(info.name)
        try:
            await asyncio.wait_for(scanner.start(), SCAN_START_TIMEOUT_S)
        except Exception as exc:
            watch.close()
            raise _scan_error(info.name, exc) from exc
        self.adapter, self._scanner, self._watch = info.name, scanner, watch

    async def _close(self) -> None:
        scanner, self._scanner = self._scanner, None
        if scanner is not None:
            with contextlib.suppress(Exception):
                await scanner.stop()
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()

    def _where(self) -> str:
        return self.adapter or ""

    async def _wait_lost(self) -> str:
        assert self._watch is not None
        return await self._watch.wait_gone()

    async def _restart_scan(self) -> None:
        assert self._scanner is not None and self.adapter is not None
        with contextlib.suppress(Exception):
            await self._scanner.stop()
        self._scanner = self._make_scanner(self.adapter)
        await asyncio.wait_for(self._scanner.start(), SCAN_START_TIMEOUT_S)


def _scan_error(adapter: str, exc: BaseException) -> SourceError:
    text = shown(str(exc).strip() or type(exc).__name__)
    if "not found" in text.lower():
        return NoAdapterError(f"Bluetooth adapter {adapter} went away before scanning could start.")
    if "passive" in text.lower() or "AdvertisementMonitor" in text:
        return SourceError(
            f"Passive scanning is not available on {adapter} ({text}); "
            "use active scanning (leave out ',passive')."
        )
    return SourceError(f"Scanning could not start on Bluetooth adapter {adapter} ({text}).")


def open_bleak(options: str, *, clock: Callable[[], float] = time.time) -> BleakSource:
    """``bleak`` spec after the prefix: '' | 'hci1' | 'hci1,passive' | 'passive'."""
    parts = [p.strip() for p in options.split(",") if p.strip()] if options else []
    passive = False
    adapter: str | None = None
    for part in parts:
        if part in ("passive", "active"):
            passive = part == "passive"
        elif part.startswith("hci") and part[3:].isdigit() and adapter is None:
            adapter = part
        else:
            raise InputError(
                f"'{shown(part)}' is not a Bluetooth adapter name: "
                "use bleak, bleak:hci0 or bleak:hci0,passive."
            )
    check_bleak_possible()
    return BleakSource(adapter, passive=passive, clock=clock)

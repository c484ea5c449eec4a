"""Scanning with bleak: ``bleak`` (default adapter), ``bleak:hci1``, ``bleak:hci1,passive`` (Linux).

The same spec works on Windows (WinRT) and macOS (CoreBluetooth): what differs
per system (adapters, passive scanning, address types, noticing a lost adapter)
is asked of a `BlePlatform` (`trackerscan.sources.ble_platform`).  bleak hands
over parsed fields; `sighting_from_bleak` is the one place they become a
`Sighting`, with the AD bytes rebuilt by `trackerscan.adv.build_ad` so
classification has one code path.  When the adapter goes away (unplugged, or
Bluetooth switched off) the gap is recorded and the source reopens it as soon
as it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError
from bleak.exc import BleakBluetoothNotAvailableReason as Why

from trackerscan.adv import build_ad, normalise_address
from trackerscan.errors import InputError, NoAdapterError, SourceError
from trackerscan.model import Sighting, SourceEventKind
from trackerscan.safetext import printable as shown
from trackerscan.sources.ble_base import LiveBleSource
from trackerscan.sources.ble_platform import (
    NO_ADAPTER_MESSAGE,
    BlePlatform,
    BlueZPlatform,
    LossWatch,
    platform_for,
)
from trackerscan.sources.watchdog import Watchdog

log = logging.getLogger(__name__)

# RSSI bleak reports when the system gave none (HCI's "not available").
RSSI_UNKNOWN = -127

# How long the system may take to start discovery (seconds): BlueZ answers in tens of
# milliseconds; a wedged adapter never does, and is then treated as lost.
SCAN_START_TIMEOUT_S = 10.0

_BLUEZ = BlueZPlatform()


def sighting_from_bleak(
    device: BLEDevice, adv: AdvertisementData, when: float, source: str, platform: BlePlatform = _BLUEZ
) -> Sighting:
    """The one conversion of bleak's parsed fields into a Sighting (AD bytes rebuilt by build_ad)."""
    raw = build_ad(adv.manufacturer_data, adv.service_data, adv.service_uuids, adv.local_name)
    rssi = adv.rssi if adv.rssi is not None and adv.rssi != RSSI_UNKNOWN else None
    address = platform.address(device)
    return Sighting(
        time=when,
        address=normalise_address(address) or address,
        address_type=platform.address_type(device),
        rssi=rssi,
        adv=raw,
        source=source,
        connectable=None,  # bleak does not say
    )


class BleakSource(LiveBleSource):
    """Continuous scanning through bleak (active by default; passive where the system can)."""

    def __init__(
        self,
        adapter: str | None = None,
        *,
        passive: bool = False,
        clock: Callable[[], float] = time.time,
        watchdog: Watchdog | None = None,
        reopen_max_wait_s: float | None = None,
        platform: BlePlatform | None = None,
    ) -> None:
        name = "bleak" + (f":{adapter}" if adapter else "") + (",passive" if passive else "")
        kwargs: dict[str, Any] = {}
        if reopen_max_wait_s is not None:
            kwargs["reopen_max_wait_s"] = reopen_max_wait_s
        super().__init__(name, clock=clock, watchdog=watchdog, **kwargs)
        self.platform = platform if platform is not None else platform_for()
        self.wanted_adapter = adapter
        self.passive = passive
        self.adapter: str | None = None  # the one in use, once open
        self._scanner: BleakScanner | None = None
        self._watch: LossWatch | None = None
        self._limits_told = False

    def _on_advertisement(self, device: BLEDevice, adv: AdvertisementData) -> None:
        self._sighted(sighting_from_bleak(device, adv, self._clock(), self.name, self.platform))

    def _make_scanner(self, adapter: str) -> BleakScanner:
        return self.platform.scanner(self._on_advertisement, adapter, self.passive)

    def _opened(self) -> None:
        super()._opened()
        if self.platform.limits and not self._limits_told:  # said once, and kept in the session
            self._limits_told = True
            self._event(SourceEventKind.INFO, self.platform.limits)

    async def _open(self) -> None:
        info = await self.platform.resolve(self.wanted_adapter)
        watch = self.platform.watch(info.name)
        try:
            await watch.start()
        except Exception as exc:
            watch.close()
            raise SourceError(f"Could not watch Bluetooth adapter {info.name} ({shown(exc)}).") from exc
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
    if isinstance(exc, BleakBluetoothNotAvailableError):  # Windows and macOS say why, with a reason
        text = shown(str(exc.args[0]) if exc.args else type(exc).__name__)
        reason = exc.reason
        if reason in (Why.NO_BLUETOOTH, Why.NO_BLE_CENTRAL_ROLE):
            return NoAdapterError(f"{NO_ADAPTER_MESSAGE} ({text})")
        if reason is Why.POWERED_OFF:
            return SourceError(f"Bluetooth is switched off ({text}): turn it on and try again.")
        if reason in (Why.DENIED_BY_USER, Why.DENIED_BY_UNKNOWN):
            return SourceError(
                f"This computer did not allow trackerscan to use Bluetooth ({text}): allow it in the "
                "system's settings (macOS: Privacy & Security, Bluetooth) and try again."
            )
        if reason is Why.DENIED_BY_SYSTEM:
            return SourceError(f"This computer's administrator has blocked Bluetooth here ({text}).")
        return SourceError(f"Bluetooth is not available ({text}).")
    text = shown(str(exc).strip() or type(exc).__name__)
    if "not found" in text.lower():
        return NoAdapterError(f"Bluetooth adapter {adapter} went away before scanning could start.")
    if "passive" in text.lower() or "AdvertisementMonitor" in text:
        return SourceError(
            f"Passive scanning is not available on {adapter} ({text}); "
            "use active scanning (leave out ',passive')."
        )
    return SourceError(f"Scanning could not start on Bluetooth adapter {adapter} ({text}).")


def open_bleak(
    options: str, *, clock: Callable[[], float] = time.time, platform: BlePlatform | None = None
) -> BleakSource:
    """``bleak`` spec after the prefix: '' | 'hci1' | 'hci1,passive' | 'passive' (adapter names on Linux)."""
    platform = platform if platform is not None else platform_for()
    parts = [p.strip() for p in options.split(",") if p.strip()] if options else []
    passive = False
    adapter: str | None = None
    for part in parts:
        if part in ("passive", "active"):
            passive = part == "passive"
        elif adapter is None:
            platform.check_adapter_name(shown(part))
            adapter = part
        else:
            raise InputError(
                f"'{shown(part)}' is not a Bluetooth adapter name: "
                "use bleak, bleak:hci0 or bleak:hci0,passive."
            )
    platform.check_mode(passive)
    platform.check_possible()
    return BleakSource(adapter, passive=passive, clock=clock, platform=platform)

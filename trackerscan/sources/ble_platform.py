"""What differs between bleak's backends: BlueZ (Linux), WinRT (Windows) and CoreBluetooth (macOS).

All three hand over bleak's parsed fields (`sighting_from_bleak` rebuilds the
AD bytes from them); they differ in what the address is, whether its type is
known, whether scanning can be passive, which adapter is used and how a lost
adapter is noticed.  `BleakSource` asks a `BlePlatform` for each of these, so
the ``bleak`` source spec means the same everywhere.  Each platform takes an
optional bleak scanner backend class (bleak's documented ``backend=`` hook),
which is how the tests run the Windows and macOS paths on Linux.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from bleak import BleakScanner
from bleak.args.bluez import BlueZScannerArgs, OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementDataCallback, BaseBleakScanner

from trackerscan.errors import InputError
from trackerscan.model import AddressType
from trackerscan.safetext import is_digits
from trackerscan.status import MAC_LIMITS, MAC_LIMITS_SHORT

# How often a platform without adapter events asks whether its radio is still there (seconds):
# Windows answers in milliseconds; 2 s notices a switched-off radio well within the 10 s the
# unplug issue (#3) asks for, at no measurable cost.
RADIO_POLL_S = 2.0

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

NO_ADAPTER_MESSAGE = (
    "No Bluetooth adapter was found on this computer. Plug in a Bluetooth adapter, "
    "or see what an alert looks like with: trackerscan-gui --demo"
)

@dataclass(frozen=True, slots=True)
class AdapterInfo:
    """One Bluetooth adapter as the system describes it."""

    name: str  # "hci0"; "default" where the system offers only its default adapter
    address: str | None
    alias: str | None
    powered: bool | None
    le_central: bool | None  # can scan for LE devices
    via: str  # "bluez", "sysfs", "winrt" or "corebluetooth"


class LossWatch(Protocol):
    """Notices the adapter in use going away."""

    async def start(self) -> None: ...

    async def wait_gone(self) -> str: ...

    def close(self) -> None: ...


# A probe answers None while the radio is there, or a short reason once it is not.
RadioProbe = Callable[[], Awaitable[str | None]]


class PollWatch:
    """A `LossWatch` for systems without adapter events: asks ``probe`` every ``interval_s``.

    Without a probe it never fires, and the watchdog (a scanner silent for 30 s is
    restarted; a restart that fails counts as a lost adapter) is what notices.
    """

    def __init__(self, probe: RadioProbe | None, interval_s: float = RADIO_POLL_S) -> None:
        self.probe = probe
        self.interval_s = interval_s

    async def start(self) -> None:
        if self.probe is not None:
            reason = await self.probe()
            if reason is not None:
                raise OSError(reason)

    async def wait_gone(self) -> str:
        if self.probe is None:
            await asyncio.Event().wait()  # never set: the watchdog decides
        assert self.probe is not None
        while True:
            await asyncio.sleep(self.interval_s)
            reason = await self.probe()
            if reason is not None:
                return reason

    def close(self) -> None:
        pass


class BlePlatform(abc.ABC):
    """One operating system's Bluetooth stack as bleak presents it."""

    key: str  # "bluez", "winrt", "corebluetooth"
    label: str  # how `trackerscan sources` names it
    shows_addresses: bool = True
    shows_address_types: bool = True
    passive_scanning: bool = True
    named_adapters: bool = False  # several adapters, chosen as bleak:NAME
    limits: str = ""  # what this platform hides, in plain words ("" when nothing)

    def __init__(self, backend: type[BaseBleakScanner] | None = None) -> None:
        self.backend = backend  # None: bleak's own backend for this system

    def check_possible(self) -> None:  # noqa: B027 - optional hook
        """Fail fast, without waiting, when scanning cannot possibly work here."""

    def check_adapter_name(self, name: str) -> None:
        """Accept or reject an adapter name from a source spec."""
        raise InputError(
            f"{self.label} scans with the computer's own Bluetooth: use the source bleak, "
            f"without an adapter name (not bleak:{name})."
        )

    def check_mode(self, passive: bool) -> None:
        if passive and not self.passive_scanning:
            raise InputError(f"{self.label} cannot scan passively: use the source bleak, without ',passive'.")

    @abc.abstractmethod
    async def resolve(self, wanted: str | None) -> AdapterInfo:
        """The adapter to scan with; `NoAdapterError` or `SourceError` when there is none to use."""

    def scanner(self, callback: AdvertisementDataCallback, adapter: str, passive: bool) -> BleakScanner:
        mode: Literal["active", "passive"] = "passive" if passive else "active"
        args = self._scanner_args(adapter, passive)
        return BleakScanner(callback, scanning_mode=mode, backend=self.backend, **args)

    def _scanner_args(self, adapter: str, passive: bool) -> dict[str, Any]:
        return {}

    def address(self, device: BLEDevice) -> str:
        """The device's address, or on macOS the code the system gave it, in upper case."""
        return device.address.upper()

    @abc.abstractmethod
    def address_type(self, device: BLEDevice) -> AddressType:
        """Public or random, where the system says."""

    @abc.abstractmethod
    def watch(self, adapter: str) -> LossWatch:
        """A watch that notices ``adapter`` going away."""

    @abc.abstractmethod
    async def adapters(self) -> tuple[list[AdapterInfo], str]:
        """The adapters for `trackerscan sources`, and one sentence about them ("" when none is needed)."""


class BlueZPlatform(BlePlatform):
    """Linux: BlueZ over D-Bus; named adapters, passive scanning with or-patterns, adapter watch."""

    key = "bluez"
    label = "BlueZ (Linux)"
    named_adapters = True

    def check_possible(self) -> None:
        from trackerscan.sources.ble_bluez import check_bleak_possible

        check_bleak_possible()

    def check_adapter_name(self, name: str) -> None:
        if not (name.startswith("hci") and is_digits(name[3:])):
            raise InputError(
                f"'{name}' is not a Bluetooth adapter name: use bleak, bleak:hci0 or bleak:hci0,passive."
            )

    async def resolve(self, wanted: str | None) -> AdapterInfo:
        from trackerscan.sources.ble_bluez import resolve_adapter

        return await resolve_adapter(wanted)

    def _scanner_args(self, adapter: str, passive: bool) -> dict[str, Any]:
        bluez: BlueZScannerArgs = {"adapter": adapter}
        if passive:
            bluez["or_patterns"] = list(TRACKER_OR_PATTERNS)
        return {"bluez": bluez}

    def address_type(self, device: BLEDevice) -> AddressType:
        details = device.details
        props = details.get("props") if isinstance(details, dict) else None
        kind = props.get("AddressType") if isinstance(props, dict) else None
        if kind == "public":
            return AddressType.PUBLIC
        if kind == "random":
            return AddressType.RANDOM
        return AddressType.UNKNOWN

    def watch(self, adapter: str) -> LossWatch:
        from trackerscan.sources.ble_bluez import AdapterWatch

        return AdapterWatch(adapter)

    async def adapters(self) -> tuple[list[AdapterInfo], str]:
        from trackerscan.sources.ble_bluez import bluez_adapters, sysfs_adapters

        found = await bluez_adapters()
        if found is not None:
            return found, ""
        kernel = sysfs_adapters()
        note = "The Bluetooth service (BlueZ) is not running: start it, or use the hci: source shown."
        return kernel, note if kernel else ""


async def _winrt_radio() -> str | None:
    """None while Windows' default Bluetooth adapter is there and on; otherwise why not."""
    from winrt.windows.devices.bluetooth import BluetoothAdapter  # type: ignore[import-not-found]
    from winrt.windows.devices.radios import RadioState  # type: ignore[import-not-found]

    adapter = await BluetoothAdapter.get_default_async()
    if adapter is None:
        return "there is no Bluetooth adapter"
    radio = await adapter.get_radio_async()
    if radio is None or radio.state != RadioState.ON:
        return "Bluetooth was switched off"
    return None


class WinRTPlatform(BlePlatform):
    """Windows: WinRT's BluetoothLEAdvertisementWatcher through bleak; the default adapter only.

    Real addresses; the address type is in the WinRT event (Windows 10 2004 and later), which
    bleak keeps as the device's details; passive scanning needs no pattern.  bleak merges the
    scan response with the advertisement itself.
    """

    key = "winrt"
    label = "Windows"

    def __init__(
        self,
        backend: type[BaseBleakScanner] | None = None,
        probe: RadioProbe | None = None,
        poll_s: float = RADIO_POLL_S,
    ) -> None:
        super().__init__(backend)
        self.probe: RadioProbe | None = probe if probe is not None or backend is not None else _winrt_radio
        self.poll_s = poll_s

    async def resolve(self, wanted: str | None) -> AdapterInfo:
        return AdapterInfo("default", None, None, None, None, "winrt")

    def address_type(self, device: BLEDevice) -> AddressType:
        for args in device.details if isinstance(device.details, tuple) else ():
            kind = getattr(args, "bluetooth_address_type", None)  # BluetoothAddressType: 0 public, 1 random
            if kind is None:
                continue
            with contextlib.suppress(TypeError, ValueError):
                return {0: AddressType.PUBLIC, 1: AddressType.RANDOM}.get(int(kind), AddressType.UNKNOWN)
        return AddressType.UNKNOWN

    def watch(self, adapter: str) -> LossWatch:
        return PollWatch(self.probe, self.poll_s)

    async def adapters(self) -> tuple[list[AdapterInfo], str]:
        reason: str | None = None
        if self.probe is not None:
            try:
                reason = await self.probe()
            except Exception:  # no WinRT projection, or the radio API refused
                reason = "Bluetooth support for Windows is missing from this installation"
        if reason is None:
            return [AdapterInfo("default", None, "Windows Bluetooth", True, None, "winrt")], ""
        return [], f"Windows reports: {reason}."


class CoreBluetoothPlatform(BlePlatform):
    """macOS: CoreBluetooth through bleak; no addresses, no address types, no passive scanning.

    A switched-off radio stops the scan; the watchdog's restart then fails with bleak's
    "Bluetooth is powered off" error, which counts as a lost adapter until it is on again.
    """

    key = "corebluetooth"
    label = "macOS"
    shows_addresses = False
    shows_address_types = False
    passive_scanning = False
    limits = MAC_LIMITS

    async def resolve(self, wanted: str | None) -> AdapterInfo:
        return AdapterInfo("default", None, None, None, None, "corebluetooth")

    def address_type(self, device: BLEDevice) -> AddressType:
        return AddressType.UNKNOWN

    def watch(self, adapter: str) -> LossWatch:
        return PollWatch(None)

    async def adapters(self) -> tuple[list[AdapterInfo], str]:
        return (
            [AdapterInfo("default", None, "Mac Bluetooth", None, None, "corebluetooth")],
            "macOS asks once for permission to use Bluetooth; " + MAC_LIMITS,
        )


def platform_for(system: str | None = None) -> BlePlatform:
    """The platform of this computer (``system`` as in `sys.platform`)."""
    system = sys.platform if system is None else system
    if system == "win32":
        return WinRTPlatform()
    if system == "darwin":
        return CoreBluetoothPlatform()
    return BlueZPlatform()


__all__: list[str] = [
    "MAC_LIMITS",
    "MAC_LIMITS_SHORT",
    "NO_ADAPTER_MESSAGE",
    "TRACKER_OR_PATTERNS",
    "AdapterInfo",
    "BlePlatform",
    "BlueZPlatform",
    "CoreBluetoothPlatform",
    "LossWatch",
    "PollWatch",
    "WinRTPlatform",
    "platform_for",
]

"""bleak scanner backends that behave like Windows' WinRT and macOS' CoreBluetooth backends, on Linux.

These are fakes of bleak's documented backend interface (`BaseBleakScanner`,
plugged in with ``BleakScanner(backend=...)``), driven by bleak's real
`BleakScanner`.  That is the one exception to the project's "real parts, not
mocks" rule, and it is there because the real OS stacks cannot run on Linux.
Each fake hands over exactly what bleak's own backend for that system does
(read from bleak 3.1's ``backends/winrt/scanner.py`` and
``backends/corebluetooth/scanner.py``):

- WinRT: the real address; parsed fields, every manufacturer entry; the
  address type only inside the WinRT event that bleak keeps as the device's
  ``details`` (a pair: advertisement, scan response); passive scanning works.
- CoreBluetooth: a UUID that this computer made up for the device instead of
  its address (a new address is a new UUID); no address type; parsed fields,
  one manufacturer entry only; iBeacon data hidden; passive scanning refused
  with bleak's own error.
- BlueZ (the reference): the real address, parsed fields, ``AddressType`` in
  the D-Bus properties bleak keeps as ``details["props"]``.

A test pushes a `Sighting` (the truth: address, type, AD bytes, RSSI) into the
running fake with `FakeScanner.air`, which turns it into the platform's view.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, NamedTuple

from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from trackerscan.adv import parse_ad
from trackerscan.model import AddressType, Sighting

BASE_UUID = "0000{:04x}-0000-1000-8000-00805f9b34fb"
APPLE = 0x004C
IBEACON = 0x02  # Apple subtype CoreBluetooth hides (iBeacon belongs to CoreLocation)
# A namespace standing for "this Mac": CoreBluetooth's UUIDs differ from one computer to another.
THIS_MAC = uuid.UUID("8f1d3c52-6a0e-4c77-9d35-5a4f0a0b7e11")


def mac_uuid(address: str) -> str:
    """The identifier this (simulated) Mac gives the device at ``address``."""
    return str(uuid.uuid5(THIS_MAC, address)).upper()


class WinRTEvent(NamedTuple):
    """The two fields of a BluetoothLEAdvertisementReceivedEventArgs the platform code reads."""

    bluetooth_address_type: int  # BluetoothAddressType: 0 public, 1 random, 2 unspecified
    raw_signal_strength_in_dbm: int


class FakeScanner(BaseBleakScanner):
    """Common part: the running instances, and the fields of an advertisement."""

    running: ClassVar[list[FakeScanner]]
    created: ClassVar[list[str]]  # scanning modes asked for, in order

    def __init__(
        self, detection_callback: Any, service_uuids: Any, scanning_mode: str, **kwargs: Any
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self.scanning_mode = scanning_mode
        self.kwargs = kwargs
        type(self).created.append(scanning_mode)

    async def start(self) -> None:
        self.seen_devices = {}
        type(self).running.append(self)

    async def stop(self) -> None:
        if self in type(self).running:
            type(self).running.remove(self)

    @staticmethod
    def fields(adv: bytes) -> tuple[dict[int, bytes], dict[str, bytes], list[str], str | None]:
        f = parse_ad(adv)
        return (
            dict(f.manufacturer),
            {BASE_UUID.format(u): d for u, d in f.service_data.items()},
            [BASE_UUID.format(u) for u in f.uuids16],
            f.name,
        )

    def air(self, s: Sighting) -> None:
        raise NotImplementedError

    def _deliver(self, key: str, address: str, details: Any, s: Sighting, mfr: dict[int, bytes],
                 sd: dict[str, bytes], uuids: list[str], name: str | None) -> None:
        adv = AdvertisementData(name, mfr, sd, uuids, None, s.rssi if s.rssi is not None else -127, ())
        device = self.create_or_update_device(key, address, name, details, adv)
        self.call_detection_callbacks(device, adv)


class FakeBlueZScanner(FakeScanner):
    running: ClassVar[list[FakeScanner]] = []
    created: ClassVar[list[str]] = []

    def air(self, s: Sighting) -> None:
        mfr, sd, uuids, name = self.fields(s.adv)
        props = {"AddressType": s.address_type.value} if s.address_type is not AddressType.UNKNOWN else {}
        self._deliver(s.address, s.address, {"props": props}, s, mfr, sd, uuids, name)


class FakeWinRTScanner(FakeScanner):
    running: ClassVar[list[FakeScanner]] = []
    created: ClassVar[list[str]] = []

    def air(self, s: Sighting) -> None:
        mfr, sd, uuids, name = self.fields(s.adv)
        kind = {AddressType.PUBLIC: 0, AddressType.RANDOM: 1}.get(s.address_type, 2)
        event = WinRTEvent(kind, s.rssi if s.rssi is not None else -127)
        self._deliver(s.address, s.address, (event, None), s, mfr, sd, uuids, name)


class FakeCoreBluetoothScanner(FakeScanner):
    running: ClassVar[list[FakeScanner]] = []
    created: ClassVar[list[str]] = []

    def __init__(
        self, detection_callback: Any, service_uuids: Any, scanning_mode: str, **kwargs: Any
    ) -> None:
        if scanning_mode == "passive":
            raise BleakError("macOS does not support passive scanning")  # bleak's own words
        super().__init__(detection_callback, service_uuids, scanning_mode, **kwargs)

    def air(self, s: Sighting) -> None:
        mfr, sd, uuids, name = self.fields(s.adv)
        # kCBAdvDataManufacturerData is one blob: the first manufacturer entry only
        first = next(iter(mfr.items()), None)
        mfr = dict([first]) if first is not None else {}
        if APPLE in mfr and mfr[APPLE][:1] == bytes([IBEACON]):
            del mfr[APPLE]
        key = mac_uuid(s.address)
        self._deliver(key, key, ("CBPeripheral", "CentralManagerDelegate"), s, mfr, sd, uuids, name)

"""The bleak source through bleak's real BlueZ backend, against python-dbusmock's bluez5 template."""

from __future__ import annotations

import asyncio
import time

import dbus
import pytest

from trackerscan.adv import build_ad, classify
from trackerscan.errors import NoAdapterError
from trackerscan.model import AddressType, Kind, Sighting, SourceEvent, SourceEventKind
from trackerscan.sources import open_ble
from trackerscan.sources.ble_bleak import BleakSource
from trackerscan.sources.ble_bluez import NO_ADAPTER_MESSAGE
from trackerscan.sources.watchdog import Watchdog

T1_ADDR = "FB:6D:08:3D:25:A4"
T1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
T1_MFR = {0x004C: T1[4:]}  # what bleak hands over: company ID stripped
# T8's SmartTag frame as BlueZ parses it: UUID list, service data, name (flags are not exposed)
T8_SD = bytes.fromhex("15DCC7014348F47468AACF29B30000004F0DAA91")
T8_UUID = "0000fd5a-0000-1000-8000-00805f9b34fb"


class Collector:
    def __init__(self, src):
        self.src = src
        self.events: list = []
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        async for ev in self.src:
            self.events.append(ev)

    def sightings(self, address=None):
        return [
            e for e in self.events if isinstance(e, Sighting) and (address is None or e.address == address)
        ]

    def source_events(self):
        return [e for e in self.events if isinstance(e, SourceEvent)]

    async def wait_for(self, pred, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; events: {self.events}")
            await asyncio.sleep(0.02)


async def test_advertisements_arrive_as_sightings_with_rebuilt_bytes(bluez):
    src = BleakSource("hci0", clock=lambda: 1_700_000_123.25)
    async with src:
        c = Collector(src)
        t1 = await bluez.run(bluez.add_device, T1_ADDR, -70, T1_MFR)
        await bluez.run(bluez.add_device, "D8:00:00:00:00:08", -64, None, {T8_UUID: T8_SD}, (), "Smart Tag")
        await c.wait_for(lambda: c.sightings(T1_ADDR) and c.sightings("D8:00:00:00:00:08"))
        await bluez.run(lambda: bluez.update(t1, RSSI=dbus.Int16(-50)))
        await c.wait_for(lambda: len(c.sightings(T1_ADDR)) >= 2)
    first, second = c.sightings(T1_ADDR)[:2]
    # one conversion point: the bytes are exactly what build_ad gives, which for T1 is the captured frame
    assert first.adv == build_ad(T1_MFR, {}, [], None) == T1
    assert (first.rssi, second.rssi) == (-70, -50)
    assert first.address_type is AddressType.RANDOM
    assert first.source == "bleak:hci0" and first.time == 1_700_000_123.25
    assert classify(first.adv, T1_ADDR).kind is Kind.AIRTAG
    tag = c.sightings("D8:00:00:00:00:08")[0]
    assert tag.adv == build_ad({}, {T8_UUID: T8_SD}, [T8_UUID], "Smart Tag")
    assert classify(tag.adv, tag.address).kind is Kind.SMARTTAG
    assert bluez.adapter_calls("StartDiscovery") == 1


async def test_address_rotation_old_removed_new_added(bluez):
    src = BleakSource("hci0")
    async with src:
        c = Collector(src)
        old = await bluez.run(bluez.add_device, "C1:02:03:04:05:06", -70, T1_MFR)
        await c.wait_for(lambda: c.sightings("C1:02:03:04:05:06"))
        await bluez.run(bluez.remove_device, old)
        await asyncio.sleep(0.2)
        mark = len(c.events)
        await bluez.run(bluez.add_device, "D2:02:03:04:05:06", -71, T1_MFR)
        await c.wait_for(lambda: c.sightings("D2:02:03:04:05:06"))
        await asyncio.sleep(0.2)
    after = [e.address for e in c.events[mark:] if isinstance(e, Sighting)]
    assert set(after) == {"D2:02:03:04:05:06"}
    assert c.sightings("D2:02:03:04:05:06")[0].adv == T1


async def test_adapter_unplugged_and_back_resumes_and_records_the_gap(bluez):
    src = BleakSource("hci0")
    async with src:
        c = Collector(src)
        await bluez.run(bluez.add_device, "C1:02:03:04:05:06", -70, T1_MFR)
        await c.wait_for(lambda: c.sightings())
        await bluez.run(bluez.remove_adapter, "hci0")
        await c.wait_for(lambda: any(e.kind is SourceEventKind.ADAPTER_LOST for e in c.source_events()))
        await asyncio.sleep(1.0)  # unplugged for a while
        plugged = time.monotonic()
        await bluez.run(bluez.add_adapter, "hci0")
        await c.wait_for(lambda: any(e.kind is SourceEventKind.ADAPTER_BACK for e in c.source_events()), 10)
        back_after = time.monotonic() - plugged
        await bluez.run(bluez.add_device, "D2:02:03:04:05:06", -60, T1_MFR)
        await c.wait_for(lambda: c.sightings("D2:02:03:04:05:06"))
        assert bluez.adapter_prop("Discovering")
    lost, back = c.source_events()[:2]
    assert lost.kind is SourceEventKind.ADAPTER_LOST and "hci0" in lost.detail
    assert back.kind is SourceEventKind.ADAPTER_BACK
    assert back.detail.startswith("scanning again on hci0 after")
    assert back.value is not None and 1.0 <= back.value < 10.0 and back.time > lost.time
    assert back_after < 10.0  # the bound; the backoff caps at 2 s
    assert c.sightings("D2:02:03:04:05:06")[0].time > back.time


async def test_silent_scanner_restarted_through_bluez(bluez):
    now = [0.0]
    src = BleakSource("hci0", watchdog=Watchdog(clock=lambda: now[0], poll_s=0.02))
    async with src:
        c = Collector(src)
        await asyncio.sleep(0.1)
        now[0] += 31.0
        await c.wait_for(lambda: c.source_events())
        await bluez.run(bluez.add_device, "C1:02:03:04:05:06", -70, T1_MFR)
        await c.wait_for(lambda: c.sightings())
    assert [e.kind for e in c.source_events()] == [SourceEventKind.SCANNER_RESTARTED]
    assert bluez.adapter_calls("StopDiscovery") >= 1
    assert bluez.adapter_calls("StartDiscovery") == 2


async def test_passive_scanning_registers_a_monitor_and_stops_cleanly(bluez):
    src = open_ble("bleak:hci0,passive")
    assert isinstance(src, BleakSource) and src.passive
    async with src:
        await asyncio.sleep(0.2)
        assert bluez.adapter_calls("RegisterMonitor") == 1
    assert bluez.adapter_calls("UnregisterMonitor") == 1


async def test_no_adapter_in_bluez_is_a_plain_no_adapter_error(bluez_empty):
    with pytest.raises(NoAdapterError) as err:
        await BleakSource().start()
    assert str(err.value) == NO_ADAPTER_MESSAGE
    bluez_empty.add_adapter("hci0")
    expected = r"^Bluetooth adapter hci3 was not found \(adapters present: hci0\)\.$"
    with pytest.raises(NoAdapterError, match=expected):
        await BleakSource("hci3").start()

"""The hci: source on bumble's real host stack, against virtual controllers on a LocalLink."""

from __future__ import annotations

import asyncio

from ble.bumble_link import (
    T1,
    T1_ADDR,
    T8,
    T13,
    advertise,
    scanner_opener,
    use_random_address,
    virtual_device,
)
from bumble.device import AdvertisingEventProperties, AdvertisingParameters
from bumble.link import LocalLink
from bumble.snoop import Snooper

from trackerscan.adv import classify
from trackerscan.model import AddressType, Kind, Sighting, SourceEvent, SourceEventKind
from trackerscan.sources.ble_bumble import BumbleSource
from trackerscan.sources.watchdog import Watchdog


class CommandLog(Snooper):
    """bumble's snooper hook: records the scan-enable commands the host sends."""

    SCAN_ENABLE = frozenset({0x200C, 0x2042})  # LE Set Scan Enable, LE Set Extended Scan Enable

    def __init__(self):
        self.scan_enables: list[int] = []

    def snoop(self, hci_packet: bytes, direction) -> None:
        if direction == Snooper.Direction.HOST_TO_CONTROLLER and hci_packet[0] == 0x01:
            opcode = int.from_bytes(hci_packet[1:3], "little")
            if opcode in self.SCAN_ENABLE:
                self.scan_enables.append(hci_packet[4])


T8_ADDR = "C8:00:00:00:00:08"
T13_ADDR = "D3:00:00:00:00:13"


async def collect(src, seconds: float) -> list:
    out: list = []

    async def run():
        async for ev in src:
            out.append(ev)

    task = asyncio.create_task(run())
    await asyncio.sleep(seconds)
    task.cancel()
    return out


async def test_tracker_frames_arrive_as_sightings_with_scripted_rssi():
    link = LocalLink()
    rssi = {T1_ADDR: -72, T8_ADDR: -61, T13_ADDR: -88}
    tags = [virtual_device(link, f"tag{i}", f"F0:00:00:00:00:1{i}", rssi) for i in range(3)]
    phone = virtual_device(link, "phone", "F0:00:00:00:00:02", rssi)
    for tag, addr, data in zip(tags, (T1_ADDR, T8_ADDR, T13_ADDR), (T1, T8, T13), strict=True):
        await tag.power_on()
        await advertise(tag, addr, data)
    src = BumbleSource("hci:test", scanner_opener(phone), clock=lambda: 1_700_000_000.5)
    async with src:
        events = await collect(src, 0.6)
    sightings = [e for e in events if isinstance(e, Sighting)]
    by_addr: dict[str, list[Sighting]] = {}
    for s in sightings:
        by_addr.setdefault(s.address, []).append(s)
    assert set(by_addr) == {T1_ADDR, T8_ADDR, T13_ADDR}
    for addr, data in ((T1_ADDR, T1), (T8_ADDR, T8), (T13_ADDR, T13)):
        got = by_addr[addr]
        assert len(got) >= 3  # 50 ms interval, 0.6 s: reports keep coming (no duplicate filtering)
        # the advertising data arrives byte for byte (alone, or followed by the emulator's echoed
        # scan response)
        assert any(s.adv == data for s in got)
        assert all(s.adv.startswith(data) for s in got)
        assert {s.rssi for s in got} == {rssi[addr]}
        assert all(s.address_type is AddressType.RANDOM and s.source == "hci:test" for s in got)
        assert all(s.time == 1_700_000_000.5 for s in got)
    kinds = {addr: classify(by_addr[addr][0].adv, addr).kind for addr in by_addr}
    assert kinds == {T1_ADDR: Kind.AIRTAG, T8_ADDR: Kind.SMARTTAG, T13_ADDR: Kind.GOOGLE_FMDN}


async def test_rssi_changes_and_address_rotation_are_followed():
    link = LocalLink()
    rssi = {T1_ADDR: -80}
    tag = virtual_device(link, "tag", "F0:00:00:00:00:01", rssi)
    phone = virtual_device(link, "phone", "F0:00:00:00:00:02", rssi)
    await tag.power_on()
    await advertise(tag, T1_ADDR, T1)
    src = BumbleSource("hci:test", scanner_opener(phone))
    async with src:
        first = await collect(src, 0.4)
        rssi[T1_ADDR] = -55  # walked closer
        second = await collect(src, 0.4)
        await tag.stop_advertising()
        new_addr = "D2:02:03:04:05:06"
        rssi[new_addr] = -56
        await advertise(tag, new_addr, T1)
        await collect(src, 0.2)  # reports already in flight may still name the old address
        third = await collect(src, 0.5)
    assert {s.rssi for s in first if s.address == T1_ADDR} == {-80}
    assert -55 in {s.rssi for s in second if s.address == T1_ADDR}
    assert {s.address for s in third if isinstance(s, Sighting)} == {new_addr}


async def test_extended_advertising_reports_arrive_whole():
    link = LocalLink()
    tag = virtual_device(link, "tag", "F0:00:00:00:00:01")
    phone = virtual_device(link, "phone", "F0:00:00:00:00:02")
    await tag.power_on()
    # 43 bytes: too long for legacy advertising, so only an extended report can carry it
    data = T8 + bytes.fromhex("0303AAFE")
    assert len(data) > 31
    addr = "E5:00:00:00:00:05"
    params = AdvertisingParameters(
        advertising_event_properties=AdvertisingEventProperties(is_connectable=False, is_legacy=False),
        own_address_type=1,
        primary_advertising_interval_min=50,
        primary_advertising_interval_max=50,
    )
    await use_random_address(tag, addr)
    await tag.create_advertising_set(advertising_parameters=params, advertising_data=data)
    src = BumbleSource("hci:test", scanner_opener(phone))
    async with src:
        events = await collect(src, 0.6)
    got = [e for e in events if isinstance(e, Sighting) and e.address == addr]
    assert got and any(s.adv == data for s in got)


async def test_silent_scanner_is_restarted_by_the_watchdog():
    link = LocalLink()
    tag = virtual_device(link, "tag", "F0:00:00:00:00:01")
    phone = virtual_device(link, "phone", "F0:00:00:00:00:02")
    await tag.power_on()
    now = [1000.0]
    dog = Watchdog(clock=lambda: now[0], poll_s=0.02)
    src = BumbleSource("hci:test", scanner_opener(phone), watchdog=dog)
    snoop = CommandLog()
    phone.host.snooper = snoop
    async with src:
        now[0] += 29.0  # silent, but not long enough
        quiet = await collect(src, 0.15)
        now[0] += 2.0  # 31 s of silence
        restarted = await collect(src, 0.2)
        assert phone.scanning
        # the restarted scanner hears an advertiser that starts now
        await advertise(tag, T1_ADDR, T1)
        after = await collect(src, 0.4)
    assert not [e for e in quiet if isinstance(e, SourceEvent)]
    ev = [e for e in restarted if isinstance(e, SourceEvent)]
    assert [e.kind for e in ev] == [SourceEventKind.SCANNER_RESTARTED]
    assert ev[0].value is not None and 30.0 <= ev[0].value < 32.0
    assert dog.restarts == 1
    # on the HCI wire: scanning enabled, disabled and enabled again by the restart
    assert snoop.scan_enables[:3] == [1, 0, 1]
    assert any(isinstance(e, Sighting) and e.adv.startswith(T1) for e in after)

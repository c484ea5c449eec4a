"""BLE sources: conversion cost, replay throughput and memory, bumble end-to-end rate.

Run: .venv/bin/python bench/ble_sources.py   (about half a minute)
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from trackerscan.formats.btsnoop.reader import read_sightings
from trackerscan.formats.btsnoop.writer import write_btsnoop
from trackerscan.model import AddressType, Sighting
from trackerscan.sources.ble_bleak import sighting_from_bleak
from trackerscan.sources.ble_replay import ReplaySource

T1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
N_CONVERT = 200_000
N_REPLAY = 300_000


def bench_bleak_conversion() -> None:
    details = {"path": "/org/bluez/hci0/dev_X", "props": {"AddressType": "random"}}
    dev = BLEDevice("FB:6D:08:3D:25:A4", None, details)
    adv = AdvertisementData(
        local_name=None, manufacturer_data={0x004C: T1[4:]}, service_data={}, service_uuids=[],
        tx_power=None, rssi=-70, platform_data=(),
    )
    t0 = time.perf_counter()
    for i in range(N_CONVERT):
        sighting_from_bleak(dev, adv, 1e9 + i, "bleak:hci0")
    dt = time.perf_counter() - t0
    print(f"bleak AdvertisementData -> Sighting (build_ad): {N_CONVERT / dt:,.0f} /s "
          f"({dt / N_CONVERT * 1e6:.2f} us each)")


async def drain(src: ReplaySource) -> int:
    n = 0
    async with src:
        async for _ in src:
            n += 1
    return n


def bench_replay(tmp: Path) -> None:
    path = tmp / "bench.btsnoop"
    sightings = (
        Sighting(1e9 + i * 0.003, f"C0:00:00:00:{(i >> 8) & 0xFF:02X}:{i & 0xFF:02X}", AddressType.RANDOM,
                 -60 - i % 30, T1, "x", True)
        for i in range(N_REPLAY)
    )
    write_btsnoop(path, sightings)
    size = path.stat().st_size
    sum(1 for _ in read_sightings(path))  # warm the page cache
    t0 = time.perf_counter()
    n_direct = sum(1 for _ in read_sightings(path))
    direct = time.perf_counter() - t0
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    n = asyncio.run(drain(ReplaySource(path, speed=0)))
    dt = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert n == n_direct == N_REPLAY
    print(f"btsnoop {size / 1e6:.1f} MB, {N_REPLAY:,} sightings: read_sightings {n_direct / direct:,.0f} /s; "
          f"replay:FILE,speed=0 through the async source {n / dt:,.0f} /s")
    print(f"peak RSS growth during the replay: {(rss1 - rss0) / 1024:.1f} MB "
          "(ru_maxrss; the source reads in batches)")


async def bumble_rate(seconds: float = 3.0, tags: int = 10) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from ble.bumble_link import advertise, scanner_opener, virtual_device
    from bumble.link import LocalLink

    from trackerscan.sources.ble_bumble import BumbleSource

    link = LocalLink()
    for i in range(tags):
        tag = virtual_device(link, f"tag{i}", f"F0:00:00:00:01:{i:02X}")
        await tag.power_on()
        await advertise(tag, f"C1:00:00:00:00:{i:02X}", T1, interval_ms=20)
    phone = virtual_device(link, "phone", "F0:00:00:00:00:02")
    n = 0
    async with BumbleSource("hci:bench", scanner_opener(phone)) as src:
        t0 = time.perf_counter()

        async def count() -> None:
            nonlocal n
            async for _ in src:
                n += 1

        task = asyncio.create_task(count())
        await asyncio.sleep(seconds)
        dt = time.perf_counter() - t0
        task.cancel()
    print(f"bumble LocalLink, {tags} tags at 20 ms: {n / dt:,.0f} sightings/s through the hci source "
          f"(emulator-bound; a real radio delivers a few hundred per second in a busy place)")


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    bench_bleak_conversion()
    with tempfile.TemporaryDirectory() as d:
        bench_replay(Path(d))
    asyncio.run(bumble_rate())


if __name__ == "__main__":
    main()

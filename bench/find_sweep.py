"""Sweep and ring figures: how many sightings a second SweepState takes, what a redraw costs, the
memory per device, and how long a ring takes end to end on bumble's virtual link.

Run: .venv/bin/python bench/find_sweep.py
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from trackerscan.find.sweep import SweepState
from trackerscan.model import AddressType, Sighting

FRAMES = [
    bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0"),  # AirTag separated
    bytes.fromhex("07FF4C0012025402"),  # AirTag near owner
    bytes.fromhex("0d16edfe02009c2b2af23f0e3dad"),  # Tile
    bytes.fromhex("0516b2fc0200"),  # DULT separated
    bytes.fromhex("07FF4C0012020001"),  # iPhone (not a tracker)
]


def sightings(n: int, devices: int, seed: int = 1) -> list[Sighting]:
    rnd = random.Random(seed)
    addrs = [f"C{i % 4}:{(i >> 8) & 255:02X}:{i & 255:02X}:00:00:01" for i in range(devices)]
    out = []
    for k in range(n):
        i = rnd.randrange(devices)
        out.append(Sighting(1e9 + k * 0.003, addrs[i], AddressType.RANDOM, rnd.randint(-95, -40),
                            FRAMES[i % len(FRAMES)], "bench"))
    return out


def bench_add() -> None:
    data = sightings(300_000, 200)
    state = SweepState(trackers_only=False)
    t = time.perf_counter()
    state.extend(data)
    dt = time.perf_counter() - t
    print(f"SweepState.add: {len(data) / dt:,.0f} sightings/s (200 devices, 300k sightings)")
    now = data[-1].time
    t = time.perf_counter()
    for _ in range(100):
        state.rows(now)
    print(f"SweepState.rows: {(time.perf_counter() - t) / 100 * 1e3:.2f} ms per redraw (200 devices)")


def bench_memory() -> None:
    data = sightings(20_000, 10_000, seed=2)
    tracemalloc.start()
    state = SweepState(trackers_only=False)
    state.extend(data)
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory: {current / 1e6:.1f} MB for 10,000 devices heard "
          f"({current / 10_000:.0f} B per device, its Identity included)")


async def bench_ring() -> None:
    from bumble.link import LocalLink
    from find.bumble_tag import DULT_SEPARATED_ADV, HciServer, TagBehaviour, VirtualTag

    from trackerscan.find.ring import ring
    from trackerscan.model import RingProcedure

    link = LocalLink()
    server = HciServer(link)
    transport = await server.start()
    tag = VirtualTag(link, "C1:02:03:04:05:06", TagBehaviour(sound_s=0.0), {"dult"})
    await tag.start(DULT_SEPARATED_ADV)
    times = []
    for _ in range(10):
        t = time.perf_counter()
        result = await ring("C1:02:03:04:05:06", RingProcedure.DULT, transport=transport)
        times.append(time.perf_counter() - t)
        assert result.outcome.ok, result.message
    await server.close()
    times.sort()
    print(f"ring over hci:tcp-client to a virtual DULT tag: median {times[5] * 1e3:.0f} ms, "
          f"max {times[-1] * 1e3:.0f} ms (open transport, HCI reset, scan, connect, discover, write, "
          "Command_Response, Sound_Completed, disconnect)")


if __name__ == "__main__":
    bench_add()
    bench_memory()
    asyncio.run(bench_ring())

"""replay:FILE[,speed=N] on a btsnoop capture written by bumble's own snooper, and on a recorded session."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from ble.bumble_link import T1, T1_ADDR, T8, advertise, scanner_opener, virtual_device
from bumble.link import LocalLink
from bumble.snoop import BtSnooper

from trackerscan.errors import InputError, TrackerscanError
from trackerscan.formats.btsnoop.reader import read_sightings
from trackerscan.formats.btsnoop.writer import write_btsnoop
from trackerscan.model import AddressType, Fix, Sighting, SourceEvent, SourceEventKind
from trackerscan.sessions.writer import SessionWriter
from trackerscan.sources import open_ble
from trackerscan.sources.ble_bumble import BumbleSource
from trackerscan.sources.ble_replay import ReplaySource


async def drain(src) -> list:
    out = []
    async with src:
        async for ev in src:
            out.append(ev)
    return out


@pytest.fixture
async def bumble_capture(tmp_path):
    """A real btsnoop log: bumble's BtSnooper on the scanning host while two tags advertise."""
    path = tmp_path / "scan.btsnoop"
    link = LocalLink()
    rssi = {T1_ADDR: -71, "C8:00:00:00:00:08": -62}
    phone = virtual_device(link, "phone", "F0:00:00:00:00:02", rssi)
    for i, (addr, data) in enumerate(((T1_ADDR, T1), ("C8:00:00:00:00:08", T8))):
        tag = virtual_device(link, f"tag{i}", f"F0:00:00:00:00:1{i}", rssi)
        await tag.power_on()
        await advertise(tag, addr, data)
    with path.open("wb") as f:
        phone.host.snooper = BtSnooper(f)
        async with BumbleSource("hci:test", scanner_opener(phone)) as live:
            await asyncio.sleep(0.4)
        phone.host.snooper = None
    del live
    return path


async def test_replay_at_speed_0_yields_what_the_reader_reads(bumble_capture):
    expected = list(read_sightings(bumble_capture))
    src = open_ble(f"replay:{bumble_capture},speed=0")
    t0 = time.monotonic()
    got = await drain(src)
    assert time.monotonic() - t0 < 2.0
    assert got == expected
    assert len(got) >= 6
    assert {s.address for s in got} == {T1_ADDR, "C8:00:00:00:00:08"}
    assert any(s.adv == T1 and s.rssi == -71 for s in got)
    assert all(s.address_type is AddressType.RANDOM and s.source == "replay" for s in got)


async def test_speed_keeps_relative_timing(tmp_path):
    base = 1_750_000_000.0
    offsets = [0.0, 0.5, 1.0, 3.0]
    sightings = [
        Sighting(base + o, T1_ADDR, AddressType.RANDOM, -60 - i, T1, "x", True) for i, o in enumerate(offsets)
    ]
    path = tmp_path / "gaps.btsnoop"
    write_btsnoop(path, sightings)
    src = ReplaySource(path, speed=10.0)
    arrivals = []
    async with src:
        t0 = time.monotonic()
        async for ev in src:
            arrivals.append((time.monotonic() - t0, ev))
    assert [ev.time for _, ev in arrivals] == pytest.approx([base + o for o in offsets], abs=1e-5)
    assert [ev.rssi for _, ev in arrivals] == [-60, -61, -62, -63]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(arrivals)]
    # recorded gaps 0.5, 0.5, 2.0 s at 10x: about 0.05, 0.05, 0.2 s (loose bounds: CI machines stall)
    assert gaps[2] > gaps[0] and gaps[2] > gaps[1]
    assert 0.15 <= arrivals[-1][0] < 2.0
    # and speed=0 does not wait (in real time the recording lasts 3 s)
    t0 = time.monotonic()
    fast = await drain(ReplaySource(path, speed=0))
    assert time.monotonic() - t0 < 1.5 and len(fast) == 4


async def test_replaying_a_recorded_session_yields_everything_it_holds(tmp_path):
    base = 1_750_000_100.0
    recorded = [
        Sighting(base, T1_ADDR, AddressType.RANDOM, -70, T1, "bleak:hci0", None),
        SourceEvent(base + 1.0, "bleak:hci0", SourceEventKind.ADAPTER_LOST, "hci0 was removed"),
        Fix(base + 1.5, 52.5, 13.4, source="gpsd"),
        SourceEvent(base + 3.0, "bleak:hci0", SourceEventKind.ADAPTER_BACK, "scanning again", 2.0),
        Sighting(base + 3.5, "C8:00:00:00:00:08", AddressType.RANDOM, -62, T8, "bleak:hci0", None),
    ]
    writer = SessionWriter.create(tmp_path / "sessions", base)
    for ev in recorded:
        writer.add(ev)
    writer.close(ended=base + 4)
    got = await drain(open_ble(f"replay:{writer.path},speed=0"))
    assert got == recorded


async def test_stopping_a_replay_midway(tmp_path):
    path = tmp_path / "slow.btsnoop"
    write_btsnoop(path, [Sighting(1e9 + i * 10, T1_ADDR, AddressType.RANDOM, -60, T1, "x") for i in range(5)])
    src = ReplaySource(path, speed=1.0)
    got = []
    async with src:
        async for ev in src:
            got.append(ev)
            break
    assert len(got) == 1
    assert [ev async for ev in src] == []  # closed: nothing more, no hang


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("replay:/nonexistent/cap.btsnoop", "does not exist"),
        ("replay:{tmp}/notes.txt", "is neither a btsnoop capture nor a trackerscan session"),
        ("replay:{tmp}/notes.txt,speed=fast", "is not a replay speed"),
        ("replay:{tmp}/notes.txt,speed=-1", "must be 0"),
        ("replay:{tmp}/notes.txt,speed=nan", "is not a replay speed"),
        ("replay:{tmp}/notes.txt,speed=1e-300", "is not a replay speed"),  # waits overflowed the clock
        ("replay:{tmp}/notes.txt,speed=inf", "is not a replay speed"),
        ("replay:", "needs a file"),
        ("bluetooth", "is not a Bluetooth source: use bleak, bleak:hci1, hci:usb:0"),
        ("bleak:wlan0", "is not a Bluetooth adapter name"),
        ("bleak:hci²", "is not a Bluetooth adapter name"),
        ("hci:", "needs a bumble transport name"),
        ("hci:bluetooth0", "needs a bumble transport name, e.g. hci:usb:0"),
    ],
)
def test_bad_specs_say_what_is_accepted(tmp_path, spec, message):
    (tmp_path / "notes.txt").write_text("not a capture\n")
    with pytest.raises(TrackerscanError) as err:
        open_ble(spec.format(tmp=tmp_path))
    text = str(err.value)
    assert message in text and "\n" not in text
    if spec.startswith("replay"):
        assert isinstance(err.value, InputError)


async def test_session_replays_stopped_while_reading_close_cleanly(tmp_path):
    """SQLite objects belong to the thread that made them: a session replay reads and closes on its own
    reader thread, so replays stopped mid-batch (several at once, as the disk-full scan did) neither fail
    mid-stream nor leave an 'Exception ignored' traceback behind."""
    import gc
    import sys

    base = 1_750_000_000.0
    writer = SessionWriter.create(tmp_path / "sessions", base)
    for i in range(9000):
        writer.add(Sighting(base + i * 0.01, f"C1:00:00:00:{i % 200 // 100:02X}:{i % 100:02X}",
                            AddressType.RANDOM, -60, T1, "bleak:hci0", None))
        if i % 100 == 0:
            writer.add(Fix(base + i * 0.01, 52.5, 13.4, source="gpsd"))
    writer.close(ended=base + 100)
    unraisable = []
    old_hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        for i in range(12):  # stop at different points inside the second, third... batch
            src = ReplaySource(writer.path, speed=0)
            n = 0
            async with src:
                async for _ in src:  # a failing read would raise here
                    n += 1
                    if n == 2001 + i * 397:
                        break
            assert n == 2001 + i * 397
            gc.collect()
    finally:
        sys.unraisablehook = old_hook
    assert [str(u.exc_value) for u in unraisable] == []

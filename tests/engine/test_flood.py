"""A BLE spam flood (issue #13): bounded memory, no flood address raised, the follower unaffected, the
flood named."""

from __future__ import annotations

import json
import re

import pytest

from trackerscan.analysis import analyze
from trackerscan.engine import Engine
from trackerscan.engine import thresholds as th
from trackerscan.engine.flood import floods_in
from trackerscan.formats.btsnoop.reader import read_sightings
from trackerscan.model import AddressType, Fix, FixMode, Level, Sighting, SourceEventKind
from trackerscan.sim.flood import generate

T0 = 1772438400.0
FORGED_AIRTAG = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """20 min of busy city with its follower; 100 spam frames a second from minute 4 to 14."""
    return generate(tmp_path_factory.mktemp("flood"), minutes=20, flood_from_min=4, flood_minutes=10,
                    rate=100, devices=400, reports=30_000, seed=3)


def test_the_flood_changes_no_level_and_is_named(walk):
    clean = analyze(ble=[walk.clean], gps=walk.nmea)
    flooded = analyze(ble=[walk.btsnoop], gps=walk.nmea)
    assert flooded.stats.adverts == clean.stats.adverts + walk.flood_frames
    # The follower alerts at the same moment, and nothing else changes: no flood address reaches watch.
    assert [c.to_json() for c in flooded.alerts] == [c.to_json() for c in clean.alerts]
    follower = [c for c in clean.alerts if walk.follower_address in c.addresses]
    assert [c.level for c in follower] == [Level.WATCH, Level.ALERT]
    assert flooded.stats.devices == clean.stats.devices  # spam frames never became devices
    floods = [n for n in flooded.notes if n.startswith("A Bluetooth spam flood ran from ")]
    assert len(floods) == 1 and not any("spam" in n for n in clean.notes)
    truth = json.loads(walk.truth.read_text())["flood"]
    assert truth["frames"] == walk.flood_frames == 60_000
    m = re.search(r"from (\S+ \S+) UTC to (\S+ \S+) UTC \(about ([\d,]+) made-up addresses", floods[0])
    assert m is not None and "it cannot hide a tracker that stays with you" in floods[0]
    assert (m[1][-5:], m[2][-5:]) == ("08:04", "08:14")  # the flood's minutes (truth: 08:04 to 08:14)
    assert abs(int(m[3].replace(",", "")) - walk.flood_frames) <= 0.01 * walk.flood_frames


def test_flood_start_and_end_within_a_window_and_its_events(walk):
    eng = Engine()
    events = sorted([*read_sightings(walk.btsnoop, source="b"), *_fixes(walk)], key=lambda e: e.time)
    for e in events:
        eng.feed(e)
    raised = eng.take_events()
    eng.finish()
    raised += eng.take_events()
    assert [e.kind for e in raised] == [SourceEventKind.FLOOD_STARTED, SourceEventKind.FLOOD_ENDED]
    assert eng.take_events() == []  # taken once
    (flood,) = eng.floods()
    assert abs(flood.start - walk.flood_start) <= th.CONTEXT_WINDOW_S
    assert flood.end is not None and abs(flood.end - walk.flood_end) <= th.CONTEXT_WINDOW_S
    assert 90 <= flood.peak_per_s <= 115
    assert floods_in(raised) == [type(flood)(flood.start, flood.end, flood.peak_per_s, 0)]
    st = eng.stats
    # Every forged tracker frame was dropped as a brief address; none is kept (24 h or otherwise).
    assert st.brief_trackers >= walk.forged_trackers
    assert st.floods == 1
    assert st.adverts == sum(type(e) is Sighting for e in events)


def _fixes(walk):
    from trackerscan.formats.nmea import NmeaReader

    r = NmeaReader(source="n")
    return [f for f in r.feed(walk.nmea.read_bytes()) + r.finish() if isinstance(f, Fix)]


def _fix(t: float) -> Fix:
    return Fix(t, 45.0, 13.0, speed_mps=0.0, hdop=0.9, accuracy_m=4.0, mode=FixMode.FIX_3D, satellites=9)


def test_memory_is_bounded_whatever_arrives():
    """10 minutes of 300 forged-AirTag frames a second, each from a new address and key: the
    first-sighting table holds at most FIRST_KEEP_S of them, no device is made, nothing is kept."""
    eng = Engine()
    n = 0
    peak = 0
    for s in range(600):
        t = T0 + s
        eng.feed(_fix(t))
        for k in range(300):
            n += 1
            addr = f"C{n >> 40 & 0xF:X}:{n >> 32 & 0xFF:02X}:{n >> 24 & 0xFF:02X}:{n >> 16 & 0xFF:02X}:" \
                   f"{n >> 8 & 0xFF:02X}:{n & 0xFF:02X}"
            adv = FORGED_AIRTAG[:10] + n.to_bytes(4) + FORGED_AIRTAG[14:]  # random keys
            eng.feed_sighting(t + k / 300, addr, AddressType.RANDOM, -55, adv)
        peak = max(peak, len(eng._first.records))
    assert peak <= 300 * (th.FIRST_KEEP_S + th.CONTEXT_WINDOW_S)
    st = eng.stats
    assert st.devices == 0 and eng.devices() == [] and st.adverts == n
    assert st.brief_trackers == st.brief >= n - peak
    assert st.floods == 1


def test_a_real_tag_in_a_flood_is_a_device_once_heard_again_later():
    eng = Engine()
    eng.feed(_fix(T0))
    tag = "FB:6D:08:3D:25:A4"
    for s in range(0, 40, 2):
        eng.feed(Sighting(T0 + s, tag, AddressType.RANDOM, -60, FORGED_AIRTAG, "b"))
        if s < th.FIRST_PROMOTE_SPAN_S:
            assert eng.device(tag) is None
    d = eng.device(tag)
    assert d is not None and d.first_seen == T0 and d.sightings == 20 and d.tracker

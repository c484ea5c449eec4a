"""The fast entry point and the indexes behind the hot path give the same answers as the plain rules."""

from __future__ import annotations

import heapq
from operator import attrgetter

from trackerscan.engine import Engine
from trackerscan.formats.btsnoop import read_sightings
from trackerscan.formats.nmea import NmeaReader
from trackerscan.model import Fix, Kind, Level, Sighting
from trackerscan.sim import build_scenario
from trackerscan.sim.busy_city import generate

from .test_linking import T0, feed_walk, smarttag_adv


def _outputs(eng: Engine, changes):
    devs = eng.devices()
    return changes, devs, {d.device_id: eng.history(d.device_id) for d in devs}, eng.stats


def _both_ways(events, **kw):
    a = Engine(**kw)
    ca = [c for e in events for c in a.feed(e)] + a.finish()
    b = Engine(**kw)
    cb = []
    for e in events:
        cb += b.feed_sighting(*e) if type(e) is Sighting else b.feed(e)
    cb += b.finish()
    return _outputs(a, ca), _outputs(b, cb)


def test_feed_sighting_equals_feed_on_a_scenario():
    sc = build_scenario("walk_every_kind", 1)
    a, b = _both_ways(sc.events, known=sc.known_devices(), homes=sc.homes)
    assert a == b
    changes, _devs, hist, stats = a
    assert sum(c.level is Level.ALERT for c in changes) >= 5
    assert stats.adverts == sum(type(e) is Sighting for e in sc.events)
    assert sum(len(h) for h in hist.values()) > 1000


def test_feed_sighting_equals_feed_on_a_btsnoop_capture(tmp_path):
    """The analyze path: sightings read from a real btsnoop file (busy city) and NMEA fixes."""
    bc = generate(tmp_path, minutes=40, devices=3000, reports=120_000, seed=5)
    sightings = list(read_sightings(bc.btsnoop, source="b"))
    r = NmeaReader(source="n")
    fixes = [f for f in r.feed(bc.nmea.read_bytes()) + r.finish() if isinstance(f, Fix)]
    events = list(heapq.merge(sightings, fixes, key=attrgetter("time")))
    a, b = _both_ways(events)
    assert a == b
    changes, _devs, _hist, stats = a
    assert stats.devices > 2000 and stats.places > 3
    alerted = {addr for c in changes if c.level is Level.ALERT for addr in c.addresses}
    assert bc.follower_address in alerted
    assert len(alerted) == 1  # nobody else in the crowd


def _decoys(n: int, start: float, minutes: float):
    """n SmartTags with the chain's signature but unrelated counters, heard all along."""
    out = []
    for k in range(n):
        addr = f"7A:00:00:00:{k // 256:02X}:{k % 256:02X}"
        adv = smarttag_adv(500_000 + 1000 * k, bytes([k % 256, k // 256]) * 4)
        out += [(start + k * 0.01 + i, addr, adv) for i in range(0, int(minutes * 60), 30)]
    return out


def test_smarttag_chains_link_among_many_tags_with_the_same_signature():
    """With more tails than the counter window (the index path), links are found as before."""
    addrs = ["5A:11:22:33:44:01", "6B:11:22:33:44:02", "4C:11:22:33:44:03"]
    sightings = []
    for k, addr in enumerate(addrs):
        for i in range(0, 900, 2):
            sightings.append((T0 + k * 900 + i + 0.5, addr, smarttag_adv(136589 + k, bytes([k + 1]) * 8)))
    # a fourth identity after 50 minutes of silence: counter advanced by the rotations missed (gap link)
    late = T0 + 2700 + 3000
    sightings += [
        (late + i, "4D:11:22:33:44:04", smarttag_adv(136589 + 2 + 4, b"\x09" * 8)) for i in range(0, 300, 2)
    ]
    sightings += _decoys(150, T0, 100)
    eng = Engine()
    changes = feed_walk(eng, sightings, 100)
    tags = [d for d in eng.devices() if d.kind is Kind.SMARTTAG]
    chain = [d for d in tags if "5A:11:22:33:44:01" in d.addresses]
    assert len(chain) == 1
    assert set(chain[0].addresses) == {*addrs, "4D:11:22:33:44:04"}
    assert chain[0].link_confidence == 0.7  # the gap link is the weaker one
    assert len(tags) == 151  # each decoy stays on its own
    assert {c.device_id for c in changes if c.level is Level.ALERT} >= {chain[0].device_id}

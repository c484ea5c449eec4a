"""The fast entry point and the indexes behind the hot path give the same answers as the plain rules."""

from __future__ import annotations

import heapq
import random
from itertools import pairwise
from operator import attrgetter

import pytest

from trackerscan.adv import classify
from trackerscan.engine import Engine, linking
from trackerscan.engine import thresholds as th
from trackerscan.engine.device import Device
from trackerscan.engine.linking import SmartTagChains, smarttag_aging, smarttag_signature
from trackerscan.formats.btsnoop.reader import read_sightings
from trackerscan.formats.nmea import NmeaReader
from trackerscan.model import Fix, Kind, Level, Sighting
from trackerscan.sim import build_scenario
from trackerscan.sim.busy_city import generate

from .test_linking import T0, feed_walk, smarttag_adv


def _outputs(eng: Engine, changes):
    devs = eng.devices()
    return changes, devs, {d.device_id: eng.history(d.device_id) for d in devs}, eng.stats


def _both_ways(events, **kw):
    """Outputs of feed(event), of feed_sighting(*fields) and of feed_sightings(columns)."""
    a = Engine(**kw)
    ca = [c for e in events for c in a.feed(e)] + a.finish()
    b = Engine(**kw)
    cb = []
    for e in events:
        cb += b.feed_sighting(*e) if type(e) is Sighting else b.feed(e)
    cb += b.finish()
    c = Engine(**kw)
    cc = []
    run: list[Sighting] = []
    for e in [*events, None]:
        if type(e) is Sighting:
            run.append(e)
            continue
        if run:
            cc += c.feed_sightings(*[list(col) for col in zip(*run, strict=True)][:5])
            run = []
        if e is not None:
            cc += c.feed(e)
    cc += c.finish()
    oa, ob, oc = _outputs(a, ca), _outputs(b, cb), _outputs(c, cc)
    assert ob == oc
    return oa, ob


def test_fast_entries_equal_feed_on_a_scenario():
    sc = build_scenario("walk_every_kind", 1)
    a, b = _both_ways(sc.events, known=sc.known_devices(), homes=sc.homes)
    assert a == b
    changes, _devs, hist, stats = a
    assert sum(c.level is Level.ALERT for c in changes) >= 5
    assert stats.adverts == sum(type(e) is Sighting for e in sc.events)
    assert sum(len(h) for h in hist.values()) > 1000


@pytest.mark.parametrize("seed", [1, 8])  # 8: found private through phones linked across address changes
def test_fast_entries_equal_feed_when_a_private_drive_releases_a_tag(seed):
    """The tag left in the car alerts from the context roll (not its own sighting) in every entry."""
    sc = build_scenario("family_car", seed)
    a, b = _both_ways(sc.events, known=sc.known_devices(), homes=sc.homes)
    assert a == b
    car_tag = next(d for d in sc.truth if d.name == "AirTag hidden in the car")
    alerts = [c for c in a[0] if c.level is Level.ALERT and set(c.addresses) & car_tag.addresses]
    assert len(alerts) == 1 and alerts[0].time > alerts[0].last_seen + 120  # raised after it was last heard


def test_fast_entries_equal_feed_on_a_btsnoop_capture(tmp_path):
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


class _ListChains:
    """The first version of SmartTagChains (a plain list per signature), kept as the reference."""

    def __init__(self):
        self.tails = {}

    def find(self, ident, t):
        aging = smarttag_aging(ident)
        best = gap_best = None
        gap_err = th.SMARTTAG_GAP_TOLERANCE + 1.0
        for dev in self.tails.get(smarttag_signature(ident), ()):
            dt = t - dev.last_seen
            if dt < 0 or aging <= dev.st_aging:
                continue
            if dev.st_aging == aging - 1 and dt <= th.SMARTTAG_LINK_WINDOW_S:
                if best is None or dev.last_seen > best.last_seen:
                    best = dev
            elif th.SMARTTAG_LINK_WINDOW_S / 2 < dt <= th.SMARTTAG_GAP_LINK_MAX_S:
                err = abs(aging - (dev.st_aging + dt / th.SMARTTAG_ROTATION_S))
                if err <= th.SMARTTAG_GAP_TOLERANCE + 0.5 and err < gap_err:
                    gap_best, gap_err = dev, err
        if best is not None:
            return best, th.SMARTTAG_LINK_CONFIDENCE
        if gap_best is not None:
            return gap_best, th.SMARTTAG_GAP_LINK_CONFIDENCE
        return None, 0.0

    def note(self, dev, ident, t):
        aging = smarttag_aging(ident)
        if aging <= dev.st_aging:
            return
        dev.st_aging = aging
        tails = self.tails.setdefault(smarttag_signature(ident), [])
        if dev not in tails:
            tails.append(dev)
        limit = t - th.SMARTTAG_GAP_LINK_MAX_S
        tails[:] = [d for d in tails if d.last_seen >= limit or d is dev]


def _ident(aging: int, state: int):
    return classify(smarttag_adv(aging, aging.to_bytes(8, "little"), state), "5A:00:00:00:00:01")


def test_indexed_smarttag_chains_choose_as_the_plain_list_did():
    """Random runs with hundreds of tags, clustered counters, two signatures and day-long gaps
    (so old tails are forgotten): the indexed chains pick the same device with the same confidence."""
    for seed in range(12):
        rng = random.Random(seed)
        fast, ref = SmartTagChains(), _ListChains()
        devs_f, devs_r = [], []
        t = T0
        links = peak = 0
        recent = []
        for _ in range(2500):
            t += rng.choices(
                (1.0, 30.0, 400.0, 900.0, 3000.0, 30_000.0, 90_000.0), (40, 30, 10, 5, 1, 0.15, 0.15)
            )[0]
            if devs_f and rng.random() < 0.05:  # an identity heard again, perhaps after a day away
                i = rng.randrange(len(devs_f))
                devs_f[i].last_seen = devs_r[i].last_seen = t
                continue
            if recent and rng.random() < 0.6:  # continue a recently heard tag's counter
                aging = rng.choice(recent).st_aging + rng.choice((1, 1, 1, 2, 3, 40, 120))
            else:
                aging = rng.randrange(1000, 1300)
            ident = _ident(aging, rng.choice((0x13, 0x14)))
            (df, cf), (dr, cr) = fast.find(ident, t), ref.find(ident, t)
            assert (devs_f.index(df) if df else None, cf) == (devs_r.index(dr) if dr else None, cr)
            links += df is not None
            if df is None:
                df, dr = Device("f", ident, "A", t), Device("r", ident, "A", t)
                devs_f.append(df)
                devs_r.append(dr)
            df.last_seen = dr.last_seen = t
            recent = [*recent[-4:], df]
            fast.note(df, ident, t)
            ref.note(dr, ident, t)
            assert [d.st_aging for d in devs_f] == [d.st_aging for d in devs_r]
            peak = max(peak, *(len(v) for v in fast._tails.values()))
        assert links > 200 and peak > linking._MAX_STEPS_BACK  # the list path and the index path ran


def test_without_history_points_levels_and_states_are_the_same():
    """Settings.keep_history=False (what analyze uses) changes nothing but the stored points."""
    from dataclasses import replace

    from trackerscan.engine import Settings

    sc = build_scenario("walk_every_kind", 2)
    kw = {"known": sc.known_devices(), "homes": sc.homes}
    full = Engine(Settings(), **kw)
    bare = Engine(replace(Settings(), keep_history=False), **kw)
    out = []
    for eng in (full, bare):
        changes = eng.feed_many(sc.events) + eng.finish()
        out.append((changes, eng.devices(), eng.stats))
    assert out[0] == out[1]
    assert any(c.level is Level.ALERT for c in out[0][0])
    ids = [d.device_id for d in out[0][1]]
    assert max(len(full.history(i)) for i in ids) > 10
    assert all(len(bare.history(i)) <= 1 for i in ids)
    assert [bare.history(i) for i in ids] == [full.history(i)[:1] for i in ids]


def test_columns_whose_times_go_backwards_equal_feed():
    """Runs need times in order: columns that step back now and then take the one-by-one runs."""
    sc = build_scenario("walk_airtag", 3)
    events = list(sc.events)
    half = len(events) // 2  # and a silence long enough to open a session, inside a column
    events[half:] = [e._replace(time=e.time + th.SESSION_GAP_S + 60) for e in events[half:]]
    rng = random.Random(5)
    stepped = 0
    for k in range(0, len(events) - 6, 6):  # shuffle small windows of sightings
        window = events[k : k + 6]
        if all(type(e) is Sighting for e in window):
            rng.shuffle(window)
            events[k : k + 6] = window
            stepped += any(b.time < a.time for a, b in pairwise(window))
    assert stepped > 100
    a, b = _both_ways(events, known=sc.known_devices(), homes=sc.homes)
    assert a == b
    assert any(c.level is Level.ALERT for c in a[0])
    assert a[3].sessions == 2


def test_in_order_tells_times_that_step_back():
    """`timeutil.in_order` (which picks the runs above) is the neighbour test, for lists and tuples."""
    from trackerscan.timeutil import in_order

    rng = random.Random(7)
    for _ in range(300):
        times = sorted(rng.choice([0.0, 1.0, 1.5, 2.0, -3.0]) for _ in range(rng.randint(0, 6)))
        if times and rng.random() < 0.5:
            i = rng.randrange(len(times))
            times.insert(i, times[i] - rng.choice([0.5, 1e-9]))  # one step back (or an equal time first)
        expected = all(a <= b for a, b in pairwise(times))
        assert in_order(times) is expected
        assert in_order(tuple(times)) is expected
    assert not in_order([2.0, 1.0]) and in_order([1.0, 1.0]) and in_order([])


def test_distance_is_the_plain_haversine_to_the_bit():
    """geo.distance_m (math's functions bound once, min() written out) gives the textbook haversine's
    metres bit for bit: near points, antipodes, poles, NaN and infinities included."""
    import math
    import struct

    from trackerscan.geo import EARTH_RADIUS_M, distance_m

    def plain(lat1, lon1, lat2, lon2):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))

    def outcome(f, args):
        try:
            return struct.pack("<d", f(*args))
        except ValueError:
            return "ValueError"

    rng = random.Random(11)
    odd = [0.0, -0.0, 90.0, -90.0, 180.0, -180.0, math.nan, math.inf, 1e300]
    for _ in range(20_000):
        lat, lon = rng.uniform(-90, 90), rng.uniform(-180, 180)
        near = rng.choice([1e-9, 1e-6, 1e-3, 0.1, 100.0])
        for args in (
            (lat, lon, lat + rng.uniform(-near, near), lon + rng.uniform(-near, near)),
            (lat, lon, -lat + rng.uniform(-1e-9, 1e-9), lon + 180 + rng.uniform(-1e-9, 1e-9)),
            tuple(rng.choice(odd) for _ in range(4)),
        ):
            a, b = outcome(plain, args), outcome(distance_m, args)
            assert a == b or (a != "ValueError" and math.isnan(struct.unpack("<d", a)[0])
                              and math.isnan(distance_m(*args))), args


def test_span_is_the_largest_haversine_distance_to_the_bit():
    """Device.span's inlined haversine (trig kept per place, largest term only turned into metres)
    gives exactly geo.distance_m's largest distance, whenever it is asked."""
    from trackerscan.geo import distance_m

    rng = random.Random(13)
    ident = classify(bytes.fromhex("0201061aff4c000215") + bytes(21), "AA:BB:CC:DD:EE:01")
    for trial in range(40):
        dev = Device("d", ident, "AA:BB:CC:DD:EE:01", 0.0)
        lat0, lon0 = rng.uniform(-70, 70), rng.uniform(-179, 179)
        scale = rng.choice([1e-5, 1e-3, 0.05, 3.0])
        for k in range(rng.randint(1, 40)):
            dev.kept_places.append((lat0 + rng.uniform(-scale, scale), lon0 + rng.uniform(-scale, scale)))
            if rng.random() < 0.3 or k == 0:
                kept = dev.kept_places
                plain = max(
                    [0.0] + [distance_m(*kept[i], *kept[j]) for j in range(len(kept)) for i in range(j)]
                )
                assert dev.span() == plain, (trial, k)
        kept = dev.kept_places
        plain = max([0.0] + [distance_m(*kept[i], *kept[j]) for j in range(len(kept)) for i in range(j)])
        assert dev.span() == plain
        if len(kept) > 2:
            assert plain > 0.0


def test_unambiguous_links_as_the_plain_union_find_did():
    """context._unambiguous_stars, its union-find inlined, picks the same pairs in the same order as the
    plain one (a root function with setdefault) on random candidate graphs."""
    from trackerscan.engine.context import _matching, _unambiguous_stars

    def plain(pairs):
        parent: dict = {}

        def root(x):
            parent.setdefault(x, x)
            while (p := parent[x]) is not x:
                parent[x] = x = parent[p]
            return x

        for g, d in pairs:
            ra, rb = root(g), root(d)
            if ra is not rb:
                parent[rb] = ra
        groups: dict = {}
        for pair in pairs:
            groups.setdefault(root(pair[0]), []).append(pair)
        out = []
        for edges in groups.values():
            if len(edges) == 1:
                out += edges
            elif len(edges) <= th.ROTATION_LINK_MAX_PAIRS:
                full = _matching(edges)
                out += [e for i, e in enumerate(edges) if _matching(edges[:i] + edges[i + 1 :]) < full]
        return out

    rng = random.Random(5)
    ident = classify(bytes.fromhex("0201061aff4c000215") + bytes(21), "AA:BB:CC:DD:EE:01")
    devs = [Device(f"d{i}", ident, f"AA:BB:CC:DD:EE:{i:02X}", 0.0) for i in range(60)]
    linked = 0
    for _ in range(200):
        n = rng.randint(0, 40)
        pairs = [(rng.choice(devs[:30]), rng.choice(devs[30:])) for _ in range(n)]
        got = _unambiguous_stars([(d, [g]) for g, d in pairs])  # each pair a star of one candidate
        assert got == plain(pairs)
        linked += len(got)
        # as _link_rotations hands them over: each new address with its candidates (old ones, or new
        # addresses heard before it)
        stars = []
        for d in rng.sample(devs[20:], rng.randint(0, 12)):
            gs = [g for g in rng.sample(devs, rng.randint(1, 4)) if g is not d]
            if gs:
                stars.append((d, gs))
        got = _unambiguous_stars(stars)
        assert got == plain([(g, d) for d, gs in stars for g in gs])
        linked += len(got)
    assert linked > 0

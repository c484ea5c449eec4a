"""Bounded memory (issue #8): bystanders are forgotten, evidence and linking state are not."""

from __future__ import annotations

import dataclasses

from trackerscan.engine import Engine, KnownDevices, Settings
from trackerscan.engine import thresholds as th
from trackerscan.model import AddressType, Fix, FixMode, Level, Sighting
from trackerscan.sim import build_scenario

T0 = 1772438400.0
SEPARATED_AIRTAG = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
PHONE = bytes.fromhex("0201060AFF4C0010050B1C1A2B3C")  # Apple Nearby Info: a phone, rotating address
BAND = bytes.fromhex("0201060DFF570100112233445566778899")  # unknown kind, static random address


def _fix(t: float, lat: float = 45.0, lon: float = 13.0) -> Fix:
    return Fix(t, lat, lon, speed_mps=0.0, hdop=0.9, accuracy_m=4.0, mode=FixMode.FIX_3D, satellites=9)


def _run(engine: Engine, events: list[object]) -> list[object]:
    out = []
    for e in events:
        out.extend(engine.feed(e))  # type: ignore[arg-type]
    return out


def _street(minutes: float, known: str | None = None) -> tuple[Engine, list[object]]:
    """A phone, a band and a separated AirTag heard for 2 min, then 60 min of one other phone."""
    engine = Engine(known=KnownDevices.from_lines([known] if known else []))
    ev: list[object] = []
    for s in range(0, int(minutes * 60), 2):
        t = T0 + s
        ev.append(_fix(t))
        if s < 120:
            ev.append(Sighting(t, "5A:11:22:33:44:55", AddressType.RANDOM, -60, PHONE, "t"))
            ev.append(Sighting(t + 0.1, "C1:22:33:44:55:66", AddressType.RANDOM, -70, BAND, "t"))
            ev.append(Sighting(t + 0.2, "FB:6D:08:3D:25:A4", AddressType.RANDOM, -65, SEPARATED_AIRTAG, "t"))
        ev.append(Sighting(t + 0.3, "6B:00:00:00:00:01", AddressType.RANDOM, -50, PHONE, "t"))
    return engine, ev


def test_bystanders_forgotten_trackers_kept_compactly():
    engine, ev = _street(60)
    _run(engine, ev)
    ids = {d.device_id for d in engine.devices()}
    # The phone and the band were last heard 58 min ago (> FORGET_AFTER_S): gone, but still counted.
    assert th.FORGET_AFTER_S < 58 * 60
    assert "5A:11:22:33:44:55" not in ids and "C1:22:33:44:55:66" not in ids
    assert engine.device("5A:11:22:33:44:55") is None and engine.history("5A:11:22:33:44:55") == []
    st = engine.stats
    assert st.forgotten == 2
    assert st.adverts == sum(isinstance(e, Sighting) for e in ev)
    # The separated AirTag may still link (24 h address): kept, its history points dropped.
    assert "FB:6D:08:3D:25:A4" in ids
    assert engine.history("FB:6D:08:3D:25:A4") == []
    assert engine.device("FB:6D:08:3D:25:A4").sightings == 60  # type: ignore[union-attr]
    # The phone heard all along is kept with its history.
    # One per 6 s (2 s sightings, 5 s step) from the sighting that made it a device, 20 s after the
    # first: 597 of the 600 it would have had from its first sighting.
    hist = engine.history("6B:00:00:00:00:01")
    assert hist[0].time == T0 + 0.3 + th.FIRST_PROMOTE_SPAN_S and len(hist) == 597
    assert engine.device("6B:00:00:00:00:01").first_seen == T0 + 0.3  # type: ignore[union-attr]


def test_nothing_forgotten_before_the_threshold_or_when_kept():
    engine, ev = _street(25)
    _run(engine, ev)
    # 23 min after their last sighting: the band (fixed address) is kept with its history; only the
    # phone with a rotating address, which no rule can raise, is gone (after NEVER_FORGET_AFTER_S).
    assert th.NEVER_FORGET_AFTER_S < 23 * 60 < th.FORGET_AFTER_S
    assert engine.stats.forgotten == 1 and len(engine.devices()) == 3
    assert engine.device("5A:11:22:33:44:55") is None
    assert len(engine.history("C1:22:33:44:55:66")) > 10
    engine = Engine(settings=Settings(forget_after_s=None))
    _run(engine, _street(60)[1])
    assert engine.stats.forgotten == 0 and len(engine.devices()) == 4


def test_rotating_non_tracker_kept_only_while_it_may_be_around():
    """A phone with a rotating address is kept for NEVER_FORGET_AFTER_S after its last sighting."""
    last = T0 + 118.3  # the phone 5A:... is last heard at 118 s (+0.1 s for the band)
    for minutes, present in ((11, True), (13, False)):
        engine, ev = _street(minutes)
        _run(engine, ev)
        silent = ev[-1].time - last  # type: ignore[attr-defined]
        assert (silent < th.NEVER_FORGET_AFTER_S + th.FORGET_SWEEP_S) is present
        assert (engine.device("5A:11:22:33:44:55") is not None) is present
        assert engine.device("C1:22:33:44:55:66") is not None  # fixed address: 30 min


def test_known_device_never_forgotten():
    engine, ev = _street(60, known="C1:22:33:44:55:66")
    _run(engine, ev)
    assert engine.device("C1:22:33:44:55:66") is not None and engine.stats.forgotten == 1


def test_forgotten_address_heard_again_starts_afresh():
    engine, ev = _street(60)
    _run(engine, ev)
    t = T0 + 3601
    engine.feed(Sighting(t, "C1:22:33:44:55:66", AddressType.RANDOM, -70, BAND, "t"))
    assert engine.device("C1:22:33:44:55:66") is None  # a first-sighting record until heard again later
    t2 = t + th.FIRST_PROMOTE_SPAN_S
    engine.feed(Sighting(t2, "C1:22:33:44:55:66", AddressType.RANDOM, -70, BAND, "t"))
    d = engine.device("C1:22:33:44:55:66")
    assert d is not None and d.sightings == 2 and d.first_seen == t and d.last_seen == t2
    assert engine.stats.adverts == sum(isinstance(e, Sighting) for e in ev) + 2


def test_forgetting_changes_no_level_on_a_long_scenario():
    """night_home is 8 h 15 min: same level changes with and without forgetting, and alerts are kept."""
    sc = build_scenario("night_home", 0)
    out = []
    for forget in (th.FORGET_AFTER_S, None):
        engine = Engine(Settings(forget_after_s=forget), sc.known_devices(), sc.homes)
        changes = _run(engine, sc.events) + engine.finish()
        out.append((engine, [dataclasses.astuple(c) for c in changes]))  # type: ignore[call-overload]
    (forgetful, a), (keeper, b) = out
    assert a == b
    assert forgetful.stats.forgotten > 0 and forgetful.stats.adverts == keeper.stats.adverts
    kept = {d.device_id for d in forgetful.devices()}
    for d in keeper.devices():
        if d.level is not Level.NONE or d.known:
            assert d.device_id in kept


FMDN_UTP = bytes.fromhex("0201061816AAFE41") + bytes(range(1, 21))  # MAC kept ~24 h
FMDN_NORMAL = bytes.fromhex("0201061816AAFE40") + bytes(range(21, 41))  # MAC rotates with the EID


def _airtag(t: float) -> Sighting:
    return Sighting(t, "FB:6D:08:3D:25:A4", AddressType.RANDOM, -65, SEPARATED_AIRTAG, "t")


def _back(engine: Engine, t1: float) -> list[object]:
    """The AirTag heard again for 5 min, 5 km north."""
    out: list[object] = []
    for s in range(0, 300, 2):
        out += engine.feed(_fix(t1 + s, lat=45.045))
        out += engine.feed(_airtag(t1 + s + 0.1))
    return out


def _silent_day(engine: Engine, gap_h: float) -> list[object]:
    """An AirTag and two FMDN tags heard for 10 min at one place, then gap_h hours of a phone only."""
    out: list[object] = []
    for s in range(0, 600, 2):
        t = T0 + s
        out += engine.feed(_fix(t))
        out += engine.feed(_airtag(t + 0.1))
        out += engine.feed(Sighting(t + 0.2, "4A:00:00:00:00:0F", AddressType.RANDOM, -65, FMDN_UTP, "t"))
        out += engine.feed(Sighting(t + 0.3, "4B:00:00:00:00:0E", AddressType.RANDOM, -65, FMDN_NORMAL, "t"))
    for s in range(600, 600 + int(gap_h * 3600), 2):
        t = T0 + s
        out += engine.feed(_fix(t))
        out += engine.feed(Sighting(t + 0.3, "6B:00:00:00:00:01", AddressType.RANDOM, -50, PHONE, "t"))
    return out


def test_silent_trackers_kept_compact_and_still_linked_after_3_hours():
    """A separated AirTag (address fixed 24 h) silent for 3 h is kept without history, identity details
    or cache entries, and its evidence from before the gap still counts when it is heard 5 km away."""
    engine = Engine()
    assert _silent_day(engine, 3.0) == []
    tag = engine._devices["FB:6D:08:3D:25:A4"]
    # FMDN in normal mode rotates MAC and EID together: nothing can link to it, it is gone.  In UTP
    # mode its MAC stays ~24 h, so it is kept like the AirTag.
    assert engine.device("4B:00:00:00:00:0E") is None
    assert engine.device("4A:00:00:00:00:0F") is not None
    for dev in (tag, engine._devices["4A:00:00:00:00:0F"]):
        assert len(dev.points) == 0 and dict(dev.identity.details) == {}
        assert all(d is not dev for d in engine._cache.values())
    assert tag.identity.separated is True and tag.identity.kind is not None
    assert tag.gps_places == 1 and tag.n == 300
    # Heard again at another place: the same device, with the first 10 min counting.
    t1 = T0 + 600 + 3 * 3600
    changes = _back(engine, t1)
    d = engine.device("FB:6D:08:3D:25:A4")
    assert d is not None and d.first_seen == T0 + 0.1 and d.sightings == 450
    assert [c.level for c in changes] == [Level.WATCH] and changes[0].places == 2
    assert changes[0].duration_s > 600  # 10 min before the gap + 5 min after
    # Those 5 min alone raise nothing: the link across the gap is what raised it.  And keeping every
    # device in full changes nothing.
    assert _back(Engine(), t1) == []
    keeper = Engine(Settings(forget_after_s=None))
    _silent_day(keeper, 3.0)
    again = _back(keeper, t1)
    assert [dataclasses.astuple(c) for c in again] == [dataclasses.astuple(c) for c in changes]  # type: ignore


def test_track_kept_as_columns_gives_back_every_fix():
    """The user's track costs well under 100 bytes a fix (a Fix tuple with its floats: ~300)."""
    import tracemalloc

    def fix(i: int) -> Fix:  # made afresh each time: the engine must not need the caller's objects
        return Fix(T0 + i, 45.0 + i * 1e-5, 13.0 - i * 1e-5, alt=None if i % 3 else 120.5 + i,
                   speed_mps=1.25, course=None if i % 2 else float(i % 360), hdop=0.9 + i % 5,
                   accuracy_m=None if i % 7 == 0 else 4.0 + i % 11, mode=FixMode(1 + i % 3),
                   satellites=None if i % 5 == 0 else 4 + i % 9,
                   source="nmea:/dev/ttyACM0" if i % 2 else "gpsd")

    n = 20_000
    engine = Engine()
    engine.feed(fix(0))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(1, n):
        engine.feed(fix(i))
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert held / n < 100, held / n
    assert engine.track() == [fix(i) for i in range(n)]


def test_session_writer_memos_stay_bounded_and_emitters_unique(tmp_path):
    """The writer remembers addresses and payloads for MEMO_GENERATION_S to twice that, not for the
    whole session; an address heard again after it was dropped still gets its own emitter row back."""
    from trackerscan.formats.session import Session
    from trackerscan.sessions import writer

    w = writer.SessionWriter.create(tmp_path, T0)
    tag = "FB:6D:08:3D:25:A4"
    w.add(Sighting(T0, tag, AddressType.RANDOM, -65, SEPARATED_AIRTAG, "t"))
    n = 6000  # a new address every 2 s for 3 h 20 min
    for i in range(n):
        addr = f"C0:00:00:00:{i >> 8:02X}:{i & 255:02X}"
        w.add(Sighting(T0 + 2 * i + 1, addr, AddressType.RANDOM, -70, BAND + bytes([i & 255, i >> 8]), "t"))
        if i % 50 == 0:
            w.flush()
    held = len(w._emitters) + len(w._old_emitters)
    assert held <= 2 * writer.MEMO_GENERATION_S / 2 + 1 < n / 4
    assert len(w._payloads) + len(w._old_payloads) == held
    t = T0 + 2 * n + 1
    w.add(Sighting(t, tag, AddressType.RANDOM, -60, SEPARATED_AIRTAG, "t"))  # 3 h 20 min later
    w.close(t)
    with Session.open(w.path) as s:
        counts = s.counts()
        heard = [x for x in s.sightings() if x.address == tag]
    assert counts["emitter"] == n + 1  # the tag's emitter was found in the file, not written twice
    assert counts["payload"] == n + 2  # its payload, dropped from the memo, is stored once more
    assert [(x.time, x.adv) for x in heard] == [(T0, SEPARATED_AIRTAG), (t, SEPARATED_AIRTAG)]


def _band_on_and_off(gaps_min: list[float], end_min: float) -> tuple[Engine, list[object], float]:
    """The band heard for 2 min at a time with the given silences between, a phone heard all along
    (so that the minutes roll) up to ``end_min``; returns the engine, events and the band's last time."""
    engine = Engine()
    ev: list[object] = []
    on: list[tuple[float, float]] = []
    start = 0.0
    for gap in [*gaps_min, None]:
        on.append((start, start + 120))
        if gap is not None:
            start += 120 + gap * 60
    last = 0.0
    for s in range(0, int(end_min * 60), 2):
        t = T0 + s
        ev.append(_fix(t))
        if any(a <= s < b for a, b in on):
            ev.append(Sighting(t + 0.1, "C1:22:33:44:55:66", AddressType.RANDOM, -70, BAND, "t"))
            last = t + 0.1
        ev.append(Sighting(t + 0.3, "6B:00:00:00:00:01", AddressType.RANDOM, -50, PHONE, "t"))
    return engine, ev, last


def test_forget_sweep_follows_a_device_heard_again_after_its_check_was_set():
    """The sweep looks only at devices whose check is due: one heard again (from the classify cache,
    without `_resolve`) after a silence longer than NEVER_FORGET_AFTER_S goes FORGET_AFTER_S after its
    new last sighting, not after the old one; "It's mine" keeps it until it is undone."""
    assert th.NEVER_FORGET_AFTER_S < 20 * 60 < th.FORGET_AFTER_S
    # heard for 2 min (and, after 20 min of silence, 2 min again): its last sighting at 2 (or 24) min
    for gaps, last_min in (([], 2), ([20.0], 24)):
        for end_min, present in ((last_min + 29, True), (last_min + 33, False)):
            engine, ev, last = _band_on_and_off(gaps, end_min)
            _run(engine, ev)
            assert last == T0 + last_min * 60 - 2 + 0.1
            assert (engine.device("C1:22:33:44:55:66") is not None) is present, (gaps, end_min)
            assert engine.device("6B:00:00:00:00:01") is not None
    # marked as hers, it stays past its time; "Not mine" undoes that and it goes at the next sweeps
    engine, ev, last = _band_on_and_off([], 10)
    _run(engine, ev)
    engine.mark_mine("C1:22:33:44:55:66")
    t = T0 + 10 * 60
    tail = [e for s in range(0, 40 * 60, 2) for e in (_fix(t + s),
            Sighting(t + s + 0.3, "6B:00:00:00:00:01", AddressType.RANDOM, -50, PHONE, "t"))]
    _run(engine, tail)
    assert engine.device("C1:22:33:44:55:66") is not None
    engine.mark_not_mine("C1:22:33:44:55:66")
    t += 40 * 60
    _run(engine, [e for s in range(0, 3 * 60, 2) for e in (_fix(t + s),
         Sighting(t + s + 0.3, "6B:00:00:00:00:01", AddressType.RANDOM, -50, PHONE, "t"))])
    assert engine.device("C1:22:33:44:55:66") is None
    assert engine.stats.forgotten == 1


class _SweepAll(Engine):
    """The forget sweep as it was before devices were filed by when they fall due: every device in
    memory looked at each sweep.  The reference the filed sweep must equal."""

    def _forget(self, t: float, after_s: float) -> None:
        from trackerscan.engine import core
        from trackerscan.model import Kind

        gone, dormant = [], []
        tracker_limit = t - th.TRACKER_FORGET_AFTER_S
        limit = t - after_s
        never_limit = t - min(after_s, th.NEVER_FORGET_AFTER_S)
        for dev in list(self._devices.values()):
            ls = dev.last_seen
            if ls >= never_limit or dev.level is not Level.NONE or dev.known or dev.mine:
                continue
            if dev.cls == core.NEVER and dev.identity.kind is not Kind.SMARTTAG:
                pass
            elif ls >= limit:
                continue
            elif ls >= tracker_limit and (
                dev.cls in core._LINKABLE_CLASSES or dev.identity.kind is Kind.SMARTTAG
            ):
                if dev.points or dev.identity.details:
                    dormant.append(dev)
                continue
            gone.append(dev)
        if dormant:
            self._compact(dormant)
        if gone:
            self._drop(gone)
        for dev in dormant + gone:
            for key in dev.keys:
                if self._cache.get(key) is dev:
                    del self._cache[key]
            dev.keys = []


def _memory_state(engine: Engine) -> list[tuple[str, int, bool, int]]:
    return sorted((d.device_id, d.sightings, bool(engine._devices[d.device_id].identity.details),
                   len(engine._devices[d.device_id].points)) for d in engine.devices())


def test_filed_forget_sweep_equals_looking_at_every_device():
    """Devices heard on and off at random (fixed address, rotating address, a separated AirTag), one of
    them marked as hers and then not: after every 10 s, the engine holds exactly the devices, compacted
    or not, that a sweep looking at every device would leave."""
    import random

    who = [("C1:22:33:44:55:66", BAND), ("5A:11:22:33:44:55", PHONE), ("FB:6D:08:3D:25:A4", SEPARATED_AIRTAG),
           ("C3:00:00:00:00:07", BAND), *((f"C4:00:00:00:00:{k:02X}", BAND) for k in range(6)),
           *((f"5B:00:00:00:00:{k:02X}", PHONE) for k in range(3))]
    for seed, keep_history in ((1, True), (2, False), (3, False), (4, False)):
        rng = random.Random(seed)
        settings = Settings(keep_history=keep_history)
        engines = [Engine(settings=settings), _SweepAll(settings=settings)]
        on = {a: rng.random() < 0.5 for a, _ in who}
        checked = 0
        for s in range(0, 150 * 60, 2):
            t = T0 + s + rng.random()
            for a, _ in who:
                if rng.random() < 1 / 240:  # on or off for 8 min on average
                    on[a] = not on[a]
            events: list[object] = [_fix(t)]
            events += [Sighting(t + 0.1 + k * 0.01, a, AddressType.RANDOM, -60, adv, "t")
                       for k, (a, adv) in enumerate(who) if on[a]]
            events.append(Sighting(t + 0.3, "6B:00:00:00:00:01", AddressType.RANDOM, -50, PHONE, "t"))
            for engine in engines:
                _run(engine, events)
                if s == 40 * 60 and engine.device("C3:00:00:00:00:07") is not None:
                    engine.mark_mine("C3:00:00:00:00:07")
                if s == 100 * 60 and engine.device("C3:00:00:00:00:07") is not None:
                    engine.mark_not_mine("C3:00:00:00:00:07")
            if s % 10 == 0:
                assert _memory_state(engines[0]) == _memory_state(engines[1]), (seed, s)
                checked += 1
        assert engines[0].stats.forgotten == engines[1].stats.forgotten > 0
        assert checked == 900  # 150 min, every 10 s

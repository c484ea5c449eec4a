"""Fellow passengers (issue #4) and the situation in explanations, on scenarios and a real car trip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trackerscan.engine import Engine
from trackerscan.engine import levels as levels_module
from trackerscan.formats.gpx import read_gpx
from trackerscan.model import AddressType, Level, Sighting
from trackerscan.sim import build_scenario
from trackerscan.sim.scenarios import MIN

DATA = Path(__file__).parent / "data"
AIRTAG_ADV = bytes.fromhex("1eff4c00121910") + bytes(range(1, 23)) + bytes.fromhex("0100")
PHONE_ADV = bytes.fromhex("0aff4c001005031c6ee1d2")


def _alerts(name: str, seed: int) -> tuple[object, Engine, dict[str, list]]:
    sc = build_scenario(name, seed)
    engine = Engine(known=sc.known_devices(), homes=sc.homes)
    changes = engine.feed_many(sc.events) + engine.finish()
    by_name: dict[str, list] = {}
    for c in changes:
        by_name.setdefault(sc.truth_for(c.addresses).name, []).append(c)  # type: ignore[union-attr]
    return sc, engine, by_name


def _passenger_alerts(by_name: dict[str, list]) -> list[str]:
    return [
        n
        for n, cs in by_name.items()
        if n.startswith("fellow passenger") and any(c.level is Level.ALERT for c in cs)
    ]


@pytest.mark.parametrize("name", ["bus_commute", "bus_hop"])
def test_passengers_trackers_watch_but_do_not_alert(name):
    sc, _engine, by_name = _alerts(name, 1)
    tags = ("fellow passenger's lost", "fellow passenger's Tile")
    decoys = [d.name for d in sc.truth if d.name.startswith(tags)]
    assert len(decoys) >= 4
    assert _passenger_alerts(by_name) == []
    assert sum(1 for n in decoys if n in by_name) >= 2  # they did gather evidence: watch
    followers = [d.name for d in sc.truth if d.follower]
    assert followers and all(any(c.level is Level.ALERT for c in by_name[f]) for f in followers)


@pytest.mark.parametrize("name", ["bus_commute", "bus_hop"])
def test_without_the_ride_rule_passengers_would_alert(name, monkeypatch):
    """The scenarios are hard enough: the passengers' trackers alert when time on board counts fully."""
    monkeypatch.setattr(levels_module, "on_board_only", lambda dev, ctx: False)
    # bus_commute's tags are in bags (issue #17): the closeness rule keeps them apart too.
    monkeypatch.setattr(levels_module, "kept_distance", lambda dev, ctx: False)
    _sc, _engine, by_name = _alerts(name, 1)
    assert len(_passenger_alerts(by_name)) >= 2


def test_ride_is_recognised_and_the_follower_explained():
    sc, engine, by_name = _alerts("bus_hop", 0)
    ctx = engine._ctx  # the rides the engine recognised
    board = sc.events[0].time + 6 * MIN
    off = board + 10.5 * MIN
    assert len(ctx.ride_starts) == 1
    assert abs(ctx.ride_starts[0] - board) <= 1.5 * MIN
    assert abs(ctx.ride_ends[0] - off) <= 1.5 * MIN  # type: ignore[operator]
    alert = next(c for c in by_name["AirTag slipped into your bag at the bus stop"] if c.level is Level.ALERT)
    m = re.search(r"with you on public transport for (\d+) minutes, got off when you did and was still with "
                  r"you (\d+) minutes later", alert.explanation)
    assert m, alert.explanation
    assert abs(int(m.group(1)) - 11) <= 1 and int(m.group(2)) >= 5
    assert alert.time >= ctx.ride_ends[0] + 300  # type: ignore[operator]
    watch = [c for n, cs in by_name.items() if n.startswith("fellow passenger's") for c in cs]
    assert watch and all(c.level is Level.WATCH for c in watch)
    assert any("a warning waits until it is still with you after you get off" in c.explanation for c in watch)


def test_busy_city_bus_tiles_do_not_alert():
    """The busy city's bus riders: Tiles that share a bus 5-25 min raise no alert, the follower does."""
    import heapq
    import tempfile
    from operator import attrgetter

    from trackerscan.formats.btsnoop.reader import read_sightings
    from trackerscan.formats.nmea import NmeaReader
    from trackerscan.model import Fix
    from trackerscan.sim.busy_city import generate

    with tempfile.TemporaryDirectory() as d:
        bc = generate(d, minutes=60, devices=5000, reports=300_000, seed=3)
        sightings = list(read_sightings(bc.btsnoop, source="b"))
        r = NmeaReader(source="n")
        fixes = [f for f in r.feed(bc.nmea.read_bytes()) + r.finish() if isinstance(f, Fix)]
    engine = Engine()
    changes = []
    for e in heapq.merge(sightings, fixes, key=attrgetter("time")):
        changes.extend(engine.feed(e))
    changes.extend(engine.finish())
    alerts = {c.addresses[0] for c in changes if c.level is Level.ALERT}
    assert alerts == {bc.follower_address}
    assert engine._ctx.ride_starts  # the bus rides were recognised


def test_car_trip_is_described_as_a_whole():
    """around-visnjan-with-car.gpx (real, Garmin eTrex): the alert minute is a slow one (~7 km/h), the
    trip is a drive with stops; the explanation must not say "You were walking"."""
    with (DATA / "around-visnjan-with-car.gpx").open("rb") as f:
        fixes, _ = read_gpx(f, source="gpx")
    events: list = list(fixes)
    t, k = fixes[0].time, 0
    while t <= fixes[-1].time:
        events.append(Sighting(t, "C1:02:03:04:05:06", AddressType.RANDOM, -60, AIRTAG_ADV, "hci0"))
        if k % 3 == 0:
            addr = f"5A:11:22:33:{k // 30:02X}:55"  # a passer-by every minute
            events.append(Sighting(t + 0.3, addr, AddressType.RANDOM, -85, PHONE_ADV, "hci0"))
        t += 2.0
        k += 1
    events.sort(key=lambda e: e.time)
    engine = Engine()
    alert, last_minute = None, ""
    for e in events:
        for c in engine.feed(e):
            if c.level is Level.ALERT:
                alert, last_minute = c, engine._ctx.situation
    assert alert is not None
    assert last_minute == "walking"  # the minute before the alert alone would mislead (7 km/h)
    assert "You were walking" not in alert.explanation
    m = re.search(r"You were travelling in a vehicle \((\d+) of the (\d+) minutes with a position at vehicle "
                  r"speed, stopped or slow the rest\)", alert.explanation)
    assert m, alert.explanation
    assert 3 <= int(m.group(1)) < int(m.group(2)) <= 7


def test_a_walk_is_described_as_walking():
    _sc, _engine, by_name = _alerts("walk_airtag", 0)
    alert = next(c for c in by_name["AirTag hidden in your bag"] if c.level is Level.ALERT)
    m = re.search(r"You were mostly walking \((\d+) of the (\d+) minutes", alert.explanation)
    assert m and int(m.group(1)) >= int(m.group(2)) - 1, alert.explanation


def test_trip_words_follow_the_minutes():
    from trackerscan.engine.context import Context

    def trip(speeds: list[float | None]) -> str:
        ctx = Context()
        t = 1000.0
        for v in speeds:
            ctx.roll(t, v, v is not None)
            t += 60.0
        return ctx.trip(1000.0 - 60.0, t)

    assert trip([1.3] * 5 + [0.0] * 2).startswith("mostly walking (5 of the 7 minutes")
    half = trip([0.0] * 4 + [1.3] * 4)
    assert half == "partly walking, partly standing still (4 of the 8 minutes with a position walking)"
    assert trip([0.0] * 6 + [12.0] * 3).startswith("travelling in a vehicle (3 of the 9 minutes")
    assert trip([None] * 10) == ""
    assert trip([0.1] * 3 + [None] * 7).startswith("mostly staying in one place (3 of the 3 minutes")

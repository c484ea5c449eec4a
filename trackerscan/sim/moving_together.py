"""Scenarios where other people's devices move with the user without following her (issue #17).

Strangers walking the same way, a crowd leaving a venue, passengers from her stop, a long train
ride that starts on board, her own undeclared gadgets, phone-grade GPS and cycling.  Each has one
real follower, so that missing it or finding it late shows in the score beside the false alerts.
Leg lengths that vary with the seed come from their own generator, so the cast's draws stay
independent of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from trackerscan.model import Kind
from trackerscan.sim import cast
from trackerscan.sim.scenarios import BUS, CAR, MIN, WALK, Scenario, _Builder
from trackerscan.sim.world import (
    Leg,
    fixed,
    in_vehicle,
    move,
    travels_then_stays,
    travels_then_walks,
    with_user,
)

TRAIN = 22.0  # m/s, a regional train between stations
BIKE = 5.0  # m/s, 18 km/h


def _legs_rng(seed: int) -> random.Random:
    return random.Random(seed * 7_919 + 17)


def _stranger(
    b: _Builder,
    i: int,
    t_on: float,
    t_off: float,
    dist_m: float,
    speed: float = 1.3,
    kind: Kind = Kind.AIRTAG,
) -> None:
    """Someone beside the user from ``t_on`` to ``t_off`` (``dist_m`` away, drifting), then their own way,
    with a phone and a separated tag (or a Tile) in their bag."""
    rng = b.rng
    w = travels_then_walks(b.user, t_off, rng, dist_m, speed, wobble_m=min(2.0, dist_m / 3))
    b.add(cast.phone(rng, f"same-way stranger's phone {i}", w, t_on, t_off + 3 * MIN))
    b.add(
        cast.tracker(
            kind, rng, f"same-way stranger's lost {kind.value} {i}", w, t_on, t_off + 3 * MIN, carried=True
        )
    )


def same_route(seed: int) -> Scenario:
    """45 min walk with a 1-min stop at a crossing; four strangers with separated tags walk the same
    route 2-8 m away for 3-20 min each; an AirTag in her bag follows."""
    b = _Builder(seed, [Leg(15 * MIN, WALK), Leg(MIN, 0.0, label="crossing"), Leg(29 * MIN, WALK)])
    b.own_devices()
    b.follower(Kind.AIRTAG, "AirTag hidden in your bag")
    rng = b.rng
    for i in range(4):
        t_on = b.start + rng.uniform(0, 22 * MIN)
        _stranger(
            b,
            i,
            t_on,
            t_on + rng.uniform(3 * MIN, 20 * MIN),
            rng.uniform(2.0, 8.0),
            kind=(Kind.AIRTAG, Kind.TILE)[i % 2],
        )
    b.passers_by(b.start, b.end, 2.0)
    return b.build(
        "same_route", "45 min walk; four strangers with lost tags walk her way 2-8 m off for 3-20 min."
    )


def crowd_leaving(seed: int) -> Scenario:
    """30 min in a crowd at a venue, then a 25 min walk out with it: 25 people walk her way for 1-12 min
    at 2-15 m, six with lost tags; a Find My tag slipped into her bag follows from the start."""
    b = _Builder(seed, [Leg(30 * MIN, 0.0, label="venue"), Leg(25 * MIN, WALK)])
    b.own_devices()
    out = b.leg(1)
    b.follower(Kind.FINDMY_ACCESSORY, "Find My tag in your bag", timed_from=out)
    rng = b.rng
    lat, lon = b.user.at(b.start)
    for i in range(40):  # people who stay at the venue
        p = fixed(*move(lat, lon, rng.uniform(-30, 30), rng.uniform(-30, 30)))
        b.add(cast.phone(rng, f"venue phone {i}", p, b.start, out + rng.uniform(0, 5 * MIN)))
    for i in range(25):  # people who leave with her
        t_off = out + rng.uniform(1 * MIN, 12 * MIN)
        w = travels_then_walks(b.user, t_off, rng, rng.uniform(2.0, 15.0), wobble_m=2.0)
        b.add(cast.phone(rng, f"leaving phone {i}", w, b.start, t_off + 3 * MIN))
        if i % 4 == 0:
            kind = (Kind.AIRTAG, Kind.TILE)[(i // 4) % 2]
            b.add(
                cast.tracker(
                    kind, rng, f"crowd's lost {kind.value} {i}", w, b.start, t_off + 3 * MIN, carried=True
                )
            )
    b.passers_by(out, b.end, 4.0)
    return b.build(
        "crowd_leaving",
        "30 min at a venue, then a walk out with the crowd (25 people, six lost tags, 1-12 min).",
    )


def stop_mates(seed: int) -> Scenario:
    """Walk, wait 2-6 min at a stop with other passengers, ride 5-25 min with stops and turnover, walk.

    Three passengers who waited at her stop carry a lost AirTag, a Tile and a separated SmartTag on
    a seat 3-4 m away; one of them rides to her stop and walks off its own way.  An AirTag slipped
    into her bag at the stop follows (timed from boarding).
    """
    lr = _legs_rng(seed)
    ride_min = lr.uniform(5.0, 25.0)
    legs = [Leg(4 * MIN, WALK), Leg(lr.uniform(2, 6) * MIN, 0.0, label="bus stop")]
    left = ride_min * MIN
    while left > 0:
        hop = min(left, lr.uniform(2, 3.5) * MIN)
        legs += [Leg(hop, BUS), Leg(30, 0.0, label="bus stop")]
        left -= hop
    legs += [Leg(8 * MIN, WALK)]
    b = _Builder(seed, legs)
    b.own_devices()
    board, off = b.leg(2), b.leg(len(legs) - 1)
    stops = [b.leg(i) for i in range(3, len(legs) - 1, 2)]  # arrivals at each stop
    b.follower(Kind.AIRTAG, "AirTag slipped into your bag at the stop", start=board - MIN, timed_from=board)
    rng = b.rng
    wait = b.leg(1)
    for i in range(10):  # passengers from her stop, getting off at a later stop (or hers)
        t_off = rng.choice(stops)
        w = travels_then_walks(b.user, t_off, rng, rng.uniform(1.5, 6.0))
        a = wait + rng.uniform(0, board - wait)
        b.add(cast.phone(rng, f"stop-mate phone {i}", w, a, t_off + 3 * MIN))
        if i % 3 == 0:
            b.add(cast.fixed_address_device(rng, f"stop-mate watch {i}", w, a, t_off + 3 * MIN))
    for i, kind in enumerate((Kind.AIRTAG, Kind.TILE, Kind.SMARTTAG)):
        t_off = off if i == 0 else rng.choice(stops)
        w = travels_then_walks(b.user, t_off, rng, rng.uniform(3.0, 4.0))
        b.add(cast.tracker(kind, rng, f"stop-mate's lost {kind.value} {i}", w, wait, t_off + 3 * MIN))
    for j, s in enumerate(stops[:-1]):  # turnover: people board at later stops and ride a while
        for i in range(3):
            # One who rides on past her stop stays on the bus: left behind where she got off, not
            # walking beside her (before, such passengers walked her route 1.5-6 m off for minutes).
            t_off = min(off, s + rng.uniform(2 * MIN, 10 * MIN))
            w = travels_then_stays(b.user, t_off, rng.uniform(1.5, 6.0))
            b.add(cast.phone(rng, f"passenger boarding at stop {j} phone {i}", w, s, t_off + 2 * MIN))
    b.passers_by(b.start, board, 2.0)
    b.passers_by(off, b.end, 2.0)
    return b.build(
        "stop_mates",
        "Wait at a stop with passengers (three lost tags 3-4 m away), ride 5-25 min with turnover, walk.",
    )


def long_train(seed: int) -> Scenario:
    """35 min train ride that starts on board: 5 stations (GPS lost, 1 min), a tunnel, then 10 min in
    the station at the end without GPS and a 5 min walk.  An AirTag is in her bag from the start;
    30 passengers with turnover at stations, three with lost tags 2-6 m away riding long."""
    legs: list[Leg] = []
    for k in range(5):
        legs += [Leg(5 * MIN, TRAIN), Leg(MIN, 0.0, gps=False, indoor=True, label="station")]
        if k == 2:
            legs += [Leg(50, TRAIN, gps=False, label="tunnel")]
    legs += [
        Leg(4 * MIN, TRAIN),
        Leg(10 * MIN, 0.6, gps=False, indoor=True, label="station"),
        Leg(5 * MIN, WALK),
    ]
    b = _Builder(seed, legs)
    b.own_devices()
    b.follower(Kind.AIRTAG, "AirTag hidden in your bag")
    rng = b.rng
    ride_end = b.leg(len(legs) - 2)
    stations = [b.leg(i) for i, leg in enumerate(legs) if leg.label == "station"]
    for i in range(30):
        a = b.start if i < 20 else rng.choice(stations[:3])
        t_off = rng.choice([s for s in stations if s > a + 3 * MIN])
        w = travels_then_stays(b.user, t_off, rng.uniform(1.5, 8.0))
        b.add(cast.phone(rng, f"train passenger phone {i}", w, a, t_off + 2 * MIN))
        if i % 5 == 0:
            b.add(cast.fixed_address_device(rng, f"train passenger laptop {i}", w, a, t_off + 2 * MIN))
    for i, kind in enumerate((Kind.AIRTAG, Kind.TILE, Kind.AIRTAG)):
        t_off = ride_end if i == 0 else rng.choice(stations[2:])
        w = travels_then_walks(b.user, t_off, rng, rng.uniform(2.0, 6.0))
        b.add(
            cast.tracker(kind, rng, f"train passenger's lost {kind.value} {i}", w, b.start, t_off + 3 * MIN)
        )
    b.passers_by(ride_end, b.end, 3.0)
    return b.build(
        "long_train",
        "35 min train ride from the start (stations and a tunnel without GPS, 30 passengers, three lost "
        "tags), 10 min in the station, walk; an AirTag is in the bag.",
    )


def own_gadgets(seed: int) -> Scenario:
    """Her first day with the tool, nothing declared: 2 h at home, walk, drive, walk, 40 min in a shop,
    walk.  Her fitness band, earbuds case and laptop (fixed addresses) are with her all day, her car's
    hands-free unit in the car; a Tile slipped into her coat when she leaves home follows."""
    legs = [Leg(120 * MIN, 0.0, indoor=True, label="home"), Leg(15 * MIN, WALK)]
    for _ in range(4):
        legs += [Leg(4 * MIN, CAR), Leg(40, 0.0, label="traffic light")]
    legs += [Leg(20 * MIN, WALK), Leg(40 * MIN, 0.3, indoor=True, label="shop"), Leg(15 * MIN, WALK)]
    b = _Builder(seed, legs)
    b.own_devices()
    rng = b.rng
    out, drive0, park = b.leg(1), b.leg(2), b.leg(len(legs) - 3)
    b.follower(Kind.TILE, "Tile slipped into your coat", start=out, timed_from=out)
    b.add(cast.fixed_address_device(rng, "your fitness band", with_user(b.user, 0.2), b.start, b.end))
    bag = with_user(b.user, 0.5)
    b.add(cast.fixed_address_device(rng, "your earbuds case", bag, b.start, b.end, 1.0, carried=True))
    b.add(cast.fixed_address_device(rng, "your laptop", bag, b.start, b.end, 2.0, carried=True))
    car = in_vehicle(b.user, drive0, park)
    b.add(cast.fixed_address_device(rng, "your car's hands-free unit", car, drive0 - MIN, park + MIN))
    b.passers_by(out, b.end, 2.0)
    return b.build(
        "own_gadgets",
        "First day, nothing declared: home 2 h, walk, drive, walk, shop; her band, earbuds case, laptop and "
        "car hands-free are with her; a Tile follows from when she leaves home.",
    )


def phone_gps(seed: int) -> Scenario:
    """40 min walk with phone-grade location (a fix every 5-15 s, 10-35 m, gaps); two strangers walk
    her way for a while; an AirTag follows."""
    b = _Builder(seed, [Leg(40 * MIN, WALK)], phone_gps=True)
    b.own_devices()
    b.follower(Kind.AIRTAG, "AirTag hidden in your bag")
    rng = b.rng
    for i in range(2):
        t_on = b.start + rng.uniform(0, 20 * MIN)
        _stranger(b, i, t_on, t_on + rng.uniform(3 * MIN, 15 * MIN), rng.uniform(2.0, 8.0))
    b.passers_by(b.start, b.end, 2.0)
    return b.build(
        "phone_gps", "40 min walk, phone-grade GPS; two strangers walk her way; an AirTag follows."
    )


def cycling(seed: int) -> Scenario:
    """30 min by bike with red lights, two cyclists with lost tags riding beside her for 3-8 min, then a
    5 min walk; a Tile under the saddle follows."""
    legs: list[Leg] = []
    for _ in range(6):
        legs += [Leg(4 * MIN, BIKE), Leg(40, 0.0, label="traffic light")]
    legs += [Leg(5 * MIN, WALK)]
    b = _Builder(seed, legs)
    b.own_devices()
    b.follower(Kind.TILE, "Tile under your saddle")
    rng = b.rng
    for i in range(2):
        t_on = b.start + rng.uniform(0, 20 * MIN)
        _stranger(b, i, t_on, t_on + rng.uniform(3 * MIN, 8 * MIN), rng.uniform(2.0, 6.0), speed=BIKE)
    for j in range(6):
        b.passers_by(b.leg(2 * j + 1), b.leg(2 * j + 1) + 40, 6.0)
    return b.build("cycling", "30 min by bike with red lights; two cyclists with lost tags ride along; walk.")


SCENARIOS: dict[str, Callable[[int], Scenario]] = {
    "same_route": same_route,
    "crowd_leaving": crowd_leaving,
    "stop_mates": stop_mates,
    "long_train": long_train,
    "own_gadgets": own_gadgets,
    "phone_gps": phone_gps,
    "cycling": cycling,
}

"""Fellow passengers on longer runs (30 seeds found them): tags that waited at the stop with the user
must not alert before the ride is recognised, nor when the walk comes back past the stop."""

from __future__ import annotations

import pytest
from engine.scenario_runs import changes_by_name

from trackerscan.engine import levels
from trackerscan.engine import thresholds as th
from trackerscan.engine.context import Context
from trackerscan.model import Level
from trackerscan.sim import build_scenario


def _alerted(by_name: dict[str, list], prefix: str) -> list[str]:
    return [
        n for n, cs in by_name.items() if n.startswith(prefix) and any(c.level is Level.ALERT for c in cs)
    ]


# bus_hop seeds 4 and 16: two lost AirTags that waited at the stop 3-4 min alerted 2-3 min into the
# ride, before its co-travellers had the 5 minutes that make it public transport; bus_commute seed 5.
@pytest.mark.parametrize(("name", "seed"), [("bus_hop", 4), ("bus_hop", 16), ("bus_commute", 5)])
def test_passengers_who_waited_at_the_stop_do_not_alert_before_the_ride_is_recognised(name, seed):
    sc = build_scenario(name, seed)
    engine, by_name = changes_by_name(sc)
    assert engine._ctx.ride_starts and engine._ctx.private == {}
    assert _alerted(by_name, "fellow passenger") == []
    followers = [d.name for d in sc.truth if d.follower]
    assert followers and all(_alerted(by_name, f) for f in followers)


@pytest.mark.parametrize(("name", "seed"), [("bus_hop", 4)])
def test_without_the_hold_they_alert(name, seed, monkeypatch):
    """The seed is a false alert the hold was written for (the closeness rule, which also keeps
    passengers' tags apart since issue #17, is switched off here too).  bus_commute seed 5 was the
    other; since fellow passengers' phones are followed across address changes its ride is recognised
    in time without the hold (no bus_commute seed 0-29 needs it now)."""
    monkeypatch.setattr(Context, "undecided", lambda self, dev: False)
    monkeypatch.setattr(levels, "kept_distance", lambda dev, ctx: False)
    _engine, by_name = changes_by_name(build_scenario(name, seed))
    assert _alerted(by_name, "fellow passenger's lost AirTag")


def test_a_tag_alone_with_her_in_a_car_is_not_held():
    """drive: no phones or watches got in with her, so the drive cannot become public transport."""
    engine, by_name = changes_by_name(build_scenario("drive", 0))
    assert engine._ctx.boarders < th.TRANSPORT_MIN_COTRAVELLERS
    assert _alerted(by_name, "Google tag") and _alerted(by_name, "Tile")


def test_walking_back_past_the_stop_does_not_make_the_bus_a_car():
    """bus_commute seed 41: 3 min after getting off the walk passes the final stop again, where the
    ride's last two co-travellers stand; heard there, they are not people who got out with her."""
    engine, by_name = changes_by_name(build_scenario("bus_commute", 41))
    assert engine._ctx.private == {}
    assert _alerted(by_name, "fellow passenger") == []
    assert _alerted(by_name, "DULT tag in your coat")

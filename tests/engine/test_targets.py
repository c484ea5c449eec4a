"""The issue's targets, on the scenario suite (deterministic seeds)."""

from __future__ import annotations

import statistics

from trackerscan.model import Level


def test_every_follower_reaches_alert(suite):
    missed = []
    for (name, seed), run in suite.items():
        alerted = {run.scenario.truth_for(c.addresses).name for c in run.changes if c.level is Level.ALERT}
        for d in run.scenario.truth:
            if d.follower and d.name not in alerted:
                missed.append((name, seed, d.name))
    assert not missed


def test_no_alert_from_devices_that_do_not_follow(suite):
    false = []
    for (name, seed), run in suite.items():
        for c in run.changes:
            truth = run.scenario.truth_for(c.addresses)
            assert truth is not None, "every level change names addresses the scenario used"
            # The user's undeclared companions (family_car) really stay with her: not a false alert.
            if c.level is Level.ALERT and not truth.follower and not truth.companion:
                false.append((name, seed, truth.name))
    assert not false


def test_each_scenario_has_the_devices_it_claims(suite):
    """The false-alarm scenarios really contain their decoys (else the test above proves nothing)."""
    names = {n: {d.name for d in r.scenario.truth} for (n, s), r in suite.items() if s == 0}
    assert "lost AirTag on the restaurant table" in names["restaurant"]
    assert "neighbour's lost AirTag" in names["night_home"]
    assert any(x.startswith("fellow passenger watch") for x in names["bus_commute"])
    assert sum(x.startswith("passer-by") for x in names["crowd_market"]) > 500
    assert "your own AirTag (near you)" in names["walk_airtag"]
    assert "your watch" in names["walk_airtag"]
    family = {d.name: d for d in suite[("family_car", 0)].scenario.truth}
    assert family["AirTag hidden in the car"].follower and family["AirTag hidden in the car"].timed
    assert family["partner's watch"].companion and not family["partner's watch"].known
    assert family["the car's hands-free unit"].companion and not family["partner's phone"].follower


def test_decoys_are_heard_long_enough_to_matter(suite):
    """The lost tag, the neighbours and the known watch are heard for a long time."""
    run = suite[("restaurant", 0)]
    lost = next(d for d in run.scenario.truth if d.name == "lost AirTag on the restaurant table")
    st = next(s for s in run.engine.devices() if s.addresses[0] in lost.addresses)
    assert st.duration_s > 50 * 60 and st.level is Level.NONE and st.separated is True
    run = suite[("walk_airtag", 0)]
    watch = next(d for d in run.scenario.truth if d.name == "your watch")
    st = next(s for s in run.engine.devices() if s.addresses[0] in watch.addresses)
    assert st.known and st.level is Level.NONE and st.places >= 5


def test_time_to_alert_for_moving_users(suite):
    delays = []
    for run in suite.values():
        first = {}
        for c in run.changes:
            if c.level is Level.ALERT:
                first.setdefault(run.scenario.truth_for(c.addresses).name, c.time)
        for d in run.scenario.truth:
            if d.follower and d.timed:
                delays.append(first[d.name] - d.follows_from)
    assert len(delays) >= 12
    assert statistics.median(delays) <= 10 * 60
    assert max(delays) <= 20 * 60

"""Causality: a prefix of the events yields exactly the full run's level changes up to that time."""

from __future__ import annotations

from trackerscan.engine import Engine
from trackerscan.sim import build_scenario


def _run(events, sc):
    eng = Engine(known=sc.known_devices(), homes=sc.homes)
    out = []
    for e in events:
        out.extend(eng.feed(e))
    return out


def test_prefix_gives_the_same_changes():
    sc = build_scenario("walk_every_kind", 3)
    full = _run(sc.events, sc)
    assert len(full) >= 9
    for cut in (len(sc.events) // 5, len(sc.events) // 3, len(sc.events) // 2):
        t_cut = sc.events[cut - 1].time
        prefix = _run(sc.events[:cut], sc)
        assert prefix == [c for c in full if c.time <= t_cut]
        assert prefix  # the cuts fall after some changes


def test_same_input_same_output():
    sc = build_scenario("bus_commute", 2)
    assert _run(sc.events, sc) == _run(sc.events, sc)

"""Running one scenario through a fresh engine, its level changes grouped by the simulated device's name."""

from __future__ import annotations

from trackerscan.engine import Engine
from trackerscan.model import LevelChange
from trackerscan.sim.scenarios import Scenario


def changes_by_name(sc: Scenario) -> tuple[Engine, dict[str, list[LevelChange]]]:
    """The engine after the whole scenario (finished), and every level change by device name."""
    engine = Engine(known=sc.known_devices(), homes=sc.homes)
    by_name: dict[str, list[LevelChange]] = {}
    for c in engine.feed_many(sc.events) + engine.finish():
        truth = sc.truth_for(c.addresses)
        assert truth is not None, c.addresses  # every simulated device has a name
        by_name.setdefault(truth.name, []).append(c)
    return engine, by_name

"""Fixtures for the engine tests: the scenario suite is built and run once per session."""

from __future__ import annotations

import pytest

from trackerscan.engine import Engine
from trackerscan.model import LevelChange
from trackerscan.sim import build_scenario, scenario_names
from trackerscan.sim.answers import answer

SEEDS = (0,)  # one seed keeps the suite fixture near 25 s; bench/score_scenarios.py runs more


class Run:
    def __init__(self, name: str, seed: int) -> None:
        self.scenario = build_scenario(name, seed)
        self.engine = Engine(known=self.scenario.known_devices(), homes=self.scenario.homes)
        self.changes: list[LevelChange] = []
        for e in self.scenario.events:
            for c in self.engine.feed(e):
                self.changes.append(c)
                answer(self.engine, c, self.scenario.truth_for(c.addresses))  # "Is this yours?"
        self.changes.extend(self.engine.finish())


@pytest.fixture(scope="session")
def suite() -> dict[tuple[str, int], Run]:
    return {(n, s): Run(n, s) for n in scenario_names() for s in SEEDS}

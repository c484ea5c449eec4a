"""The whole scenario suite by name: the present scenarios and those where people move together."""

from __future__ import annotations

from collections.abc import Callable

from trackerscan.errors import InputError
from trackerscan.sim import moving_together, scenarios
from trackerscan.sim.scenarios import Scenario

SCENARIOS: dict[str, Callable[[int], Scenario]] = {**scenarios.SCENARIOS, **moving_together.SCENARIOS}


def scenario_names() -> list[str]:
    return list(SCENARIOS)


def build_scenario(name: str, seed: int = 0) -> Scenario:
    """Build one scenario; the same name and seed always give the same events."""
    try:
        builder = SCENARIOS[name]
    except KeyError:
        raise InputError(f"Unknown scenario {name!r}: choose one of {', '.join(SCENARIOS)}.") from None
    return builder(seed)

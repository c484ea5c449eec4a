"""Scenario generator: labelled days of a simulated user, for tests, benchmarks and demos."""

from trackerscan.sim.scenarios import DeviceTruth, Scenario
from trackerscan.sim.suite import build_scenario, scenario_names

__all__ = ["DeviceTruth", "Scenario", "build_scenario", "scenario_names"]

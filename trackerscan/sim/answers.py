"""The simulated user's answer when the engine asks "Is this yours?" (scores and tests)."""

from __future__ import annotations

from trackerscan.engine import Engine
from trackerscan.model import Level, LevelChange
from trackerscan.sim.scenarios import DeviceTruth


def answer(engine: Engine, change: LevelChange, truth: DeviceTruth | None) -> bool:
    """Answer at once, truthfully where she can: "It's mine" for her own and her family's devices
    (truth names starting "your ", companions), "Not mine" for a follower, "I don't know" (taken as
    "Not mine") for anybody else's.  True when the change asked the question."""
    if change.level is not Level.WATCH:
        return False
    state = engine.device(change.device_id)
    if state is None or not state.ask_mine:
        return False
    if truth is not None and not truth.follower and (truth.companion or truth.name.startswith("your ")):
        engine.mark_mine(change.device_id)
    else:
        engine.mark_not_mine(change.device_id)
    return True

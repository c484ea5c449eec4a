"""The built-in demo: a simulated walk that a tracker joins, played fast enough to alert in seconds.

No radio, no GPS: the events come from `trackerscan.sim` and go through the real engine, so what the
demo shows is exactly what a real walk would show.  `play` is a source (an async iterator) that paces
the events on a monotonic clock; the events keep their own times.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from trackerscan.engine import Engine
from trackerscan.model import Event, Level
from trackerscan.sim import build_scenario

DEMO_SCENARIO = "walk_late_smarttag"  # a 45 min walk; a SmartTag slips into the bag after 15 min
DEMO_SEED = 1
# Wall-clock seconds from the start of the demo to its first alert: the issue asks for "within about
# half a minute"; 20 s leaves time to read the list filling up first.
ALERT_AFTER_S = 20.0
# Pacing granularity, seconds: events due within this much of each other are released together.
PACE_STEP_S = 0.05


@dataclass(frozen=True, slots=True)
class Demo:
    """The demo's events, when the engine first alerts on them, and the speed that puts it on time."""

    name: str
    description: str
    events: Sequence[Event]
    first_alert: float | None  # time (of the events) of the first alert, None if none
    speed: float  # event seconds per wall-clock second
    known: tuple[str, ...] = ()  # the demo user's own devices (their watch), as "It's mine" would list them

    @property
    def start(self) -> float:
        return self.events[0].time if self.events else 0.0


def build_demo(
    alert_after_s: float = ALERT_AFTER_S, seed: int = DEMO_SEED, scenario: str = DEMO_SCENARIO
) -> Demo:
    """Build the scenario and time it: one pass of a default engine finds the first alert."""
    sc = build_scenario(scenario, seed)
    events = sc.events
    engine = Engine(known=sc.known_devices(), homes=sc.homes)
    first: float | None = None
    for event in events:
        if any(c.level is Level.ALERT for c in engine.feed(event)):
            first = event.time
            break
    start = events[0].time if events else 0.0
    span = (first if first is not None else (events[-1].time if events else start)) - start
    speed = max(1.0, span / max(alert_after_s, 0.1))
    return Demo(sc.name, sc.description, events, first, speed, sc.known)


async def play(
    events: Sequence[Event],
    speed: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> AsyncIterator[Event]:
    """Yield ``events`` paced at ``speed`` times their own pace (wall clock used for pacing only)."""
    if not events:
        return
    t0 = events[0].time
    wall0 = clock()
    for event in events:
        due = wall0 + (event.time - t0) / speed
        wait = due - clock()
        if wait > PACE_STEP_S:
            await sleep(wait)
        yield event

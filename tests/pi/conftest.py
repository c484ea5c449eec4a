"""Fixtures for the Pi kit: gpiozero's own mock pins and a clock the test moves by hand."""

import pytest
from gpiozero.pins.mock import MockFactory

from trackerscan.pi.gpio import DEFAULT_BUZZER as BUZZER
from trackerscan.pi.gpio import DEFAULT_LED as LED
from trackerscan.pi.gpio import KitGpio, Pins

T0 = 1_763_900_000.0  # 2025-11-23, any epoch time will do
STEP = 0.05  # the runner's tick, seconds


class ManualClock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.reset()


@pytest.fixture
def kit_gpio(factory, clock):
    gpio = KitGpio(Pins(), clock, pin_factory=factory)
    yield gpio
    gpio.close()


def _drive(indicator, gpio, factory, clock, seconds, step=STEP):
    """Tick the indicator onto the mock pins for ``seconds``; return the pin states seen at each tick."""
    seen = []
    start, n = clock.t, round(seconds / step)
    for i in range(n):
        clock.t = start + i * step  # not accumulated: no drift
        gpio.show(*indicator.outputs(clock.t))
        seen.append((factory.pin(LED).state, factory.pin(BUZZER).state))
    clock.t = start + n * step
    return seen


def _runs(states, step=STEP):
    """Run-length form: [(state, seconds), ...] with seconds rounded to the tick."""
    out = []
    for s in states:
        if out and out[-1][0] == s:
            out[-1][1] += 1
        else:
            out.append([s, 1])
    return [(bool(s), round(n * step, 2)) for s, n in out]


@pytest.fixture
def drive(factory, clock):
    return lambda indicator, gpio, seconds: _drive(indicator, gpio, factory, clock, seconds)


@pytest.fixture
def runs():
    return _runs

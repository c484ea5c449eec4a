"""``speed=N`` of every ``replay:FILE,speed=N`` source (Bluetooth, GPS, radio sweep), read in one place.

0 plays as fast as possible; N plays N times real time.  A speed outside the bounds below is refused
in one sentence: a tiny one made waits too long for the clock (``time.sleep`` overflowed), and NaN,
infinities and negative numbers meant nothing.
"""

from __future__ import annotations

import math

from trackerscan.errors import InputError
from trackerscan.safetext import printable as shown

# Slowest paced replay, times real time: a minute of recording then takes about 17 hours to play.
MIN_SPEED = 0.001
# Fastest paced replay: beyond this, pacing is finer than the waits can keep; use 0 instead.
MAX_SPEED = 1_000_000.0


def check_speed(speed: float, shown_as: str | None = None) -> float:
    """``speed`` if it is 0 or within the bounds, else an InputError naming it as the user wrote it."""
    if speed == 0.0 or MIN_SPEED <= speed <= MAX_SPEED:  # False for NaN
        return speed
    text = shown(shown_as) if shown_as is not None else repr(speed)
    raise InputError(
        f"'{text}' is not a replay speed: it must be 0 (as fast as possible) or from {MIN_SPEED:g} to "
        f"{MAX_SPEED:,.0f} (times real time)."
    )


def parse_speed(text: str) -> float:
    """The number of ``speed=TEXT``, checked as `check_speed` does."""
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    return check_speed(speed, text)

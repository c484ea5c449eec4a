"""The kit's one button, as a pure gesture recogniser driven by press/release times.

- short press: start or end a sweep (recorded in the session);
- double press: copy finished sessions to the USB stick;
- three presses: start or end a radio sweep for cellular GPS trackers (with the RF add-on);
- hold (held `HOLD_S` to `LONG_PRESS_S`, then let go): "It's mine", while the kit asks "Is this
  yours?" (the runner decides what it means);
- long press (held `LONG_PRESS_S`): shut the Pi down safely.

The long press is recognised while the button is still held, so the buzzer
confirms it before the user lets go; a hold is recognised when it is let go.  A short or double
press is decided once no further press has started within `DOUBLE_PRESS_GAP_S` of its last release.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

# Held this long, seconds, the press means "shut down".  Three seconds is the
# usual "press and hold" of power buttons: far longer than any accidental touch.
LONG_PRESS_S = 3.0
# Held at least this long, seconds, and let go before LONG_PRESS_S, the press is a hold ("It's mine"
# while the kit asks).  A deliberate press of "about two seconds" lands between the two; a quick press
# (a sweep) lasts 0.1-0.3 s, and a second is three times the 0.3-0.4 s a slow, hesitant press takes.
HOLD_S = 1.0
# A second (third) press starting within this many seconds of the previous release makes a
# double (triple) press (desktop double-click defaults are 0.4-0.5 s).
DOUBLE_PRESS_GAP_S = 0.5
# Presses shorter than this, seconds, are contact bounce, not a person.
BOUNCE_S = 0.03


class Gesture(enum.Enum):
    SHORT = "short"
    DOUBLE = "double"
    TRIPLE = "triple"
    HOLD = "hold"
    LONG = "long"


@dataclass(slots=True)
class ButtonGestures:
    """Feed it `press`/`release` with their times and `poll` it; it returns the gestures it recognised."""

    _down_at: float | None = None
    _long_fired: bool = False
    _pending_at: float | None = None  # last release of presses that may be followed by another
    _pending: int = 0  # presses in that run so far (1 or 2)
    _out: list[Gesture] = field(default_factory=list)

    def press(self, t: float) -> list[Gesture]:
        out = self.poll(t)
        if self._down_at is None:
            self._down_at = t
            self._long_fired = False
        return out

    def release(self, t: float) -> list[Gesture]:
        self._out = self.poll(t)
        down, self._down_at = self._down_at, None
        if down is None or self._long_fired:
            return self._take()
        if t - down < BOUNCE_S:
            return self._take()
        if t - down >= HOLD_S:
            # A hold ends any run of presses before it: that run is decided as it stands.
            if self._pending:
                self._out.append(Gesture.SHORT if self._pending == 1 else Gesture.DOUBLE)
            self._pending_at, self._pending = None, 0
            self._out.append(Gesture.HOLD)
            return self._take()
        if self._pending_at is not None and down - self._pending_at <= DOUBLE_PRESS_GAP_S:
            self._pending += 1
        else:
            self._pending = 1
        self._pending_at = t
        if self._pending == 3:
            self._pending_at, self._pending = None, 0
            self._out.append(Gesture.TRIPLE)
        return self._take()

    def poll(self, t: float) -> list[Gesture]:
        """Recognise what time alone decides: a long hold, or a short or double press with no next one."""
        if self._down_at is not None and not self._long_fired and t - self._down_at >= LONG_PRESS_S:
            self._long_fired = True
            self._pending_at, self._pending = None, 0
            self._out.append(Gesture.LONG)
        waited = self._pending_at is not None and t - self._pending_at > DOUBLE_PRESS_GAP_S
        if waited and self._down_at is None:
            self._out.append(Gesture.SHORT if self._pending == 1 else Gesture.DOUBLE)
            self._pending_at, self._pending = None, 0
        return self._take()

    @property
    def held(self) -> bool:
        return self._down_at is not None

    def _take(self) -> list[Gesture]:
        out, self._out = self._out, []
        return out

"""The kit's pins through gpiozero: an LED, an active buzzer and a button (wiring: hardware/wiring.svg).

This is the I/O edge of the pattern and button logic: `KitGpio.show` sets
the two outputs, `KitGpio.gestures` turns the button's edges into gestures.
Button edges arrive on gpiozero's own thread; they are stamped with the
injected clock and queued, and only the caller's thread reads them.
"""

from __future__ import annotations

import collections
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from trackerscan.errors import InputError, TrackerscanError
from trackerscan.pi.button import ButtonGestures, Gesture

# Default BCM pin numbers, chosen so each part sits next to its ground (hardware/wiring.svg):
# LED on GPIO17 (pin 11, ground pin 9), buzzer on GPIO23 (pin 16; 5 V pin 4, ground pin 14),
# button on GPIO26 (pin 37, ground pin 39).  None of them is used by the UART (GPS HAT), I2C, SPI
# or the official touchscreen (DSI ribbon).
DEFAULT_LED = "GPIO17"
DEFAULT_BUZZER = "GPIO23"
DEFAULT_BUTTON = "GPIO26"


class GpioError(TrackerscanError):
    """The Raspberry Pi's pins cannot be used (not a Pi, no permission, or a pin already taken)."""


# The electrical sense each part has unless told otherwise, and the suffix that turns it round:
# LED and buzzer are on when the pin is high ("led=17:low" for modules that switch on low);
# the button connects its pin to ground, read with the Pi's pull-up ("button=26:high" for a
# button to 3.3 V, read with the pull-down).
_INVERT_SUFFIX = {"led": "low", "buzzer": "low", "button": "high"}
_PIN_RE = re.compile(r"(?:GPIO|BCM)?(\d{1,2})|BOARD(\d{1,2})")


@dataclass(frozen=True, slots=True)
class Pins:
    """Which pins the LED, buzzer and button are on (None leaves a part out) and which are inverted."""

    led: str | None = DEFAULT_LED
    buzzer: str | None = DEFAULT_BUZZER
    button: str | None = DEFAULT_BUTTON
    inverted: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> Pins:
        """Read ``led=17,buzzer=23:low,button=26`` (any subset; ``none`` leaves a part out)."""
        values: dict[str, str | None] = {
            "led": DEFAULT_LED,
            "buzzer": DEFAULT_BUZZER,
            "button": DEFAULT_BUTTON,
        }
        inverted: set[str] = set()
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = item.partition("=")
            name, value = name.strip().lower(), value.strip()
            if not sep or name not in values or not value:
                raise InputError(
                    f"--pins takes led=N,buzzer=N,button=N (BCM numbers or 'none'), not {item!r}."
                )
            value, colon, sense = value.partition(":")
            if colon:
                if sense.strip().lower() != _INVERT_SUFFIX[name]:
                    raise InputError(f"--pins: {name} takes ':{_INVERT_SUFFIX[name]}' after its pin, "
                                     f"not {':' + sense!r}.")
                inverted.add(name)
            if value.lower() == "none":
                values[name] = None
                continue
            match = _PIN_RE.fullmatch(value.upper()) if value.isascii() else None
            if match is None:
                raise InputError(f"--pins: {value!r} is not a pin number such as 17, GPIO17 or BOARD11.")
            values[name] = f"GPIO{int(match[1])}" if match[1] is not None else f"BOARD{int(match[2])}"
        used = [v for v in values.values() if v is not None]
        if len(used) != len(set(used)):
            raise InputError("--pins gives the same pin to two parts; each needs its own.")
        return cls(**values, inverted=frozenset(inverted))

    def __str__(self) -> str:
        parts = []
        for k in ("led", "buzzer", "button"):
            pin = getattr(self, k)
            suffix = f":{_INVERT_SUFFIX[k]}" if pin is not None and k in self.inverted else ""
            parts.append(f"{k}={pin or 'none'}{suffix}")
        return ",".join(parts)


class KitGpio:
    """An LED, an active buzzer (on/off) and a button to ground with the Pi's pull-up."""

    def __init__(self, pins: Pins, clock: Callable[[], float], pin_factory: Any = None) -> None:
        try:
            import gpiozero
        except ImportError as exc:  # the "pi" extra is not installed
            raise GpioError("gpiozero is not installed: install trackerscan with the 'pi' extra.") from exc
        self._clock = clock
        self._edges: collections.deque[tuple[bool, float]] = collections.deque()
        self._lock = threading.Lock()
        self.gestures_seen = ButtonGestures()
        self._led: Any = None
        self._buzzer: Any = None
        self._button: Any = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", gpiozero.PinFactoryFallback)
                inv = pins.inverted
                if pins.led is not None:
                    self._led = gpiozero.LED(pins.led, active_high="led" not in inv, pin_factory=pin_factory)
                if pins.buzzer is not None:
                    self._buzzer = gpiozero.Buzzer(pins.buzzer, active_high="buzzer" not in inv,
                                                   pin_factory=pin_factory)
                if pins.button is not None:
                    # bounce_time stays None: ButtonGestures drops bounces with the same clock as the rest.
                    self._button = gpiozero.Button(pins.button, pull_up="button" not in inv,
                                                   pin_factory=pin_factory)
                    self._button.when_pressed = self._on_press
                    self._button.when_released = self._on_release
        except gpiozero.GPIOZeroError as exc:
            self.close()
            raise GpioError(f"the kit's pins ({pins}) cannot be used: {exc}.") from exc
        self._shown: tuple[bool, bool] | None = None

    def _on_press(self) -> None:
        with self._lock:
            self._edges.append((True, self._clock()))

    def _on_release(self) -> None:
        with self._lock:
            self._edges.append((False, self._clock()))

    def show(self, led: bool, buzzer: bool) -> None:
        """Set the outputs (pins are written only when a value changes)."""
        if self._shown == (led, buzzer):
            return
        self._shown = (led, buzzer)
        if self._led is not None:
            self._led.value = led
        if self._buzzer is not None:
            self._buzzer.value = buzzer

    def gestures(self, now: float) -> list[Gesture]:
        """Gestures completed by the edges received so far, and by time up to ``now``."""
        with self._lock:
            edges = list(self._edges)
            self._edges.clear()
        out: list[Gesture] = []
        for pressed, t in edges:
            out += self.gestures_seen.press(t) if pressed else self.gestures_seen.release(t)
        out += self.gestures_seen.poll(now)
        return out

    def close(self) -> None:
        """Switch the outputs off and release the pins."""
        for device in (self._led, self._buzzer):
            if device is not None:
                device.off()
        for device in (self._led, self._buzzer, self._button):
            if device is not None:
                device.close()
        self._led = self._buzzer = self._button = None

"""The button: gestures from gpiozero's mock pin (pulled up, pressed = low) on a hand-moved clock."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.errors import InputError
from trackerscan.pi.button import (
    BOUNCE_S,
    DOUBLE_PRESS_GAP_S,
    HOLD_S,
    LONG_PRESS_S,
    ButtonGestures,
    Gesture,
)
from trackerscan.pi.gpio import DEFAULT_BUTTON as BUTTON
from trackerscan.pi.gpio import GpioError, KitGpio, Pins


def hold(factory, clock, gpio, seconds, step=0.05):
    """Press for ``seconds`` (polling every ``step``), release; gestures seen on the way."""
    seen = []
    factory.pin(BUTTON).drive_low()
    start = clock.t
    for i in range(1, round(seconds / step) + 1):
        clock.t = start + i * step
        seen += gpio.gestures(clock.t)
    factory.pin(BUTTON).drive_high()
    seen += gpio.gestures(clock.t)
    return seen


def wait(clock, gpio, seconds):
    clock.t += seconds
    return gpio.gestures(clock.t)


def test_short_press_is_reported_once_the_double_press_window_has_passed(factory, clock, kit_gpio):
    assert hold(factory, clock, kit_gpio, 0.2) == []
    assert wait(clock, kit_gpio, DOUBLE_PRESS_GAP_S / 2) == []
    assert wait(clock, kit_gpio, DOUBLE_PRESS_GAP_S) == [Gesture.SHORT]
    assert wait(clock, kit_gpio, 5) == []


def test_double_press_is_reported_once_no_third_press_follows(factory, clock, kit_gpio):
    hold(factory, clock, kit_gpio, 0.15)
    clock.t += 0.2
    assert hold(factory, clock, kit_gpio, 0.15) == []
    assert wait(clock, kit_gpio, DOUBLE_PRESS_GAP_S / 2) == []
    assert wait(clock, kit_gpio, DOUBLE_PRESS_GAP_S) == [Gesture.DOUBLE]
    assert wait(clock, kit_gpio, 2) == []


def test_three_presses_are_one_triple_press_at_the_third_release(factory, clock, kit_gpio):
    for _ in range(2):
        assert hold(factory, clock, kit_gpio, 0.12) == []
        clock.t += 0.25
    assert hold(factory, clock, kit_gpio, 0.12) == [Gesture.TRIPLE]
    assert wait(clock, kit_gpio, 2) == []
    # a fourth press after the window starts afresh: a short press
    assert hold(factory, clock, kit_gpio, 0.12) == []
    assert wait(clock, kit_gpio, 1) == [Gesture.SHORT]


def test_a_slow_third_press_leaves_a_double_and_a_short(factory, clock, kit_gpio):
    hold(factory, clock, kit_gpio, 0.12)
    clock.t += 0.25
    hold(factory, clock, kit_gpio, 0.12)
    clock.t += DOUBLE_PRESS_GAP_S + 0.2
    assert hold(factory, clock, kit_gpio, 0.12) == [Gesture.DOUBLE]
    assert wait(clock, kit_gpio, 1) == [Gesture.SHORT]


def test_two_presses_far_apart_are_two_short_presses(factory, clock, kit_gpio):
    hold(factory, clock, kit_gpio, 0.15)
    clock.t += DOUBLE_PRESS_GAP_S + 0.3
    # The first press is decided when the second begins, the second after its own window.
    assert hold(factory, clock, kit_gpio, 0.15) == [Gesture.SHORT]
    assert wait(clock, kit_gpio, 1) == [Gesture.SHORT]


def test_long_press_fires_while_still_held_and_the_release_adds_nothing(factory, clock, kit_gpio):
    factory.pin(BUTTON).drive_low()
    start = clock.t
    fired_at = None
    for i in range(1, 100):
        clock.t = start + i * 0.05
        if kit_gpio.gestures(clock.t) == [Gesture.LONG]:
            fired_at = clock.t - start
            break
    assert fired_at == pytest.approx(LONG_PRESS_S)
    assert kit_gpio.gestures_seen.held
    clock.t += 2
    factory.pin(BUTTON).drive_high()
    assert kit_gpio.gestures(clock.t) == []
    assert wait(clock, kit_gpio, 2) == []


def test_a_hold_of_two_seconds_is_reported_when_let_go(factory, clock, kit_gpio):
    """Between HOLD_S and LONG_PRESS_S: a hold ("It's mine" while the kit asks), at the release."""
    assert hold(factory, clock, kit_gpio, 2.0) == [Gesture.HOLD]
    assert wait(clock, kit_gpio, 2) == []
    # just under HOLD_S is still a short press; just over, a hold
    assert hold(factory, clock, kit_gpio, HOLD_S - 0.1) == []
    assert wait(clock, kit_gpio, 1) == [Gesture.SHORT]
    assert hold(factory, clock, kit_gpio, HOLD_S + 0.1) == [Gesture.HOLD]


def test_a_hold_right_after_a_short_press_reports_both(factory, clock, kit_gpio):
    hold(factory, clock, kit_gpio, 0.12)
    clock.t += 0.2
    assert hold(factory, clock, kit_gpio, 1.5) == [Gesture.SHORT, Gesture.HOLD]
    assert wait(clock, kit_gpio, 2) == []


def test_a_hold_of_three_seconds_is_a_long_press_only(factory, clock, kit_gpio):
    assert hold(factory, clock, kit_gpio, LONG_PRESS_S + 0.5) == [Gesture.LONG]
    assert wait(clock, kit_gpio, 2) == []


def test_contact_bounce_is_ignored(factory, clock, kit_gpio):
    factory.pin(BUTTON).drive_low()
    clock.t += BOUNCE_S / 3
    factory.pin(BUTTON).drive_high()
    assert wait(clock, kit_gpio, 2) == []


def test_pins_parse():
    assert Pins.parse("") == Pins()
    assert Pins.parse("led=5, buzzer=none") == Pins(led="GPIO5", buzzer=None, button="GPIO26")
    assert Pins.parse("button=BOARD11,led=6") == Pins(led="GPIO6", buzzer="GPIO23", button="BOARD11")
    inverted = Pins.parse("buzzer=23:low,button=5:HIGH")
    assert inverted.inverted == {"buzzer", "button"}
    assert str(inverted) == "led=GPIO17,buzzer=GPIO23:low,button=GPIO5:high"
    assert Pins.parse(str(inverted)) == inverted  # what install-service writes into the unit reads back
    for bad in ("led", "lamp=4", "led=x", "led=17,buzzer=17", "led=", "led=²", "led=GPIOx",
                "button=26:low", "led=17:high"):
        with pytest.raises(InputError):
            Pins.parse(bad)


def test_inverted_parts_drive_their_pins_the_other_way(factory, clock):
    """A buzzer module that sounds on low, and a button wired to 3.3 V (pull-down, pressed = high)."""
    gpio = KitGpio(Pins.parse("led=17:low,buzzer=23:low,button=26:high"), clock, pin_factory=factory)
    try:
        gpio.show(False, False)
        assert factory.pin(17).state == 1 and factory.pin(23).state == 1  # off = high
        gpio.show(True, True)
        assert factory.pin(17).state == 0 and factory.pin(23).state == 0
        factory.pin(26).drive_high()  # pressed
        clock.t += 0.2
        factory.pin(26).drive_low()
        assert gpio.gestures(clock.t + 1) == [Gesture.SHORT]
    finally:
        gpio.close()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_pins_parse_never_fails_otherwise(text):
    try:
        pins = Pins.parse(text)
    except InputError as exc:
        assert str(exc).endswith(".")
    else:
        assert isinstance(pins, Pins)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0, 5)), max_size=40))
def test_gestures_on_arbitrary_edges(edges):
    """Any edge sequence: no exception; a long press only after a hold of LONG_PRESS_S."""
    g = ButtonGestures()
    t, down_at, longest = 0.0, None, 0.0
    out = []
    for pressed, gap in edges:
        t += gap
        if down_at is not None:
            longest = max(longest, t - down_at)
        out += g.press(t) if pressed else g.release(t)
        if pressed and down_at is None:
            down_at = t
        elif not pressed:
            down_at = None
    out += g.poll(t + 10)
    if down_at is not None:
        longest = max(longest, t + 10 - down_at)
    assert all(isinstance(x, Gesture) for x in out)
    if Gesture.LONG in out:
        assert longest >= LONG_PRESS_S
    if Gesture.HOLD in out:
        assert longest >= HOLD_S


def test_no_pi_is_one_clear_error(monkeypatch, clock):
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")
    with pytest.raises(GpioError, match="cannot be used"):
        KitGpio(Pins(), clock)

"""Without GPS: places the user marks by hand and separate sessions, worded with their uncertainty."""

from __future__ import annotations

import re

import pytest

from trackerscan.engine import Engine
from trackerscan.engine import thresholds as th
from trackerscan.model import AddressType, Level, PlaceMark, Sighting

T0 = 1_772_438_400.0
AIRTAG = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")  # separated
TAG = "FB:6D:08:3D:25:A4"
PHONE = "C4:11:22:33:44:55"  # random static: a fixed address of unknown kind
PHONE_ADV = bytes.fromhex("0201060AFF99000102030405060708")


def heard(address, adv, start, minutes, every=2.0):
    return [
        Sighting(start + i * every, address, AddressType.RANDOM, -60, adv, "t")
        for i in range(int(minutes * 60 / every))
    ]


def run(events):
    eng = Engine()
    changes = []
    for e in sorted(events, key=lambda e: e.time):
        changes += eng.feed(e)
    return eng, changes


def test_heard_before_and_after_a_mark_is_two_places_told_apart():
    # The laptop is open at home for 20 min, then the user marks "I'm somewhere else now".
    events = [*heard(TAG, AIRTAG, T0, 40), PlaceMark(T0 + 20 * 60, "library")]
    eng, changes = run(events)
    (dev,) = eng.devices()
    assert dev.places == 2
    assert "at 2 places you marked over 40 minutes" in dev.explanation
    assert "positions were not known" in dev.explanation
    watch = [c for c in changes if c.level is Level.WATCH]
    assert len(watch) == 1 and watch[0].time >= T0 + 20 * 60
    assert watch[0].places == 2 and watch[0].span_m == 0.0
    # 0.9 (separated tracker) x NO_GPS_CONFIDENCE: the mark says these are two places
    assert watch[0].confidence == pytest.approx(0.9 * th.NO_GPS_CONFIDENCE)
    assert "less certain than with GPS" in watch[0].explanation


def test_a_device_that_arrives_after_the_mark_is_at_one_place():
    events = heard(TAG, AIRTAG, T0 + 21 * 60, 30) + heard(PHONE, PHONE_ADV, T0, 5)
    events.append(PlaceMark(T0 + 20 * 60, "library"))
    eng, changes = run(events)
    assert changes == []
    tag = eng.device(TAG)
    assert tag is not None and tag.places == 1 and tag.level is Level.NONE
    assert "in 1 place or session" in tag.explanation


def test_mark_right_after_a_session_starts_names_it():
    """The user opens the laptop and says where they are: no new place, and the place before it
    (an earlier session) is told apart from this one by that mark."""
    events = heard(TAG, AIRTAG, T0, 20) + heard(TAG, AIRTAG, T0 + 3600, 20)
    events.append(PlaceMark(T0 + 3600 + th.MARK_JOINS_SESSION_S / 2, "work"))
    eng, _ = run(events)
    assert eng.stats.sessions == 2 and eng.stats.offline_places == 2
    (dev,) = eng.devices()
    assert dev.places == 2 and "at 2 places you marked" in dev.explanation


def test_marks_after_the_join_window_open_a_place():
    events = [*heard(TAG, AIRTAG, T0, 20), PlaceMark(T0 + th.MARK_JOINS_SESSION_S + 30, "bus")]
    eng, _ = run(events)
    assert eng.stats.offline_places == 2 and eng.device(TAG).places == 2


def test_three_marked_places_over_two_hours_alert_with_their_numbers():
    events = heard(TAG, AIRTAG, T0, 125)
    events += [PlaceMark(T0 + 40 * 60, "bus"), PlaceMark(T0 + 100 * 60, "work")]
    _eng, changes = run(events)
    (alert,) = [c for c in changes if c.level is Level.ALERT]
    text = alert.explanation
    assert alert.places == 3 and alert.span_m == 0.0
    assert alert.time == pytest.approx(T0 + 100 * 60, abs=5)  # at the third place
    m = re.search(
        r"at 3 places you marked over (\d+) h (\d+) min \(heard for (\d+) h (\d+) min in all\)", text
    )
    assert m, text
    elapsed = int(m.group(1)) * 60 + int(m.group(2))
    assert abs(elapsed * 60 - (alert.time - T0)) <= 60
    assert "positions were not known, so this is less certain than with GPS" in text
    assert f"confidence {alert.confidence:.2f}" in text and alert.confidence < 0.6
    assert "not proof" in text and "Innocent explanations" in text and "may alert whoever placed it" in text


def test_sessions_alone_are_weaker_than_marks():
    """Three sessions (laptop closed in between) and no marks: the same room is possible."""
    events = []
    for k in range(3):
        events += heard(TAG, AIRTAG, T0 + k * 3 * 3600, 40)
    _eng, changes = run(events)
    (alert,) = [c for c in changes if c.level is Level.ALERT]
    assert alert.places == 3
    assert alert.confidence == pytest.approx(0.9 * th.SESSION_PLACE_CONFIDENCE)
    assert "in 3 separate sessions or places over" in alert.explanation
    assert "places you marked" not in alert.explanation
    assert "weak" in alert.explanation

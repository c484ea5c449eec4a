"""The status every front end shows, kept from events: `trackerscan.status.StatusTracker`."""

from dataclasses import FrozenInstanceError

import pytest

from trackerscan.model import AddressType, Fix, NoFix, PlaceMark, Sighting, SourceEvent, SourceEventKind
from trackerscan.status import LiveStatus, StatusTracker, initial_gps_state

T0 = 1_700_000_000.0


def sighting(t):
    return Sighting(t, "5A:11:22:33:44:55", AddressType.RANDOM, -70, b"\x02\x01\x06", "hci0")


def lost(t, kind=SourceEventKind.ADAPTER_LOST, detail="unplugged"):
    return SourceEvent(t, "hci0", kind, detail)


def test_a_new_session_has_no_times_and_waits_for_its_sources():
    s = StatusTracker(LiveStatus(ble_name="bleak", gps_name="gpsd", gps_state=initial_gps_state("gpsd")))
    snap = s.snapshot()
    assert (snap.ble_state, snap.gps_state, snap.first_time, snap.last_time, snap.scanned_s) == (
        "starting", "waiting", None, None, 0.0)
    assert [initial_gps_state(x) for x in ("none", " ", "fixed:1,2", "nmea:/dev/ttyACM0")] == [
        "none", "none", "fixed", "waiting"]


def test_counts_times_and_states_follow_the_events():
    s = StatusTracker(LiveStatus(gps_name="gpsd", gps_state="waiting"))
    s.feed(sighting(T0 + 5))
    s.feed(sighting(T0 + 2))  # out of order: the span still covers both
    fix = Fix(T0 + 6, 51.5, -0.12)
    s.feed(fix)
    snap = s.snapshot()
    assert (snap.sightings, snap.fixes, snap.events) == (2, 1, 3)
    assert (snap.first_time, snap.last_time, snap.scanned_s) == (T0 + 2, T0 + 6, 4.0)
    assert (snap.ble_state, snap.gps_state, snap.last_fix) == ("scanning", "fix", fix)
    s.feed(NoFix(T0 + 7, "gpsd", "no fix"))
    assert s.snapshot().gps_state == "nofix" and s.snapshot().last_fix == fix
    s.feed(lost(T0 + 8, SourceEventKind.GPS_LOST, ""))
    assert s.snapshot().gps_state == "lost"
    s.feed(lost(T0 + 9, SourceEventKind.GPS_BACK, ""))
    assert s.snapshot().gps_state == "waiting"


def test_an_adapter_lost_and_back():
    s = StatusTracker()
    s.feed(sighting(T0))
    s.feed(lost(T0 + 1))
    snap = s.snapshot()
    assert (snap.ble_state, snap.ble_detail, snap.source_events) == ("lost", "unplugged", 1)
    s.feed(sighting(T0 + 2))  # heard again: scanning, whatever the source said
    assert (s.snapshot().ble_state, s.snapshot().ble_detail) == ("scanning", "")
    s.feed(lost(T0 + 3))
    s.feed(lost(T0 + 4, SourceEventKind.ADAPTER_BACK, ""))
    assert s.snapshot().ble_state == "scanning"


def test_marks_without_gps_and_the_demo_state_kept():
    s = StatusTracker(LiveStatus(ble_state="demo", gps_state="none"))
    s.feed(PlaceMark(T0, "shop"))
    s.feed(sighting(T0 + 1))
    snap = s.snapshot()
    assert (snap.marks, snap.gps_state, snap.ble_state) == (1, "marks", "demo")


def test_problems_and_recording_are_set_not_fed():
    s = StatusTracker(LiveStatus(gps_state="waiting"))
    s.feed(sighting(T0))
    s.set(recording="/data/s.sqlite")
    s.problem("gps", "The GPS at /dev/ttyACM0 cannot be opened.")
    s.problem("ble", "No adapter.")
    snap = s.snapshot()
    assert snap.recording == "/data/s.sqlite" and snap.sightings == 1  # counts survive a set()
    assert (snap.gps_state, snap.problems) == ("lost", ("The GPS at /dev/ttyACM0 cannot be opened.",))
    assert (snap.ble_state, snap.ble_detail) == ("absent", "No adapter.")


def test_snapshots_are_immutable_and_new_after_each_event():
    s = StatusTracker()
    first = s.snapshot()
    assert s.snapshot() is first  # nothing happened: the same record
    s.feed(sighting(T0))
    assert s.snapshot() is not first and first.sightings == 0
    with pytest.raises(FrozenInstanceError):
        s.snapshot().sightings = 5

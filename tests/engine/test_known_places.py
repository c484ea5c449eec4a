"""Known devices, homes, no-GPS operation, explanations, and indoor drift (haicom-305N)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.engine import Engine, Home, KnownDevices, Settings
from trackerscan.errors import InputError
from trackerscan.formats.nmea import NmeaReader
from trackerscan.model import AddressType, Fix, Level, PlaceMark, Sighting

DATA = Path(__file__).parent / "data"
T1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")


def test_known_devices_file(tmp_path):
    p = tmp_path / "known.txt"
    p.write_text(
        "# my things\nfb:6d:08:3d:25:a4  # bag tag\n\n0x3B6D083D25A4\nAA-BB-CC-DD-EE-01\n9c2b2af23f0e3dad\n"
    )
    k = KnownDevices.load(p)
    assert k.contains(address="FB:6D:08:3D:25:A4")
    assert k.contains(address="AA:BB:CC:DD:EE:01")
    assert k.contains(identifier=bytes.fromhex("9c2b2af23f0e3dad"))
    assert not k.contains(address="AA:BB:CC:DD:EE:02", identifier=b"\x01")
    p.write_text("not hex\n")
    with pytest.raises(InputError, match="Line 1"):
        KnownDevices.load(p)
    with pytest.raises(InputError):
        KnownDevices.load(tmp_path / "missing.txt")


def test_sensitivity_presets():
    assert Settings.from_sensitivity("high").time_factor < 1 < Settings.from_sensitivity("low").time_factor
    with pytest.raises(InputError):
        Settings.from_sensitivity("paranoid")


def test_known_and_mine_never_raise_but_stay_logged(suite):
    run = suite[("walk_airtag", 0)]
    sc = run.scenario
    follower = next(d for d in sc.truth if d.follower)
    # Same events, the follower listed as known: no level at all, still in the device list.
    eng = Engine(known=KnownDevices.from_lines(sorted(follower.addresses)), homes=sc.homes)
    changes = [c for e in sc.events for c in eng.feed(e)]
    assert not [c for c in changes if set(c.addresses) & follower.addresses]
    st_ = next(s for s in eng.devices() if set(s.addresses) & follower.addresses)
    assert st_.known and st_.level is Level.NONE and st_.sightings > 500
    assert "will not raise" in st_.explanation
    # "It's mine" half-way: the alert that came later in the full run never comes.
    alert_t = next(
        c.time for c in run.changes if set(c.addresses) & follower.addresses and c.level is Level.ALERT
    )
    eng = Engine(known=sc.known_devices(), homes=sc.homes)
    marked = False
    later = []
    for e in sc.events:
        if not marked and e.time > alert_t - 240:
            dev_id = next(s.device_id for s in eng.devices() if set(s.addresses) & follower.addresses)
            eng.mark_mine(dev_id)
            marked = True
        later += [c for c in eng.feed(e) if marked]
    assert not [c for c in later if set(c.addresses) & follower.addresses]
    assert len(eng.history(dev_id)) > 100
    with pytest.raises(InputError):
        eng.mark_mine("no such device")


def test_home_neighbours_are_not_followers(suite):
    for name in ("night_home", "night_home_undeclared"):
        run = suite[(name, 0)]
        assert not [c for c in run.changes if c.level is Level.ALERT]
        nb = next(d for d in run.scenario.truth if d.name == "neighbour's lost AirTag")
        st_ = next(s for s in run.engine.devices() if set(s.addresses) & nb.addresses)
        assert st_.duration_s > 7 * 3600 and st_.level is Level.NONE
    run = suite[("night_home", 0)]
    st_ = next(s for s in run.engine.devices() if set(s.addresses) & nb.addresses)
    assert "neighbour" in st_.explanation


def test_no_gps_uses_marks_and_sessions(suite):
    run = suite[("no_gps_day", 0)]
    assert run.engine.stats.fixes == 0 and run.engine.stats.placemarks == 2
    alerts = [c for c in run.changes if c.level is Level.ALERT]
    assert len(alerts) == 1
    (a,) = alerts
    assert run.scenario.truth_for(a.addresses).follower
    assert len(a.addresses) >= 5  # the SmartTag rotated every 15 min, linked across sessions
    assert "positions were not known" in a.explanation and a.confidence < 0.6
    assert a.places >= 3 and a.span_m == 0.0


def test_alert_wording_has_the_numbers(suite):
    run = suite[("walk_airtag", 0)]
    a = next(c for c in run.changes if c.level is Level.ALERT)
    text = a.explanation
    assert text.startswith("Possible tracker")
    assert f"at {a.places} places" in text
    m = re.search(r"over (\d+) m|over ([\d.]+) km", text)
    span = float(m.group(1)) if m.group(1) else float(m.group(2)) * 1000
    assert abs(span - a.span_m) <= 50
    assert f"during {round(a.duration_s / 60)} minutes" in text
    assert "not proof" in text and "Innocent explanations" in text and "may alert whoever placed it" in text
    assert "certain" not in text.replace("uncertain", "").replace("less certain", "")


def _haicom_fixes():
    r = NmeaReader(source="haicom")
    out = r.feed((DATA / "haicom-305N.log").read_bytes()) + r.finish()
    return [f for f in out if isinstance(f, Fix)]


def test_haicom_drift_is_one_place():
    fixes = _haicom_fixes()
    assert len(fixes) > 50
    eng = Engine()
    for _i, f in enumerate(fixes):
        eng.feed(f)
        eng.feed(Sighting(f.time + 0.1, "FB:6D:08:3D:25:A4", AddressType.RANDOM, -50, T1, "t"))
    path = sum(
        ((a.lat - b.lat) ** 2 + ((a.lon - b.lon) * 0.89) ** 2) ** 0.5 * 111_195
        for a, b in itertools.pairwise(fixes)
    )
    assert path > 100  # the receiver really wandered
    assert eng.stats.places == 1
    (dev,) = eng.devices()
    assert dev.places == 1 and dev.level is Level.NONE


def test_home_declared_makes_one_place():
    eng = Engine(homes=[Home(45.0, 14.0, 150.0, "home")])
    for i in range(600):
        eng.feed(Fix(1e9 + i, 45.0 + (0.0012 if i % 200 > 150 else 0.0), 14.0, accuracy_m=10))
    assert eng.stats.places == 1


_events = st.lists(
    st.one_of(
        st.builds(
            Sighting,
            st.floats(1e9, 1e9 + 7200),
            st.sampled_from(["FB:6D:08:3D:25:A4", "4A:11:22:33:44:55", "00:11:22:33:44:55"]),
            st.sampled_from(list(AddressType)),
            st.one_of(st.none(), st.integers(-127, 20)),
            st.one_of(st.binary(max_size=40), st.just(T1)),
            st.just("h"),
        ),
        st.builds(Fix, st.floats(1e9, 1e9 + 7200), st.floats(-90, 90), st.floats(-180, 180)),
        st.builds(PlaceMark, st.floats(1e9, 1e9 + 7200)),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_events)
def test_engine_never_raises_on_any_events(events):
    eng = Engine()
    for e in sorted(events, key=lambda e: e.time):
        for c in eng.feed(e):
            assert c.explanation
    eng.finish()
    for d in eng.devices():
        eng.history(d.device_id)
    assert eng.stats.adverts == sum(isinstance(e, Sighting) for e in events)

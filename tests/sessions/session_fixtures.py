"""Event streams for the session tests, built from the records."""

from trackerscan.model import (
    AddressType,
    Fix,
    FixMode,
    Kind,
    Level,
    LevelChange,
    NoFix,
    PlaceMark,
    Sighting,
    SourceEvent,
    SourceEventKind,
)

T0 = 1_763_900_000.0  # 2025-11-23T12:13:20Z

# An AirTag-class separated Find My frame (trackers.md: 4C 00 12 19 10 ...) and a phone's Nearby Info.
AIRTAG_ADV = bytes.fromhex("1eff4c00121910") + bytes(range(1, 23)) + bytes.fromhex("0100")
PHONE_ADV = bytes.fromhex("0aff4c001005031c6ee1d2")


def make_events(seconds=120, rate=5):
    """A walk north at 1.4 m/s with an AirTag heard every 2 s and a phone `rate` times a second."""
    events = []
    for i in range(seconds):
        t = T0 + i
        events.append(Fix(t, 51.5 + i * 1.4 / 111_320, -0.12, accuracy_m=5.0, mode=FixMode.FIX_3D,
                          satellites=8, source="nmea:test"))
        for k in range(rate):
            events.append(Sighting(t + 0.1 + k / (rate + 1), "5A:11:22:33:44:55", AddressType.RANDOM,
                                   -70 - (i % 7), PHONE_ADV, "hci0", True))
        if i % 2 == 0:
            events.append(Sighting(t + 0.05, "C1:02:03:04:05:06", AddressType.RANDOM, -60 - (i % 11),
                                   AIRTAG_ADV, "hci0", False))
    events.insert(10, NoFix(T0 + 9.5, "nmea:test", "no fix"))
    events.insert(20, SourceEvent(T0 + 15.5, "hci0", SourceEventKind.ADAPTER_LOST, "unplugged"))
    events.insert(30, SourceEvent(T0 + 16.5, "hci0", SourceEventKind.ADAPTER_BACK, "", None))
    events.insert(40, SourceEvent(T0 + 18.5, "nmea:test", SourceEventKind.CLOCK_OFFSET, "", 1.25))
    events.insert(50, PlaceMark(T0 + 30.5, "work"))
    events.sort(key=lambda e: e.time)
    return events


def make_alert(t=T0 + 100):
    return LevelChange(
        time=t, device_id="dev-1", level=Level.ALERT, kind=Kind.AIRTAG,
        addresses=("C1:02:03:04:05:06",), identifiers=("0102",), first_seen=T0, last_seen=t,
        places=3, span_m=140.0, duration_s=100.0,
        explanation="An AirTag separated from its owner was seen with you at 3 places over 2 min.",
        confidence=0.9,
    )


def write_session(directory, events, changes=(), started=T0, close=True):
    """Record ``events`` into a new session in ``directory`` the way the pipeline does."""
    from trackerscan.sessions.writer import SessionWriter

    w = SessionWriter.create(directory, started, {"sensitivity": "medium", "ble": "test", "gps": "test"})
    for i, e in enumerate(events):
        w.add(e)
        if i % 500 == 0:
            w.flush()
    for c in changes:
        w.add(c)
    if close:
        w.close(ended=events[-1].time, meta={"devices": "2"})
    else:
        w.flush()
    return w.path


_KILLED = """
import os, sys, pathlib
sys.path.insert(0, {here!r})
from session_fixtures import make_events, T0
from trackerscan.sessions.writer import SessionWriter
w = SessionWriter.create(pathlib.Path({d!r}), {started!r})
events = make_events({seconds}, {rate})
for i, e in enumerate(events):
    w.add(e)
    if i == {cut}:
        w.flush()
os.kill(os.getpid(), 9)  # more was buffered but never committed; no clean-up at all
"""


def write_killed_session(directory, seconds=120, rate=5, cut=None, started=T0):
    """A session whose recording process died by SIGKILL after committing events[:cut + 1]."""
    import os
    import subprocess
    import sys

    events = make_events(seconds, rate)
    cut = len(events) // 2 if cut is None else cut
    before = set(directory.glob("*.sqlite")) if directory.exists() else set()
    code = _KILLED.format(here=os.path.dirname(__file__), d=str(directory), started=started, seconds=seconds,
                          rate=rate, cut=cut)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    (path,) = set(directory.glob("*.sqlite")) - before
    return path, events[: cut + 1]


DATA = __import__("pathlib").Path(__file__).parent / "data"
SMARTTAG_ADV = bytes.fromhex("02010616") + bytes.fromhex("fdfd") + bytes.fromhex("10") + bytes(14)


def car_trip_events():
    """The real car trip of around-visnjan-with-car.gpx, with an AirTag in the car, a Tile that is
    only there for the first minute (a bystander's tracker at the start) and passers-by's phones."""
    from trackerscan.formats.gpx import read_gpx

    with (DATA / "around-visnjan-with-car.gpx").open("rb") as f:
        fixes, _ = read_gpx(f, source="gpx")
    events = list(fixes)
    t0, t1 = fixes[0].time, fixes[-1].time
    t = t0
    k = 0
    while t <= t1:
        rssi = -58 - int(12 * abs(((t - t0) / 40.0) % 2 - 1))  # the bag moves: -58 .. -70 dBm
        events.append(Sighting(t, "C1:02:03:04:05:06", AddressType.RANDOM, rssi, AIRTAG_ADV, "hci0", False))
        if k % 3 == 0:
            addr = f"5A:11:22:33:{(k // 30) % 256:02X}:55"  # a passer-by every minute
            events.append(Sighting(t + 0.3, addr, AddressType.RANDOM, -85, PHONE_ADV, "hci0", True))
        t += 2.0
        k += 1
    events.sort(key=lambda e: e.time)
    return events

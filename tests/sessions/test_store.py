"""The session store: round trip, durability after kill -9, permissions, bad files."""

import sqlite3
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from session_fixtures import T0, make_alert, make_events, write_killed_session

from trackerscan.errors import SessionError
from trackerscan.formats.session import SCHEMA_VERSION, Session, is_recording, read_events, read_level_changes
from trackerscan.formats.session_file import session_files
from trackerscan.model import Level, Sighting
from trackerscan.sessions import paths
from trackerscan.sessions.listing import list_sessions, resolve_session
from trackerscan.sessions.writer import SessionWriter


def _approx_event(e):
    """Events as stored: times to the millisecond."""
    return e._replace(time=round(e.time * 1000) / 1000) if isinstance(e, tuple) else e


def record(directory, events, changes=(), close=True):
    w = SessionWriter.create(directory, T0, {"ble": "replay:x"})
    for e in events:
        w.add(e)
    for c in changes:
        w.add(c)
    w.flush()
    if close:
        w.close(ended=T0 + 200, meta={"devices": "2"})
    return w


def test_round_trip_keeps_every_record(tmp_path, events):
    w = record(tmp_path, events, [make_alert()])
    back = list(read_events(w.path))
    assert len(back) == len(events)
    for a, b in zip(events, back, strict=True):
        assert type(a) is type(b)
        if isinstance(a, tuple):  # Sighting, Fix: times to the ms, everything else exact
            assert abs(a.time - b.time) < 0.0006
            assert a[1:] == b[1:]
        else:
            assert abs(a.time - b.time) < 0.0006
    changes = read_level_changes(w.path)
    assert changes[0].level is Level.ALERT and changes[0].addresses == ("C1:02:03:04:05:06",)
    assert changes[0].explanation == make_alert().explanation


def test_addresses_and_payloads_stored_once(tmp_path, events):
    w = record(tmp_path, events)
    with Session.open(w.path) as s:
        counts = s.counts()
    n_sightings = sum(isinstance(e, Sighting) for e in events)
    assert counts["sighting"] == n_sightings
    assert counts["emitter"] == 2 and counts["payload"] == 2


def test_files_and_folder_are_private(tmp_path, events):
    d = tmp_path / "sessions"
    w = record(d, events, close=False)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    for p in session_files(w.path):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert is_recording(w.path)
    w.close(T0 + 200)
    assert not is_recording(w.path)
    assert stat.S_IMODE(w.path.stat().st_mode) == 0o600


def test_summary(tmp_path, events):
    w = record(tmp_path, events, [make_alert()])
    with Session.open(w.path) as s:
        summary = s.summary()
    assert summary.finished
    assert summary.duration_s == pytest.approx(events[-1].time - events[0].time, abs=0.001)
    # 119 steps of 1.4 m north: 166.6 m, counted in steps of at least 25 m
    assert 140 < summary.distance_m <= 167
    assert summary.alerts == 1 and summary.watch == 0 and summary.devices == 2


def test_kill_9_keeps_every_commit_and_opens(tmp_path):
    path, committed = write_killed_session(tmp_path)
    assert path.with_name(path.name + "-wal").exists()  # the commits are still only in the WAL
    back = list(read_events(path))
    assert len(back) == len(committed)
    assert [type(e) for e in back] == [type(e) for e in committed]
    for a, b in zip(committed, back, strict=True):
        assert abs(a.time - b.time) < 0.0006
    with Session.open(path) as s:
        assert not s.summary().finished


def test_resolve_and_list(data_dir, events):
    d = paths.sessions_dir(create=True)
    w1 = record(d, events)
    w2 = SessionWriter.create(d, T0 + 3600)
    w2.close(T0 + 3700)
    assert resolve_session(w1.path.stem) == w1.path
    assert resolve_session("latest") == w2.path
    assert resolve_session(str(w1.path)) == w1.path
    with pytest.raises(SessionError, match="matches 2 sessions"):
        resolve_session(w1.path.stem[:4])
    with pytest.raises(SessionError, match="trackerscan sessions"):
        resolve_session("nope")
    (d / "junk.sqlite").write_bytes(b"hello")
    listed = list_sessions()
    assert [getattr(x, "name", None) for x in listed[:2]] == [w1.path.stem, w2.path.stem]
    assert isinstance(listed[2], SessionError)


def _unchanged_error(path, match):
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    with pytest.raises(SessionError, match=match):
        list(read_events(path))
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before


def test_future_version_says_update(tmp_path):
    w = record(tmp_path, make_events(10, 1))
    conn = sqlite3.connect(w.path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    _unchanged_error(w.path, "newer trackerscan.*update trackerscan")


def test_foreign_sqlite_left_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    _unchanged_error(path, "not a trackerscan session")


def test_truncated_session_is_damaged(tmp_path):
    w = record(tmp_path, make_events(60, 20))
    data = w.path.read_bytes()
    path = tmp_path / "cut.sqlite"
    path.write_bytes(data[: len(data) // 2])
    for p in tmp_path.glob("2*"):
        p.unlink()
    before = path.read_bytes()
    with pytest.raises(SessionError, match="damaged"):
        list(read_events(path))
    assert path.read_bytes() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=4096), st.booleans())
def test_random_bytes_never_crash(tmp_path, blob, with_magic):
    path = tmp_path / "random.sqlite"
    path.write_bytes((b"SQLite format 3\x00" if with_magic else b"") + blob)
    with pytest.raises(SessionError):
        list(read_events(path))
    assert path.read_bytes().endswith(blob)

"""The live pipeline in-process: a real replay source, the real engine, the real store."""

import asyncio

from session_fixtures import car_trip_events, write_session

from trackerscan.formats.session import Session
from trackerscan.model import Level, PlaceMark, Sighting
from trackerscan.pipeline import Pipeline, levels_reached, make_engine
from trackerscan.sessions.writer import SessionWriter
from trackerscan.sources import open_ble

WALL = 1_800_000_000.0


async def test_pipeline_records_feeds_and_marks(tmp_path):
    src = write_session(tmp_path / "in", car_trip_events())
    ble = open_ble(f"replay:{src},speed=0")
    writer = SessionWriter.create(tmp_path / "out", WALL)
    seen = []
    pipe = Pipeline(ble, None, make_engine(), writer, on_change=seen.append, clock=lambda: WALL + 5)
    mark = pipe.mark_place("refuge")  # "somewhere else now", stamped by the pipeline's clock
    await asyncio.wait_for(pipe.run(), 60)
    pipe.finish()
    writer.close(WALL + 10)
    assert pipe.ended_by_source
    assert mark == PlaceMark(WALL + 5, "refuge")
    assert levels_reached(seen) == {"C1:02:03:04:05:06": Level.ALERT}
    with Session.open(src) as a, Session.open(writer.path) as b:
        n = sum(1 for _ in a.sightings())
        assert pipe.status.sightings == n == sum(1 for _ in b.sightings())
        assert list(b.place_marks()) == [mark]
        assert [c.level for c in b.level_changes()] == [c.level for c in seen]
    assert pipe.status.gps_state == "fix" and pipe.status.last_fix is not None


async def test_stop_ends_a_live_replay_and_keeps_what_came(tmp_path):
    src = write_session(tmp_path / "in", car_trip_events())
    ble = open_ble(f"replay:{src},speed=1")  # real time: would take 8.5 min
    writer = SessionWriter.create(tmp_path / "out", WALL)
    pipe = Pipeline(ble, None, make_engine(), writer)
    asyncio.get_running_loop().call_later(1.5, pipe.stop)
    await asyncio.wait_for(pipe.run(), 30)
    writer.close(WALL + 2)
    assert not pipe.ended_by_source
    with Session.open(writer.path) as s:
        got = list(s.sightings())
    assert 0 < len(got) == pipe.status.sightings < 100
    assert all(isinstance(x, Sighting) for x in got)


async def test_known_devices_and_its_mine_travel_with_the_session(tmp_path):
    """A report of a session leaves out what the user had declared theirs while recording: the
    known-devices list and devices marked "It's mine" (without --known given again)."""
    from trackerscan.engine.known import KnownDevices
    from trackerscan.sessions.findings import analyse
    from trackerscan.sessions.known import KNOWN_META_KEY

    src = write_session(tmp_path / "in", car_trip_events())
    flagged = analyse(src)  # the car trip's device follows: a report without any known list shows it
    assert {a for f in flagged.flagged for a in f.addresses} == {"C1:02:03:04:05:06"}

    for how in ("known", "mine"):
        known = KnownDevices(frozenset({"C1:02:03:04:05:06"})) if how == "known" else None
        engine = make_engine(known=known)
        writer = SessionWriter.create(tmp_path / how, WALL)
        pipe = Pipeline(open_ble(f"replay:{src},speed=0"), None, engine, writer, clock=lambda: WALL)
        if how == "mine":  # marked as the user's own as soon as it is first seen
            def on_change(change, engine=engine):
                engine.mark_mine(change.device_id)
            pipe.on_change = on_change
        await asyncio.wait_for(pipe.run(), 60)
        pipe.finish()
        writer.close(WALL + 10)
        with Session.open(writer.path) as s:
            assert "C1:02:03:04:05:06" in s.meta()[KNOWN_META_KEY].split("\n")
        report = analyse(writer.path)
        assert report.flagged == [], how
        from trackerscan.analysis import analyze

        assert analyze(sessions=[writer.path]).alerts == [], how  # `trackerscan analyze SESSION` too
    assert {a for c in analyze(sessions=[src]).alerts for a in c.addresses} == {"C1:02:03:04:05:06"}

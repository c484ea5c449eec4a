"""Serial NMEA through pyserial on a real pty, fed with real receiver logs."""

import os
import time
from datetime import date, timedelta

import pytest
from gps_helpers import NMEA, Pty, collect, fixes_in, log_lines, rollover_victim

from trackerscan.errors import InputError, SourceError
from trackerscan.formats.nmea import read_nmea
from trackerscan.model import NoFix, SourceEvent, SourceEventKind
from trackerscan.sources.gps import open_gps
from trackerscan.sources.gps.serial_nmea import SerialNmeaSource


def expected(name):
    with (NMEA / name).open("rb") as f:
        return read_nmea(f)[0]


async def test_firefly_on_a_pty_with_baud_detection(pty):
    pty.write_lines(log_lines("firefly-II.log"), pace_s=0.002, delay_s=0.2)
    source = open_gps(f"nmea:{pty.path}")
    assert isinstance(source, SerialNmeaSource)
    before = time.time()
    events = await collect(source, lambda ev: len(fixes_in(ev)) >= 23)
    await source.aclose()
    got = fixes_in(events)
    want = expected("firefly-II.log")
    assert [(f.time, f.lat, f.lon) for f in got] == [(f.time, f.lat, f.lon) for f in want]
    assert source.baud == 4800  # the first rate tried: a pty ignores the rate
    assert source.rejected["checksum"] == 23
    # The log is from 2010 (replayed fast): before the release, so the clock is not set back; said once.
    offsets = [e for e in events if isinstance(e, SourceEvent) and e.kind is SourceEventKind.CLOCK_OFFSET]
    assert len(offsets) == 1 and offsets[0].value is None and "2010-07-08T" in offsets[0].detail
    assert source.clock.offset_s == 0.0 and got[0].time < before


async def test_clock_offset_recorded_once_at_real_pace(pty):
    """Three cycles at the receiver's own pace (1 s), dated about a year from now (as on a Pi whose clock
    stopped a year ago): one CLOCK_OFFSET event once two epochs agree, and correct() uses it."""
    ahead = (date.today() + timedelta(days=400) - date(2010, 7, 8)).days // 7
    lines = rollover_victim("firefly-II.log", weeks=-ahead)[:9]  # GGA (bad checksum), RMC, ZDA x 3 seconds
    for i in range(3):
        pty.write_lines(lines[3 * i : 3 * i + 3], delay_s=0.3 + i)
    source = open_gps(f"nmea:{pty.path},4800")
    events = await collect(source, lambda ev: len(fixes_in(ev)) >= 3, timeout=10)
    await source.aclose()
    got = fixes_in(events)
    assert len(got) == 3
    offsets = [e for e in events if isinstance(e, SourceEvent) and e.kind is SourceEventKind.CLOCK_OFFSET]
    assert len(offsets) == 1
    assert 390 * 86400 < offsets[0].value < 410 * 86400 and "2 GPS epochs agree" in offsets[0].detail
    now = time.time()
    assert abs(source.clock.correct(now) - (got[-1].time + 1)) < 2.5  # "now" in GPS time
    assert source.clock.offset_s == offsets[0].value


async def test_explicit_baud_and_status_v_as_no_fix(pty):
    pty.write_lines(log_lines("haicom-305N.log"), pace_s=0.001, delay_s=0.2)
    source = open_gps(f"nmea:{pty.path},9600")
    events = await collect(source, lambda ev: len(fixes_in(ev)) >= 67)
    await source.aclose()
    assert source.baud == 9600
    assert len(fixes_in(events)) == 67
    no_fix = [e for e in events if isinstance(e, NoFix)]
    assert no_fix and all(e.reason == "receiver reports no fix" for e in no_fix[:7])
    assert source.rejected["invalid_with_position"] == 7


async def test_unplugged_receiver_is_reported_and_reopened(tmp_path):
    """The source follows a by-id style symlink: unplug (close the pty), plug a new one in."""
    first, second = Pty(), Pty()
    link = tmp_path / "gps0"
    os.symlink(first.path, link)
    lines = log_lines("ublox-lea-4h.log")
    try:
        first.write_lines(lines[:60], pace_s=0.002, delay_s=0.2)
        source = open_gps(f"nmea:{link},4800")
        events = await collect(source, lambda ev: len(fixes_in(ev)) >= 4)
        assert len(fixes_in(events)) == 4
        os.close(first.master)  # unplug
        first.master = os.open("/dev/null", os.O_RDONLY)  # keep close() harmless
        events = await collect(source, lambda ev: any(
            isinstance(e, SourceEvent) and e.kind is SourceEventKind.GPS_LOST for e in ev))
        assert any(isinstance(e, SourceEvent) and e.kind is SourceEventKind.GPS_LOST for e in events)
        os.unlink(link)
        os.symlink(second.path, link)  # plugged in again (a new tty behind the same name)
        second.write_lines(lines[60:], pace_s=0.002, delay_s=1.0)
        events = await collect(source, lambda ev: len(fixes_in(ev)) >= 5)
        await source.aclose()
        kinds = [e.kind for e in events if isinstance(e, SourceEvent)]
        assert SourceEventKind.GPS_BACK in kinds
        assert [f.time for f in fixes_in(events)] == [f.time for f in expected("ublox-lea-4h.log")[4:]]
    finally:
        first.close()
        second.close()


def test_missing_device_and_bad_specs():
    with pytest.raises(SourceError, match="plugged in"):
        open_gps("nmea:/dev/ttyDOESNOTEXIST")
    for spec in ["nmea:/dev/null,fast", "gpsd:localhost", "fixed:91,0", "fixed:a,b", "fixed:0,0",
                 "replay:/no/such/file", "serial:/dev/ttyACM0", "none:x"]:
        with pytest.raises(InputError):
            open_gps(spec)


async def test_no_nmea_at_any_baud(pty):
    pty.write_lines([b"\x00\xff binary noise \xfe"] * 50, pace_s=0.01)
    source = SerialNmeaSource(pty.path, None, probe_s=0.2)
    with pytest.raises(SourceError, match="No NMEA sentences"):
        await source.start()  # as the CLI, GUI and Pi runner open it: the error surfaces here
    assert await collect(source, lambda ev: False, timeout=2) == []  # and the source stays ended
    await source.aclose()

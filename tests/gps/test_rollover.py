"""GPS week rollover and simulator mode on logs derived from a real receiver's (gp-320fw, 2019-04-06)."""

import json
from datetime import date, timedelta

from gps_helpers import log_lines, rollover_victim, simulator

from trackerscan.cli import main
from trackerscan.formats.nmea import ROLLOVER_FLOOR, NmeaReader
from trackerscan.model import Fix, SourceEvent
from trackerscan.timeutil import iso_utc

LOG = "gp-320fw-2019-04-06-overflow.log"


def fixes_cli(tmp_path, capsys, lines, name="log.nmea"):
    path = tmp_path / name
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert main(["fixes", str(path)]) == 0
    cap = capsys.readouterr()
    return [json.loads(line) for line in cap.out.splitlines()], cap.err.splitlines()


def test_rollover_victim_is_dated_1024_weeks_later(tmp_path, capsys):
    original, _ = fixes_cli(tmp_path, capsys, log_lines(LOG), "real.nmea")
    victim = rollover_victim(LOG)
    assert b",210899," in b"".join(victim)  # 2019-04-06 less 1024 weeks: what the receiver would send
    moved, err = fixes_cli(tmp_path, capsys, victim, "victim.nmea")
    assert len(original) == len(moved) == 21
    assert [f["time"] for f in moved] == [f["time"] for f in original]
    assert moved[0]["time"].startswith("2019-04-06T23:57")
    assert err == [
        f"trackerscan: GPS week rollover: the receiver's date 1999-08-21 is before {ROLLOVER_FLOOR}, so it "
        "is 1024 weeks late; using 2019-04-06",
        "trackerscan: 21 fixes from victim.nmea; rejected nothing; read 21 fixes moved forward over a GPS "
        "week rollover"]


def test_two_rollovers_and_the_event():
    """A receiver counting from GPS week 0 (1980) after the 2019 rollover is 2048 weeks late: moved twice.
    (u-blox ZED-F9P, NMEA 4.11, 2019-04-12: shown as 1980-01-11.)"""
    victim = b"\r\n".join(rollover_victim("ublox-zed-f9p_hpg1.11.log", weeks=2048)[:3000]) + b"\r\n"
    reader = NmeaReader(source="nmea:/dev/ttyACM0")
    records = reader.feed(victim) + reader.finish()
    events = [r for r in records if isinstance(r, SourceEvent)]
    fixes = [r for r in records if isinstance(r, Fix)]
    shown = date(2019, 4, 12) - timedelta(weeks=2048)
    assert len(events) == 1 and events[0].value == 2048.0 and f"date {shown} is before" in events[0].detail
    assert events[0].time == fixes[0].time and iso_utc(fixes[0].time).startswith("2019-04-12")
    assert reader.rollover_weeks == 2048 and reader.accepted["rollover"] == len(fixes) > 10


def test_dates_after_the_floor_are_left_alone():
    """The week count cannot tell a date from one 1024 weeks later: a date after ROLLOVER_FLOOR stays."""
    day = ROLLOVER_FLOOR + timedelta(days=7)
    reader = NmeaReader()
    victim = rollover_victim(LOG, weeks=(date(2019, 4, 6) - day).days // 7)
    fixes = [r for r in reader.feed(b"\r\n".join(victim) + b"\r\n") + reader.finish() if isinstance(r, Fix)]
    assert fixes and all(iso_utc(f.time) < "2019" for f in fixes) and reader.rollover_weeks == 0


def test_simulator_log_gives_no_fix(tmp_path, capsys):
    sim = simulator(LOG)
    fixes, err = fixes_cli(tmp_path, capsys, sim)
    assert fixes == []
    assert err[-1].startswith("trackerscan: 0 fixes from log.nmea; rejected: 21 estimated, manual or "
                              "simulated")

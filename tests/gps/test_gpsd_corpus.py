"""`trackerscan fixes` against gpsd's own decode (`.chk`) of every receiver log in the gpsd corpus.

The corpus is every ``*.log`` with a ``.chk`` beside it in ``tests/data/nmea/``,
``tests/data/nmea/gpsd/`` and, when present, ``../shared/data/nmea/gpsd/`` beside the clone: a log
dropped there is checked without editing this file.  For each log, every cycle at which gpsd reports a
real position (mode 2 or 3, with a latitude, not simulated) is a fix of ours at the same place (1e-6
degrees), and every fix of ours is a cycle gpsd did not call "no fix".  Each difference must be declared
in `DIFFERENCES` with its reason and a predicate on the log's own sentences that shows the reason holds;
an undeclared difference, or a declared one that no longer happens, fails.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from gps_helpers import gpsd_epochs, tod_of, tod_of_iso
from paths import TEST_DATA, shared_data

from trackerscan.cli import main
from trackerscan.formats.nmea import ROLLOVER_DAYS, NmeaReader
from trackerscan.model import Fix
from trackerscan.timeutil import iso_utc

FOLDERS = [TEST_DATA / "nmea", TEST_DATA / "nmea" / "gpsd"]
if shared_data() is not None:
    FOLDERS.append(shared_data() / "nmea" / "gpsd")


def corpus():
    logs = {}
    for folder in FOLDERS:
        for chk in sorted(folder.glob("*.log.chk")):
            logs.setdefault(chk.name, chk)  # the project's copy first
    return sorted(logs.values(), key=lambda p: p.name)


CHK = corpus()


@dataclass
class Log:
    """One log as the test sees it: its cycles' sentences, gpsd's epochs and our fixes."""

    name: str
    cycles: dict = field(default_factory=dict)  # time of day -> {sentence kind: fields}
    gpsd: dict = field(default_factory=dict)  # time of day -> (mode, lat, lon), every TPV
    ours: dict = field(default_factory=dict)  # time of day -> fix JSON

    def said(self, tod, kind):
        return self.cycles.get(tod, {}).get(kind)


def rmc_v(log, tod):
    rmc = log.said(tod, "RMC")
    return rmc is not None and rmc[2] == "V"


def zero_satellites(log, tod):
    gga = log.said(tod, "GGA")
    return gga is not None and gga[7] in ("0", "00")


def time_went_back(log, tod):
    return any(t > tod + 60 for t in log.ours)  # a later part of the file is earlier in the day


def gpsd_silent_on_a_valid_cycle(log, tod):
    rmc, gga, gll = log.said(tod, "RMC"), log.said(tod, "GGA"), log.said(tod, "GLL")
    valid = ((rmc is not None and rmc[2] == "A") or (gga is not None and gga[6] not in ("", "0"))
             or (gll is not None and len(gll) > 6 and gll[6] == "A"))
    return tod not in log.gpsd and valid


@dataclass(frozen=True)
class Difference:
    side: str  # "gpsd": a position only gpsd reports; "ours": a fix only we report
    reason: str
    holds: Callable[[Log, float], bool]


V_WITH_GGA = Difference(
    "gpsd", "RMC status V (and GSA mode 1) while GGA's quality is empty: gpsd takes the GGA as a 2D fix, "
    "we follow the receiver's 'no fix'", rmc_v)
ZERO_SATS = Difference(
    "gpsd", "GGA says 0 satellites in use (GSA lists none): a position from no satellites is no fix",
    zero_satellites)
SPLICE = Difference(
    "gpsd", "the log was spliced and UTC goes back 52 min: fixes after the splice are refused as time going "
    "backwards, so no speed or place spans the gap (issue #3)", time_went_back)
SILENT = Difference(
    "ours", "gpsd printed no report for this cycle (its cycle-end detector did not close it: the log ends, "
    "or the cycle opens the log or changes sentence order); the cycle's own RMC/GGA/GLL says valid",
    gpsd_silent_on_a_valid_cycle)

DIFFERENCES = {
    "bt451.log": (SPLICE, SILENT),
    "myguide-3100.log": (V_WITH_GGA,),
    "foretrex-201.log": (ZERO_SATS,),
    **{name: (SILENT,) for name in (
        "ait250.log", "ch-4701.log", "garmin48.log", "gp-320fw-2019-03-28.log",
        "gp-320fw-2019-04-06-overflow.log", "gps-360.log", "isync.log", "pharos-360.log", "rst39.log",
        "tn204.log", "ublox-lea-5h.log", "ublox-zed-f9p_hpg1.11.log")},
}


def load(chk, capsys):
    log_path = chk.with_suffix("")
    log = Log(log_path.name)
    for line in log_path.read_text("ascii", errors="replace").splitlines():
        start = line.find("$")
        tod = tod_of(line[start:]) if start >= 0 else None
        if tod is not None:
            fields = line[start + 1 :].split("*")[0].split(",")
            log.cycles.setdefault(tod, {})[fields[0][2:]] = fields
    log.gpsd = gpsd_epochs(chk)
    assert main(["fixes", str(log_path)]) == 0
    fixes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    log.ours = {tod_of_iso(f["time"]): f for f in fixes}
    assert len(log.ours) == len(fixes), "one fix per cycle"
    return log


def test_corpus_is_all_there():
    """The 70 receivers: 69 with gpsd's decode (bundg_zeus_9's .chk was not copied), none lost."""
    assert len(CHK) >= 69
    assert {"ublox-zed-f9p_hpg1.11.log.chk", "gp-320fw-2019-04-06-overflow.log.chk", "bt451.log.chk"} <= {
        c.name for c in CHK}
    assert set(DIFFERENCES) <= {c.name[:-4] for c in CHK}


@pytest.mark.parametrize("chk", CHK, ids=lambda p: p.name[:-8])
def test_fixes_match_gpsd(chk, capsys):
    log = load(chk, capsys)
    real = {tod: v for tod, v in log.gpsd.items() if v[0] >= 2 and v[1] is not None and not v[3]}
    differing = [("gpsd", tod) for tod in sorted(set(real) - set(log.ours))]
    differing += [("ours", tod) for tod in sorted(set(log.ours) - set(real))]
    declared = DIFFERENCES.get(log.name, ())
    used = set()
    for side, tod in differing:
        why = [d for d in declared if d.side == side and d.holds(log, tod)]
        assert why, f"{log.name} {tod}: a position only {side} report, not declared in DIFFERENCES"
        used.add(why[0])
    assert used == set(declared), f"{log.name}: declared differences that no longer happen"
    for tod in set(real) & set(log.ours):
        _mode, lat, lon, _sim = real[tod]
        fix = log.ours[tod]
        assert abs(fix["lat"] - lat) <= 1e-6 and abs(fix["lon"] - lon) <= 1e-6, (tod, fix, real[tod])
    for tod in log.ours:
        assert log.gpsd.get(tod, (2,))[0] != 1, f"{log.name} {tod}: gpsd says no fix"


def gpsd_dates(chk):
    """{time of day: ('YYYY-MM-DD', receiver's leap seconds known to gpsd by then)} of gpsd's TPV reports."""
    out = {}
    leap = None
    for line in chk.read_text("utf-8", errors="replace").splitlines():
        if line.startswith('{"class":"TPV"') and '"time"' in line:
            msg = json.loads(line)
            leap = msg.get("leapseconds", leap)
            out[tod_of_iso(msg["time"])] = (msg["time"][:10], leap)
    return out


@pytest.mark.parametrize("chk", CHK, ids=lambda p: p.name[:-8])
def test_week_rollover_rule_gives_gpsds_dates(chk):
    """gpsd's .chk dates were moved 1024 weeks by gpsd's own rollover rule: a date before its last leap
    second (2017-01-01) is moved, unless the receiver itself reported fewer leap seconds than 18 (garmin17n's
    PGRMF says 13, so gpsd keeps its 2005 date after that).  Our rule, given that floor, gives the same date
    for every fix but those."""
    reader = NmeaReader(not_before=date(2017, 1, 1))
    data = chk.with_suffix("").read_bytes()
    fixes = [r for r in reader.feed(data) + reader.finish() if isinstance(r, Fix)]
    theirs = gpsd_dates(chk)
    compared = 0
    for fix in fixes:
        iso = iso_utc(fix.time)
        tod = tod_of_iso(iso)
        if tod not in theirs:
            continue
        day, leap = theirs[tod]
        if leap is not None and leap < 18:
            # gpsd stops moving dates once the receiver has told it the leap seconds
            assert (date.fromisoformat(iso[:10]) - date.fromisoformat(day)).days in (0, ROLLOVER_DAYS)
        else:
            assert iso[:10] == day, (tod, iso, day)
        compared += 1
    assert compared or not fixes or not theirs

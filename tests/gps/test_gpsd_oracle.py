"""`trackerscan fixes` against gpsd's own decode of the same logs (the `.chk` files gpsd ships)."""

import json

import pytest
from gps_helpers import gpsd_epochs, tod_of_iso
from paths import TEST_DATA

from trackerscan.cli import main

NMEA = TEST_DATA / "nmea"
CHK = sorted(NMEA.glob("*.log.chk"))

# Where we deliberately differ from gpsd, by file: {time of day: why}.
# - bt451.log was spliced: after 15:25:08.5 UTC goes back to 14:33:06 and the position jumps 1.9 km.
#   gpsd reports the five fixes after the splice; we reject them as "time going backwards" so that no
#   speed or place computation spans the gap (issue #3).
# - bt451.log 15:25:08.5: RMC A + GGA quality 1, a complete fix; gpsd never reports it because the
#   cycle's last sentence (GLL) was cut off by the splice.  We emit it.
# - myguide-3100.log 10:50:27.8 and 10:50:28.8: RMC status V and GSA mode 1 (the receiver says "no
#   fix", HDOP 2.5 with 3 satellites), GGA quality empty.  gpsd takes the GGA as a 2D fix; we do not.
ONLY_GPSD = {
    "bt451.log": {52386.0, 52386.5, 52387.0, 52387.5, 52388.0},
    "myguide-3100.log": {39027.8, 39028.8},
}
ONLY_OURS = {"bt451.log": {55508.5}}


def our_fixes(path, capsys):
    assert main(["fixes", str(path)]) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()]


def test_every_chk_file_is_checked():
    assert len(CHK) == 7


@pytest.mark.parametrize("chk", CHK, ids=lambda p: p.name)
def test_fixes_match_gpsd(chk, capsys):
    log = chk.with_suffix("")
    ours = {tod_of_iso(f["time"]): f for f in our_fixes(log, capsys)}
    assert len(ours) == len(our_fixes(log, capsys))  # one fix per cycle
    gpsd = {tod: v for tod, v in gpsd_epochs(chk).items() if v[0] >= 2}
    assert gpsd, "the oracle must hold fixes"
    only_gpsd = set(gpsd) - set(ours)
    only_ours = set(ours) - set(gpsd)
    assert only_gpsd == ONLY_GPSD.get(log.name, set())
    assert only_ours == ONLY_OURS.get(log.name, set())
    for tod in set(ours) & set(gpsd):
        mode, lat, lon = gpsd[tod]
        fix = ours[tod]
        assert abs(fix["lat"] - lat) <= 1e-6, (tod, fix, gpsd[tod])
        assert abs(fix["lon"] - lon) <= 1e-6, (tod, fix, gpsd[tod])
        assert fix["mode"] == mode, (tod, fix, gpsd[tod])


def test_gpsd_no_fix_cycles_are_no_fix_for_us(capsys):
    """Every cycle gpsd called "no fix" (mode 1) yields no fix here either."""
    for chk in CHK:
        ours = {tod_of_iso(f["time"]) for f in our_fixes(chk.with_suffix(""), capsys)}
        no_fix = {tod for tod, v in gpsd_epochs(chk).items() if v[0] < 2}
        assert not (ours & no_fix), chk.name

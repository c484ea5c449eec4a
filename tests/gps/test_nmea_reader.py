"""The incremental NMEA reader on real receiver logs, with pynmea2 as an independent oracle."""

import codecs
import io
import itertools
from datetime import UTC, date, datetime

import pynmea2
import pytest
from paths import TEST_DATA

from trackerscan.formats.nmea import NmeaReader, read_nmea
from trackerscan.model import Fix, FixMode, NoFix, SourceEvent
from trackerscan.timeutil import iso_utc

NMEA = TEST_DATA / "nmea"
LOGS = sorted(NMEA.glob("*.log"))


def read(name, **kw):
    with (NMEA / name).open("rb") as f:
        return read_nmea(f, **kw)


def sentence(cls, talker, fields):
    """A well-formed sentence rendered by pynmea2 (not by us), CRLF-terminated."""
    return (str(getattr(pynmea2, cls)(talker, cls, tuple(fields))) + "\r\n").encode()


def gga(tod, lat, lon, quality="1", talker="GP", alt="545.4"):
    fields = (tod, lat, "N", lon, "E", quality, "08", "0.9", alt, "M", "46.9", "M", "", "")
    return sentence("GGA", talker, fields)


def rmc(tod, lat, lon, status="A", ddmmyy="230326", talker="GP"):
    return sentence("RMC", talker, (tod, status, lat, "N", lon, "E", "10.0", "90.0", ddmmyy, "", "", "A"))


def feed_all(reader, data):
    return reader.feed(data) + reader.finish()


def fixes_of(records):
    return [r for r in records if isinstance(r, Fix)]


# --- real logs ---------------------------------------------------------------------------------


def test_firefly_bad_checksums_counted_like_pynmea2():
    fixes, reader = read("firefly-II.log")
    bad = 0
    for raw in (NMEA / "firefly-II.log").read_bytes().splitlines():
        if raw.startswith(b"$"):
            try:
                pynmea2.parse(raw.decode(), check=True)
            except pynmea2.ChecksumError:
                bad += 1
    assert bad == 23
    assert reader.rejected["checksum"] == bad
    assert len(fixes) == 23  # one per RMC; the GGA (with altitude) were all dropped
    assert all(f.alt is None and f.mode is FixMode.FIX_2D for f in fixes)


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_positions_agree_with_pynmea2(log):
    """Every fix sits exactly where pynmea2 puts a valid RMC/GGA/GLL of the same time."""
    kw = {"date": date(2020, 1, 1)} if log.name == "data.log" else {}
    fixes, _ = read(log.name, **kw)
    oracle = {}
    for raw in log.read_bytes().splitlines():
        text = raw.decode("ascii", "replace").strip()
        if not text.startswith("$"):
            continue
        try:
            msg = pynmea2.parse(text, check=True)
        except pynmea2.ParseError:
            continue
        valid = (
            (isinstance(msg, pynmea2.RMC) and msg.status == "A")
            or (isinstance(msg, pynmea2.GGA) and msg.gps_qual and int(msg.gps_qual) > 0)
            or (isinstance(msg, pynmea2.GLL) and msg.status == "A")
        )
        if valid and msg.timestamp is not None and msg.lat:
            t = msg.timestamp
            tod = round(t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6, 2)
            oracle.setdefault(tod, []).append((msg.latitude, msg.longitude))
    assert fixes
    for fix in fixes:
        dt = datetime.fromtimestamp(fix.time, UTC)
        tod = round(dt.hour * 3600 + dt.minute * 60 + dt.second + dt.microsecond / 1e6, 2)
        assert tod in oracle, (log.name, fix)
        near = [(a, b) for a, b in oracle[tod] if abs(fix.lat - a) < 1e-9 and abs(fix.lon - b) < 1e-9]
        assert near, (fix, oracle[tod])


def test_bundg_mixed_talkers_one_fix_per_cycle():
    fixes, reader = read("bundg_zeus_9.log")
    times = [f.time for f in fixes]
    assert times == sorted(set(times))
    assert 146 <= len(fixes) <= 150  # 146 RMC and 147 GLL cycles over ~2.5 min (data README)
    assert reader.sentences > 4900  # HDG, MWV, DPT... from SD/WI/II talkers parsed and skipped
    assert sum(reader.rejected.values()) == 0
    speeds = [f.speed_mps for f in fixes if f.speed_mps is not None]  # GLL-only cycles have none
    assert len(speeds) == 146 and 2.5 < max(speeds) < 3.6  # 5-6 kn (data README)


def test_haicom_status_v_with_coordinates_is_no_fix():
    records = [r for r in feed_all(NmeaReader(), (NMEA / "haicom-305N.log").read_bytes())
               if not isinstance(r, SourceEvent)]  # its 2007-04-08 is before ROLLOVER_FLOOR: one event
    first_fix = next(i for i, r in enumerate(records) if isinstance(r, Fix))
    leading = records[:first_fix]
    # the six RMC V cycles, which still carry 27.21 S 153.05 E, plus one GGA with 0 satellites
    assert len(leading) == 7 and all(isinstance(r, NoFix) for r in leading)
    assert all(r.reason == "receiver reports no fix" for r in leading)


def test_haicom_counts_and_no_zero_coordinates():
    fixes, reader = read("haicom-305N.log")
    assert reader.rejected["invalid_with_position"] == 7
    assert all(f.lat < -27 and f.lon > 153 for f in fixes)


def test_myguide_v_with_coordinates_rejected():
    fixes, reader = read("myguide-3100.log")
    assert reader.rejected["invalid_with_position"] == 4
    assert datetime.fromtimestamp(fixes[0].time, UTC) == datetime(2009, 10, 8, 10, 50, 29, 800000, UTC)


def test_tcp_test_leading_garbage():
    fixes, reader = read("tcp-test.log")
    assert reader.rejected == {"garbage": 1}
    assert len(fixes) == 1
    assert fixes[0].hdop == 1.7 and fixes[0].satellites == 4 and fixes[0].alt == -30.4


def test_bt451_time_going_backwards_rejected():
    fixes, reader = read("bt451.log")
    assert reader.rejected["time_backwards"] == 6
    times = [f.time for f in fixes]
    assert times == sorted(times)
    assert datetime.fromtimestamp(times[-1], UTC) == datetime(2009, 12, 9, 15, 25, 8, 500000, UTC)


def test_com1289_one_bad_gsv_and_proprietary_ignored():
    fixes, reader = read("com-1289.log")
    assert reader.rejected == {"checksum": 1}
    assert len(fixes) == 14


def test_pynmea2_log_needs_a_date():
    fixes, reader = read("data.log")
    assert fixes == [] and reader.rejected == {"garbage": 1, "no_date": 1}
    fixes, reader = read("data.log", date=date(2019, 4, 6))
    assert len(fixes) == 1
    assert datetime.fromtimestamp(fixes[0].time, UTC) == datetime(2019, 4, 6, 18, 43, 53, 70000, UTC)
    assert (round(fixes[0].lat, 6), round(fixes[0].lon, 6)) == (-19.484083, 24.1751)


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_byte_by_byte_equals_whole(log):
    data = log.read_bytes()
    whole = NmeaReader()
    expected = feed_all(whole, data)
    split = NmeaReader()
    got = []
    for i in range(len(data)):
        got += split.feed(data[i : i + 1])
    got += split.finish()
    assert got == expected
    assert split.rejected == whole.rejected


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_files(codec):
    raw = (NMEA / "ublox-lea-4h.log").read_bytes()
    expected, _ = read_nmea(io.BytesIO(raw))
    encoded = raw.decode("ascii").encode(codec)
    if codec == "utf-16":
        assert encoded.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    got, reader = read_nmea(io.BytesIO(encoded))
    assert got == expected and len(got) == 9
    assert sum(reader.rejected.values()) == 0


# --- synthetic sentences rendered by pynmea2 ----------------------------------------------------


def test_gga_only_midnight_rollover():
    data = gga("235958.00", "4807.038", "01131.000") + gga("235959.00", "4807.038", "01131.001")
    data += gga("000000.00", "4807.038", "01131.002") + gga("000001.00", "4807.038", "01131.003")
    fixes = fixes_of(feed_all(NmeaReader(date=date(2019, 12, 31)), data))
    stamps = [datetime.fromtimestamp(f.time, UTC) for f in fixes]
    assert stamps == [
        datetime(2019, 12, 31, 23, 59, 58, tzinfo=UTC), datetime(2019, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2020, 1, 1, 0, 0, 0, tzinfo=UTC), datetime(2020, 1, 1, 0, 0, 1, tzinfo=UTC),
    ]


def test_undated_fixes_wait_for_a_later_rmc_date():
    data = gga("235959.00", "4807.038", "01131.000") + gga("000000.00", "4807.038", "01131.001")
    data += rmc("000001.00", "4807.038", "01131.002", ddmmyy="010120")
    fixes = fixes_of(feed_all(NmeaReader(), data))
    assert [datetime.fromtimestamp(f.time, UTC).isoformat() for f in fixes] == [
        "2019-12-31T23:59:59+00:00", "2020-01-01T00:00:00+00:00", "2020-01-01T00:00:01+00:00"]


def test_implausible_jump_rejected_and_track_continues():
    lons = ["01131.000", "01131.010", "02131.000", "01131.020", "01131.030"]  # the 3rd is ~700 km away
    data = b"".join(rmc(f"12000{i}.00", "4807.038", lon) for i, lon in enumerate(lons))
    reader = NmeaReader()
    fixes = fixes_of(feed_all(reader, data))
    assert reader.rejected == {"implausible_jump": 1}
    assert [round(f.lon, 4) for f in fixes] == [11.5167, 11.5168, 11.517, 11.5172]


def test_consistent_new_track_is_believed_after_resync():
    """A bad first fix must not blind the reader: 10 consistent fixes elsewhere win."""
    data = rmc("120000.00", "0107.038", "00131.000")
    data += b"".join(rmc(f"1201{i:02d}.00", "4807.038", f"01131.{i:03d}") for i in range(15))
    reader = NmeaReader()
    fixes = fixes_of(feed_all(reader, data))
    assert reader.rejected == {"implausible_jump": 9}
    assert len(fixes) == 1 + 6 and all(f.lat > 48 for f in fixes[1:])


def test_zero_zero_is_never_a_fix():
    reader = NmeaReader()
    records = feed_all(reader, rmc("120000.00", "0000.000", "00000.000"))
    assert records == [NoFix(records[0].time, "nmea", "position 0, 0")]
    assert reader.rejected == {"zero_position": 1}


@pytest.mark.parametrize("talker", ["GP", "GN", "GL", "GA", "BD", "IN"])
def test_any_talker(talker):
    data = rmc("120000.00", "4807.038", "01131.000", talker=talker)
    data += gga("120000.00", "4807.038", "01131.000", talker=talker)
    data += sentence("GNS", talker, ("120001.00", "4807.038", "N", "01131.000", "E", "AAN", "10", "0.8",
                                     "500.0", "47.0", "", ""))
    data += sentence("GLL", talker, ("4807.039", "N", "01131.000", "E", "120002.00", "A", "A"))
    fixes = fixes_of(feed_all(NmeaReader(), data))
    assert [f.mode for f in fixes] == [FixMode.FIX_3D, FixMode.FIX_3D, FixMode.FIX_2D]
    assert fixes[0].alt == 545.4 and fixes[1].alt == 500.0 and fixes[1].satellites == 10
    assert abs(fixes[0].speed_mps - 5.1444) < 1e-3 and fixes[0].course == 90.0


def test_estimated_and_gns_no_fix():
    reader = NmeaReader(date=date(2020, 1, 1))
    data = gga("120000.00", "4807.038", "01131.000", quality="6")
    gns = ("120001.00", "4807.038", "N", "01131.000", "E", "NN", "0", "", "", "", "", "")
    data += sentence("GNS", "GN", gns)
    records = feed_all(reader, data)
    assert [type(r) for r in records] == [NoFix, NoFix]
    assert reader.rejected == {"not_measured": 1, "invalid_with_position": 1}


def test_cut_off_sentence_and_vtg_zda():
    good = rmc("120000.00", "4807.038", "01131.000", ddmmyy="")  # no date in RMC: ZDA gives it
    zda = sentence("ZDA", "GP", ("120000.00", "06", "04", "2019", "00", "00"))
    vtg = sentence("VTG", "GP", ("45.0", "T", "", "M", "2.0", "N", "3.7", "K", "A"))
    data = b"$GPGGA,1200" + good + vtg + zda + b"$GPRMC,120001.00,A,48"  # cut at both ends
    reader = NmeaReader()
    fixes = fixes_of(feed_all(reader, data))
    assert reader.rejected == {"unterminated": 2}
    assert len(fixes) == 1
    assert datetime.fromtimestamp(fixes[0].time, UTC) == datetime(2019, 4, 6, 12, 0, tzinfo=UTC)
    assert fixes[0].course == 45.0 and abs(fixes[0].speed_mps - 2.0 * 1852 / 3600) < 1e-9


def test_malformed_fields_counted_not_raised():
    def bad_rmc(tod, lat, ns, ddmmyy):
        return sentence("RMC", "GP", (tod, "A", lat, ns, "01131.000", "E", "", "", ddmmyy, "", ""))

    bad = [
        bad_rmc("120000.00", "9107.038", "N", "010120"),  # latitude 91
        bad_rmc("120000.00", "4807.038", "X", "010120"),  # hemisphere X
        bad_rmc("250000.00", "4807.038", "N", "010120"),  # hour 25
        bad_rmc("120000.00", "4807.038", "N", "320120"),  # 32 January
        sentence("GGA", "GP", ("120000.00", "nan", "N", "01131.000", "E", "1", "08") + ("",) * 7),  # NaN
    ]
    reader = NmeaReader()
    assert fixes_of(feed_all(reader, b"".join(bad))) == []
    assert reader.rejected == {"bad_value": 5}


def test_absurd_date_rejected():
    """A date before GPS week 0 (1980-01-06) or after 2100 is no rollover victim: it is refused."""
    reader = NmeaReader()
    zda = [sentence("ZDA", "GP", ("120000.00", "13", "12", year, "", "")) for year in ("1979", "2101")]
    gga_ = [gga("120000.00", "4807.038", "01131.000"), gga("120001.00", "4807.038", "01131.000")]
    assert fixes_of(feed_all(reader, zda[0] + gga_[0] + zda[1] + gga_[1])) == []
    assert reader.rejected == {"absurd_time": 2}


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "ascii"])
def test_ascii_chunks_with_odd_chunk_sizes(codec):
    from trackerscan.formats.nmea import ascii_chunks

    text = (NMEA / "tcp-test.log").read_text("ascii")
    for size in (1, 7, 64, 4096):
        assert b"".join(ascii_chunks(io.BytesIO(text.encode(codec)), chunk_size=size)) == text.encode("ascii")


def test_nmea41_navigational_status_says_nothing_about_the_position():
    """NMEA 4.10's RMC field 13: u-blox M8/M9/M10 always send V ("no navigational status"); every value is a
    fix when the status is A and the mode a measured one, and a mode of E, M or S still refuses it."""
    fields = ("A", "4807.038", "N", "01131.000", "E", "1.0", "90.0", "230326", "", "")
    rmcs = [sentence("RMC", "GN", (f"1200{i:02d}.00", *fields, "A", nav)) for i, nav in enumerate("SCUV")]
    rmcs += [sentence("RMC", "GN", (f"1200{4 + i:02d}.00", *fields, m, "V")) for i, m in enumerate("EMS")]
    reader = NmeaReader()
    records = feed_all(reader, b"".join(rmcs))
    assert [type(r) for r in records] == [Fix] * 4 + [NoFix] * 3
    assert reader.rejected == {"not_measured": 3}


def test_status_tables_cover_the_standard_values():
    from trackerscan.formats.nmea import FAA_MODE, FIX, GGA_QUALITY, NO_FIX, NOT_MEASURED, RMC_STATUS

    assert {k for k, (_, v) in GGA_QUALITY.items() if v != FIX} == {b"0", b"6", b"7", b"8"}
    assert {k for k, (_, v) in FAA_MODE.items() if v == NOT_MEASURED} == {b"E", b"M", b"S"}
    assert {k for k, (_, v) in FAA_MODE.items() if v == NO_FIX} == {b"N"}
    assert RMC_STATUS[b"V"][1] == NO_FIX


def test_sentences_without_checksum_read_when_complete():
    """A sentence without '*hh' is read when it has its kind's field count and a valid time; a line cut off
    (from ublox-8.log and holux-gm-210.log) is not."""
    whole = rmc("120000.00", "4807.038", "01131.000").split(b"*")[0] + b"\r\n"
    cut = [b"$GNRMC,001053.00,A,4404.14083,N,12118.85886,W,0.\r\n",
           b"$GPGGA,012530.562,4131.7353,N,09336.8150,W,0,00,50.\r\n"]
    reader = NmeaReader()
    records = feed_all(reader, b"".join(cut) + whole)
    assert [(r.lat, r.lon) for r in fixes_of(records)] == [(48 + 7.038 / 60, 11 + 31 / 60)]
    assert reader.accepted == {"no_checksum": 1} and reader.rejected == {"unterminated": 2}


def gga_run(first_s, n, lat="4807.038"):
    """``n`` GGA cycles a second apart from ``first_s`` seconds into the day, creeping east."""
    tods = [(first_s + i) % 86400 for i in range(n)]
    return b"".join(gga(f"{t // 3600:02d}{t // 60 % 60:02d}{t % 60:02d}.00", lat, f"01131.{i:03d}")
                    for i, t in enumerate(tods))


def test_receiver_date_wins_over_the_given_date_and_is_said():
    """GGA-only cycles, then an RMC dated 2019-04-06 while --date said 2026-03-01: every fix follows the
    receiver (no jump of years between consecutive fixes), and one event says so."""
    data = gga_run(43200, 5) + rmc("120005.00", "4807.038", "01131.005", ddmmyy="060419")
    reader = NmeaReader(date=date(2026, 3, 1))
    records = feed_all(reader, data)
    fixes = fixes_of(records)
    assert [iso_utc(f.time)[:10] for f in fixes] == ["2019-04-06"] * 6
    notes = [r.detail for r in records if isinstance(r, SourceEvent)]
    assert notes == ["the receiver's date 2019-04-06 disagrees with the date given (2026-03-01): following "
                     "the receiver's date"]


def test_given_date_used_when_the_receiver_never_dates():
    reader = NmeaReader(date=date(2026, 3, 1))
    fixes = fixes_of(feed_all(reader, gga_run(86390, 20)))  # crosses midnight
    days = [iso_utc(f.time)[:10] for f in fixes]
    assert days == ["2026-03-01"] * 10 + ["2026-03-02"] * 10
    assert not any(isinstance(r, SourceEvent) for r in feed_all(NmeaReader(date=date(2026, 3, 1)),
                                                                gga_run(0, 3)))


def test_late_receiver_date_never_makes_fixes_jump_years():
    """After DATE_WAIT_EPOCHS GGA cycles the given date is used; when an RMC then dates the log years away,
    that is said, and the fixes after it are not joined to the earlier track across the years."""
    from trackerscan.formats.nmea import DATE_WAIT_EPOCHS, MAX_GAP_S

    n = DATE_WAIT_EPOCHS + 5
    data = gga_run(43200, n)
    t = 43200 + n
    data += rmc(f"{t // 3600:02d}{t // 60 % 60:02d}{t % 60:02d}.00", "4807.038", "01131.100", ddmmyy="060419")
    reader = NmeaReader(date=date(2026, 3, 1))
    records = feed_all(reader, data)
    fixes = fixes_of(records)
    assert len(fixes) == n and all(iso_utc(f.time).startswith("2026-03-01") for f in fixes)
    assert all(0 < b.time - a.time < MAX_GAP_S for a, b in itertools.pairwise(fixes))
    assert reader.rejected == {"time_backwards": 1}
    assert any("disagrees with the date given" in r.detail for r in records if isinstance(r, SourceEvent))

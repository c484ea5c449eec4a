"""GPX tracks (gpxpy's real test files): counts from the data README as the oracle."""

import io
import itertools
from datetime import UTC, datetime

import pytest
from paths import TEST_DATA

from trackerscan.errors import InputError
from trackerscan.formats.gpx import parse_gpx_time, read_gpx

GPX = TEST_DATA / "gpx"


def read(name):
    with (GPX / name).open("rb") as f:
        return read_gpx(f)


def test_car_trip():
    fixes, rejected = read("around-visnjan-with-car.gpx")
    assert len(fixes) == 104 and not rejected
    assert datetime.fromtimestamp(fixes[0].time, UTC).date().isoformat() == "2020-12-18"
    assert 8 * 60 < fixes[-1].time - fixes[0].time < 9 * 60  # ~8.5 min


def test_multi_segment_track_with_gaps():
    fixes, rejected = read("cerknicko-jezero.gpx")
    assert len(fixes) == 296 and not rejected  # 7 waypoints are not track points
    gaps = [b.time - a.time for a, b in itertools.pairwise(fixes)]
    assert max(gaps) > 10 * 60  # gaps up to ~15 min between segments


def test_points_without_times_are_not_given_times():
    fixes, rejected = read("korita-zbevnica.gpx")
    assert len(fixes) == 513
    assert rejected == {"no_time": 871 - 513}


def test_broken_clock_1901_rejected_without_dividing_by_zero():
    fixes, rejected = read("Mojstrovka.gpx")
    assert fixes == [] and rejected == {"absurd_time": 184}


def test_zero_duration_track():
    pt = '<trkpt lat="46.{}" lon="13.7"><time>2010-12-14T06:17:04Z</time></trkpt>'
    pts = "".join(pt.format(i) for i in range(5))
    doc = f'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{pts}</trkseg></trk></gpx>'
    fixes, rejected = read_gpx(io.BytesIO(doc.encode()))
    assert len(fixes) == 1 and rejected == {"repeated_time": 4}


def test_truncated_file_keeps_what_was_read():
    data = (GPX / "around-visnjan-with-car.gpx").read_bytes()
    fixes, rejected = read_gpx(io.BytesIO(data[: len(data) // 2]))
    assert 30 < len(fixes) < 104 and rejected == {"truncated": 1}
    with pytest.raises(InputError):
        read_gpx(io.BytesIO(b"this is not xml"))


@pytest.mark.parametrize("text,expected", [
    ("2010-12-14T06:17:04Z", datetime(2010, 12, 14, 6, 17, 4, tzinfo=UTC)),
    ("1901-12-13T20:45:52.2073437Z", datetime(1901, 12, 13, 20, 45, 52, 207344, tzinfo=UTC)),
    ("2010-12-14T08:17:04+02:00", datetime(2010, 12, 14, 6, 17, 4, tzinfo=UTC)),
    ("2010-12-14T06:17:04", datetime(2010, 12, 14, 6, 17, 4, tzinfo=UTC)),
])
def test_times(text, expected):
    assert parse_gpx_time(text) == pytest.approx(expected.timestamp(), abs=1e-6)


@pytest.mark.parametrize("text", ["", "yesterday", "2010-13-14T06:17:04Z", "2010-12-14T06:61:04Z",
                                  "2010-02-30T06:17:04Z", "٢٠١٠-12-14T06:17:04Z"])
def test_bad_times(text):
    assert parse_gpx_time(text) is None

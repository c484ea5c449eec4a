"""Property tests for the GPX reader: arbitrary or damaged input never raises anything but InputError."""

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from paths import TEST_DATA

from trackerscan.errors import InputError
from trackerscan.formats.gpx import parse_gpx_time, read_gpx

CAR = (TEST_DATA / "gpx" / "around-visnjan-with-car.gpx").read_bytes()


def read_or_input_error(data):
    try:
        fixes, _ = read_gpx(io.BytesIO(data))
    except InputError:
        return None
    for fix in fixes:
        assert -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180
    return fixes


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(data):
    read_or_input_error(data)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(CAR)), st.integers(0, len(CAR)), st.binary(max_size=20))
def test_damaged_real_track(start, length, junk):
    damaged = CAR[:start] + junk + CAR[start + length % 200:]
    fixes = read_or_input_error(damaged)
    if fixes is not None:
        times = [f.time for f in fixes]
        assert times == sorted(times)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_time_parser_never_raises(text):
    t = parse_gpx_time(text)
    assert t is None or isinstance(t, float)

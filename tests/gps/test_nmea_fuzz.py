"""Property tests: the reader never raises or hangs, and chunking never changes what it reads."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import TEST_DATA

from trackerscan.formats.nmea import NmeaReader
from trackerscan.model import Fix, NoFix, SourceEvent

LOGS = sorted((TEST_DATA / "nmea").glob("*.log")) + sorted((TEST_DATA / "nmea" / "gpsd").glob("*.log"))
REAL = [ln + b"\r\n" for log in LOGS for ln in log.read_bytes().splitlines() if ln.startswith(b"$")]


def whole(data):
    reader = NmeaReader()
    return reader.feed(data) + reader.finish(), reader.rejected


def chunked(data, cuts):
    reader = NmeaReader()
    out = []
    prev = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out += reader.feed(data[prev:cut])
        prev = cut
    return out + reader.finish(), reader.rejected


def mutated_logs():
    """Real sentences, some with bytes flipped, dropped or spliced in: close to what a bad line gives."""
    sentence = st.sampled_from(REAL)
    noisy = st.tuples(sentence, st.integers(0, 90), st.binary(max_size=3)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + len(t[2]):])
    # without its checksum, whole or cut off: read only when complete
    unchecked = st.tuples(sentence, st.integers(1, 90)).map(lambda t: t[0].split(b"*")[0][: t[1]] + b"\r\n")
    return st.lists(st.one_of(sentence, noisy, unchecked, st.binary(max_size=40)), max_size=60).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=20))
def test_arbitrary_bytes_chunking_is_invisible(data, cuts):
    cuts = [c for c in cuts if c <= len(data)]
    records, rejected = whole(data)
    assert chunked(data, cuts) == (records, rejected)
    assert all(isinstance(r, Fix | NoFix | SourceEvent) for r in records)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_logs(), cuts=st.lists(st.integers(0, 6000), max_size=30))
def test_mutated_real_logs(data, cuts):
    cuts = [c for c in cuts if c <= len(data)]
    records, rejected = whole(data)
    assert chunked(data, cuts) == (records, rejected)
    fixes = [r for r in records if isinstance(r, Fix)]
    for fix in fixes:
        assert -90 <= fix.lat <= 90 and -180 <= fix.lon <= 180
        assert not (fix.lat == 0 and fix.lon == 0)
    times = [f.time for f in fixes]
    # continuity: accepted fixes only go forward, except after a resync of 10 consistent fixes
    assert all(b > a for a, b in itertools.pairwise(times)) or len(times) >= 10


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=20000))
def test_long_lines_without_newline(data):
    data = data.replace(b"\n", b"x").replace(b"\r", b"x") * 3
    records, rejected = whole(data + b"\n" + REAL[0])
    assert chunked(data + b"\n" + REAL[0], [len(data) // 2, len(data)]) == (records, rejected)

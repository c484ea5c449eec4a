"""Sweep logic on Sighting sequences: smoothing, trend, ordering, ageing (with the real classifier)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from trackerscan.find.sweep import LISTED_FOR_S, SweepState
from trackerscan.model import AddressType, Kind, RingProcedure, Sighting
from trackerscan.smoothing import (
    FAST_TAU_S,
    Heat,
    RssiSmoother,
    Trend,
    gauge,
    heat,
)

# trackers.md test vectors
AIRTAG_SEPARATED = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")  # T1
AIRTAG_NEAR = bytes.fromhex("07FF4C0012025402")  # T2
TILE = bytes.fromhex("0d16edfe02009c2b2af23f0e3dad")  # T10
DULT_SEPARATED = bytes.fromhex("0716b2fc02001003")  # T7 with near-owner bit 0, Google network
PHONE_NEAR = bytes.fromhex("07FF4C0012020001")  # T3: an iPhone near its owner, not a tracker


def sight(t, address, adv, rssi):
    return Sighting(t, address, AddressType.RANDOM, rssi, adv, "test")


def test_smoother_follows_a_steady_level_and_reports_steady():
    s = RssiSmoother()
    for i in range(20):
        s.add(i * 1.0, -70 + (3 if i % 2 else -3))  # +-3 dB jitter around -70
    assert abs(s.smoothed + 70) < 2.5
    assert s.trend is Trend.STEADY


def test_smoother_time_constant_respects_uneven_gaps():
    s = RssiSmoother()
    s.add(0.0, -80)
    s.add(FAST_TAU_S, -60)  # one time constant later: 1 - 1/e of the way
    assert math.isclose(s.smoothed, -80 + 20 * (1 - math.exp(-1)), abs_tol=1e-9)
    s2 = RssiSmoother()
    s2.add(0.0, -80)
    s2.add(FAST_TAU_S / 10, -60)  # a reading soon after moves the average much less
    assert s2.smoothed < -77


def test_walking_towards_then_away_gives_closer_then_further():
    s = RssiSmoother()
    trends = []
    for i in range(30):  # 2 dB stronger per second for 15 s, then weaker
        rssi = -90 + 2 * i if i < 15 else -62 - 2 * (i - 15)
        s.add(float(i), rssi)
        trends.append(s.trend)
    assert trends[0] is Trend.UNKNOWN
    assert trends[12] is Trend.CLOSER
    assert trends[29] is Trend.FURTHER
    assert Trend.CLOSER.arrow != Trend.FURTHER.arrow


def test_single_outlier_does_not_flip_trend():
    s = RssiSmoother()
    for i in range(15):
        s.add(i * 2.0, -75)
    s.add(30.0, -60)  # one reflection 15 dB up
    assert s.fast - s.slow < 15 and s.smoothed < -62
    s.add(32.0, -75)
    s.add(34.0, -75)
    assert s.trend is Trend.STEADY


def test_long_gap_restarts_the_averages():
    s = RssiSmoother()
    for i in range(10):
        s.add(float(i), -90)
    s.add(100.0, -50)
    assert s.smoothed == -50 and s.trend is Trend.UNKNOWN


def test_heat_words_and_gauge():
    assert heat(-50) is Heat.VERY_HOT and heat(-60) is Heat.HOT and heat(-70) is Heat.WARM
    assert heat(-80) is Heat.COOL and heat(-95) is Heat.COLD
    assert gauge(-100) == 0 and gauge(-40) == 100 and gauge(-70) == 50 and gauge(-20) == 100


def test_rows_order_separated_first_then_strongest_and_hide_non_trackers():
    state = SweepState()
    state.extend(
        [
            sight(0.0, "DF:A4:65:1A:52:72", AIRTAG_NEAR, -45),  # strongest, but near its owner
            sight(0.5, "F0:1C:FD:38:52:9E", TILE, -60),  # separation unknown
            sight(1.0, "FB:6D:08:3D:25:A4", AIRTAG_SEPARATED, -80),  # separated, weak
            sight(1.5, "C1:02:03:04:05:06", DULT_SEPARATED, -70),  # separated, stronger
            sight(2.0, "40:00:00:00:00:01", PHONE_NEAR, -40),  # a phone: not listed
        ]
    )
    rows = state.rows(now=3.0)
    assert [r.address for r in rows] == [
        "C1:02:03:04:05:06",
        "FB:6D:08:3D:25:A4",
        "DF:A4:65:1A:52:72",
        "F0:1C:FD:38:52:9E",
    ]
    by = {r.address: r for r in rows}
    airtag = by["FB:6D:08:3D:25:A4"]
    assert airtag.kind is Kind.AIRTAG and airtag.ring is RingProcedure.AIRTAG
    assert by["C1:02:03:04:05:06"].ring is RingProcedure.DULT
    assert not by["F0:1C:FD:38:52:9E"].can_ring  # Tile: never by a non-owner
    assert not by["DF:A4:65:1A:52:72"].can_ring  # near its owner: it would refuse
    assert by["FB:6D:08:3D:25:A4"].seconds_ago == 2.0
    assert len(SweepState(trackers_only=False).rows(0.0)) == 0
    everything = SweepState(trackers_only=False)
    everything.add(sight(2.0, "40:00:00:00:00:01", PHONE_NEAR, -40))
    assert [r.tracker for r in everything.rows(2.0)] == [False]


def test_rows_age_out_and_follow_narrows():
    state = SweepState(follow="fb:6d:08:3d:25:a4")
    state.add(sight(0.0, "C1:02:03:04:05:06", DULT_SEPARATED, -70))
    for i in range(5):
        state.add(sight(float(i), "FB:6D:08:3D:25:A4", AIRTAG_SEPARATED, -70 + 3 * i))
    rows = state.rows(now=5.0)
    assert [r.address for r in rows] == ["FB:6D:08:3D:25:A4"]
    assert rows[0].sightings == 5 and rows[0].rssi == -58
    assert state.rows(now=4.0 + LISTED_FOR_S + 0.1) == []
    assert state.row("FB:6D:08:3D:25:A4", now=100.0).seconds_ago == 96.0
    state.forget_old(now=1000.0)
    assert state.row("FB:6D:08:3D:25:A4", now=1000.0) is None
    assert state.latest == 4.0


def test_changed_payload_is_classified_again():
    state = SweepState()
    state.add(sight(0.0, "C1:02:03:04:05:06", bytes.fromhex("0716b2fc02011003"), -70))  # near owner
    assert not state.rows(0.0)[0].can_ring
    state.add(sight(1.0, "C1:02:03:04:05:06", DULT_SEPARATED, -70))
    assert state.rows(1.0)[0].separated is True and state.rows(1.0)[0].can_ring


@given(st.lists(st.tuples(st.floats(0, 1e4, allow_nan=False), st.integers(-127, 20)), max_size=60))
def test_smoother_stays_within_the_readings(readings):
    s = RssiSmoother()
    for t, r in readings:
        s.add(t, r)
    if readings:
        lo = min(r for _, r in readings)
        hi = max(r for _, r in readings)
        assert lo - 1e-6 <= s.smoothed <= hi + 1e-6
        assert s.trend in Trend
    assert (s.smoothed is None) == (not readings)


@given(st.binary(max_size=64), st.integers(-127, 20), st.floats(0, 1e9, allow_nan=False))
def test_sweep_never_raises_on_arbitrary_advertisements(adv, rssi, t):
    state = SweepState(trackers_only=False)
    state.add(sight(t, "C1:02:03:04:05:06", adv, rssi))
    rows = state.rows(t)
    assert len(rows) == 1 and rows[0].to_json()["rssi"] == rssi

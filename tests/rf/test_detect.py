"""Detection on the simulator's suite (fixed seeds): trackers found with their period, nothing else."""

from __future__ import annotations

import pytest

from trackerscan.rf import thresholds as th
from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import analyze
from trackerscan.sim.rf import SimTracker, build, simulate

BANDS = region_bands("uk")


@pytest.mark.parametrize("name,seed", [("quiet", 0), ("busy", 0), ("busy", 1)])
def test_no_tracker_no_report(name, seed):
    result = analyze(build(name, seed).hops, BANDS)
    assert result.transmitters == []
    assert any("does not mean" in n for n in result.notes)
    if name == "busy":
        assert result.bursts > 300 and result.interference > 10  # there was plenty to be fooled by


@pytest.mark.parametrize("name,seed", [("tracker_120s_weak", 0), ("tracker_30s_ltem_hops", 1),
                                       ("busy_tracker_60s", 2), ("busy_two_trackers", 0),
                                       # phones lined up beside the tracker before the channel rule
                                       ("busy_tracker_60s", 3), ("busy_tracker_120s_weak", 9),
                                       # at twice their period before the harmonic check (fresh seeds)
                                       ("tracker_60s_missed", 14), ("busy_two_trackers", 13),
                                       # at half its period: a burst on a new channel filled a slot between
                                       ("busy_two_trackers", 27),
                                       # 4 reports skipped in a row: at 120 s before the harmonic union
                                       ("tracker_60s_missed", 33),
                                       # at half its period when a phone's burst of its width between
                                       # two slots, on time and kept as its move, counted as its own
                                       ("busy_tracker_60s", 12)])
def test_trackers_found_with_their_period(name, seed):
    sc = build(name, seed)
    result = analyze(sc.hops, BANDS)
    assert len(result.transmitters) == len(sc.truth)
    for truth in sc.truth:
        tr = truth.tracker
        match = [t for t in result.transmitters
                 if t.low_hz - th.HOP_SPAN_HZ <= tr.center_hz <= t.high_hz + th.HOP_SPAN_HZ]
        assert len(match) == 1
        assert match[0].period_s == pytest.approx(tr.period_s, rel=0.10)
        assert match[0].bursts >= th.MIN_BURSTS
        assert match[0].above_floor_db >= tr.above_db - 4
        assert match[0].first_seen <= truth.seen[1] and match[0].last_seen >= truth.seen[-2]


def test_four_bursts_are_not_enough_and_five_are():
    sc = simulate("five", 4, [SimTracker(30, 15, 845_000_000.0, miss=0.0)], minutes=2.6, carriers=1)
    seen = sc.truth[0].seen
    assert len(seen) >= 5
    before_fifth = [h for h in sc.hops if h.time < seen[4] - 1]
    after_fifth = [h for h in sc.hops if h.time <= seen[4] + 4]
    assert analyze(before_fifth, BANDS).transmitters == []
    assert [round(t.period_s) for t in analyze(after_fifth, BANDS).transmitters] == [30]


def test_a_tracker_below_the_burst_threshold_is_not_seen():
    sc = simulate("faint", 0, [SimTracker(30, th.BURST_DB - 3, 900_000_000.0)], minutes=6, carriers=1)
    assert analyze(sc.hops, BANDS).transmitters == []


def test_coverage_reports_only_the_bands_swept():
    sc = build("quiet", 0)
    only_b20 = [h for h in sc.hops if 832_000_000 <= h.low_hz < 862_000_000]
    result = analyze(only_b20, BANDS)
    assert [c.band for c in result.coverage] == ["LTE B20"]
    assert result.coverage[0].seconds == pytest.approx(15 * 60, rel=0.01)
    assert any(n.startswith("Not swept") and "LTE B28" in n for n in result.notes)


def test_a_schedule_must_come_back_to_its_channel():
    """The same clockwork on one channel is found; moved to a new channel at every burst (as a phone's
    allocation moves with its traffic) it is not (thresholds.CHANNEL_TOL_BINS)."""
    offsets = tuple(k * 400_000.0 for k in (0, 1, 2, 3, -1, -2, -3, 4))
    still = simulate("still", 2, [SimTracker(20, 20, 845_000_000.0, miss=0.0)], minutes=2.5, carriers=1)
    hopper = SimTracker(20, 20, 845_000_000.0, miss=0.0, hops_hz=offsets, hop_every=1)
    moving = simulate("moving", 2, [hopper], minutes=2.5, carriers=1)
    assert len(moving.truth[0].seen) >= th.MIN_BURSTS + 1
    assert [round(t.period_s) for t in analyze(still.hops, BANDS).transmitters] == [20]
    assert analyze(moving.hops, BANDS).transmitters == []


def test_a_tracker_moved_to_a_new_channel_is_found_by_its_burst_there():
    """Four reports on one LTE-M narrowband, the fifth on the next one, exactly on time: found by that
    fifth burst (thresholds.MAX_LONE: the schedule's latest burst, on time to within the jitter limit)."""
    mover = SimTracker(30, 15, 1_750_000_000.0, width_bins=6, miss=0.0, jitter_s=0.05,
                       hops_hz=(0.0, 1.4e6), hop_every=4)
    sc = simulate("mover", 3, [mover], minutes=2.6, carriers=1)
    seen = sc.truth[0].seen
    assert len(seen) >= 5
    hops = [h for h in sc.hops if h.time <= seen[4] + mover.burst_s + 2.5]
    (found,) = analyze(hops, BANDS).transmitters
    assert found.bursts == 5 and found.period_s == pytest.approx(30, rel=0.02)
    assert found.high_hz - found.low_hz > 2_000_000  # both channels
    four = [h for h in hops if not (seen[4] - 1 <= h.time <= seen[4] + mover.burst_s + 1.5)]
    assert analyze(four, BANDS).transmitters == []  # its fifth burst taken out: four are not enough


def test_a_jittery_tracker_alone_on_its_channel_is_found_by_its_fifth_burst():
    """Its first five bursts measure 0.86 s RMS off their schedule (over MAX_JITTER_S), but nothing else
    came on its channel: found by the fifth (QUIET_JITTER_FACTOR), not the seventh."""
    sc = build("tracker_60s_missed", 9)
    seen = sc.truth[0].seen
    hops = [h for h in sc.hops if h.time <= seen[4] + sc.truth[0].tracker.burst_s + 2.5]
    (found,) = analyze(hops, BANDS).transmitters
    assert found.bursts == 5 and found.period_s == pytest.approx(60, rel=0.02)
    assert found.jitter_s > th.MAX_JITTER_S


def test_the_simulator_knows_which_bursts_other_traffic_covered():
    quiet, busy = build("tracker_60s_strong", 0), build("busy_tracker_60s", 6)
    assert quiet.truth[0].masked == ()
    masked = busy.truth[0].masked
    assert 0 < len(masked) < len(busy.truth[0].seen) and set(masked) <= set(busy.truth[0].seen)



def test_a_carrier_hovering_at_its_threshold_is_not_a_schedule():
    """Fresh seed 49: a leakage carrier switching on for minutes raised its channel's spread until the
    threshold sat at its level, and the noise made blips of 2-20 s, six on an 11.4 s schedule.  A report
    is short beside its period (MAX_DUTY): only the tracker is reported."""
    sc = build("tracker_10s_gsm", 49)
    assert [round(t.period_s) for t in analyze(sc.hops, BANDS).transmitters] == [10]


@pytest.mark.parametrize("name,seed", [
    # four reports skipped in a row before the fifth (MAX_MISSES), three on the doubled schedule
    # (HALF_TRY_BURSTS): missed, and found by the 6th
    ("tracker_60s_missed", 46), ("tracker_60s_missed", 25),
    # LTE-M moving between three narrowbands: one burst on a narrowband first, in the middle, or at
    # either end of the five (MAX_LONE), and two narrowbands 2.8 MHz apart (2 HOP_SPAN_HZ): by the 8th
    ("tracker_30s_ltem_hops", 41), ("tracker_30s_ltem_hops", 13), ("tracker_30s_ltem_hops", 46),
    ("tracker_30s_ltem_hops", 33),
    # its 6th burst was 5th clear of a phone's; a phone's burst between two slots put it at a quarter of
    # its period, as every second slot of a 30 s schedule, until the slots were counted again (_on_slots)
    ("busy_tracker_60s", 24)])
def test_found_by_its_fifth_burst(name, seed):
    sc = build(name, seed)
    (truth,) = sc.truth
    fifth = [t for t in truth.seen if t not in truth.masked][th.BURSTS_TO_FIND - 1]  # clear of others
    cutoff = fifth + truth.tracker.burst_s + 2.5
    (found,) = analyze([h for h in sc.hops if h.time <= cutoff], BANDS).transmitters
    assert found.period_s == pytest.approx(truth.tracker.period_s, rel=0.10)

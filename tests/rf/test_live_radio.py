"""The one live radio sweep every front end runs (`live_radio.RadioSweep`), on a recorded sweep."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from trackerscan.errors import TrackerscanError
from trackerscan.find.rf_sweep import WINDOW_S
from trackerscan.formats.session import Session
from trackerscan.live_radio import RadioSweep
from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import analyze
from trackerscan.rf.records import Hop
from trackerscan.rf.sweep_csv import parse_line, write

RECORDING = Path(__file__).parent / "data" / "rtl_power.csv"


def test_a_time_limit_ends_the_sweep_and_the_sweep_is_recorded(tmp_path):
    sweep = RadioSweep(f"replay:{RECORDING}", "uk", str(tmp_path), minutes=1.0, wall=lambda: 1_763_900_000.0)
    result = sweep.run()
    assert 60.0 <= result.analysis.seconds < 70.0  # cut at the first hop a minute in, not the 4-minute file
    assert result.session is not None and result.session.parent == tmp_path / "sessions"
    with Session.open(result.session) as s:
        meta = s.meta()
    assert meta["rf"] == f"replay:{RECORDING}" and meta["region"] == "uk"


def test_stop_from_another_thread_ends_it_and_the_recording_holds_every_hop_seen(tmp_path):
    seen = []
    out = (tmp_path / "copy.csv").open("w", encoding="ascii")

    def on_hop(live, _analysed):
        seen.append(live.last_time)
        if len(seen) == 25:
            threading.Thread(target=sweep.stop).start()

    sweep = RadioSweep(f"replay:{RECORDING},speed=20", "uk", str(tmp_path), session=False, record=out,
                       on_hop=on_hop)
    result = sweep.run()
    out.close()
    lines = (tmp_path / "copy.csv").read_text(encoding="ascii").splitlines()
    assert 25 <= len(seen) < 60 and len(lines) == len(seen)  # stopped within a few hops, not at the end
    assert [parse_line(line.encode()).time for line in lines] == seen
    assert result.session is None and not (tmp_path / "sessions").exists()


def test_a_device_that_cannot_be_used_is_one_sentence_and_nothing_is_made(tmp_path):
    sweep = RadioSweep(f"tinysa:{tmp_path}/ttyACM9", "uk", str(tmp_path))
    with pytest.raises(TrackerscanError) as err:
        sweep.run()
    assert "\n" not in str(err.value) and str(err.value).endswith(".")
    assert not (tmp_path / "sessions").exists()


def test_the_whole_sweep_is_analysed_not_only_the_live_window(tmp_path):
    # 30 minutes of one GSM 900 uplink hop a second; a tracker bursts every 30 s for the first 8 minutes
    # only (then the car was parked): gone from the live window (its last 20 minutes) by the end.
    rng = np.random.default_rng(7)
    t0, low, step, n = 1_763_900_000.0, 890_000_000, 200_000.0, 12
    hops = []
    for k in range(30 * 60):
        db = rng.normal(-105.0, 1.0, n)
        if k < 8 * 60 and k % 30 in (0, 1):
            db[5] += 25.0
        hops.append(Hop(t0 + k, low, low + round(n * step), step, 24, tuple(round(v, 2) for v in db)))
    rec = tmp_path / "sweep.csv"
    rec.write_text("".join(write(hops)), encoding="ascii")
    bands = region_bands("uk")
    assert analyze(hops[-round(WINDOW_S):], bands).transmitters == []  # what the live window holds at the end
    result = RadioSweep(f"replay:{rec}", "uk", str(tmp_path)).run()
    assert result.analysis == analyze(hops, bands)  # the same as `rf analyze` of the whole recording
    (t,) = result.analysis.transmitters
    assert abs(t.period_s - 30.0) < 1.0 and t.bursts >= 14 and t.last_seen < t0 + 8 * 60
    assert result.analysis.seconds == 30 * 60 - 1

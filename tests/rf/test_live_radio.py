"""The one live radio sweep every front end runs (`live_radio.RadioSweep`), on a recorded sweep."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from trackerscan.errors import TrackerscanError
from trackerscan.formats.session import Session
from trackerscan.live_radio import RadioSweep
from trackerscan.rf.sweep_csv import parse_line

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

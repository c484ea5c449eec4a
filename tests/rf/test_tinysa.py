"""The tinySA source against an emulator on a pty that speaks the firmware's shell protocol."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tinysa_emulator import TinySaEmulator

from trackerscan.errors import SourceError
from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import analyze
from trackerscan.sim.rf import SWEEP_S, SimTracker, simulate
from trackerscan.sources.rf import open_rf
from trackerscan.sources.rf_tinysa import STEP_HZ, TinySa, parse_scan

BANDS = region_bands("uk")


class SweepPlayer:
    """Serves a simulated recording sweep by sweep: each pass of the source's plan is the next sweep."""

    def __init__(self, hops, first_start: int) -> None:
        self.sweeps: dict[float, dict[int, float]] = {}
        for h in hops:
            row = self.sweeps.setdefault(h.time, {})
            for i, v in enumerate(h.db):
                row[h.bin_hz(i)] = v
        self.times = sorted(self.sweeps)
        self.index = -1
        self.first_start = first_start

    def levels(self, freqs: Sequence[int]) -> list[float]:
        if freqs[0] == self.first_start:
            self.index += 1
        row = self.sweeps[self.times[min(self.index, len(self.times) - 1)]]
        return [row.get(f, -110.0) for f in freqs]

    def clock(self) -> float:
        return self.times[min(max(self.index + 1, 0), len(self.times) - 1)]


def test_version_mode_and_plan_follow_the_firmware():
    emu = TinySaEmulator(lambda freqs: [-100.0] * len(freqs))
    try:
        src = TinySa(emu.path, BANDS)
        assert not src.ultra and src.points == 290
        assert emu.mode_high, "the original tinySA needs its high input above 350 MHz"
        # 240-960 MHz: bands 28, 20 and 8 but not 1800 MHz; each chunk within 290 points of 200 kHz
        assert {lo // 1_000_000 for lo, _, _ in src.plan} >= {703, 832, 880}
        assert all(stop < 960_000_000 for _, stop, _ in src.plan)
        assert all(2 <= n <= 290 for _, _, n in src.plan)
        hop = next(src.hops())
        assert hop.low_hz == 703_000_000 and hop.step_hz == 200_000 and len(hop.db) == src.plan[0][2]
        assert set(hop.db) == {-100.0}
        src.close()
    finally:
        emu.close()
    assert emu.commands[:2] == ["version", "mode high input"]
    assert emu.commands[2].startswith("scan 703000000 ")


def test_ultra_covers_1800_mhz_and_is_not_switched_to_the_high_input():
    emu = TinySaEmulator(lambda freqs: [-100.0] * len(freqs), ultra=True)
    try:
        src = TinySa(emu.path, BANDS)
        assert src.ultra and src.points == 450
        assert any(lo >= 1_710_000_000 for lo, _, _ in src.plan)
        src.close()
    finally:
        emu.close()
    assert "mode high input" not in emu.commands


@pytest.mark.parametrize(
    ("fault", "kept"),
    [
        # the reply cut off by a NUL line: the second scan is missing
        ({"garble_scans": [1]}, [0, 2, 0]),
        # every point at the start frequency: whole lines, good levels, but no step.  It used to become a
        # hop with a step of 0 Hz (and was written so into --record files, which replay then rejected).
        ({"stuck_scans": [0]}, [1, 2, 0]),
    ],
)
def test_a_damaged_scan_is_skipped_and_counted(fault, kept):
    emu = TinySaEmulator(lambda freqs: [-100.0] * len(freqs), **fault)
    try:
        src = TinySa(emu.path, BANDS)
        it = src.hops()
        got = [next(it) for _ in range(3)]
        src.close()
    finally:
        emu.close()
    assert src.damaged == 1
    assert len(src.plan) == 3  # three chunks (bands 28, 20, 8), then the plan starts again
    assert [h.low_hz for h in got] == [src.plan[i][0] for i in kept]
    assert all(h.step_hz == STEP_HZ for h in got)


LO, HI = 900_000_000, 900_800_000  # five points of 200 kHz


def _reply(start: int = LO, stop: int = HI, points: int = 5, *, level: str = "-1.000000e+02") -> list[str]:
    return [f"{start + round(i * (stop - start) / (points - 1))} {level} 0.000000" for i in range(points)]


def _out_of_order() -> list[str]:
    lines = _reply()
    lines[2] = lines[2].replace("900", "901", 1)
    return lines


@pytest.mark.parametrize(
    ("lines", "stop", "why"),
    [
        (_reply(LO, LO), LO, "no span"),
        (_out_of_order(), HI, "a point out of order"),
        ([*_reply()[:-1], "901000000 -1e2 0.0"], HI, "ends far from the stop"),
        (_reply(level="nan"), HI, "levels not numbers"),
        (_reply(level="-3e2"), HI, "levels no tinySA reports"),
        (_reply()[:4], HI, "a point missing"),
        ([*_reply()[:4], "900800000"], HI, "a level missing"),
    ],
)
def test_parse_scan_refuses_a_garbled_reply(lines, stop, why):
    assert parse_scan(lines, LO, stop, 5, 0.0) is None, why


def test_parse_scan_reads_a_whole_reply():
    hop = parse_scan(_reply(), LO, HI, 5, 7.0)
    assert hop is not None
    assert (hop.time, hop.low_hz, hop.high_hz, hop.step_hz) == (7.0, LO, 901_000_000, 200_000)
    assert hop.db == (-100.0,) * 5


_level = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
_line = st.one_of(
    st.text(max_size=40),
    st.builds(lambda f, v, tail: f"{f} {v} {tail}", st.integers(LO - 1_000_000, HI + 1_000_000), _level,
              st.text(max_size=6)),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_line, max_size=7), st.integers(2, 6))
def test_parse_scan_never_raises_and_keeps_only_rising_replies(lines, points):
    hop = parse_scan(lines, LO, HI, points, 0.0)
    if hop is not None:
        assert len(hop.db) == points and hop.step_hz > 0 and hop.high_hz > hop.low_hz
        assert all(-200.0 <= v <= 50.0 for v in hop.db)


def test_a_port_where_nothing_answers_gives_one_clear_error():
    import os
    import tty

    master, slave = os.openpty()
    tty.setraw(master)
    try:
        with pytest.raises(SourceError, match="No tinySA answers on"):
            TinySa(os.ttyname(slave), BANDS)
    finally:
        os.close(master)
        os.close(slave)
    with pytest.raises(SourceError, match="Cannot open the tinySA"):
        open_rf("tinysa:/dev/nonexistent-tinysa", BANDS)


def test_a_tracker_swept_through_the_emulator_is_found_with_its_period():
    sim = simulate("emu", 3, [SimTracker(10, 20, 900_000_000.0, burst_s=1.5)], minutes=2.0, carriers=1)
    player = SweepPlayer(sim.hops, 703_000_000)
    emu = TinySaEmulator(player.levels, ultra=True)
    try:
        src = TinySa(emu.path, BANDS, clock=player.clock)
        hops = []
        for hop in src.hops():
            hops.append(hop)
            if player.index >= len(player.times) - 1:
                break
        src.close()
    finally:
        emu.close()
    assert len({h.time for h in hops}) >= 100
    found = analyze(hops, BANDS).transmitters
    assert len(found) == 1
    assert found[0].band == "GSM 900 / LTE B8"
    assert found[0].period_s == pytest.approx(10, rel=0.10)
    assert found[0].low_hz <= 900_000_000 <= found[0].high_hz
    assert abs(np.median([h.time for h in hops]) - np.median(player.times)) < 10 * SWEEP_S


def test_rf_sweep_command_records_what_the_emulator_sends(tmp_path):
    emu = TinySaEmulator(lambda freqs: [-95.5] * len(freqs), ultra=True)
    out = tmp_path / "sweep.csv"
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "trackerscan", "rf", "sweep", "--source", f"tinysa:{emu.path}",
             "--minutes", "0.05", "--record", str(out), "--json", "--data-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=120)
    finally:
        emu.close()
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    lines = out.read_text().splitlines()
    assert lines and all(", -95.50" in ln for ln in lines)
    assert '"transmitters": []' in proc.stdout
    assert len(list((tmp_path / "sessions").glob("*.sqlite"))) == 1

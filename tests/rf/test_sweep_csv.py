"""The rtl_power / hackrf_sweep CSV reader and writer: real layouts, damaged lines, fuzzing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import analyze
from trackerscan.rf.sweep_csv import format_hop, parse_line, read, write
from trackerscan.timeutil import parse_iso

DATA = Path(__file__).parent / "data"
BANDS = region_bands("uk")


def test_rtl_power_line_drops_the_repeated_last_bin():
    line = b"2026-03-14, 09:26:53, 890000000, 890600000, 200000.00, 24, -101.50, -99.25, -80.00, -80.00"
    hop = parse_line(line)
    assert hop is not None
    assert hop.time == parse_iso("2026-03-14T09:26:53Z")
    assert (hop.low_hz, hop.high_hz, hop.step_hz, hop.samples) == (890_000_000, 890_600_000, 200_000.0, 24)
    assert hop.db == (-101.5, -99.25, -80.0)
    assert [hop.bin_hz(i) for i in range(3)] == [890_000_000, 890_200_000, 890_400_000]


def test_hackrf_sweep_line_keeps_microseconds():
    vals = ", ".join(["-70.10"] * 25)
    hop = parse_line(f"2026-03-14, 09:26:53.250000, 2400000000, 2405000000, 200000.00, 20, {vals}".encode())
    assert hop is not None
    assert hop.time == pytest.approx(parse_iso("2026-03-14T09:26:53.25Z"))
    assert len(hop.db) == 25


@pytest.mark.parametrize("name", ["rtl_power.csv", "hackrf_sweep.csv"])
def test_fixtures_read_whole_and_find_the_20_s_tracker(name):
    result = read((DATA / name).read_bytes())
    assert result.damaged == 0
    assert result.lines == len(result.hops) > 800
    found = analyze(result.hops, BANDS).transmitters
    assert [t.band for t in found] == ["GSM 900 / LTE B8"]
    assert found[0].period_s == pytest.approx(20.0, rel=0.02)
    assert found[0].low_hz <= 900_000_000 < found[0].high_hz


def test_written_lines_read_back_to_the_same_hops():
    hops = read((DATA / "hackrf_sweep.csv").read_bytes()).hops[:200]
    again = read("".join(write(hops)).encode())
    assert again.damaged == 0
    assert again.hops == hops


@pytest.mark.parametrize("damage", [
    lambda ln: ln[: len(ln) // 2].rsplit(b",", 1)[0] + b"\n",  # cut short at a comma
    lambda ln: ln.replace(b", -1", b", nan", 1),
    lambda ln: b"\x00\xff" + ln[2:],
    lambda ln: ln.replace(b"2026-09-21", b"2026-13-45", 1),
    lambda ln: ln.replace(b", 200000.00,", b", -5,", 1),
    lambda ln: ln.rstrip(b"\n") + b", 999.0\n",
])
def test_damaged_lines_are_skipped_counted_and_change_nothing_else(damage):
    lines = (DATA / "rtl_power.csv").read_bytes().splitlines(keepends=True)
    hit = set(range(5, len(lines), 97))
    damaged = b"".join(damage(ln) if i in hit else ln for i, ln in enumerate(lines))
    clean = read(b"".join(ln for i, ln in enumerate(lines) if i not in hit))
    result = read(damaged)
    assert result.damaged == len(hit)
    assert result.hops == clean.hops
    # and the analysis gives the same answer, minus what was damaged
    full = analyze(read(b"".join(lines)).hops, BANDS).transmitters
    cut = analyze(result.hops, BANDS, result.damaged)
    def summary(ts):
        return [(t.band, round(t.period_s)) for t in ts]

    assert summary(cut.transmitters) == summary(full)
    assert full[0].bursts - len(hit) <= cut.transmitters[0].bursts <= full[0].bursts
    assert f"{len(hit)} damaged line(s)" in " ".join(cut.notes)


@given(st.binary(max_size=600))
def test_parse_line_never_raises(data):
    hop = parse_line(data)
    if hop is not None:
        assert hop.low_hz < hop.high_hz and all(-200 <= v <= 50 for v in hop.db)


@given(st.lists(st.sampled_from([b"2026-09-21", b" 14:13:20", b" 890000000", b" 890400000", b" 200000.00",
                                 b" 24", b" -100.5", b" -80", b"", b" x", b" 1e308", b" -inf"]),
                max_size=12))
def test_csv_shaped_lines_never_raise(fields):
    line = b",".join(fields)
    assert read(line + b"\n" + line).lines in (0, 2)
    parse_line(line)


def test_format_hop_is_rtl_power_layout():
    hop = read((DATA / "rtl_power.csv").read_bytes()).hops[0]
    assert format_hop(hop).startswith("2026-09-21, 14:13:20, 890000000, 892400000, 200000.00, 24, ")

"""A recording read from its file (`read_levels`, what `rf analyze` analyses, and `read_file`, the
replay's hops) gives the same analysis and the same damaged count as the pure reader of its bytes
(`sweep_csv.read`), whatever its line endings and damage."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.errors import InputError
from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import analyze
from trackerscan.rf.levels import SweepLevels
from trackerscan.rf.sweep_csv import MAX_LINE_BYTES, read
from trackerscan.sources.rf_replay import read_file, read_levels

DATA = Path(__file__).parent / "data"
BANDS = region_bands("uk")


def test_levels_are_the_hops_by_layout_in_the_order_they_came():
    hops = read((DATA / "rtl_power.csv").read_bytes()).hops
    levels = SweepLevels.of(hops)
    assert levels.hops == len(hops)
    layouts = levels.layouts()
    for (low, step, n), (times, d) in layouts.items():
        mine = [h for h in hops if (h.low_hz, h.step_hz, len(h.db)) == (low, step, n)]
        assert times.tolist() == [h.time for h in mine]
        assert d.shape == (len(mine), n) and d.tolist() == [list(h.db) for h in mine]
    assert sum(len(t) for t, _ in layouts.values()) == len(hops)


def _same_as_the_bytes(path: Path) -> int:
    """Asserts both file readers agree with `sweep_csv.read` of the file's bytes; the damaged count."""
    ref = read(path.read_bytes())
    hops, damaged = read_file(str(path))
    levels, damaged_too = read_levels(str(path))
    assert hops == ref.hops and damaged == damaged_too == ref.damaged and levels.hops == len(ref.hops)
    assert analyze(levels, BANDS, damaged) == analyze(ref.hops, BANDS, damaged)
    return damaged


@pytest.mark.parametrize("name", ["rtl_power.csv", "hackrf_sweep.csv"])
def test_read_levels_gives_what_the_hops_give(name):
    _same_as_the_bytes(DATA / name)


def _damaged_copy(tmp_path: Path, ending: bytes, extra: bytes) -> Path:
    lines = (DATA / "rtl_power.csv").read_bytes().splitlines()
    out = tmp_path / "damaged.csv"
    body = ending.join(lines[:40]) + ending + extra + ending + ending.join(lines[40:]) + ending
    out.write_bytes(body)
    return out


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("extra", [b"", b"   ", b"not a hop", b"9" * (MAX_LINE_BYTES + 10),
                                   b" \t" * (MAX_LINE_BYTES // 2 + 10), b"\x00\xff,,,"])
def test_damage_and_line_endings_count_the_same_either_way(tmp_path, ending, extra):
    damaged = _same_as_the_bytes(_damaged_copy(tmp_path, ending, extra))
    assert damaged == (1 if extra.strip() else 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"\r", b"\r\n", b" ", b",", b"x", b"-100.0", b"2026-09-21"]),
                max_size=40))
def test_read_levels_never_raises_but_to_say_there_is_no_sweep(tmp_path_factory, pieces):
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    good = (DATA / "rtl_power.csv").read_bytes()
    path.write_bytes(good + b"".join(pieces))
    _same_as_the_bytes(path)


def test_an_empty_file_and_a_pipe(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="holds no sweep"):
        read_levels(str(empty))
    # a pipe cannot be mapped: it is read as before
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer
        os.close(r)
        with os.fdopen(w, "wb") as f:
            f.write((DATA / "rtl_power.csv").read_bytes())
        os._exit(0)
    os.close(w)
    try:
        levels, damaged = read_levels(f"/proc/self/fd/{r}")
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    hops, damaged_too = read_file(str(DATA / "rtl_power.csv"))
    assert (levels.hops, damaged) == (len(hops), damaged_too)


def test_a_longer_sweep_as_levels_equals_its_hops():
    hops = read((DATA / "hackrf_sweep.csv").read_bytes()).hops
    span = hops[-1].time - hops[0].time + 1.0
    longer = [dataclasses.replace(h, time=h.time + k * span) for k in range(3) for h in hops]
    a, b = analyze(SweepLevels.of(longer), BANDS), analyze(longer, BANDS)
    assert a == b and a.transmitters
    assert np.isclose(a.seconds, b.seconds)

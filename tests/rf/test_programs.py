"""rtl_power and hackrf_sweep (the real programs from Debian's rtl-sdr and hackrf), with no radio."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from trackerscan.rf.bands import region_bands
from trackerscan.rf.sources.programs import open_program


def sweep(source, env=None):
    return subprocess.run([sys.executable, "-m", "trackerscan", "rf", "sweep", "--source", source,
                           "--minutes", "0.1"], capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("source,program,reason", [
    ("rtlsdr", "rtl_power", "No supported devices found."),
    ("hackrf", "hackrf_sweep", "HackRF not found"),
])
def test_no_device_plugged_in_gives_one_clear_line(source, program, reason):
    if shutil.which(program) is None:
        pytest.fail(f"{program} is not installed (scripts/setup.sh test installs it)")
    proc = sweep(source)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert reason in proc.stderr and "plugged in" in proc.stderr


def test_program_missing_names_the_package(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    proc = sweep("rtlsdr:1", env)
    assert proc.returncode == 2
    assert "rtl_power is not installed" in proc.stderr and "apt-get install rtl-sdr" in proc.stderr


def test_command_lines_sweep_only_the_bands_each_device_tunes():
    if shutil.which("rtl_power") is None or shutil.which("hackrf_sweep") is None:
        pytest.fail("rtl_power and hackrf_sweep are needed (scripts/setup.sh test installs them)")
    bands = region_bands("uk")
    rtl = open_program("rtlsdr", "2", bands).commands()
    # the R820T2 stops at 1766 MHz: the 1800 MHz band is swept only up to there
    assert [c[c.index("-f") + 1] for c in rtl] == [
        "703000000:748000000:200000", "832000000:862000000:200000", "880000000:915000000:200000",
        "1710000000:1766000000:200000"]
    assert all(c[c.index("-d") + 1] == "2" and "-1" in c for c in rtl)
    (hackrf,) = open_program("hackrf", "", bands).commands()
    assert [hackrf[i + 1] for i, a in enumerate(hackrf) if a == "-f"] == ["703:748", "832:862", "880:915",
                                                                          "1710:1785"]

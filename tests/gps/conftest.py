"""Fixtures for the GPS tests (helpers live in gps_helpers.py, importable from any test here)."""

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # gps_helpers

from gps_helpers import GPX, NMEA, Gpsd, Pty


@pytest.fixture
def nmea_dir():
    return NMEA


@pytest.fixture
def gpx_dir():
    return GPX


@pytest.fixture
def pty():
    p = Pty()
    yield p
    p.close()


@pytest.fixture
def gpsd(pty, tmp_path):
    if shutil.which("gpsd") is None and not os.path.exists("/usr/sbin/gpsd"):
        pytest.fail("gpsd is not installed (apt-get install gpsd)")
    daemon = Gpsd(pty.path, tmp_path)
    daemon.start()
    yield daemon
    daemon.stop()

"""Fixtures for the GPS tests: copied receiver logs, a pty, a real gpsd."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # gps_helpers

from paths import TEST_DATA

NMEA = TEST_DATA / "nmea"
GPX = TEST_DATA / "gpx"


@pytest.fixture
def nmea_dir():
    return NMEA


@pytest.fixture
def gpx_dir():
    return GPX

"""Fixtures for the session tests."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from session_fixtures import make_events


@pytest.fixture
def events():
    return make_events()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    monkeypatch.setenv("TRACKERSCAN_DATA_DIR", str(d))
    return d

"""GUI test set-up: helpers here are importable (gui_records); settings never touch ~/.config.

The BlueZ mock fixtures are the BLE area's (tests/ble/conftest.py), re-exported here.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ble.conftest import bluez, bluez_empty, system_bus  # noqa: F401


@pytest.fixture(autouse=True)
def _private_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("TRACKERSCAN_DATA_DIR", str(tmp_path / "data" / "trackerscan"))
    monkeypatch.setenv("LANG", "en_GB.UTF-8")


@pytest.fixture
def controller(qtbot, tmp_path):
    """The application's controller and window, idle until a test starts something."""
    from trackerscan_gui.app import Controller
    from trackerscan_gui.settings import Settings

    ctl = Controller(Settings(), tmp_path / "config" / "gui.json", str(tmp_path / "sessions"))
    ctl.window.ask = lambda title, text: True
    ctl.told = []
    ctl.window.tell = lambda title, text: ctl.told.append((title, text))
    qtbot.addWidget(ctl.window)
    ctl.window.resize(1000, 640)
    ctl.window.show()
    yield ctl
    ctl.runner.stop()
    ctl.window.timer.stop()

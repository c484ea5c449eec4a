"""No adapter at all; `trackerscan sources`; spec parsing on arbitrary text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.cli import main
from trackerscan.errors import NoAdapterError, TrackerscanError
from trackerscan.sources import BleSource, ble_bluez, open_ble
from trackerscan.sources.ble_bluez import NO_ADAPTER_MESSAGE

NO_BUS = "unix:path=/nonexistent/system_bus_socket"


def no_bluetooth_here(monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", NO_BUS)
    monkeypatch.setattr(ble_bluez, "SYSFS_BLUETOOTH", tmp_path / "no-sysfs")


def test_no_adapter_at_all_is_one_plain_sentence_at_once(monkeypatch, tmp_path):
    no_bluetooth_here(monkeypatch, tmp_path)
    t0 = time.monotonic()
    try:
        open_ble("bleak")
    except NoAdapterError as exc:
        assert str(exc) == NO_ADAPTER_MESSAGE
    else:
        raise AssertionError("no NoAdapterError")
    assert time.monotonic() - t0 < 3.0  # not a D-Bus time-out (25 s); loose: test machines stall


def test_kernel_adapter_without_bluez_says_so(monkeypatch, tmp_path):
    no_bluetooth_here(monkeypatch, tmp_path)
    (tmp_path / "no-sysfs" / "hci0").mkdir(parents=True)
    (tmp_path / "no-sysfs" / "hci0" / "address").write_text("00:1a:7d:da:71:13\n")
    try:
        open_ble("bleak:hci0")
    except TrackerscanError as exc:
        assert not isinstance(exc, NoAdapterError)
        assert "BlueZ" in str(exc) and "hci0" in str(exc)
    else:
        raise AssertionError("no error")


def test_sources_command_says_plainly_when_there_is_nothing(monkeypatch, tmp_path, capsys):
    no_bluetooth_here(monkeypatch, tmp_path)
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "Bluetooth adapters:\n  None found." in out
    assert "GPS receivers:" in out
    assert main(["sources", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bluetooth"] == [] and data["bluez_running"] is False


def test_sources_command_falls_back_to_the_kernel_list(monkeypatch, tmp_path, capsys):
    no_bluetooth_here(monkeypatch, tmp_path)
    (tmp_path / "no-sysfs" / "hci1").mkdir(parents=True)
    (tmp_path / "no-sysfs" / "hci1" / "address").write_text("00:1a:7d:da:71:13\n")
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "hci1  00:1A:7D:DA:71:13" in out and "hci:hci-socket:1" in out and "BlueZ" in out


def test_sources_command_lists_bluez_adapters(bluez, capsys):
    bluez.add_adapter("hci1", "second")
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert 'hci0  00:01:02:03:04:05  "ci-adapter"    source: bleak:hci0' in out
    assert "hci1" in out and "bleak:hci1" in out
    assert main(["sources", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in data["bluetooth"]] == ["hci0", "hci1"]
    assert data["bluetooth"][0]["powered"] is True and data["bluetooth"][0]["le_central"] is True


def test_cli_prints_one_line_and_exits_2_without_traceback(tmp_path):
    """Through the real console entry point, in a child process with no bus and no adapter."""
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=NO_BUS)
    code = (
        "import sys\n"
        "from trackerscan.sources import ble_bluez, open_ble\n"
        "from trackerscan.errors import TrackerscanError\n"
        f"ble_bluez.SYSFS_BLUETOOTH = __import__('pathlib').Path({str(tmp_path)!r})\n"
        "try:\n    open_ble('bleak')\n"
        "except TrackerscanError as e:\n"
        "    print(f'trackerscan: {e}', file=sys.stderr)\n"
        "    sys.exit(e.exit_status)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr == f"trackerscan: {NO_ADAPTER_MESSAGE}\n"
    assert "Traceback" not in r.stderr


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.sampled_from(["bleak:", "hci:", "replay:"]).flatmap(
    lambda p: st.text(max_size=40).map(lambda t: p + t))))
def test_any_spec_gives_a_source_or_a_trackerscan_error(spec):
    try:
        src = open_ble(spec)
    except TrackerscanError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(src, BleSource)


"""On a Mac the live view says in words what its Bluetooth hides, and the session keeps it for the report.

The Mac's CoreBluetooth cannot run on Linux: the `bleak` source runs here with the
CoreBluetooth-like backend of tests/ble/bleak_fakes.py plugged into bleak's real
BleakScanner (see that file for why this one fake is acceptable).
"""

from __future__ import annotations

import html
import sqlite3

from ble.bleak_fakes import FakeCoreBluetoothScanner, mac_uuid

from trackerscan.cli import main
from trackerscan.model import AddressType, Sighting
from trackerscan.sources import ble_bleak
from trackerscan.sources.ble_platform import MAC_LIMITS, MAC_LIMITS_SHORT, CoreBluetoothPlatform

AIRTAG = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")


def test_a_mac_says_what_it_cannot_see_and_records_it(controller, qtbot, monkeypatch, tmp_path):
    monkeypatch.setattr(ble_bleak, "platform_for", lambda: CoreBluetoothPlatform(FakeCoreBluetoothScanner))
    controller.settings.ble_source = "bleak"
    controller.settings.gps_source = "none"
    controller.start_live()
    w = controller.window
    qtbot.waitUntil(lambda: w.status_line.problem.isVisible(), timeout=10_000)
    assert w.status_line.problem.text() == MAC_LIMITS_SHORT
    assert w.status_line.problem.toolTip() == MAC_LIMITS
    assert not w.status_line.problem.text().startswith("Problem")
    qtbot.waitUntil(lambda: bool(FakeCoreBluetoothScanner.running), timeout=10_000)
    (scanner,) = FakeCoreBluetoothScanner.running
    loop = controller.runner._loop
    tag = Sighting(0.0, "FB:6D:08:3D:25:A4", AddressType.RANDOM, -60, AIRTAG, "", None)
    loop.call_soon_threadsafe(scanner.air, tag)
    qtbot.waitUntil(lambda: controller.runner.status.sightings >= 1, timeout=10_000)
    w.grab().save(str(tmp_path / "mac-live.png"))
    session = controller.runner.status.recording
    controller.runner.stop()
    with sqlite3.connect(session) as db:
        addresses = [r[0] for r in db.execute("SELECT address FROM emitter")]
        counted = db.execute("SELECT sum(sightings) FROM first_count").fetchone()[0]
    assert "FB:6D:08:3D:25:A4" not in addresses  # no Bluetooth address ever reaches the session
    # heard once, it is not a device yet: counted rather than written (else under its UUID)
    assert (addresses, counted) in (([], 1), ([mac_uuid("FB:6D:08:3D:25:A4")], None))
    report = tmp_path / "report.html"
    assert main(["report", session, "--out", str(report)]) == 0
    assert MAC_LIMITS in html.unescape(report.read_text(encoding="utf-8"))  # the report says it too


def test_quick_exit_on_a_mac_also_hides_the_program(controller, qtbot, monkeypatch):
    """Esc twice on macOS: the window is hidden and so is the program (its name leaves the menu bar).

    AppKit is not on Linux: a stand-in module records the call the Mac would get."""
    import sys
    import types

    calls = []
    appkit = types.ModuleType("AppKit")
    appkit.NSApp = types.SimpleNamespace(hide_=calls.append)
    monkeypatch.setitem(sys.modules, "AppKit", appkit)
    monkeypatch.setattr(sys, "platform", "darwin")
    w = controller.window
    with qtbot.waitSignal(w.quick_exit_done, timeout=2000):
        w.quick_exit()
    assert not w.isVisible() and calls == [None]

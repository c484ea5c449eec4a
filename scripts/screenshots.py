#!/usr/bin/env python3
"""Save a screenshot of each main view of the desktop application (for the README and for review).

    .venv/bin/python scripts/screenshots.py [OUT_DIR]      (default: docs/screenshots)

Runs offscreen with the built-in demo: no radio, no GPS, and nothing under your own config folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LANG"] = "en_GB.UTF-8"  # the pictures show the UK helpline
for _var in ("LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_var, None)
_scratch = tempfile.mkdtemp(prefix="trackerscan-shots-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_scratch, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_scratch, "data")
os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=/nonexistent/bus"  # "no adapter", whatever the machine has

from PyQt6.QtCore import QEventLoop, QTimer  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(predicate, timeout_ms: int = 60_000) -> None:  # type: ignore[no-untyped-def]
    waited = 0
    while not predicate():
        if waited > timeout_ms:
            raise SystemExit("timed out waiting for the application")
        wait(50)
        waited += 50


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([sys.argv[0]])
    from trackerscan_gui.app import Controller
    from trackerscan_gui.settings import Settings
    from trackerscan_gui.settings_dialog import SettingsDialog

    ctl = Controller(
        Settings(ble_source="bleak:hci0"), Path(_scratch) / "gui.json", os.path.join(_scratch, "s")
    )
    w = ctl.window
    w.ask = lambda title, text: True
    w.tell = lambda title, text: None
    saved: list[Path] = []

    def shot(name: str, widget=None) -> None:  # type: ignore[no-untyped-def]
        wait(300)
        path = out / f"{name}.png"
        (widget or w).grab().save(str(path))
        saved.append(path)

    # No adapter: the app still starts and says so.
    w.resize(800, 480)
    w.show()
    ctl.start_live()
    wait_for(lambda: ctl.runner.status.ble_state == "absent")
    w.refresh()
    shot("no-adapter-800x480")

    # The demo: the list filling up, then the first alert.
    alerted: list[bool] = []
    w.first_alert.connect(lambda: alerted.append(True))
    ctl.start_demo(alert_after_s=4.0)
    wait(1500)
    w.refresh()
    shot("live-before-alert-800x480")
    wait_for(lambda: bool(alerted))
    w.refresh()
    shot("live-alert-800x480")
    w.resize(1100, 700)
    shot("live-alert-1100x700")
    device_id = w.alert_panel.device.device_id if w.alert_panel.device else ""
    w.show_detail(device_id)
    shot("detail-1100x700")
    w.resize(800, 480)
    shot("detail-800x480")
    w.find_device(device_id)
    wait(1200)
    w.refresh()
    shot("find-800x480")
    w.show_live()
    w.which.setCurrentIndex(1)
    w.resize(1100, 700)
    shot("all-devices-1100x700")
    w.which.setCurrentIndex(0)

    # Review a recording: the same views, from a session file made of a simulated walk.
    from trackerscan.sessions.writer import SessionWriter
    from trackerscan.sim import build_scenario

    sc = build_scenario("walk_airtag", 3)
    writer = SessionWriter.create(Path(_scratch) / "rec", sc.events[0].time, {"ble": "sim"})
    for e in sc.events:
        writer.add(e)
    writer.flush()
    writer.close(sc.events[-1].time, {})
    ctl.open_review(writer.path)
    wait_for(lambda: not ctl.runner.running)
    w.refresh()
    shot("review-1100x700")

    dialog = SettingsDialog(ctl.settings, "en_GB.UTF-8", w)
    dialog.resize(640, 560)
    dialog.show()
    shot("settings", dialog)
    dialog.close()
    ctl.runner.stop()
    w.close()
    app.processEvents()
    for p in saved:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The application end to end on real parts: the engine, the sim's walk, session files, BlueZ (mock)."""

import os
import stat
import time

import dbus
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QAbstractButton, QComboBox, QPushButton
from trackerscan_gui import settings as settings_mod
from trackerscan_gui.models import DEVICE_ROLE

from trackerscan.engine import thresholds as th
from trackerscan.errors import InputError
from trackerscan.formats.btsnoop.writer import write_btsnoop
from trackerscan.model import Fix, Level, Sighting
from trackerscan.sessions.writer import SessionWriter
from trackerscan.sim import build_scenario
from trackerscan.sim.busy_city import write_nmea

ALERT_WAIT_MS = 40_000
T1_ADDR = "FB:6D:08:3D:25:A4"
T1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")  # trackers.md T1


def row_texts(window, column=0):
    m = window.table.model()
    return [m.index(r, column).data() for r in range(m.rowCount())]


def wait_alert(qtbot, window):
    with qtbot.waitSignal(window.first_alert, timeout=ALERT_WAIT_MS):
        pass
    assert window.alert_panel.device is not None


def wait_finished(qtbot, runner, timeout=30_000):
    qtbot.waitUntil(lambda: not runner.running, timeout=timeout)


def record_session(directory, scenario="walk_airtag", seed=3):
    sc = build_scenario(scenario, seed)
    writer = SessionWriter.create(directory, sc.events[0].time, {"ble": "sim", "gps": "sim"})
    for e in sc.events:
        writer.add(e)
    writer.flush()
    writer.close(sc.events[-1].time, {})
    return writer.path, sc


def test_starts_without_an_adapter_and_says_so(controller, qtbot, monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    controller.settings.ble_source = "bleak:hci7"
    controller.start_live()
    w = controller.window
    qtbot.waitUntil(lambda: controller.runner.status.ble_state == "absent", timeout=15_000)
    w.refresh()
    assert "no adapter found" in w.status_line.ble.text()
    assert w.alert_panel.title.text() == "Not checking for trackers yet"  # never "nothing found"
    assert "Try the demo" in w.alert_panel.found.text()
    assert w.status_line.demo.isVisibleTo(w)  # the demo is offered
    assert w.isVisible() and w.model.rowCount() == 0
    qtbot.mouseClick(w.status_line.demo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.runner.status.ble_state == "demo", timeout=10_000)
    qtbot.waitUntil(lambda: w.model.rowCount() > 0, timeout=10_000)


def test_starts_with_an_adapter_scans_and_records(controller, qtbot, bluez, tmp_path):
    controller.settings.ble_source = "bleak:hci0"
    controller.start_live()
    w = controller.window
    qtbot.waitUntil(lambda: controller.runner.status.recording != "", timeout=15_000)
    path = bluez.add_device(T1_ADDR, -58, {0x004C: T1[4:]})
    # A new address is listed once it has been heard again FIRST_PROMOTE_SPAN_S (20 s) later (a spam
    # flood's addresses are heard once): the tag keeps advertising, as a real one does every 2 s.
    deadline = time.monotonic() + th.FIRST_PROMOTE_SPAN_S + 25
    while "AirTag" not in row_texts(w, 1) and time.monotonic() < deadline:
        bluez.update(path, RSSI=dbus.Int16(-58))
        qtbot.wait(1000)
    assert "AirTag" in row_texts(w, 1)
    w.refresh()
    assert w.status_line.ble.text() == "Bluetooth: scanning (bleak:hci0)"
    assert "No GPS" in w.status_line.gps.text() and w.status_line.mark.isVisibleTo(w)
    d = w.table.model().index(row_texts(w, 1).index("AirTag"), 0).data(DEVICE_ROLE)
    assert d.addresses == (T1_ADDR,) and d.separated is True
    assert "-58 dBm" in w.table.model().index(0, 3).data()
    session = controller.runner.status.recording
    assert session.startswith(str(tmp_path / "sessions"))
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o600
    # "I'm somewhere else now" goes through the pipeline into the engine (and the session)
    qtbot.mouseClick(w.status_line.mark, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.runner.status.marks == 1, timeout=5_000)
    w.refresh()
    assert "marks (1 so far)" in w.status_line.gps.text()
    controller.runner.stop()
    from trackerscan.formats.session import read_events
    from trackerscan.model import PlaceMark

    events = list(read_events(session))
    assert any(isinstance(e, PlaceMark) for e in events)
    assert any(isinstance(e, Sighting) and e.address == T1_ADDR for e in events)


def test_demo_raises_an_alert_that_shows_in_the_panel(controller, qtbot):
    controller.start_demo(alert_after_s=2.0)
    w = controller.window
    t0 = time.monotonic()
    wait_alert(qtbot, w)
    assert time.monotonic() - t0 < 30  # "within about half a minute"
    panel = w.alert_panel
    assert panel.title.text() == "Possible tracker travelling with you: Samsung SmartTag"
    assert "places" in panel.found.text() and "min" in panel.found.text()
    assert "may alert the person who placed it" in panel.steps.text()
    assert "0808 2000 247" in panel.steps.text()  # en_GB helpline by default
    assert panel.mine_btn.isVisibleTo(w) and not panel.sound_btn.isEnabled()  # SmartTags cannot be rung
    assert row_texts(w)[0] == "ALERT: possible tracker"
    assert any("Possible tracker with you" in w.log.index(r).data() for r in range(w.log.rowCount()))
    assert w.status_line.ble.text().startswith("Bluetooth: demo")


def test_its_mine_silences_the_alert_and_keeps_it_in_the_log(controller, qtbot, tmp_path):
    controller.start_demo(alert_after_s=2.0)
    w = controller.window
    wait_alert(qtbot, w)
    device = w.alert_panel.device
    asked = []
    w.ask = lambda title, text: asked.append(text) or True
    qtbot.mouseClick(w.alert_panel.mine_btn, Qt.MouseButton.LeftButton)
    assert "no longer raise alerts" in asked[0]
    w.refresh()
    assert w.alert_panel.device is None or w.alert_panel.device.device_id != device.device_id
    states = {d.device_id: d for d in w.snapshot.devices}
    assert states[device.device_id].known
    assert "Yours (marked)" in row_texts(w)
    log = [w.log.index(r).data() for r in range(w.log.rowCount())]
    assert any("Possible tracker with you" in t and "(since marked as yours)" in t for t in log)
    saved = settings_mod.load(tmp_path / "config" / "gui.json")
    assert [k.device_id for k in saved.known] == [device.device_id]


def test_find_mode_reads_the_sweep(controller, qtbot):
    controller.start_demo(alert_after_s=5.0)
    w = controller.window
    wait_alert(qtbot, w)
    qtbot.mouseClick(w.alert_panel.find_btn, Qt.MouseButton.LeftButton)
    assert w.stack.currentWidget() is w.finder
    qtbot.waitUntil(lambda: "dBm" in w.finder.reading.text(), timeout=10_000)
    assert 0.0 < w.finder.meter.value <= 1.0
    assert w.finder.trend.text() != ""
    assert not w.finder.beep.isChecked()  # beep is off by default
    qtbot.mouseClick(w.finder.back, Qt.MouseButton.LeftButton)
    assert w.stack.currentWidget() is w.live_page


def test_recorded_session_opens_in_review(controller, qtbot, tmp_path):
    path, sc = record_session(tmp_path / "rec")
    controller.open_review(path)
    w = controller.window
    wait_finished(qtbot, controller.runner)
    w.refresh()
    assert w.status_line.ble.text() == f"Reviewing a recording: {path.name}"
    alert = w.alert_panel.device
    assert alert is not None and alert.kind.value == "airtag"
    assert sc.truth_for(alert.addresses).follower  # the alert is the AirTag hidden in the bag
    # by keyboard: the first row, Enter, and the detail page opens
    w.table.setFocus()
    w.table.selectRow(0)
    qtbot.keyClick(w.table, Qt.Key.Key_Return)
    assert w.stack.currentWidget() is w.detail and w.detail.device.device_id == alert.device_id
    w.show_live()
    qtbot.mouseClick(w.alert_panel.show_btn, Qt.MouseButton.LeftButton)
    assert w.stack.currentWidget() is w.detail
    assert len(w.detail.map._heard) > 10 and len(w.detail.map._track) > 100
    assert "Why:" in w.detail.facts.text()


def test_btsnoop_capture_with_nmea_track_imports(controller, qtbot, tmp_path):
    sc = build_scenario("walk_airtag", 5)
    cap, nmea = tmp_path / "walk.btsnoop", tmp_path / "walk.nmea"
    write_btsnoop(cap, [e for e in sc.events if isinstance(e, Sighting)])
    write_nmea(nmea, [e for e in sc.events if isinstance(e, Fix)])
    controller.open_review(cap, nmea)
    wait_finished(qtbot, controller.runner)
    controller.window.refresh()
    alert = controller.window.alert_panel.device
    assert alert is not None and sc.truth_for(alert.addresses).follower
    assert controller.runner.status.last_fix is not None
    # the import is kept as a session beside the others, so it can be reported on
    kept = controller.review_path
    assert kept.parent.parent == tmp_path / "sessions" and stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    report = controller.create_report(tmp_path / "import.html")
    text = report.read_text()
    assert alert.addresses[0] in text


def test_report_is_written_from_a_reviewed_session(controller, qtbot, tmp_path):
    path, _sc = record_session(tmp_path / "rec")
    controller.open_review(path)
    wait_finished(qtbot, controller.runner)
    controller.window.refresh()
    alert = controller.window.alert_panel.device
    out = controller.create_report(tmp_path / "evidence.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    import subprocess

    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, timeout=60).stdout
    assert alert.addresses[0] in text


def test_report_needs_a_recording(controller, tmp_path):
    controller.start_demo(alert_after_s=30.0)
    with pytest.raises(InputError, match="no recording to report on"):
        controller.create_report(tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_sound_asks_first_with_the_caution(controller, qtbot, tmp_path):
    path, _ = record_session(tmp_path / "rec")
    controller.open_review(path)
    w = controller.window
    wait_finished(qtbot, controller.runner)
    w.refresh()
    assert w.alert_panel.sound_btn.isEnabled()  # an AirTag away from its owner can be rung
    asked = []
    w.ask = lambda title, text: asked.append(text) or False
    qtbot.mouseClick(w.alert_panel.sound_btn, Qt.MouseButton.LeftButton)
    assert "Anyone nearby may hear it" in asked[0]
    assert controller.told == []  # declined: nothing was attempted


def test_quick_exit_hides_and_clears(controller, qtbot):
    controller.start_demo(alert_after_s=2.0)
    w = controller.window
    wait_alert(qtbot, w)
    w.table.setFocus()  # Esc works wherever the focus is
    with qtbot.waitSignal(w.quick_exit_done, timeout=2000):
        qtbot.keyClick(w.table, Qt.Key.Key_Escape)
        qtbot.keyClick(w.table, Qt.Key.Key_Escape)
    assert not w.isVisible()
    assert w.model.rowCount() == 0 and w.alert_panel.device is None
    assert w.stack.currentWidget() is w.blank


def test_controls_have_names_and_take_keyboard_focus(controller):
    w = controller.window
    controls = w.findChildren(QAbstractButton) + w.findChildren(QComboBox)
    assert len(controls) >= 15
    for c in controls:
        if isinstance(c, (QPushButton, QComboBox)):
            assert c.accessibleName(), c
            assert c.focusPolicy() & Qt.FocusPolicy.TabFocus, c.accessibleName()


def test_discreet_mode_title_and_icons(controller):
    from PyQt6.QtWidgets import QApplication
    from trackerscan_gui.icons import app_icon

    def shows(icon, discreet):
        return icon.pixmap(64, 64).toImage() == app_icon(discreet).pixmap(64, 64).toImage()

    w = controller.window
    assert "trackerscan" in w.windowTitle()
    assert shows(w.windowIcon(), False) and not shows(w.windowIcon(), True)
    controller.settings.discreet = True
    w.apply_discreet()
    assert w.windowTitle() == "Notes"
    # the window's icon and the program's (macOS's Dock, dialogs) are the notepad
    assert shows(w.windowIcon(), True) and shows(QApplication.windowIcon(), True)
    controller.settings.discreet = False
    w.apply_discreet()
    assert shows(QApplication.windowIcon(), False)


@pytest.mark.parametrize("level", [Level.ALERT])
def test_level_words_are_not_colour_only(level):
    from gui_records import device
    from trackerscan_gui.wording import status_words

    assert status_words(device(1, level=level)).startswith("ALERT")


_ = dbus  # the bluez fixture's module must be importable here


def test_settings_dialog_saves_helpline_and_discreet_mode(controller, qtbot, tmp_path):
    from trackerscan_gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(controller.settings, "de_DE.UTF-8")
    qtbot.addWidget(dialog)
    assert "116 016" in dialog.helpline.placeholderText()  # the locale's helpline is the default
    dialog.helpline.setPlainText("Frauenhaus Musterstadt: 0123 456")
    dialog.homes.setPlainText("home: 52.52, 13.40, 120\nnot a place")
    dialog.discreet.setChecked(True)
    dialog.sensitivity.setCurrentIndex(0)
    dialog.save_button.click()
    assert "is not a place" in dialog.error.text() and dialog.result() == 0  # bad line: not saved
    dialog.homes.setPlainText("home: 52.52, 13.40, 120")
    dialog.save_button.click()
    assert dialog.result() == 1
    new = dialog.result_settings()
    controller.apply_settings(new)
    assert controller.window.windowTitle() == "Notes"
    saved = settings_mod.load(tmp_path / "config" / "gui.json")
    assert saved.helpline == "Frauenhaus Musterstadt: 0123 456"
    assert saved.discreet and saved.sensitivity == "high"
    assert [(h.lat, h.lon, h.radius_m) for h in saved.homes] == [(52.52, 13.40, 120.0)]
    assert stat.S_IMODE(os.stat(tmp_path / "config" / "gui.json").st_mode) == 0o600


def test_device_list_fits_the_pi_screen_without_scrolling_sideways(controller, qtbot):
    """800x480 (the Pi's 7-inch screen): status, kind, "with you" and signal fit in the list, in shorter
    words; a wide window shows every column with the full words.  The model's text stays whole."""
    from PyQt6.QtWidgets import QStyleOptionViewItem

    w = controller.window
    controller.start_demo(alert_after_s=2.0)
    wait_alert(qtbot, w)
    w.refresh()

    def shown_text(row, column):
        option = QStyleOptionViewItem()
        w.delegate.initStyleOption(option, w.table.model().index(row, column))
        return option.text

    alert_row = row_texts(w).index("ALERT: possible tracker")
    w.resize(800, 480)
    qtbot.waitUntil(lambda: w.table.horizontalScrollBar().maximum() == 0, timeout=5_000)
    header = w.table.horizontalHeader()
    assert w.table.isColumnHidden(4) and not any(w.table.isColumnHidden(c) for c in range(4))
    assert sum(header.sectionSize(c) for c in range(4)) <= w.table.viewport().width()
    assert shown_text(alert_row, 0) == "ALERT" and shown_text(alert_row, 3).endswith(" dBm")
    kind = shown_text(alert_row, 1)
    assert w.table.fontMetrics().horizontalAdvance(kind) < header.sectionSize(1)  # the kind is not cut
    assert row_texts(w)[alert_row] == "ALERT: possible tracker"  # what screen readers get

    w.resize(1400, 800)
    qtbot.waitUntil(lambda: not w.table.isColumnHidden(4), timeout=5_000)
    assert shown_text(alert_row, 0) == "ALERT: possible tracker"
    assert "(" in shown_text(alert_row, 3)  # "-64 dBm (close)"
    assert w.table.horizontalScrollBar().maximum() == 0


def test_disk_full_while_recording_is_said_and_the_scan_goes_on(controller, qtbot, tmp_path):
    """Files may not grow past 150 kB (RLIMIT_FSIZE, as on a full disk): the recording stops, the window
    says why and that it is still checking, the scan and its alerts go on to the end of the walk, and
    what was committed before stays readable."""
    import resource
    import signal

    from trackerscan.formats.session import Session

    src, sc = record_session(tmp_path / "input")  # ~500 kB of session: a 37-minute walk, replayed in 7 s
    controller.settings.ble_source = f"replay:{src},speed=300"
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, old_limit[1]))
    try:
        controller.start_live()
        qtbot.waitUntil(lambda: controller.runner.status.recording != "", timeout=15_000)
        session = controller.runner.status.recording
        qtbot.waitUntil(lambda: controller.runner.status.recording == "", timeout=60_000)
        w = controller.window
        w.refresh()
        problem = w.status_line.problem
        assert problem.isVisibleTo(w) and problem.text().startswith("Problem: Cannot write to the session ")
        assert "Still checking for trackers" in problem.text()
        assert problem.height() >= problem.heightForWidth(problem.width())  # shown whole, not cut off
        assert w.status_line.rec.text() == "Not recording"
        end = max(e.time for e in sc.events)
        qtbot.waitUntil(lambda: controller.runner.status.last_time == end, timeout=60_000)  # to its end
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    errors = controller.runner.errors
    assert len(errors) == 1 and errors[0].startswith("Cannot write to the session"), errors
    # The engine heard the whole walk, long after the disk filled up, and the follower reached an alert.
    devices = controller.runner.devices()
    assert max(d.last_seen for d in devices) >= end - 60
    alerted = [sc.truth_for(d.addresses) for d in devices if d.level is Level.ALERT]
    assert any(t is not None and t.follower for t in alerted)
    # the only other alert: the user's own watch, which these settings do not list as known
    assert all(t is not None and (t.follower or t.known) for t in alerted)
    want = [(round(e.time * 1000), e.address, e.rssi, e.adv) for e in sc.events if isinstance(e, Sighting)]
    with Session.open(session) as s:
        got = [(round(e.time * 1000), e.address, e.rssi, e.adv) for e in s.sightings()]
    assert 0 < len(got) < len(want) and got == want[: len(got)]

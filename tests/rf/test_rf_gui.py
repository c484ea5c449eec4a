"""The GUI's radio sweep mode (PyQt6 offscreen, pytest-qt), fed by a recorded sweep."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TRACKERSCAN_DATA_DIR", str(tmp_path / "data"))


def test_sweep_mode_lists_the_tracker_and_says_what_it_means(qtbot, tmp_path):
    from trackerscan_gui.rf_view import RfView

    view = RfView()
    qtbot.addWidget(view)
    view.resize(900, 640)
    view.show()
    view.source.setText(f"replay:{DATA / 'rtl_power.csv'}")
    view.start()
    qtbot.waitUntil(lambda: view.start_btn.isEnabled(), timeout=60_000)
    assert view.table.rowCount() == 1
    cells = [view.table.item(0, c).text() for c in range(view.table.columnCount())]
    assert cells[0] == "GSM 900 / LTE B8" and cells[1] == "900.0–900.2" and cells[2] == "20 s"
    assert view.status.text().startswith("Sweep ended after 4.0 minutes")
    assert "Not swept" in view.notes.text()
    grab = tmp_path / "rf-view.png"
    assert view.grab().save(str(grab))
    assert grab.stat().st_size > 10_000


def test_a_finished_sweep_is_recorded_in_a_session_unless_turned_off(qtbot, tmp_path):
    from trackerscan_gui.rf_view import RfView

    from trackerscan.sessions.listing import list_sessions

    data = tmp_path / "chosen"
    for record in (True, False):
        view = RfView(data_dir=str(data))
        qtbot.addWidget(view)
        assert view.record.isChecked()  # on unless the user turns it off
        view.record.setChecked(record)
        view.source.setText(f"replay:{DATA / 'rtl_power.csv'}")
        view.start()
        qtbot.waitUntil(lambda v=view: v.start_btn.isEnabled(), timeout=60_000)
        (listed,) = list_sessions(str(data))  # the second sweep, not recorded, adds none
        assert not isinstance(listed, Exception)
        if record:
            assert view.status.text().endswith(f"Recorded in the session {listed.path.name}.")
        else:
            assert "Recorded" not in view.status.text()
    # what trackerscan sessions shows: the transmitter, and the replayed recording's own 4 minutes
    assert listed.rf_transmitters == 1 and listed.devices == 0
    assert 235 <= (listed.duration_s or 0) <= 245


def test_a_bad_source_is_one_sentence_in_the_status(qtbot):
    from trackerscan_gui.rf_view import RfView

    view = RfView()
    qtbot.addWidget(view)
    view.source.setText("tinysa:/dev/nonexistent-tinysa")
    view.start()
    qtbot.waitUntil(lambda: view.start_btn.isEnabled(), timeout=30_000)
    assert view.status.text().startswith("Cannot open the tinySA at /dev/nonexistent-tinysa")
    assert view.table.rowCount() == 0


def test_the_main_window_opens_the_sweep_mode_from_the_view_menu(qtbot, tmp_path):
    from PyQt6.QtGui import QAction
    from trackerscan_gui.app import Controller
    from trackerscan_gui.settings import Settings

    ctl = Controller(Settings(), tmp_path / "config" / "gui.json", str(tmp_path / "sessions"))
    qtbot.addWidget(ctl.window)
    try:
        (action,) = [a for a in ctl.window.findChildren(QAction) if "radio sweep" in a.text()]
        action.trigger()
        qtbot.waitUntil(lambda: ctl.window.rf_view.isVisible(), timeout=5_000)
        qtbot.addWidget(ctl.window.rf_view)
        labels = ctl.window.rf_view.findChildren(type(ctl.window.rf_view.status))
        assert "flight mode" in " ".join(w.text() for w in labels)
        # a sweep started there is recorded where the window's sessions are
        assert ctl.window.rf_view.data_dir == str(tmp_path / "sessions")
    finally:
        ctl.runner.stop()
        ctl.window.timer.stop()

"""Qt models and drawings over engine records, and the settings dialog's place parser."""

import pytest
from gui_records import T0, device, other
from hypothesis import given
from hypothesis import strategies as st
from PyQt6.QtCore import Qt
from trackerscan_gui.drawing import MapView, SignalTimeline, nice_scale
from trackerscan_gui.models import DEVICE_ROLE, AlertLogModel, DeviceFilter, DeviceTableModel
from trackerscan_gui.settings_dialog import parse_home

from trackerscan.errors import InputError
from trackerscan.model import Fix, HeardPoint, Kind, Level, LevelChange


def test_table_refreshes_in_place_and_resets_on_new_devices(qtbot):
    model = DeviceTableModel()
    resets, changes = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b: changes.append((a.row(), b.row())))
    devs = [device(1), other(2)]
    model.set_devices(devs, T0 + 2520)
    assert len(resets) == 1 and model.rowCount() == 2
    model.set_devices([device(1, rssi_smoothed=-50.0), other(2)], T0 + 2521)
    assert len(resets) == 1 and changes == [(0, 1)]  # same devices: refreshed in place
    assert model.index(0, 3).data() == "-50 dBm (very close)"
    model.set_devices([device(3), device(1), other(2)], T0 + 2522)
    assert len(resets) == 2 and model.row_of("dev-3") == 0


def test_table_words(qtbot):
    model = DeviceTableModel()
    model.set_devices([device(1, duration_s=14 * 60, places=5, last_seen=T0 + 100)], T0 + 400)
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row == ["ALERT: possible tracker", "AirTag", "14 min at 5 places", "-62 dBm (close)",
                   "5 min ago"]
    assert model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(0, 0).data(DEVICE_ROLE).device_id == "dev-1"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "With you"


def test_filter_trackers_only_or_all(qtbot):
    model = DeviceTableModel()
    model.set_devices([device(1), other(2), other(3, level=Level.WATCH)], T0)
    proxy = DeviceFilter()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == 2  # a tracker, and a non-tracker the engine is watching
    proxy.set_trackers_only(False)
    assert proxy.rowCount() == 3


def test_alert_log_keeps_entries_after_its_mine(qtbot):
    log = AlertLogModel()
    change = LevelChange(T0 + 600, "dev-1", Level.ALERT, Kind.TILE, ("C4:00:00:00:00:01",), (), T0, T0 + 600,
                         4, 900.0, 1800.0, "Seen at 4 places over 30 min.")
    log.add([change])
    log.mark_mine("dev-1")
    assert log.rowCount() == 1
    text = log.index(0).data()
    assert "Possible tracker with you: Tile, 30 min at 4 places, 900 m apart" in text
    assert text.endswith("(since marked as yours)")


def test_map_and_timeline_draw_what_they_are_given(qtbot):
    heard = [HeardPoint(T0 + i * 60, -60 - i % 10, 51.5 + i * 1e-4, -0.12 + i * 1e-4, 8.0) for i in range(20)]
    heard.append(HeardPoint(T0 + 1300, -70, None, None, None))
    track = [Fix(T0 + i * 30, 51.5 + i * 5e-5, -0.12 + i * 5e-5) for i in range(40)]
    m = MapView()
    m.resize(400, 300)
    m.set_data(track, heard)
    assert "20 positioned sightings, 1 without a position, 40 points" in m.accessibleDescription()
    img = m.grab().toImage()
    orange = sum(1 for x in range(0, 400, 2) for y in range(0, 300, 2)
                 if img.pixelColor(x, y).name() == "#c05000")
    assert orange > 20  # heard points are drawn
    t = SignalTimeline()
    t.set_points(heard)
    assert t.accessibleDescription().startswith("21 readings from -70 to -60 dBm")


@pytest.mark.parametrize(("m_per_px", "max_px", "expected"),
                         [(1.0, 150, 100), (10.0, 150, 1000), (0.05, 150, 10)])
def test_scale_bar_is_a_round_number_that_fits(m_per_px, max_px, expected):
    assert nice_scale(m_per_px, max_px) == expected


def test_home_place_parser():
    h = parse_home("work: 51.5007, -0.1246, 200")
    assert (h.label, h.lat, h.lon, h.radius_m) == ("work", 51.5007, -0.1246, 200.0)
    assert parse_home("51.5, -0.12").radius_m == 150.0
    with pytest.raises(InputError, match="is out of range"):
        parse_home("home: 95, 0")


@given(st.text(max_size=80))
def test_home_place_parser_never_fails_otherwise(text):
    try:
        h = parse_home(text)
    except InputError:
        return
    assert -90 <= h.lat <= 90 and -180 <= h.lon <= 180 and 0 < h.radius_m <= 5000


def test_find_view_words_and_beep_rate_follow_the_sweep(qtbot):
    from trackerscan_gui.views import BEEP_FAST_MS, BEEP_SLOW_MS, FindView

    from trackerscan.find.sweep import SweepState
    from trackerscan.model import AddressType, Sighting

    t1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")  # trackers.md T1
    sweep = SweepState(trackers_only=False)
    view = FindView()
    qtbot.addWidget(view)
    view.start(device(1))
    for i, rssi in enumerate([-90] * 10 + [-55] * 10):  # walking up to it
        sweep.add(Sighting(T0 + i, "FB:6D:08:3D:25:A4", AddressType.RANDOM, rssi, t1, "test"))
    row = sweep.rows(T0 + 19)[0]
    view.update_row(row)
    assert view.trend.text().startswith("Warmer")
    assert f"{row.gauge} of 100" in view.reading.text() and "dBm" in view.reading.text()
    assert view.meter.value == row.gauge / 100
    assert BEEP_FAST_MS < view._beeper.interval() < BEEP_SLOW_MS
    view.update_row(None)
    assert view.trend.text() == "Not heard now" and view.meter.value == 0.0


def test_text_follows_the_system_font_size(qtbot):
    from PyQt6.QtGui import QFont
    from PyQt6.QtWidgets import QApplication
    from trackerscan_gui.views import AlertPanel

    app = QApplication.instance()
    before = QFont(app.font())
    try:
        small = AlertPanel()
        big_font = QFont(before)
        big_font.setPointSizeF(before.pointSizeF() * 2)
        app.setFont(big_font)
        big = AlertPanel()
        qtbot.addWidget(small)
        qtbot.addWidget(big)
        assert big.title.font().pointSizeF() == pytest.approx(2 * small.title.font().pointSizeF())
        assert big.title.font().pointSizeF() > big_font.pointSizeF()  # titles stay larger than body text
    finally:
        app.setFont(before)

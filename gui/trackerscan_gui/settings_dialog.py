"""The Settings dialog: sources, sensitivity, known devices, home places, helpline, discreet mode."""

from __future__ import annotations

from copy import deepcopy

from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from trackerscan.errors import InputError

from .settings import SENSITIVITIES, HomePlace, Settings
from .wording import helpline_for

BLE_CHOICES = ("bleak", "bleak:hci0", "bleak:hci1", "hci:usb:0")
GPS_CHOICES = ("none", "gpsd", "nmea:/dev/ttyACM0", "nmea:/dev/ttyUSB0")


def _combo(choices: tuple[str, ...], current: str, name: str) -> QComboBox:
    box = QComboBox()
    box.setEditable(True)
    box.addItems(choices)
    box.setCurrentText(current)
    box.setAccessibleName(name)
    return box


def parse_home(text: str) -> HomePlace:
    """ "label: lat, lon, radius" (radius optional, metres) → HomePlace, or a clear InputError."""
    label, sep, rest = text.partition(":")
    if not sep:
        label, rest = "home", text
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    try:
        lat, lon = float(parts[0]), float(parts[1])
        radius = float(parts[2]) if len(parts) > 2 else 150.0
    except (IndexError, ValueError):
        raise InputError(f"“{text}” is not a place: write it as “home: 51.5007, -0.1246, 150”.") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < radius <= 5000):
        raise InputError(
            f"“{text}” is out of range: latitude −90..90, longitude −180..180, radius up to 5000 m."
        )
    return HomePlace(label.strip() or "home", lat, lon, radius)


class SettingsDialog(QDialog):
    """Edits a copy of the settings; `result_settings()` gives the new ones after Save."""

    def __init__(self, settings: Settings, locale_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = deepcopy(settings)
        self.ble = _combo(BLE_CHOICES, settings.ble_source, "Bluetooth adapter")
        self.gps = _combo(GPS_CHOICES, settings.gps_source, "GPS receiver")
        self.sensitivity = QComboBox()
        self.sensitivity.setAccessibleName("Sensitivity")
        for key, words in SENSITIVITIES.items():
            self.sensitivity.addItem(words, key)
        self.sensitivity.setCurrentIndex(list(SENSITIVITIES).index(settings.sensitivity))
        self.known = QListWidget()
        self.known.setAccessibleName("Your own devices")
        for k in settings.known:
            self.known.addItem(f"{k.label or 'device'}: {', '.join(k.addresses[-1:] or k.identifiers[:1])}")
        self.forget = QPushButton("&Forget the selected device")
        self.forget.setAccessibleName("Forget the selected device")
        self.forget.clicked.connect(self._forget)
        self.homes = QPlainTextEdit(
            "\n".join(f"{h.label}: {h.lat:.5f}, {h.lon:.5f}, {h.radius_m:.0f}" for h in settings.homes)
        )
        self.homes.setAccessibleName("Home places")
        self.homes.setPlaceholderText("One a line, e.g.  home: 51.50070, -0.12460, 150")
        self.homes.setTabChangesFocus(True)
        self.homes.setMaximumHeight(80)
        self.helpline = QPlainTextEdit(settings.helpline)
        self.helpline.setAccessibleName("Helpline text")
        self.helpline.setPlaceholderText(helpline_for(locale_name).text)
        self.helpline.setTabChangesFocus(True)
        self.helpline.setMaximumHeight(60)
        self.discreet = QCheckBox("&Discreet: the window is called “Notes” with a plain icon")
        self.discreet.setChecked(settings.discreet)
        self.discreet.setAccessibleName("Discreet mode")
        self.beep = QCheckBox("&Beep in find mode (off by default)")
        self.beep.setChecked(settings.beep)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem with the settings")

        form = QFormLayout()
        form.addRow("&Bluetooth adapter:", self.ble)
        form.addRow("&GPS receiver:", self.gps)
        form.addRow("&Sensitivity:", self.sensitivity)
        known_box = QVBoxLayout()
        known_box.addWidget(self.known)
        known_box.addWidget(self.forget)
        known_w = QWidget()
        known_w.setLayout(known_box)
        form.addRow("Your &own devices:", known_w)
        form.addRow("&Home places:", self.homes)
        form.addRow("Help&line text:", self.helpline)
        form.addRow(self.discreet)
        form.addRow(self.beep)
        note = QLabel(
            "Press Esc twice quickly at any time to hide the window at once. "
            "Settings are kept only on this computer."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addLayout(form)
        col.addWidget(note)
        col.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(buttons)
        col.addLayout(row)

    def _forget(self) -> None:
        row = self.known.currentRow()
        if 0 <= row < len(self._settings.known):
            del self._settings.known[row]
            self.known.takeItem(row)

    def _save(self) -> None:
        try:
            homes = [parse_home(line) for line in self.homes.toPlainText().splitlines() if line.strip()]
        except InputError as exc:
            self.error.setText(str(exc))
            return
        s = self._settings
        s.ble_source = self.ble.currentText().strip() or "bleak"
        s.gps_source = self.gps.currentText().strip() or "none"
        s.sensitivity = str(self.sensitivity.currentData())
        s.homes = homes
        s.helpline = self.helpline.toPlainText().strip()
        s.discreet = self.discreet.isChecked()
        s.beep = self.beep.isChecked()
        self.accept()

    def result_settings(self) -> Settings:
        return self._settings

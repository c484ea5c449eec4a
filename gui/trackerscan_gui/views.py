"""The window's parts: status line, alert panel, tracker detail and find mode."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PyQt6.QtCore import QRectF, QSize, Qt, QTimer, pyqtBoundSignal, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from trackerscan.find.sweep import LISTED_FOR_S, SweepRow
from trackerscan.model import DeviceState, Fix, HeardPoint, Level
from trackerscan.smoothing import Trend

from . import wording
from .drawing import MapView, SignalTimeline
from .runner import Status


def scaled_font(widget: QWidget, factor: float, bold: bool = False) -> QFont:
    """The system font, larger: follows the user's font size instead of fixing pixels."""
    font = QFont(widget.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    else:
        font.setPixelSize(round(font.pixelSize() * factor))
    font.setBold(bold)
    return font


def wrapped(text: str = "", name: str = "") -> QLabel:
    """A selectable, wrapping label that shows its text as text: addresses, names and explanations may
    come from a session file someone else made, and Qt would otherwise render HTML-looking text."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setAccessibleName(name)
    return label


def button(text: str, name: str, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(name)
    if tip:
        b.setToolTip(tip)
        b.setAccessibleDescription(tip)
    b.setAutoDefault(False)
    return b



def _scroll_area(content: QWidget) -> QScrollArea:
    """``content`` in a frameless scroll area that resizes it to its width."""
    scroll = QScrollArea()
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll

class StatusLine(QFrame):
    """Bluetooth, GPS, recording, time scanned: in words, one per line part."""

    place_mark_requested = pyqtSignal()
    demo_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusLine")
        self.ble = wrapped(name="Bluetooth status")
        self.gps = wrapped(name="GPS status")
        self.rec = wrapped(name="Recording status")
        self.time = wrapped(name="Time scanned")
        self.problem = wrapped(name="Problem")  # the latest problem, on a line of its own
        self.problem.setObjectName("problem")
        self.problem.hide()
        self.mark = button(
            "I'm &somewhere else now",
            "I'm somewhere else now",
            "Tell the app you have moved to a new place (used when there is no GPS).",
        )
        self.demo = button(
            "Try the &demo", "Try the demo", "Play a recorded walk to see what an alert looks like."
        )
        self.mark.clicked.connect(self.place_mark_requested)
        self.demo.clicked.connect(self.demo_requested)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.ble, 0, 0)
        grid.addWidget(self.gps, 1, 0)
        grid.addWidget(self.rec, 0, 1)
        grid.addWidget(self.time, 1, 1)
        grid.addWidget(self.problem, 2, 0, 1, 2)
        buttons = QVBoxLayout()
        buttons.addWidget(self.mark)
        buttons.addWidget(self.demo)
        grid.addLayout(buttons, 0, 2, 3, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.demo.hide()
        self.mark.hide()

    def show_status(self, s: Status) -> None:
        ble = wording.ble_words(s.ble_state, s.ble_name, s.ble_detail)
        self.ble.setText(ble + wording.flood_words(s.flood))
        self.gps.setText(wording.gps_words(s.gps_state, s.last_fix, s.marks, s.gps_name))
        if s.ble_state == "review":
            self.rec.setText(f"Recorded {wording.duration_words(s.scanned_s)}, {s.sightings} sightings")
            start = s.first_time
            since = "Empty recording" if start is None else f"From {wording.date_clock_words(start)}"
            self.time.setText(since)
        else:
            self.rec.setText(f"Recording to {s.recording}" if s.recording else "Not recording")
            if s.ble_state == "absent":
                self.time.setText("Not scanning")
            else:
                self.time.setText(
                    f"Scanning for {wording.duration_words(s.scanned_s)}, {s.sightings} sightings"
                )
        self.problem.setText(f"Problem: {s.problems[-1]}" if s.problems else wording.platform_note(s.note))
        self.problem.setToolTip("" if s.problems else s.note)
        self.problem.setVisible(bool(s.problems or s.note))
        self.mark.setVisible(s.gps_state in ("none", "marks") and s.ble_state not in ("review", "absent"))
        self.demo.setVisible(s.ble_state == "absent")


class AlertPanel(QFrame):
    """What was found, what it may mean, what to do next; the four actions."""

    show_requested = pyqtSignal(str)
    find_requested = pyqtSignal(str)
    mine_requested = pyqtSignal(str)
    sound_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertPanel")
        self.device: DeviceState | None = None
        self.title = wrapped(name="Alert title")
        self.title.setFont(scaled_font(self, 1.35, bold=True))
        self.found = wrapped(name="What was found")
        self.meaning = wrapped(name="What it may mean")
        self.steps = wrapped(name="What to do next")
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.more = wrapped(name="Other alerts")
        self.show_btn = button("Show &where it was seen", "Show where it was seen")
        self.find_btn = button(
            "&Find it", "Find it", "Walk around with a signal meter to find where it is hidden."
        )
        self.mine_btn = button("It's &mine", "It's mine", "Stop alerts for this device; it stays in the log.")
        self.sound_btn = button(
            "&Play sound…", "Play sound", "Ask the tracker to play its sound. Others nearby may hear it."
        )
        for b, sig in (
            (self.show_btn, self.show_requested),
            (self.find_btn, self.find_requested),
            (self.mine_btn, self.mine_requested),
            (self.sound_btn, self.sound_requested),
        ):
            b.clicked.connect(lambda _=False, s=sig: self._emit_for_device(s))
        body = QWidget()
        body.setObjectName("alertBody")
        col = QVBoxLayout(body)
        col.addWidget(self.title)
        self.found_head = self._heading("What was found")
        col.addWidget(self.found_head)
        col.addWidget(self.found)
        self.meaning_head = self._heading("What it may mean")
        col.addWidget(self.meaning_head)
        col.addWidget(self.meaning)
        self.steps_head = self._heading("What you can do next")
        col.addWidget(self.steps_head)
        col.addWidget(self.steps)
        col.addWidget(self.more)
        col.addStretch(1)
        scroll = _scroll_area(body)
        scroll.setObjectName("alertScroll")
        viewport = scroll.viewport()
        if viewport is not None:
            viewport.setObjectName("alertViewport")
        grid = QGridLayout()
        grid.addWidget(self.show_btn, 0, 0)
        grid.addWidget(self.find_btn, 0, 1)
        grid.addWidget(self.mine_btn, 1, 0)
        grid.addWidget(self.sound_btn, 1, 1)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addLayout(grid)
        self.setAccessibleName("Alert panel")
        self.show_device(None, [], "", "")

    def _emit_for_device(self, signal: pyqtBoundSignal) -> None:
        if self.device is not None:
            signal.emit(self.device.device_id)

    def _heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setFont(scaled_font(self, 1.05, bold=True))
        return label

    def show_device(
        self,
        device: DeviceState | None,
        others: Sequence[DeviceState],
        helpline: str,
        emergency: str,
        watching: int = 0,
        not_scanning: str = "",
    ) -> None:
        """Show the alert for ``device`` (None: the calm message, or why nothing is being checked)."""
        self.device = device
        alerting = device is not None
        for w in (
            self.found_head,
            self.meaning_head,
            self.steps_head,
            self.meaning,
            self.steps,
            self.show_btn,
            self.find_btn,
            self.mine_btn,
            self.sound_btn,
        ):
            w.setVisible(alerting)
        self.setProperty("alerting", alerting)
        style = self.style()
        if style is not None:
            style.unpolish(self)
            style.polish(self)
        if device is None and not_scanning:
            self.title.setText(wording.NOT_SCANNING_TITLE)
            self.found.setText(f"{not_scanning}\n\n{wording.NOT_SCANNING_BODY}")
            self.more.setText("")
            self.setAccessibleDescription(wording.NOT_SCANNING_TITLE)
            return
        if device is None:
            self.title.setText(wording.CALM_TITLE)
            self.found.setText(wording.calm_body(watching))
            self.more.setText("")
            self.setAccessibleDescription(wording.CALM_TITLE)
            return
        text = wording.alert_text(device, helpline, emergency)
        self.title.setText(text.title)
        self.found.setText(text.found)
        self.meaning.setText(text.meaning)
        self.steps.setText(
            "<ul style='margin-left:-20px'>"
            + "".join(f"<li style='margin-bottom:4px'>{escape(s)}</li>" for s in text.next_steps)
            + "</ul>"
        )
        self.sound_btn.setEnabled(device.can_ring)
        self.sound_btn.setToolTip("" if device.can_ring else wording.NO_SOUND)
        plural = "s" if len(others) != 1 else ""
        self.more.setText(f"{len(others)} more possible tracker{plural} in the list." if others else "")
        self.setAccessibleDescription(f"{text.title}. {text.found}")


class MineQuestion(QFrame):
    """ "Is this yours?": asked once, in the live view, about a device of unknown kind at watch."""

    mine = pyqtSignal(str)
    not_mine = pyqtSignal(str)  # "Not mine" and "I don't know" alike: it may then be warned about

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mineQuestion")
        self.device_id = ""
        self.title = wrapped(wording.ASK_MINE_TITLE, "Is this yours?")
        self.title.setFont(scaled_font(self, 1.15, bold=True))
        self.text = wrapped(name="About this device")
        self.mine_btn = button("It's &mine", "It's mine", "It will not be raised again; it stays in the log.")
        self.not_mine_btn = button("&Not mine", "Not mine", "You will be warned if it stays with you.")
        self.unsure_btn = button("I don't &know", "I don't know", "You will be warned if it stays with you.")
        self.mine_btn.clicked.connect(lambda: self._answer(self.mine))
        self.not_mine_btn.clicked.connect(lambda: self._answer(self.not_mine))
        self.unsure_btn.clicked.connect(lambda: self._answer(self.not_mine))
        row = QHBoxLayout()
        for b in (self.mine_btn, self.not_mine_btn, self.unsure_btn):
            row.addWidget(b)
        row.addStretch(1)
        col = QVBoxLayout(self)
        col.addWidget(self.title)
        col.addWidget(self.text)
        col.addLayout(row)
        self.setAccessibleName("Is this yours?")
        self.setVisible(False)

    def ask(self, device: DeviceState | None) -> None:
        """Ask about ``device`` (None: hide the question)."""
        self.device_id = device.device_id if device is not None else ""
        if device is not None:
            self.text.setText(wording.ask_mine_text(device))
            self.setAccessibleDescription(self.text.text())
        self.setVisible(device is not None)

    def _answer(self, signal: pyqtBoundSignal) -> None:
        if self.device_id:
            signal.emit(self.device_id)
        self.ask(None)


class DetailView(QWidget):
    """One device: map, signal timeline, identifiers, times and the explanation with its numbers."""

    back_requested = pyqtSignal()
    find_requested = pyqtSignal(str)
    mine_requested = pyqtSignal(str)
    sound_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.device: DeviceState | None = None
        self.header = wrapped(name="Device")
        self.header.setFont(scaled_font(self, 1.25, bold=True))
        self.map = MapView()
        self.timeline = SignalTimeline()
        self.facts = wrapped(name="Identifiers and times")
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.back = button("&Back to the list", "Back to the list")
        self.find_btn = button("&Find it", "Find it")
        self.mine_btn = button("It's &mine", "It's mine")
        self.sound_btn = button("&Play sound…", "Play sound")
        self.back.clicked.connect(self.back_requested)
        for b, sig in (
            (self.find_btn, self.find_requested),
            (self.mine_btn, self.mine_requested),
            (self.sound_btn, self.sound_requested),
        ):
            b.clicked.connect(lambda _=False, s=sig: self._emit_for_device(s))
        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(0, 0, 0, 0)
        rcol.addWidget(self.facts)
        rcol.addStretch(1)
        scroll = _scroll_area(right)
        left = QVBoxLayout()
        left.addWidget(self.map, 3)
        left.addWidget(self.timeline, 2)
        middle = QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addWidget(scroll, 2)
        buttons = QHBoxLayout()
        for b in (self.back, self.find_btn, self.mine_btn, self.sound_btn):
            buttons.addWidget(b)
        col = QVBoxLayout(self)
        col.addWidget(self.header)
        col.addLayout(middle, 1)
        col.addLayout(buttons)

    def _emit_for_device(self, signal: pyqtBoundSignal) -> None:
        if self.device is not None:
            signal.emit(self.device.device_id)

    def show_device(self, d: DeviceState | None, history: Sequence[HeardPoint], track: Sequence[Fix]) -> None:
        self.device = d
        if d is None:
            self.header.setText("")
            self.facts.setText("")
            self.map.set_data([], [])
            self.timeline.set_points([])
            return
        self.header.setText(f"{wording.kind_name(d.kind)} – {wording.status_words(d)}")
        self.map.set_data(track, history)
        self.timeline.set_points(history)
        rows = [
            ("Kind", wording.kind_name(d.kind)),
            ("With you", wording.with_you_words(d)),
            ("Places", f"{d.places}, up to {wording.distance_words(d.span_m)} apart"),
            ("First seen", wording.date_clock_words(d.first_seen)),
            ("Last seen", wording.date_clock_words(d.last_seen)),
            ("Sightings", str(d.sightings)),
            ("Signal", wording.signal_words(d.rssi_smoothed if d.rssi_smoothed is not None else d.rssi)),
            ("Owner", {True: "away from its owner", False: "near its owner", None: "not known"}[d.separated]),
            ("Addresses", ", ".join(d.addresses) or "none"),
            ("Identifiers", ", ".join(d.identifiers) or "none"),
            ("Device id", d.device_id),
        ]
        if d.link_confidence < 1.0:
            rows.append(("Linked", f"{d.link_confidence:.0%} sure these addresses are one device"))
        html = (
            "<table cellspacing='2'>"
            + "".join(f"<tr><td><b>{k}</b>&nbsp;</td><td>{escape(v)}</td></tr>" for k, v in rows)
            + "</table>"
        )
        if d.explanation:
            html += f"<p><b>Why:</b> {escape(d.explanation)}</p>"
        self.facts.setText(html)
        self.sound_btn.setEnabled(d.can_ring)
        self.mine_btn.setEnabled(not d.known)


# Beep interval (ms) at the cold and hot ends of the gauge: slow ticking to fast ticking.
BEEP_SLOW_MS = 1500
BEEP_FAST_MS = 150
TREND_WORDS = {
    Trend.CLOSER: "Warmer: getting closer",
    Trend.FURTHER: "Colder: moving away",
    Trend.STEADY: "About the same",
    Trend.UNKNOWN: "Listening…",
}


class ProximityMeter(QWidget):
    """A large bar: fuller is closer.  The words and number beside it carry the meaning, not the colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = 0.0
        self.setMinimumHeight(60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Proximity meter")

    def sizeHint(self) -> QSize:
        return QSize(600, 120)

    def set_value(self, v: float) -> None:
        self.value = v
        self.setAccessibleDescription(f"{v:.0%} of full closeness")
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        p.setPen(QPen(QColor("#111111"), 3))
        p.setBrush(QBrush(QColor("#ffffff")))
        p.drawRect(r)
        fill = QRectF(r.left(), r.top(), r.width() * self.value, r.height()).adjusted(3, 3, -3, -3)
        p.fillRect(fill, QColor("#1d4f91"))
        p.setPen(QPen(QColor("#555555"), 1))
        for i in range(1, 10):  # tick marks so fullness reads without colour
            x = r.left() + r.width() * i / 10
            p.drawLine(int(x), int(r.bottom() - 10), int(x), int(r.bottom() - 2))
        p.end()


class FindView(QWidget):
    """Find mode: one device, a big meter, warmer/colder in words, an optional beep."""

    back_requested = pyqtSignal()
    sound_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.device_id = ""
        self.name = wrapped(name="Device being found")
        self.name.setFont(scaled_font(self, 1.3, bold=True))
        self.trend = QLabel("Listening…")
        self.trend.setAccessibleName("Warmer or colder")
        self.trend.setFont(scaled_font(self, 2.6, bold=True))
        self.trend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.meter = ProximityMeter()
        self.reading = QLabel("")
        self.reading.setAccessibleName("Signal reading")
        self.reading.setFont(scaled_font(self, 1.6))
        self.reading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = wrapped(
            "Move slowly around the car or bag. The bar fills as you get closer. "
            "Hold still for a few seconds at each spot: the reading is smoothed.",
            name="How to use",
        )
        self.beep = QCheckBox("&Beep faster when closer")
        self.beep.setAccessibleName("Beep faster when closer")
        self.back = button("&Back", "Back to the list")
        self.sound_btn = button("&Play sound…", "Play sound")
        self.back.clicked.connect(self.back_requested)
        self.sound_btn.clicked.connect(self._sound)
        self._beeper = QTimer(self)
        self._beeper.timeout.connect(self._beep)
        self.beep.toggled.connect(self._beep_toggled)
        bottom = QHBoxLayout()
        bottom.addWidget(self.back)
        bottom.addWidget(self.beep)
        bottom.addStretch(1)
        bottom.addWidget(self.sound_btn)
        col = QVBoxLayout(self)
        col.addWidget(self.name)
        col.addWidget(self.trend)
        col.addWidget(self.meter, 1)
        col.addWidget(self.reading)
        col.addWidget(self.hint)
        col.addLayout(bottom)

    def _sound(self) -> None:
        if self.device_id:
            self.sound_requested.emit(self.device_id)

    def start(self, device: DeviceState) -> None:
        self.device_id = device.device_id
        self.name.setText(f"Finding: {wording.kind_name(device.kind)} ({', '.join(device.addresses[-1:])})")
        self.sound_btn.setEnabled(device.can_ring)
        self.update_row(None)
        self.trend.setText("Listening…")

    def stop(self) -> None:
        self._beeper.stop()
        self.device_id = ""

    def update_row(self, row: SweepRow | None) -> None:
        """Show the sweep's reading of this device (smoothing, trend and heat come from trackerscan.find)."""
        if row is None or row.gauge is None or row.seconds_ago > LISTED_FOR_S:
            self.trend.setText("Not heard now")
            self.reading.setText("No signal: go back to where it was last heard")
            self.meter.set_value(0.0)
            self._beeper.setInterval(BEEP_SLOW_MS)
            return
        value = row.gauge / 100
        self.meter.set_value(value)
        heat = row.heat.value if row.heat is not None else ""
        self.trend.setText(f"{TREND_WORDS[row.trend]} {row.trend.arrow}")
        self.reading.setText(f"{heat.capitalize()}: {row.rssi_smoothed:.0f} dBm, {row.gauge} of 100")
        self._beeper.setInterval(round(BEEP_SLOW_MS - (BEEP_SLOW_MS - BEEP_FAST_MS) * value))

    def _beep_toggled(self, on: bool) -> None:
        if on and self.device_id:
            self._beeper.start()
        else:
            self._beeper.stop()

    def _beep(self) -> None:
        QApplication.beep()


def level_is_alert(d: DeviceState) -> bool:
    return d.level is Level.ALERT and not d.known

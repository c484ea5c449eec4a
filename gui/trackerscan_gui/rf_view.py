"""Radio sweep mode: cellular GPS trackers by their regular uplink bursts (trackerscan.rf).

The source runs in a worker thread that feeds a `LiveRf` and hands snapshots (candidates, meter,
notes) to the window through a queue read by a timer; the window only draws them.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trackerscan.errors import TrackerscanError
from trackerscan.find.rf_sweep import LiveRf, Meter
from trackerscan.rf.bands import REGIONS
from trackerscan.rf.records import Transmitter
from trackerscan.rf.summary import PROCEDURE, mhz

from .views import ProximityMeter, button, scaled_font, wrapped

# The window reads the worker's snapshots this often (milliseconds).
POLL_MS = 250
COLUMNS = ("Band", "MHz", "Every", "Bursts", "Over floor", "Confidence")
CAUTION = ("A regular transmitter near the antenna is consistent with a cellular tracker (a car's own "
           "connected-car modem can look the same). Nothing found does not mean there is no tracker: a "
           "parked tracker may sleep for hours, and bands that were not swept are not seen. Removing or "
           "switching off a tracker may alert whoever placed it.")


@dataclass(frozen=True, slots=True)
class Snapshot:
    candidates: list[Transmitter]
    meter: Meter | None
    minutes: float
    notes: list[str]
    error: str | None = None
    finished: bool = False
    session: str | None = None  # the session the finished sweep was recorded in


class RfView(QWidget):
    """Source and region, start/stop, the candidate table and a hot/cold meter on the strongest.

    A finished sweep is recorded in a session in ``data_dir`` (as ``trackerscan rf sweep`` does), unless
    "Record the sweep in a session" is unticked, so it is in the session list and its report."""

    def __init__(self, parent: QWidget | None = None, data_dir: str | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setWindowTitle("Cellular GPS trackers (radio sweep)")
        self.source = QLineEdit("tinysa:/dev/ttyACM0")
        self.source.setAccessibleName("Radio source")
        self.region = QComboBox()
        self.region.addItems(list(REGIONS))
        self.region.setAccessibleName("Region")
        self.start_btn = button("&Start sweep", "Start sweep")
        self.stop_btn = button("S&top", "Stop sweep")
        self.stop_btn.setEnabled(False)
        self.record = QCheckBox("&Record the sweep in a session")
        self.record.setChecked(True)
        self.record.setAccessibleName("Record the sweep in a session")
        self.start_btn.clicked.connect(self.start)
        self.stop_btn.clicked.connect(self.stop)
        self.status = QLabel("Not sweeping.")
        self.status.setAccessibleName("Sweep status")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Regular transmitters")
        self.table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
        self.meter = ProximityMeter()
        self.meter.setMinimumHeight(48)
        self.reading = QLabel("No regular transmitter yet.")
        self.reading.setAccessibleName("Last burst of the strongest")
        self.reading.setFont(scaled_font(self, 1.3, bold=True))
        self.reading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notes = wrapped("", name="Notes")
        top = QHBoxLayout()
        top.addWidget(QLabel("Source:"))
        top.addWidget(self.source, 1)
        top.addWidget(QLabel("Region:"))
        top.addWidget(self.region)
        top.addWidget(self.start_btn)
        top.addWidget(self.stop_btn)
        col = QVBoxLayout(self)
        col.addWidget(wrapped(PROCEDURE, name="How to sweep"))
        col.addLayout(top)
        col.addWidget(self.record)
        col.addWidget(self.status)
        col.addWidget(self.table, 1)
        col.addWidget(self.reading)
        col.addWidget(self.meter)
        col.addWidget(wrapped(CAUTION, name="What a finding means"))
        col.addWidget(self.notes)
        self._queue: queue.Queue[Snapshot] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)
        self.region.setCurrentText("uk")

    # --- worker --------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._work, args=(self.source.text().strip(),
                                                                 self.region.currentText(),
                                                                 self.record.isChecked()), daemon=True)
        self.start_btn.setEnabled(False)
        self.stop_btn.setEnabled(True)
        self.status.setText("Sweeping…")
        self._thread.start()
        self._timer.start(POLL_MS)

    def stop(self) -> None:
        self._stop.set()

    def _work(self, spec: str, region: str, record: bool) -> None:
        from trackerscan.live_radio import RadioSweep

        def snapshot(live: LiveRf, analysed: bool) -> None:
            if self._stop.is_set():
                sweep.stop()
            elif analysed:
                self._queue.put(self._snapshot(live))

        try:
            sweep = RadioSweep(spec, region, self.data_dir, session=record, on_hop=snapshot)
            result = sweep.run()
        except TrackerscanError as exc:
            self._queue.put(Snapshot([], None, 0.0, [], error=str(exc), finished=True))
            return
        final = result.analysis
        self._queue.put(Snapshot(final.transmitters, result.meter, final.seconds / 60, final.notes,
                                 finished=True, session=result.session.name if result.session else None))

    @staticmethod
    def _snapshot(live: LiveRf) -> Snapshot:
        a = live.analysis
        minutes = ((live.last_time or 0.0) - (live.first_time or 0.0)) / 60
        return Snapshot(list(live.candidates), live.meter(), minutes, a.notes if a else [])

    # --- drawing -------------------------------------------------------------------------------------
    def _poll(self) -> None:
        last = None
        while True:
            try:
                last = self._queue.get_nowait()
            except queue.Empty:
                break
        if last is not None:
            self.show_snapshot(last)

    def show_snapshot(self, s: Snapshot) -> None:
        if s.error:
            self.status.setText(s.error)
        elif s.finished:
            self.status.setText(f"Sweep ended after {s.minutes:.1f} minutes."
                                + (f" Recorded in the session {s.session}." if s.session else ""))
        else:
            self.status.setText(f"Sweeping: {s.minutes:.1f} minutes so far.")
        self.table.setRowCount(len(s.candidates))
        for r, t in enumerate(s.candidates):
            cells = (t.band, f"{mhz(t.low_hz)}–{mhz(t.high_hz)}", f"{t.period_s:.0f} s", str(t.bursts),
                     f"{t.above_floor_db:.0f} dB", f"{t.confidence:.2f}")
            for c, value in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        m = s.meter
        if m is None:
            self.reading.setText("No regular transmitter yet.")
            self.meter.set_value(0.0)
        elif m.last_db is None:
            self.reading.setText(f"Strongest: every {m.target.period_s:.0f} s; waiting for its next burst.")
        else:
            trend = {"closer": "stronger than the one before", "further": "weaker than the one before",
                     "steady": "about the same as the one before"}.get(m.trend.value, "")
            words = f"Last burst {m.last_db:.0f} dB over the floor"
            self.reading.setText(words + (f", {trend}" if trend else ""))
            self.meter.set_value(m.gauge / 100)
        # the last note is what a finding (or none) means: CAUTION above says it for both cases
        self.notes.setText("\n".join(s.notes[:-1]))
        if s.finished:
            self._timer.stop()
            self.start_btn.setEnabled(True)
            self.stop_btn.setEnabled(False)

    def closeEvent(self, event: object) -> None:
        self._stop.set()
        self._timer.stop()
        super().closeEvent(event)  # type: ignore[arg-type]

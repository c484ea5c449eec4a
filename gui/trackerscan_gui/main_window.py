"""The main window: live view, tracker detail, find mode and review, over one `Runner`."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import (
    QElapsedTimer,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    pyqtSignal,
)
from PyQt6.QtGui import QAction, QCloseEvent, QFont, QFontMetrics, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from trackerscan.errors import TrackerscanError
from trackerscan.model import DeviceState, Level

from . import settings as settings_mod
from . import wording
from .icons import app_icon
from .models import DEVICE_ROLE, AlertLogModel, DeviceDelegate, DeviceFilter, DeviceTableModel
from .own_devices import OwnDevicesDialog
from .runner import Runner, Snapshot
from .style import STYLE
from .views import AlertPanel, DetailView, FindView, MineQuestion, StatusLine, level_is_alert

REFRESH_MS = 500  # the list is refreshed from the engine's snapshot twice a second
QUICK_EXIT_MS = 1000  # two Esc presses within this time hide the window at once
TITLE = "trackerscan: find trackers that travel with you"
# The widest usual text of each list column, to size the columns once.
COLUMN_SAMPLES = (
    "Tracker, away from owner",
    "Samsung SmartTag",
    "45 min at 12 places",
    "-48 dBm (very close)",
    "25 min ago",
)
# The same for the shorter words a narrow window shows (wording.status_compact...), "Last heard" left out.
COMPACT_SAMPLES = ("Away from owner", "Samsung SmartTag", "45 min, 12 places", "-48 dBm")
# Narrowest a column is squeezed to before its text is elided (px).
MIN_COLUMN_PX = 48
LAST_HEARD_COLUMN = 4
DISCREET_TITLE = "Notes"


class MainWindow(QMainWindow):
    """Views over the engine's state.  All detection is in the engine; this window only shows it."""

    first_alert = pyqtSignal()
    quick_exit_done = pyqtSignal()
    open_session_requested = pyqtSignal()
    import_requested = pyqtSignal()
    report_requested = pyqtSignal()
    settings_requested = pyqtSignal()
    demo_requested = pyqtSignal()

    def __init__(
        self,
        runner: Runner,
        settings: settings_mod.Settings,
        settings_path: Path | None = None,
        review: bool = False,
    ) -> None:
        super().__init__()
        self.runner = runner
        self.settings = settings
        self.settings_path = settings_path
        self.review = review
        self.data_dir: str | None = None  # --data-dir, set by the controller (else the settings' folder)
        self.snapshot: Snapshot | None = None
        self._alert_seen = False
        self._detail_ticks = 0
        self._esc = QElapsedTimer()
        # A confirmation hook: tests replace it; the window asks with a message box.
        self.ask: Callable[[str, str], bool] = self._ask_box
        self.tell: Callable[[str, str], None] = self._tell_box

        self.model = DeviceTableModel(self)
        self.filter = DeviceFilter(self)
        self.filter.setSourceModel(self.model)
        self.log = AlertLogModel(self)

        self.status_line = StatusLine()
        self.table = QTableView()
        self.table.setModel(self.filter)
        self.table.setAccessibleName("Devices heard")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        vertical, horizontal = self.table.verticalHeader(), self.table.horizontalHeader()
        assert vertical is not None and horizontal is not None
        vertical.setVisible(False)
        self.table.setWordWrap(False)
        # Column widths from the font, once: sizing to contents would read every row at each refresh.
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setStretchLastSection(True)
        bold = QFont(self.table.font())
        bold.setBold(True)  # alerts are in bold: size for the wider face
        fm, plain = QFontMetrics(bold), QFontMetrics(self.table.font())
        pad = fm.averageCharWidth() + 8

        def widths(samples: tuple[str, ...]) -> list[int]:  # only the status column is ever bold
            return [(fm if i == 0 else plain).horizontalAdvance(s) + pad for i, s in enumerate(samples)]

        self._full_widths = widths(COLUMN_SAMPLES)
        self._compact_widths = widths(COMPACT_SAMPLES)
        for column, width in enumerate(self._full_widths):
            self.table.setColumnWidth(column, width)
        # On a narrow window (the Pi's 800x480) the list drops "Last heard" and shows shorter words, so
        # status, kind, "with you" and signal fit without scrolling sideways (_fit_columns).
        self.delegate = DeviceDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self._fit_width = -1
        table_viewport = self.table.viewport()
        assert table_viewport is not None
        table_viewport.installEventFilter(self)
        vertical.setDefaultSectionSize(fm.height() + fm.height() // 2)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.doubleClicked.connect(lambda _i: self.show_detail(self.selected_id()))
        self.table.activated.connect(lambda _i: self.show_detail(self.selected_id()))
        self.which = QComboBox()
        self.which.addItems(["Trackers only", "All devices"])
        self.which.setAccessibleName("Which devices to list")
        self.which.currentIndexChanged.connect(lambda i: self.filter.set_trackers_only(i == 0))
        which_label = QLabel("&Show:")
        which_label.setBuddy(self.which)
        self.count = QLabel("")
        self.count.setAccessibleName("Number of devices")
        self.log_view = QListView()
        self.log_view.setModel(self.log)
        self.log_view.setAccessibleName("Alert log")
        self.log_view.setWordWrap(True)
        self.log_view.setMaximumHeight(self.fontMetrics().height() * 4 + 8)  # four entries
        log_label = QLabel("Alert &log (kept, newest first):")
        log_label.setBuddy(self.log_view)

        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(which_label)
        top.addWidget(self.which)
        top.addStretch(1)
        top.addWidget(self.count)
        lcol.addLayout(top)
        lcol.addWidget(self.table, 1)
        lcol.addWidget(log_label)
        lcol.addWidget(self.log_view)

        self.alert_panel = AlertPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.alert_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        live = QWidget()
        col = QVBoxLayout(live)
        col.setContentsMargins(6, 6, 6, 6)
        col.addWidget(self.status_line)
        self.question = MineQuestion()
        self.question.mine.connect(lambda d: self.mark_mine(d, confirm=False))
        self.question.not_mine.connect(self.mark_not_mine)
        self._asked: set[str] = set()  # devices asked "Is this yours?" (once each)
        col.addWidget(self.question)
        col.addWidget(self.splitter, 1)

        self.detail = DetailView()
        self.finder = FindView()
        self.blank = QWidget()
        self.stack = QStackedWidget()
        for w in (live, self.detail, self.finder, self.blank):
            self.stack.addWidget(w)
        self.live_page = live
        self.setCentralWidget(self.stack)

        ap = self.alert_panel
        ap.show_requested.connect(self.show_detail)
        ap.find_requested.connect(self.find_device)
        ap.mine_requested.connect(self.mark_mine)
        ap.sound_requested.connect(self.play_sound)
        self.detail.back_requested.connect(self.show_live)
        self.detail.find_requested.connect(self.find_device)
        self.detail.mine_requested.connect(self.mark_mine)
        self.detail.sound_requested.connect(self.play_sound)
        self.finder.back_requested.connect(self.show_live)
        self.finder.sound_requested.connect(self.play_sound)
        self.status_line.place_mark_requested.connect(self.place_mark)
        self.status_line.demo_requested.connect(self.demo_requested)
        self._ring_done.connect(self._show_ring_result)

        self._build_menus()
        # A shortcut, not a key handler: it works whichever control has the focus.
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self.escape.activated.connect(self._escape)
        self.setStyleSheet(STYLE)
        self.apply_discreet()
        self.resize(1000, 640)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    _ring_done = pyqtSignal(str, str)

    # --- menus ---------------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.Resize and obj is self.table.viewport():
            self._fit_columns()
        return super().eventFilter(obj, event)

    def _fit_columns(self) -> None:
        """Full columns when they fit; else without "Last heard"; else shorter words, squeezed to fit."""
        viewport = self.table.viewport()
        avail = viewport.width() if viewport is not None else 0
        if avail <= 0 or avail == self._fit_width:
            return
        self._fit_width = avail
        full = self._full_widths
        compact = sum(full[:LAST_HEARD_COLUMN]) > avail
        self.table.setColumnHidden(LAST_HEARD_COLUMN, sum(full) > avail)
        widths = list(self._compact_widths if compact else full[:LAST_HEARD_COLUMN])
        over = sum(widths) - avail
        if over > 0:  # still too wide: take it from the widest columns (Qt elides what no longer fits)
            for _ in range(len(widths)):
                widest = max(range(len(widths)), key=widths.__getitem__)
                cut = min(over, widths[widest] - MIN_COLUMN_PX)
                widths[widest] -= max(0, cut)
                over -= max(0, cut)
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        if self.delegate.compact != compact:
            self.delegate.compact = compact
            if viewport is not None:
                viewport.update()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        assert bar is not None
        file_menu = bar.addMenu("&File")
        assert file_menu is not None

        def add(menu: object, text: str, slot: Callable[[], object], key: str | None = None) -> QAction:
            action = QAction(text, self)
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _=False: slot())
            menu.addAction(action)  # type: ignore[attr-defined]
            return action

        add(file_menu, "&Open recorded session…", self.open_session_requested.emit, "Ctrl+O")
        add(file_menu, "&Import capture (btsnoop with NMEA or GPX)…", self.import_requested.emit, "Ctrl+I")
        self.report_action = add(file_menu, "&Create report…", self.report_requested.emit, "Ctrl+R")
        file_menu.addSeparator()
        add(file_menu, "&Quit", self.close, "Ctrl+Q")
        view_menu = bar.addMenu("&View")
        add(view_menu, "&Trackers only", lambda: self.which.setCurrentIndex(0), "Ctrl+T")
        add(view_menu, "&All devices", lambda: self.which.setCurrentIndex(1), "Ctrl+A")
        add(
            view_menu,
            "&Details of the selected device",
            lambda: self.show_detail(self.selected_id()),
            "Ctrl+D",
        )
        add(view_menu, "&Find the selected device", lambda: self.find_device(self.selected_id()), "Ctrl+F")
        add(view_menu, "&Back to the list", self.show_live, "Alt+Left")
        add(view_menu, "&Cellular trackers (radio sweep)…", self._open_rf)
        settings_menu = bar.addMenu("&Settings")
        add(settings_menu, "&Settings…", self.settings_requested.emit, "Ctrl+,")
        add(settings_menu, "Declare your &own devices…", self.declare_own_devices)
        help_menu = bar.addMenu("&Help")
        add(help_menu, "&What this app can and cannot see", self._about)

    def _open_rf(self) -> None:
        """The radio sweep for cellular GPS trackers, in its own window (trackerscan_gui.rf_view)."""
        from .rf_view import RfView

        self.rf_view = RfView(data_dir=self.data_dir or self.settings.session_dir or None)
        self.rf_view.resize(900, 640)
        self.rf_view.show()

    def _about(self) -> None:
        self.tell(
            "What this app can and cannot see",
            "It listens for Bluetooth trackers (AirTag, SmartTag, Tile, Find My Device tags and others) "
            "and tells you when one has been with you at several places.\n\n"
            "Bluetooth cannot see GPS trackers with a SIM card; the radio sweep (View → Cellular "
            "trackers) can, with a tinySA, an RTL-SDR or a HackRF, while they transmit. It cannot see "
            "tracking through a phone or an app. "
            "A tracker that is near its owner is shown but does not raise an alert. "
            "Apple trackers change their identity every day, so one tracker can appear as two.\n\n"
            "Nothing is sent anywhere: what it records stays on this computer.",
        )

    # --- refresh ---------------------------------------------------------------------------------------
    def set_runner(self, runner: Runner, review: bool) -> None:
        """Show another source of events (live, demo, a recording): the views start empty."""
        self._stop_finding()
        self.runner = runner
        self.review = review
        self.snapshot = None
        self._alert_seen = False
        self.model.set_devices([], 0.0)
        self.log.clear()
        self.log_view.setModel(self.log)
        self.question.ask(None)
        self._asked.clear()
        self.alert_panel.show_device(None, [], "", "")
        self.detail.show_device(None, [], [])
        self.stack.setCurrentWidget(self.live_page)
        self.refresh()

    def refresh(self, fresh: bool = False) -> None:
        snap = self.runner.snapshot(fresh)
        self.snapshot = snap
        if self.stack.currentWidget() is self.blank:
            return
        selected = self.selected_id()
        now = snap.status.last_time or 0.0
        self.model.set_devices(snap.devices, now)
        if selected:
            self.select(selected)
        self.log.add(snap.changes)
        n_all = len(snap.devices)
        n_trackers = sum(1 for d in snap.devices if d.tracker)
        self.count.setText(f"{n_trackers} trackers, {n_all} devices")
        self.status_line.show_status(snap.status)
        alerts = [d for d in snap.devices if level_is_alert(d)]
        current = self.alert_panel.device
        shown = next((d for d in alerts if current and d.device_id == current.device_id), None)
        shown = shown or (alerts[0] if alerts else None)
        others = [d for d in alerts if shown is not None and d.device_id != shown.device_id]
        watching = sum(1 for d in snap.devices if d.level is Level.WATCH and not d.known)
        self.alert_panel.show_device(
            shown,
            others,
            self.settings.helpline_text(),
            self.settings.emergency_number(),
            watching,
            not_scanning=(snap.status.ble_detail or "No Bluetooth adapter was found.")
            if snap.status.ble_state == "absent"
            else "",
        )
        page = self.stack.currentWidget()
        if page is self.finder and self.finder.device_id:
            followed = self.device(self.finder.device_id)
            if followed is not None:  # rotating trackers get new addresses: follow those too
                self.runner.follow(followed.addresses, keep=True)
            self.finder.update_row(self.runner.sweep_row())
        elif page is self.detail and self.detail.device is not None:
            self._detail_ticks += 1
            if self._detail_ticks % 4 == 0:  # history is heavier: every 2 s
                self._fill_detail(self.detail.device.device_id)
        if not self.question.device_id:
            ask = next((d for d in snap.devices if d.ask_mine and d.device_id not in self._asked), None)
            if ask is not None and not self.review:
                self._asked.add(ask.device_id)
                self.question.ask(ask)
        if alerts and not self._alert_seen:
            self._alert_seen = True
            self.first_alert.emit()

    def device(self, device_id: str) -> DeviceState | None:
        snap = self.snapshot
        if snap is None:
            return None
        return next((d for d in snap.devices if d.device_id == device_id), None)

    def selected_id(self) -> str:
        sel = self.table.selectionModel()
        if sel is None:
            return ""
        rows = sel.selectedRows()
        if not rows:
            return ""
        d = rows[0].data(DEVICE_ROLE)
        return d.device_id if isinstance(d, DeviceState) else ""

    def select(self, device_id: str) -> None:
        row = self.model.row_of(device_id)
        if row < 0:
            return
        index = self.filter.mapFromSource(self.model.index(row, 0))
        sel = self.table.selectionModel()
        if index.isValid() and sel is not None:
            sel.select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            sel.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)

    # --- pages -----------------------------------------------------------------------------------------
    def _stop_finding(self) -> None:
        self.finder.stop()
        self.runner.unfollow()

    def show_live(self) -> None:
        self._stop_finding()
        self.stack.setCurrentWidget(self.live_page)
        self.table.setFocus()

    def show_detail(self, device_id: str) -> None:
        if not device_id or self.device(device_id) is None:
            return
        self._stop_finding()
        self._fill_detail(device_id)
        self.stack.setCurrentWidget(self.detail)
        self.detail.back.setFocus()

    def _fill_detail(self, device_id: str) -> None:
        d = self.device(device_id)
        history, track = self.runner.with_engine(lambda e: (e.history(device_id), e.track()))
        self.detail.show_device(d, history, track)

    def find_device(self, device_id: str) -> None:
        d = self.device(device_id)
        if d is None:
            return
        self.runner.follow(d.addresses)
        self.finder.start(d)
        self.finder.beep.setChecked(self.settings.beep)
        self.stack.setCurrentWidget(self.finder)
        self.finder.back.setFocus()

    # --- actions ---------------------------------------------------------------------------------------
    def declare_own_devices(self) -> None:
        """The first-run step (also in the Settings menu): tick her own devices among those heard now."""
        self.refresh(fresh=True)
        snap = self.snapshot
        assert snap is not None
        dialog = OwnDevicesDialog(snap.devices, snap.status.last_time or 0.0, self)
        self.own_devices_dialog = dialog
        dialog.accepted.connect(lambda: [self.mark_mine(d.device_id, confirm=False) for d in dialog.chosen()])
        dialog.open()

    def mark_not_mine(self, device_id: str) -> None:
        """ "Not mine" or "I don't know" to "Is this yours?": it may now be warned about."""
        if self.device(device_id) is None:
            return
        self.runner.with_engine(lambda e: e.mark_not_mine(device_id))
        self.runner.publish()
        self.refresh()

    def mark_mine(self, device_id: str, confirm: bool = True) -> None:
        """ "It's mine" (``confirm``: asked first; the answer to "Is this yours?" already says it)."""
        d = self.device(device_id)
        if d is None:
            return
        caution = wording.MINE_CAUTION.format(name=wording.kind_name(d.kind))
        if confirm and not self.ask("It's mine", caution):
            return
        self.runner.its_mine(device_id)
        self.log.mark_mine(device_id)
        self.runner.publish()
        if device_id not in self.settings.known_ids():
            self.settings.known.append(
                settings_mod.KnownDevice(
                    device_id=device_id,
                    label=wording.kind_name(d.kind),
                    identifiers=list(d.identifiers),
                    addresses=list(d.addresses),
                )
            )
            if not self.review:
                self.save_settings()
        self.refresh()
        if self.stack.currentWidget() is self.detail:
            self._fill_detail(device_id)

    def place_mark(self) -> None:
        """The user says they are somewhere else now (no GPS): a PlaceMark into the engine."""
        n = self.runner.status.marks + 1
        self.runner.place_mark(f"place {n}", time.time())
        self.refresh()

    def play_sound(self, device_id: str) -> None:
        d = self.device(device_id)
        if d is None or not d.can_ring:
            return
        name = wording.kind_name(d.kind)
        if not self.ask("Play a sound", wording.SOUND_CAUTION.format(name=name)):
            return
        if self.runner.status.ble_state in ("demo", "review"):
            self.tell(
                "Play a sound",
                "This is a demo or a recording: no tracker is really nearby, so no sound was played.",
            )
            return
        from trackerscan.find.procedures import procedure_for
        from trackerscan.find.ring import ring

        procedure = procedure_for(d.kind)
        if procedure is None or not d.addresses:
            self.tell("Play a sound", "This kind of tracker cannot be asked to play a sound.")
            return
        kind, _, rest = self.settings.ble_source.partition(":")
        if kind == "hci":  # through the dongle the live scan holds (it opens once), else its transport
            device = getattr(self.runner.ble_source, "bumble_device", None)
            future = self.runner.submit(
                ring(d.addresses[-1], procedure, transport=rest, bumble_device=device)
            )
        else:
            future = self.runner.submit(ring(d.addresses[-1], procedure, adapter=rest.split(",")[0] or None))
        self.status_line.ble.setText(f"Asking the {name} to play its sound…")

        def done(f: object) -> None:
            try:
                result = future.result()
                self._ring_done.emit(name, result.message)
            except Exception as exc:  # the ring code returns results; anything else is shown, not raised
                self._ring_done.emit(name, str(exc))

        future.add_done_callback(done)

    def _show_ring_result(self, name: str, message: str) -> None:
        self.tell("Play a sound", f"{name}: {message}")

    # --- discreet mode and quick exit ------------------------------------------------------------------
    def apply_discreet(self) -> None:
        self.setWindowTitle(DISCREET_TITLE if self.settings.discreet else TITLE)
        icon = app_icon(self.settings.discreet)
        self.setWindowIcon(icon)  # the title bar, and the task bar on Windows and Linux
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setWindowIcon(icon)  # the Dock's icon on macOS, and every dialog's

    def _escape(self) -> None:
        """Esc twice within QUICK_EXIT_MS: quick exit, wherever the focus is in the window."""
        if self._esc.isValid() and self._esc.elapsed() <= QUICK_EXIT_MS:
            self.quick_exit()
        else:
            self._esc.start()

    def quick_exit(self) -> None:
        """Hide at once and clear what is on screen.  Recorded data is kept."""
        self.hide()
        if sys.platform == "darwin":
            # macOS keeps a hidden window's program active, its name in the menu bar: hide the
            # whole program as Cmd-H does, so the next one takes the screen (AppKit comes with bleak).
            with contextlib.suppress(Exception):
                from AppKit import NSApp

                NSApp.hide_(None)
        self.stack.setCurrentWidget(self.blank)
        self.model.set_devices([], 0.0)
        self.alert_panel.show_device(None, [], "", "")
        self.detail.show_device(None, [], [])
        self.finder.stop()
        self.log_view.setModel(None)
        self.quick_exit_done.emit()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        self.timer.stop()
        self.finder.stop()
        super().closeEvent(event)

    # --- dialogs ---------------------------------------------------------------------------------------
    def _ask_box(self, title: str, text: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

    def save_settings(self) -> None:
        """Save the settings; if they cannot be saved, say so (they still apply until the program closes)."""
        if self.settings_path is None:
            return
        try:
            settings_mod.save(self.settings, self.settings_path)
        except TrackerscanError as exc:
            self.tell("Settings not saved", f"{exc} They apply until trackerscan is closed.")

    def _tell_box(self, title: str, text: str) -> None:
        QMessageBox.information(self, title, text)

    def first_index(self) -> QModelIndex:
        return self.filter.index(0, 0)

"""`trackerscan-gui`: start the desktop application (live, demo or review)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PyQt6.QtCore import QObject, QTimer
from PyQt6.QtWidgets import QApplication, QDialog, QFileDialog

from trackerscan.errors import InputError, TrackerscanError
from trackerscan.safetext import is_digits

from . import settings as settings_mod
from .main_window import MainWindow
from .own_devices import FIRST_RUN_LISTEN_MS
from .runner import Runner, Status
from .sessions import import_capture, make_engine, start_live, start_review
from .settings import Settings
from .settings_dialog import SettingsDialog

SCREENSHOT_DELAY_MS = 800  # after the first alert, let the panel and list settle before the picture
SCREENSHOT_TIMEOUT_MS = 120_000  # give up on --screenshot if no alert has come by then


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trackerscan-gui",
        description="Find Bluetooth trackers that travel with you (desktop application).",
    )
    p.add_argument("--demo", action="store_true", help="play the built-in demo walk: no radio, no GPS needed")
    p.add_argument(
        "--demo-seconds",
        type=float,
        default=None,
        metavar="S",
        help="seconds until the demo's first alert (default 20)",
    )
    p.add_argument(
        "--screenshot",
        metavar="PATH",
        help="save the window as PNG once the demo has raised its first alert, then exit",
    )
    p.add_argument("--open", metavar="FILE", help="review a recorded session or btsnoop capture")
    p.add_argument(
        "--gps-file", metavar="FILE", help="with --open on a btsnoop capture: its NMEA or GPX track"
    )
    p.add_argument("--config", metavar="FILE", help="settings file (default: gui.json in your config folder)")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are recorded")
    p.add_argument("--ble", metavar="SOURCE", help="Bluetooth source for this run, e.g. bleak:hci1")
    p.add_argument("--gps", metavar="SOURCE", help="GPS source for this run, e.g. gpsd or nmea:/dev/ttyACM0")
    p.add_argument("--size", metavar="WxH", help="window size, e.g. 800x480 for a 7-inch screen")
    return p


class Controller(QObject):
    """Starts and swaps what feeds the window: live scanning, the demo, or a recording."""

    def __init__(self, settings: Settings, settings_path: Path | None, data_dir: str | None) -> None:
        super().__init__()
        self.settings = settings
        self.settings_path = settings_path
        self.data_dir = data_dir
        self.review_path: Path | None = None
        self.window = MainWindow(
            Runner(make_engine(settings), Status(ble_state="starting")), settings, settings_path
        )
        w = self.window
        w.data_dir = data_dir
        w.demo_requested.connect(lambda: self.start_demo())
        w.open_session_requested.connect(self._ask_open)
        w.import_requested.connect(self._ask_import)
        w.report_requested.connect(self._ask_report)
        w.settings_requested.connect(self.edit_settings)
        w.quick_exit_done.connect(self.quit)

    @property
    def runner(self) -> Runner:
        return self.window.runner

    def _swap(self, runner: Runner, review: bool) -> None:
        old = self.window.runner
        self.window.set_runner(runner, review)
        old.stop()

    def start_live(self) -> None:
        self.review_path = None
        self._swap(start_live(self.settings, self.data_dir), review=False)
        if not self.settings.own_devices_asked:  # first run: offer "Your own devices" after a while
            # A child of the window, so it dies with it and never fires into a closed window.
            timer = QTimer(self.window)
            timer.setSingleShot(True)
            timer.timeout.connect(self.first_run_own_devices)
            timer.start(FIRST_RUN_LISTEN_MS)

    def first_run_own_devices(self) -> None:
        """Offer the first-run step once, while scanning live (not in a demo or a review)."""
        if self.settings.own_devices_asked or self.runner.status.ble_state != "scanning":
            return
        self.settings.own_devices_asked = True
        self.window.save_settings()
        self.window.declare_own_devices()

    def start_demo(self, alert_after_s: float | None = None) -> None:
        from trackerscan.demo import ALERT_AFTER_S, build_demo, play

        demo = build_demo(alert_after_s if alert_after_s is not None else ALERT_AFTER_S)
        runner = Runner(
            make_engine(self.settings, demo.known),
            Status(ble_name=demo.name, ble_state="demo", gps_name="demo", gps_state="waiting"),
        )
        self.review_path = None
        self._swap(runner, review=False)
        runner.add_source(play(demo.events, demo.speed), "ble")

    def open_review(self, path: Path, gps_file: Path | None = None) -> None:
        """Review a session or btsnoop capture; a capture with a GPS track is first kept as a session."""
        if gps_file is not None:
            path = import_capture(path, gps_file, self.data_dir or self.settings.session_dir or None)
        runner = start_review(self.settings, path)
        self.review_path = path
        self._swap(runner, review=True)

    def report_source(self) -> Path:
        """The session a report would be made of: the one under review, or the one being recorded."""
        if self.review_path is not None:
            return self.review_path
        recording = self.runner.status.recording
        if recording:
            return Path(recording)
        raise InputError(
            "There is no recording to report on: open a recorded session (File > Open recorded session) "
            "or import a capture first. The demo is not recorded."
        )

    def create_report(self, out: Path) -> Path:
        """Write the evidence report (PDF or HTML by its name) as `trackerscan report` does."""
        from datetime import datetime

        from trackerscan.sessions.findings import analyse
        from trackerscan.sessions.report import write_report
        from trackerscan.sessions.report.content import build

        source = self.report_source()
        tz = datetime.now().astimezone().tzinfo
        assert tz is not None
        analysis = analyse(source, self.settings.sensitivity)
        write_report(build(analysis, tz, time.time()), out)
        return out

    # --- dialogs ---------------------------------------------------------------------------------------
    def _ask_open(self) -> None:
        from trackerscan.sessions.paths import sessions_dir

        name, _ = QFileDialog.getOpenFileName(
            self.window,
            "Open a recorded session or capture",
            str(sessions_dir(self.data_dir or self.settings.session_dir or None)),
            "Sessions and captures (*.sqlite *.btsnoop *.log *.cfa *.snoop);;All files (*)",
        )
        if name:
            self._guarded(lambda: self.open_review(Path(name)))

    def _ask_import(self) -> None:
        cap, _ = QFileDialog.getOpenFileName(
            self.window,
            "Bluetooth capture (btsnoop)",
            "",
            "btsnoop captures (*.btsnoop *.log *.cfa *.snoop);;All files (*)",
        )
        if not cap:
            return
        gps, _ = QFileDialog.getOpenFileName(
            self.window,
            "Its GPS track (NMEA or GPX), or Cancel for none",
            "",
            "GPS tracks (*.nmea *.gpx *.log *.txt);;All files (*)",
        )
        self._guarded(lambda: self.open_review(Path(cap), Path(gps) if gps else None))

    def _ask_report(self) -> None:
        from trackerscan.sessions.paths import reports_dir

        try:
            source = self.report_source()
        except TrackerscanError as exc:
            self.window.tell("Create report", str(exc))
            return
        folder = reports_dir(self.data_dir or self.settings.session_dir or None, create=True)
        name, _ = QFileDialog.getSaveFileName(
            self.window,
            "Save the evidence report",
            str(folder / f"{source.stem}.pdf"),
            "PDF (*.pdf);;HTML (*.html)",
        )
        if name:
            self._guarded(
                lambda: self.window.tell(
                    "Report written", f"The report was saved as {self.create_report(Path(name))}."
                )
            )

    def _guarded(self, action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except TrackerscanError as exc:
            self.window.tell("Cannot do that", str(exc))

    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.settings, os.environ.get("LANG", ""), self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.apply_settings(dialog.result_settings())

    def apply_settings(self, new: Settings) -> None:
        """Keep new settings (saved 0600), show discreet mode at once, restart scanning if sources changed."""
        sources_changed = (new.ble_source, new.gps_source, new.sensitivity) != (
            self.settings.ble_source,
            self.settings.gps_source,
            self.settings.sensitivity,
        )
        self.settings = new
        self.window.settings = new
        self.window.save_settings()
        self.window.apply_discreet()
        if sources_changed and not self.window.review and self.runner.status.ble_state != "demo":
            self.start_live()

    def quit(self) -> None:
        self.runner.stop()
        app = QApplication.instance()
        if app is not None:
            app.quit()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else sys.argv[1:])
    has_screen = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if not has_screen and "QT_QPA_PLATFORM" not in os.environ:
        if not args.screenshot:
            print("trackerscan-gui: there is no screen to show the window on (no DISPLAY): start it from the "
                  "desktop, or use --screenshot PATH to save a picture instead.", file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    app = QApplication.instance()
    own_app = app is None
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "trackerscan-gui"])
    app.setApplicationName("trackerscan")
    app.setQuitOnLastWindowClosed(True)
    config = Path(args.config) if args.config else settings_mod.default_path()
    try:
        settings = settings_mod.load(config)
    except TrackerscanError as exc:
        print(f"trackerscan-gui: {exc}", file=sys.stderr)
        return 2
    if args.ble:
        settings.ble_source = args.ble
    if args.gps:
        settings.gps_source = args.gps
    ctl = Controller(settings, config, args.data_dir)
    window = ctl.window
    if args.size:
        w, _, h = args.size.partition("x")
        if not (is_digits(w) and is_digits(h)):
            print(
                f"trackerscan-gui: --size {args.size!r} is not a size: write it like 800x480.",
                file=sys.stderr,
            )
            return 2
        window.resize(int(w), int(h))
    status = 0
    try:
        if args.open:
            ctl.open_review(Path(args.open), Path(args.gps_file) if args.gps_file else None)
        elif args.demo or args.screenshot:
            ctl.start_demo(args.demo_seconds)
        else:
            ctl.start_live()
    except TrackerscanError as exc:
        print(f"trackerscan-gui: {exc}", file=sys.stderr)
        return 2
    if args.screenshot:
        target = Path(args.screenshot)

        def shoot() -> None:
            window.grab().save(str(target))
            print(f"saved {target}")
            ctl.quit()

        def give_up() -> None:
            nonlocal status
            print("trackerscan-gui: no alert came in time; no screenshot saved", file=sys.stderr)
            status = 1
            ctl.quit()

        window.first_alert.connect(lambda: QTimer.singleShot(SCREENSHOT_DELAY_MS, shoot))
        QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)
    app.aboutToQuit.connect(lambda: ctl.runner.stop())
    window.show()
    rc = app.exec()
    ctl.runner.stop()
    if own_app:
        del ctl
    return status or rc


if __name__ == "__main__":
    sys.exit(main())

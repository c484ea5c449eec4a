"""`trackerscan gui`: open the desktop application (the same as `trackerscan-gui`).

The core never imports Qt: the application package is loaded by name, only when this command runs.
"""

from __future__ import annotations

import argparse
import importlib

from trackerscan.errors import TrackerscanError

ORDER = 90


class GuiMissingError(TrackerscanError):
    """The desktop application's packages are not installed."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "gui",
        help="open the desktop application",
        description="Open the desktop application: live scanning with plain-words alerts, a demo, "
        "and review of recordings.",
    )
    p.add_argument("--demo", action="store_true", help="play the built-in demo walk: no radio, no GPS needed")
    p.add_argument("--screenshot", metavar="PATH", help="save the window once the demo alerts, then exit")
    p.add_argument("--open", metavar="FILE", help="review a recorded session or btsnoop capture")
    p.add_argument("--gps-file", metavar="FILE", help="with --open on a btsnoop capture: its NMEA/GPX track")
    p.add_argument("--ble", metavar="SOURCE", help="Bluetooth source, e.g. bleak:hci1")
    p.add_argument("--gps", metavar="SOURCE", help="GPS source, e.g. gpsd or nmea:/dev/ttyACM0")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are recorded")
    p.add_argument("--config", metavar="FILE", help="settings file")
    p.add_argument("--size", metavar="WxH", help="window size, e.g. 800x480")
    p.set_defaults(func=run)


def gui_argv(args: argparse.Namespace) -> list[str]:
    """The `trackerscan-gui` arguments equivalent to these options."""
    argv: list[str] = ["--demo"] if args.demo else []
    for name in ("screenshot", "open", "gps_file", "ble", "gps", "data_dir", "config", "size"):
        value = getattr(args, name)
        if value is not None:
            argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


def run(args: argparse.Namespace) -> int:
    try:
        app = importlib.import_module("trackerscan_gui.app")
    except ImportError as exc:
        raise GuiMissingError(
            f"The desktop application cannot start ({exc}); install it with: pip install 'trackerscan[gui]'."
        ) from None
    status: int = app.main(gui_argv(args))
    return status

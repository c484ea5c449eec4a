"""`trackerscan install-service [--remove]`: start the Pi kit at boot, restart it when it dies."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from trackerscan.pi import service
from trackerscan.pi.gpio import Pins

ORDER = 81

# The systemctl runner; None when systemd is not running (set by `run`, replaceable in tests).
systemctl: service.Systemctl | None = service.run_systemctl


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "install-service",
        help="start the headless kit at boot (systemd unit)",
        description="Install and enable a systemd unit that runs `trackerscan run --headless` at boot "
        "and restarts it when it stops, plus a polkit rule letting that user shut the Pi down with "
        "the button and mount a USB stick.  Needs root (sudo).  --remove takes both away; recorded "
        "sessions are never deleted.",
    )
    p.add_argument("--remove", action="store_true", help="stop, disable and delete the unit")
    p.add_argument(
        "--user",
        default=os.environ.get("SUDO_USER") or getpass.getuser(),
        help="the user the scanner runs as and whose data folder holds the sessions "
        "(default: the user who ran sudo)",
    )
    p.add_argument("--ble", default="bleak", help="Bluetooth source for the unit (default: bleak)")
    p.add_argument("--gps", default="gpsd", help="GPS source for the unit (default: gpsd)")
    p.add_argument("--pins", default="", help="LED, buzzer and button pins, e.g. led=17,buzzer=23,button=26")
    p.add_argument("--silent", action="store_true", help="the unit runs the kit without its buzzer")
    p.add_argument("--known", metavar="FILE", help="your own devices, never raised (see `trackerscan known`)")
    p.add_argument("--python", default=sys.executable, metavar="PATH",
                   help="the Python (in the venv trackerscan is installed in) the unit runs "
                   "(default: this one)")
    p.add_argument(
        "--root",
        default=os.environ.get(service.ENV_ROOT, "/"),
        help=f"write under this directory instead of / (a disk image); systemctl is then not called "
        f"(default: ${service.ENV_ROOT} or /)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = Path(args.root)
    runner = systemctl
    why_not = ""
    if root.resolve() != Path("/"):
        runner, why_not = None, f"the files were written under {root}, not this computer's /"
    elif not service.systemd_running():
        runner, why_not = None, "systemd is not running on this computer, so systemctl was not called"
    if args.remove:
        outcome = service.remove(root, runner, why_not)
    else:
        pins = Pins.parse(args.pins)  # checked now, not at the next boot
        command = [args.python, "-m", "trackerscan", "run", "--headless", "--ble", args.ble,
                   "--gps", args.gps, "--pins", str(pins)]
        if args.silent:
            command.append("--silent")
        if args.known:
            command += ["--known", str(Path(args.known).absolute())]
        outcome = service.install(args.user, command, root, runner, why_not)
    for line in outcome.done:
        print(line)
    for line in outcome.to_run:
        print("  " + line)
    return 0

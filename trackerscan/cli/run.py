"""`trackerscan run --headless`: the Pi kit, warning with an LED and a buzzer, driven by a button."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from trackerscan.cli._common import add_ble_argument, add_recording_arguments
from trackerscan.errors import InputError
from trackerscan.rf.bands import REGIONS

if TYPE_CHECKING:
    from trackerscan.pi.gpio import KitGpio
    from trackerscan.pi.runner import KitRunner

ORDER = 80


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "run",
        help="the portable kit: scan, record and warn with an LED and a buzzer",
        description="Run the portable kit: scan for trackers, record sessions, and warn with an LED and a "
        "buzzer (patterns in hardware/ASSEMBLY.md).  Button: a short press starts or ends a sweep, a double "
        "press copies finished sessions to a USB stick, three presses start or end a radio sweep for "
        "cellular GPS trackers (with a tinySA, RTL-SDR or HackRF plugged in), holding it 3 s powers the "
        "Pi off.  "
        "SIGTERM or Ctrl-C ends the session cleanly.",
    )
    p.add_argument("--headless", action="store_true",
                   help="no screen: the LED and buzzer must work, or the kit refuses to start")
    add_ble_argument(p)
    p.add_argument("--gps", default="gpsd", metavar="SOURCE",
                   help="GPS source: gpsd, nmea:/dev/ttyACM0, fixed:LAT,LON or none (default: gpsd)")
    p.add_argument("--pins", default="", metavar="SPEC",
                   help="BCM pins, e.g. led=17,buzzer=27,button=22 (the defaults); 'none' for a part "
                   "that is not fitted, or --pins none for no GPIO at all")
    p.add_argument("--silent", action="store_true", help="never sound the buzzer (the LED still shows)")
    p.add_argument("--rf", default="auto", metavar="SPEC",
                   help="the radio for three presses: auto (the first tinySA, RTL-SDR or HackRF on USB), "
                   "a source as for 'trackerscan rf sweep --source', or none (default: auto)")
    p.add_argument("--rf-region", default="uk", choices=sorted(REGIONS),
                   help="the uplink bands the radio sweep covers (default: uk)")
    p.add_argument("--usb", metavar="DIR",
                   help="copy sessions to this folder on a double press, instead of finding a USB stick")
    add_recording_arguments(p)
    p.set_defaults(func=run)


def open_gpio(spec: str, headless: bool) -> KitGpio | None:
    """The kit's pins, or None for ``--pins none`` (or, with a screen, when there are no pins)."""
    import time

    from trackerscan.pi.gpio import GpioError, KitGpio, Pins

    if spec.strip().lower() == "none":
        if headless:
            print("trackerscan: warning: --pins none: this kit has no light, buzzer or button to warn with.",
                  file=sys.stderr)
        return None
    pins = Pins.parse(spec)
    try:
        return KitGpio(pins, time.monotonic)
    except GpioError as exc:
        if headless:
            raise
        print(f"trackerscan: {exc} Running without them.", file=sys.stderr)
        return None


async def _main(runner: KitRunner) -> int:
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runner.stop)
    loop.add_signal_handler(signal.SIGUSR1, runner.mark_place)  # `trackerscan place`
    try:
        return await runner.run()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            loop.remove_signal_handler(sig)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from trackerscan.pi.runner import KitConfig, KitRunner
    from trackerscan.pi.usb import UsbExporter
    from trackerscan.sessions.export import copy_sessions_to

    if args.usb is not None and not Path(args.usb).is_dir():
        raise InputError(f"--usb {args.usb}: no such folder.")
    config = KitConfig(ble=args.ble, gps=args.gps, silent=args.silent, sensitivity=args.sensitivity,
                       known=args.known, data_dir=args.data_dir, keep_hours=args.keep_hours, rf=args.rf,
                       rf_region=args.rf_region)
    exporter = UsbExporter(partial(copy_sessions_to, data_dir=args.data_dir),
                           Path(args.usb) if args.usb else None)
    gpio = open_gpio(args.pins, args.headless)
    try:
        return asyncio.run(_main(KitRunner(config, gpio, exporter=exporter)))
    finally:
        if gpio is not None:
            gpio.close()

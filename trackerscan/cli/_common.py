"""Arguments shared by several subcommands (the leading underscore keeps this module out of discovery)."""

from __future__ import annotations

import argparse

from trackerscan.engine.thresholds import SENSITIVITY  # the presets, named once


def add_ble_argument(p: argparse.ArgumentParser) -> None:
    """``--ble SOURCE`` for commands that scan (default: bleak)."""
    p.add_argument("--ble", default="bleak", metavar="SOURCE",
                   help="Bluetooth source: bleak, bleak:hci1, hci:TRANSPORT, replay:FILE[,speed=N] "
                   "(default: bleak)")


def add_recording_arguments(p: argparse.ArgumentParser) -> None:
    """``--known``, ``--sensitivity``, ``--data-dir``, ``--keep-hours``: for commands that record."""
    p.add_argument("--known", metavar="FILE", help="your own devices, one address or identifier a line")
    p.add_argument("--sensitivity", default="medium", choices=list(SENSITIVITY),
                   help="how much evidence is needed before an alert (default: medium)")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept (default: your data folder, "
                   "or $TRACKERSCAN_DATA_DIR)")
    p.add_argument("--keep-hours", type=float, metavar="H",
                   help="reduce bystanders' sightings to counts after H hours (default 24; -1 keeps all)")

"""`trackerscan sources`: the Bluetooth adapters and GPS receivers this computer offers."""

from __future__ import annotations

import argparse
import importlib
import json
from typing import TYPE_CHECKING

from trackerscan.safetext import printable

if TYPE_CHECKING:
    from trackerscan.sources.ble_bluez import AdapterInfo

ORDER = 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sources",
        help="list Bluetooth adapters and GPS receivers",
        description="List the Bluetooth adapters (from BlueZ, or the kernel when BlueZ is not running) "
        "and the serial devices that look like GPS receivers, with the source names to use for them.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=run)


def list_adapters() -> tuple[list[AdapterInfo], bool]:
    """The adapters, and whether BlueZ answered (False: only the kernel's list)."""
    import asyncio

    from trackerscan.sources.ble_bluez import bluez_adapters, sysfs_adapters

    found = asyncio.run(bluez_adapters())
    if found is not None:
        return found, True
    return sysfs_adapters(), False


def list_gps() -> list[tuple[str, str]] | None:
    """Serial devices that look like GPS receivers: (device, description); None if GPS support is missing."""
    try:
        gps = importlib.import_module("trackerscan.sources.gps")
    except ImportError:
        return None
    lister = getattr(gps, "list_serial_gps", None)
    if lister is None:
        return None
    return list(lister())


def _adapter_line(a: AdapterInfo, bluez: bool) -> str:
    bits = [a.name]
    if a.address:
        bits.append(a.address)
    if a.alias:
        bits.append(f'"{a.alias}"')
    if a.powered is False:
        bits.append("(switched off)")
    if a.le_central is False:
        bits.append("(cannot scan for Bluetooth LE)")
    use = f"bleak:{a.name}" if bluez else f"hci:hci-socket:{a.name[3:]}"
    return "  " + "  ".join(bits) + f"    source: {use}"


def run(args: argparse.Namespace) -> int:
    adapters, bluez = list_adapters()
    gps = list_gps()
    if args.json:
        print(
            json.dumps(
                {
                    "bluetooth": [
                        {
                            "name": a.name,
                            "address": a.address,
                            "alias": a.alias,
                            "powered": a.powered,
                            "le_central": a.le_central,
                            "via": a.via,
                        }
                        for a in adapters
                    ],
                    "bluez_running": bluez,
                    "gps": None if gps is None else [{"device": d, "description": t} for d, t in gps],
                },
                indent=2,
            )
        )
        return 0
    print("Bluetooth adapters:")
    if adapters:
        for a in adapters:
            print(printable(_adapter_line(a, bluez)))  # names and aliases are the devices' own
        if not bluez:
            print("  The Bluetooth service (BlueZ) is not running: start it, or use the hci: source shown.")
    else:
        print("  None found. Plug in a Bluetooth adapter, or a USB dongle with HCI firmware (hci:usb:0).")
    print("GPS receivers:")
    if gps is None:
        print("  GPS support is not available in this installation.")
    elif gps:
        for device, description in gps:
            print(printable(f"  {device}  {description}    source: nmea:{device}"))  # USB product strings
    else:
        print("  None found. Plug in a USB GPS receiver, or use the source gpsd if gpsd is running.")
    return 0

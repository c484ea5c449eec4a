"""`trackerscan sources`: the Bluetooth adapters and GPS receivers this computer offers.

Linux lists BlueZ's adapters (or the kernel's when BlueZ is not running);
Windows and macOS offer their one default adapter through bleak, and macOS
says what it hides (`BlePlatform.limits`).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from trackerscan.safetext import printable

if TYPE_CHECKING:
    from trackerscan.sources.ble_platform import AdapterInfo, BlePlatform

ORDER = 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sources",
        help="list Bluetooth adapters and GPS receivers",
        description="List the Bluetooth adapters (on Linux from BlueZ, or the kernel when BlueZ is not "
        "running; on Windows and macOS the computer's own Bluetooth) and the serial devices that look "
        "like GPS receivers, with the source names to use for them.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=run)


def list_adapters(platform: BlePlatform | None = None) -> tuple[list[AdapterInfo], str]:
    """The adapters, and one sentence about them ("" when none is needed)."""
    import asyncio

    from trackerscan.sources.ble_platform import platform_for

    return asyncio.run((platform or platform_for()).adapters())


def list_gps() -> list[tuple[str, str]]:
    """Serial devices that look like GPS receivers: (device, description)."""
    from trackerscan.sources.gps.serial_nmea import list_serial_gps

    return list_serial_gps()


def _source_for(a: AdapterInfo) -> str:
    if a.via == "sysfs":  # BlueZ is not running: only the HCI socket reaches it
        return f"hci:hci-socket:{a.name[3:]}"
    if a.via == "bluez":
        return f"bleak:{a.name}"
    return "bleak"  # Windows and macOS: the computer's own Bluetooth


def _adapter_line(a: AdapterInfo) -> str:
    bits = [a.alias if a.via in ("winrt", "corebluetooth") and a.alias else a.name]
    if a.address:
        bits.append(a.address)
    if a.alias and a.via not in ("winrt", "corebluetooth"):
        bits.append(f'"{a.alias}"')
    if a.powered is False:
        bits.append("(switched off)")
    if a.le_central is False:
        bits.append("(cannot scan for Bluetooth LE)")
    return "  " + "  ".join(bits) + f"    source: {_source_for(a)}"


def run(args: argparse.Namespace) -> int:
    from trackerscan.sources.ble_platform import platform_for

    platform = platform_for()
    adapters, note = list_adapters(platform)
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
                            "source": _source_for(a),
                        }
                        for a in adapters
                    ],
                    "system": platform.key,
                    "bluez_running": any(a.via == "bluez" for a in adapters),
                    "shows_addresses": platform.shows_addresses,
                    "passive_scanning": platform.passive_scanning,
                    "note": note or None,
                    "gps": [{"device": d, "description": t} for d, t in gps],
                },
                indent=2,
            )
        )
        return 0
    print("Bluetooth adapters:")
    if adapters:
        for a in adapters:
            print(printable(_adapter_line(a)))  # names and aliases are the devices' own
    else:
        print("  None found. Plug in a Bluetooth adapter, or a USB dongle with HCI firmware (hci:usb:0).")
    if note:
        print(f"  {printable(note)}")
    print("GPS receivers:")
    if gps:
        for device, description in gps:
            print(printable(f"  {device}  {description}    source: nmea:{device}"))  # USB product strings
    else:
        print("  None found. Plug in a USB GPS receiver, or use the source gpsd if gpsd is running.")
    return 0

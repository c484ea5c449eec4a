"""BlueZ over D-Bus (with dbus-fast, which bleak uses on Linux): adapters and their comings and goings.

Used by the bleak source (which adapter to scan with, noticing it unplugged)
and by ``trackerscan sources``.  /sys/class/bluetooth is the fallback when
BlueZ is not running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from trackerscan.errors import NoAdapterError, SourceError
from trackerscan.sources.ble_platform import NO_ADAPTER_MESSAGE, AdapterInfo

BLUEZ = "org.bluez"
ADAPTER_IFACE = "org.bluez.Adapter1"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
DEFAULT_SYSTEM_BUS = "unix:path=/var/run/dbus/system_bus_socket"
SYSFS_BLUETOOTH = Path("/sys/class/bluetooth")

# How long to wait for the system bus and BlueZ to answer (seconds): both answer
# in milliseconds when present; longer means something is wedged, and the user
# should hear so instead of waiting.
DBUS_TIMEOUT_S = 3.0

def system_bus_reachable(address: str | None = None) -> bool:
    """False only when the system bus is certainly absent (its socket file does not exist)."""
    if address is None:
        address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", DEFAULT_SYSTEM_BUS)
    for entry in address.split(";"):
        kind, _, params = entry.partition(":")
        if kind != "unix":
            return True  # tcp or anything else: only trying tells
        opts = dict(p.partition("=")[::2] for p in params.split(","))
        if "path" not in opts or Path(opts["path"]).exists():
            return True
    return False


def sysfs_adapters(root: Path | None = None) -> list[AdapterInfo]:
    """Adapters the kernel knows, whether or not BlueZ runs."""
    root = root if root is not None else SYSFS_BLUETOOTH
    try:
        names = sorted(p.name for p in root.iterdir() if p.name.startswith("hci") and ":" not in p.name)
    except OSError:
        return []
    out = []
    for name in names:
        address = None
        with contextlib.suppress(OSError):
            address = (root / name / "address").read_text().strip().upper() or None
        out.append(AdapterInfo(name, address, None, None, None, "sysfs"))
    return out


def _value(props: dict[str, Any], key: str) -> Any:
    v = props.get(key)
    return getattr(v, "value", v)


def _adapters_from_objects(objects: dict[str, dict[str, dict[str, Any]]]) -> list[AdapterInfo]:
    out = []
    for path, interfaces in objects.items():
        props = interfaces.get(ADAPTER_IFACE)
        if props is None:
            continue
        roles = _value(props, "Roles")
        out.append(
            AdapterInfo(
                name=path.rsplit("/", 1)[-1],
                address=_value(props, "Address"),
                alias=_value(props, "Alias"),
                powered=bool(_value(props, "Powered")),
                le_central=None if roles is None else "central" in roles,
                via="bluez",
            )
        )
    return sorted(out, key=lambda a: (len(a.name), a.name))


async def _connect_system_bus(timeout: float = DBUS_TIMEOUT_S) -> MessageBus:
    return await asyncio.wait_for(MessageBus(bus_type=BusType.SYSTEM).connect(), timeout)


async def bluez_adapters(timeout: float = DBUS_TIMEOUT_S) -> list[AdapterInfo] | None:
    """Adapters BlueZ offers, or None when the system bus or BlueZ is not there."""
    if not system_bus_reachable():
        return None
    try:
        bus = await _connect_system_bus(timeout)
    except Exception:  # no socket, refused, timed out, not authorised: no BlueZ for us
        return None
    try:
        reply = await asyncio.wait_for(
            bus.call(
                Message(destination=BLUEZ, path="/", interface=OBJECT_MANAGER, member="GetManagedObjects")
            ),
            timeout,
        )
    except Exception:
        return None
    finally:
        bus.disconnect()
    if reply is None or reply.message_type == MessageType.ERROR:
        return None
    return _adapters_from_objects(reply.body[0])


def check_bleak_possible() -> None:
    """Fail fast, without any I/O beyond a few stat() calls, when bleak cannot possibly work here."""
    if not system_bus_reachable():
        present = sysfs_adapters()
        if not present:
            raise NoAdapterError(NO_ADAPTER_MESSAGE)
        names = ", ".join(a.name for a in present)
        raise SourceError(
            f"The Bluetooth service (BlueZ) is not running, so adapter {names} cannot be used: "
            "start it with 'sudo systemctl start bluetooth', or drive the adapter directly with --ble hci:..."
        )


async def resolve_adapter(wanted: str | None) -> AdapterInfo:
    """The adapter to scan with: the named one, or the first powered LE one; NoAdapterError if none."""
    check_bleak_possible()
    adapters = await bluez_adapters()
    if adapters is None:
        present = sysfs_adapters()
        if not present:
            raise NoAdapterError(NO_ADAPTER_MESSAGE)
        raise SourceError(
            "The Bluetooth service (BlueZ) is not answering, so the adapter cannot be used: "
            "start it with 'sudo systemctl start bluetooth', or drive the adapter directly with --ble hci:..."
        )
    if wanted is not None:
        for a in adapters:
            if a.name == wanted:
                return a
        others = ", ".join(a.name for a in adapters) or "none"
        raise NoAdapterError(f"Bluetooth adapter {wanted} was not found (adapters present: {others}).")
    usable = [a for a in adapters if a.le_central is not False]
    if not usable:
        raise NoAdapterError(NO_ADAPTER_MESSAGE)
    powered = [a for a in usable if a.powered]
    if not powered:
        raise SourceError(
            f"Bluetooth adapter {usable[0].name} is switched off: turn Bluetooth on and try again."
        )
    return powered[0]


class AdapterWatch:
    """Notices an adapter object disappearing from BlueZ (unplugged, or BlueZ restarted)."""

    def __init__(self, adapter: str) -> None:
        self.path = f"/org/bluez/{adapter}"
        self._bus: MessageBus | None = None
        self._gone: asyncio.Future[str] | None = None
        self._bus_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._gone = asyncio.get_running_loop().create_future()
        bus = await _connect_system_bus()
        self._bus = bus
        bus.add_message_handler(self._on_message)
        rules = (
            f"type='signal',sender='{BLUEZ}',interface='{OBJECT_MANAGER}',member='InterfacesRemoved'",
            # BlueZ's name vanishing (bluetoothd stopped) also takes the adapter away
            f"type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{BLUEZ}'",
        )
        for rule in rules:
            await asyncio.wait_for(
                bus.call(
                    Message(
                        destination="org.freedesktop.DBus",
                        path="/org/freedesktop/DBus",
                        interface="org.freedesktop.DBus",
                        member="AddMatch",
                        signature="s",
                        body=[rule],
                    )
                ),
                DBUS_TIMEOUT_S,
            )
        self._bus_task = asyncio.get_running_loop().create_task(self._watch_bus(bus))

    async def _watch_bus(self, bus: MessageBus) -> None:
        with contextlib.suppress(Exception):
            await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]
        self._set_gone("the connection to the system bus was lost")

    def _set_gone(self, reason: str) -> None:
        if self._gone is not None and not self._gone.done():
            self._gone.set_result(reason)

    def _on_message(self, msg: Message) -> bool:
        if msg.message_type != MessageType.SIGNAL:
            return False
        if msg.member == "InterfacesRemoved" and msg.body and msg.body[0] == self.path:
            if ADAPTER_IFACE in msg.body[1]:
                self._set_gone(f"{self.path.rsplit('/', 1)[-1]} was removed")
        elif msg.member == "NameOwnerChanged" and msg.body and msg.body[0] == BLUEZ and not msg.body[2]:
            self._set_gone("the Bluetooth service (BlueZ) stopped")
        return False

    async def wait_gone(self) -> str:
        """Return a short reason once the adapter has gone."""
        assert self._gone is not None, "start() first"
        return await self._gone

    def close(self) -> None:
        if self._bus is not None:
            bus, self._bus = self._bus, None
            with contextlib.suppress(Exception):
                bus.disconnect()


__all__: list[str] = [
    "NO_ADAPTER_MESSAGE",
    "AdapterInfo",
    "AdapterWatch",
    "bluez_adapters",
    "check_bleak_possible",
    "resolve_adapter",
    "sysfs_adapters",
    "system_bus_reachable",
]

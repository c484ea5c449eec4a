"""A private system bus with python-dbusmock's bluez5 template, per test (testing-real-components.md §2).

Each test gets its own dbus-daemon, so adapter removal and the like never
leak between tests, and other areas' buses are left alone.
"""

from __future__ import annotations

import asyncio
import subprocess

import pytest

try:
    import dbus
    import dbus.bus
    import dbusmock
    from dbusmock.testcase import BusType, PrivateDBus, SpawnedMock
except ImportError:  # Windows and macOS: no D-Bus, no BlueZ; their platform tests still run
    dbus = None

# The tests of BlueZ itself need D-Bus (and trackerscan's BlueZ module needs dbus-fast, Linux only).
collect_ignore = [] if dbus is not None else ["test_bleak_source.py", "test_no_adapter_and_cli.py"]

ADAPTER_IFACE = "org.bluez.Adapter1"
DEVICE_IFACE = "org.bluez.Device1"


class BluezMock:
    """Drives the mock the way bluetoothd would behave.  Blocking: call through `run`."""

    def __init__(self, conn: dbus.bus.BusConnection, obj) -> None:
        self.conn = conn
        self.mock = dbus.Interface(obj, "org.bluez.Mock")
        self.root = dbus.Interface(conn.get_object("org.bluez", "/"), dbusmock.MOCK_IFACE)

    async def run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    def add_adapter(self, name: str = "hci0", alias: str = "ci-adapter") -> None:
        self.mock.AddAdapter(name, alias)

    def remove_adapter(self, name: str = "hci0") -> None:
        self.mock.RemoveAdapterWithDevices(name)

    def add_device(self, mac, rssi, mfr=None, svc=None, uuids=(), name=None, adapter="hci0") -> str:
        """Create a Device1 object and announce it with InterfacesAdded (AddObject alone does not)."""
        path = f"/org/bluez/{adapter}/dev_" + mac.replace(":", "_")
        props = {
            "Address": mac,
            "AddressType": "random",
            "Alias": name or mac,
            "Adapter": dbus.ObjectPath(f"/org/bluez/{adapter}"),
            "RSSI": dbus.Int16(rssi),
            "Connected": False,
            "ServicesResolved": False,
            "Paired": False,
            "Trusted": False,
            "Blocked": False,
            "UUIDs": dbus.Array(sorted(set(uuids) | set(svc or {})), signature="s"),
            "ManufacturerData": dbus.Dictionary(
                {dbus.UInt16(k): dbus.Array(v, signature="y") for k, v in (mfr or {}).items()}, signature="qv"
            ),
            "ServiceData": dbus.Dictionary(
                {k: dbus.Array(v, signature="y") for k, v in (svc or {}).items()}, signature="sv"
            ),
        }
        if name:
            props["Name"] = name
        props = dbus.Dictionary(props, signature="sv")
        adapter_obj = self.conn.get_object("org.bluez", f"/org/bluez/{adapter}")
        adapter_obj.AddObject(path, DEVICE_IFACE, props, [], dbus_interface=dbusmock.MOCK_IFACE)
        self.root.EmitSignal(
            "org.freedesktop.DBus.ObjectManager",
            "InterfacesAdded",
            "oa{sa{sv}}",
            [dbus.ObjectPath(path), dbus.Dictionary({DEVICE_IFACE: props}, signature="sa{sv}")],
        )
        return path

    def update(self, path: str, **props) -> None:
        dev = dbus.Interface(self.conn.get_object("org.bluez", path), dbusmock.MOCK_IFACE)
        dev.UpdateProperties(DEVICE_IFACE, props)

    def remove_device(self, path: str, adapter: str = "hci0") -> None:
        """What BlueZ does when a device has not been heard for a while: InterfacesRemoved."""
        obj = self.conn.get_object("org.bluez", f"/org/bluez/{adapter}")
        dbus.Interface(obj, ADAPTER_IFACE).RemoveDevice(dbus.ObjectPath(path))

    def adapter_calls(self, method: str, adapter: str = "hci0") -> int:
        obj = self.conn.get_object("org.bluez", f"/org/bluez/{adapter}")
        return len(dbus.Interface(obj, dbusmock.MOCK_IFACE).GetMethodCalls(method))

    def adapter_prop(self, prop: str, adapter: str = "hci0"):
        obj = self.conn.get_object("org.bluez", f"/org/bluez/{adapter}")
        return obj.Get(ADAPTER_IFACE, prop, dbus_interface="org.freedesktop.DBus.Properties")


@pytest.fixture
def system_bus(monkeypatch):
    """A private system bus; DBUS_SYSTEM_BUS_ADDRESS points at it for this test only."""
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent")  # restored afterwards
    bus = PrivateDBus(BusType.SYSTEM)
    bus.start()  # sets DBUS_SYSTEM_BUS_ADDRESS
    try:
        yield bus
    finally:
        bus.stop()


@pytest.fixture
def bluez_empty(system_bus):
    """BlueZ (the mock) running, with no adapter."""
    server = SpawnedMock.spawn_with_template(
        "bluez5", {}, BusType.SYSTEM, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    conn = dbus.bus.BusConnection(system_bus.address)
    try:
        yield BluezMock(conn, server.obj)
    finally:
        server.terminate()
        conn.close()


@pytest.fixture
def bluez(bluez_empty):
    """BlueZ (the mock) with one adapter, hci0."""
    bluez_empty.add_adapter("hci0")
    return bluez_empty

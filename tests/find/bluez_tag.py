"""Trackers with GATT services on python-dbusmock's bluez5 template (testing-real-components.md §2.3)."""

from __future__ import annotations

import dbus
import dbusmock
from ble.conftest import BluezMock

DEVICE_IFACE = "org.bluez.Device1"
SERVICE_IFACE = "org.bluez.GattService1"
CHAR_IFACE = "org.bluez.GattCharacteristic1"

# Mocked method bodies run inside the mock process (python code strings, dbus types required).
_CONNECT = (
    "self.UpdateProperties('org.bluez.Device1', "
    "{'Connected': dbus.Boolean(%s), 'ServicesResolved': dbus.Boolean(%s)})"
)
_REFUSE_CONNECT = (  # what BlueZ answers when a tracker goes quiet mid-connect
    "raise dbus.exceptions.DBusException('Software caused connection abort', name='org.bluez.Error.Failed')"
)


# BlueZ 5.62+ answers this when the link dropped while connecting; bleak then waits for the Connected
# property to fall before retrying, which this mock never sends: a connect that never completes.
_STALL_CONNECT = (
    "raise dbus.exceptions.DBusException('le-connection-abort-by-local', name='org.bluez.Error.Failed')"
)


def indication_code(reply_for: dict[bytes, bytes]) -> str:
    """A WriteValue body that answers given written bytes with an indication (PropertiesChanged Value)."""
    table = {k.hex(): v.hex() for k, v in reply_for.items()}
    return (
        f"reply = {table!r}.get(bytes(args[0]).hex())\n"
        "if reply is not None:\n"
        "    self.UpdateProperties('org.bluez.GattCharacteristic1', "
        "{'Value': dbus.Array(bytes.fromhex(reply), signature='y')})"
    )


class BluezTrackers(BluezMock):
    """Drives the bluez5 mock (the BLE area's driver): trackers with services.  Blocking; call through
    `run`."""

    def _announce(self, parent: str, path: str, iface: str, props: dict, methods) -> None:
        props = dbus.Dictionary(props, signature="sv")
        self.conn.get_object("org.bluez", parent).AddObject(
            path, iface, props, list(methods), dbus_interface=dbusmock.MOCK_IFACE
        )
        self.root.EmitSignal(
            "org.freedesktop.DBus.ObjectManager",
            "InterfacesAdded",
            "oa{sa{sv}}",
            [dbus.ObjectPath(path), dbus.Dictionary({iface: props}, signature="sa{sv}")],
        )

    def add_tracker(self, mac: str, rssi: int, *, svc=None, connectable: bool | str = True) -> str:
        """``connectable``: True, False (every Connect fails) or "stall" (Connect never completes)."""
        path = "/org/bluez/hci0/dev_" + mac.replace(":", "_")
        connect = {True: _CONNECT % (True, True), False: _REFUSE_CONNECT, "stall": _STALL_CONNECT}[
            connectable
        ]
        self._announce(
            "/org/bluez/hci0",
            path,
            DEVICE_IFACE,
            {
                "Address": mac,
                "AddressType": "random",
                "Alias": mac,
                "Adapter": dbus.ObjectPath("/org/bluez/hci0"),
                "RSSI": dbus.Int16(rssi),
                "Connected": False,
                "ServicesResolved": False,
                "Paired": False,
                "Trusted": False,
                "Blocked": False,
                "UUIDs": dbus.Array(sorted(svc or {}), signature="s"),
                "ManufacturerData": dbus.Dictionary({}, signature="qv"),
                "ServiceData": dbus.Dictionary(
                    {k: dbus.Array(v, signature="y") for k, v in (svc or {}).items()}, signature="sv"
                ),
            },
            [("Connect", "", "", connect), ("Disconnect", "", "", _CONNECT % (False, False))],
        )
        return path

    def add_gatt(self, device: str, handle: int, service: str, char: str, flags, write_code: str = "") -> str:
        svc_path = f"{device}/service{handle:04x}"
        char_path = f"{svc_path}/char{handle + 1:04x}"
        self._announce(
            device,
            svc_path,
            SERVICE_IFACE,
            {"UUID": service, "Primary": True, "Device": dbus.ObjectPath(device)},
            [],
        )
        self._announce(
            device,
            char_path,
            CHAR_IFACE,
            {
                "UUID": char,
                "Service": dbus.ObjectPath(svc_path),
                "Value": dbus.Array([], signature="y"),
                "Flags": dbus.Array(flags, signature="s"),
                "Notifying": False,
            },
            [
                ("WriteValue", "aya{sv}", "", write_code or "pass"),
                ("ReadValue", "a{sv}", "ay", "ret = self.Get('org.bluez.GattCharacteristic1', 'Value')"),
                (
                    "StartNotify",
                    "",
                    "",
                    "self.UpdateProperties('org.bluez.GattCharacteristic1', "
                    "{'Notifying': dbus.Boolean(True)})",
                ),
                (
                    "StopNotify",
                    "",
                    "",
                    "self.UpdateProperties('org.bluez.GattCharacteristic1', "
                    "{'Notifying': dbus.Boolean(False)})",
                ),
            ],
        )
        return char_path

    def calls(self, path: str, method: str) -> list:
        obj = dbus.Interface(self.conn.get_object("org.bluez", path), dbusmock.MOCK_IFACE)
        return [call[1] for call in obj.GetMethodCalls(method)]

    def written(self, char_path: str) -> list[tuple[bytes, str]]:
        """Every WriteValue: the bytes and the write type bleak asked for ("request" or "command")."""
        return [
            (bytes(args[0]), str(args[1].get("type", ""))) for args in self.calls(char_path, "WriteValue")
        ]

    def indicate(self, char_path: str, value: bytes) -> None:
        obj = dbus.Interface(self.conn.get_object("org.bluez", char_path), dbusmock.MOCK_IFACE)
        obj.UpdateProperties(CHAR_IFACE, {"Value": dbus.Array(value, signature="y")})

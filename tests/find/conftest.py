"""Fixtures for the find tests: a private system bus with python-dbusmock's bluez5 template, per test."""

from __future__ import annotations

import subprocess

import dbus.bus
import pytest
from ble.conftest import system_bus  # noqa: F401  (the BLE area's private bus, shared)
from dbusmock.testcase import BusType, SpawnedMock
from find.bluez_tag import BluezTrackers


@pytest.fixture
def bluez(system_bus):  # noqa: F811  (pytest passes the imported fixture)
    """The bluez5 mock with one adapter, hci0."""
    server = SpawnedMock.spawn_with_template(
        "bluez5", {}, BusType.SYSTEM, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    conn = dbus.bus.BusConnection(system_bus.address)
    try:
        mock = BluezTrackers(conn, server.obj)
        mock.mock.AddAdapter("hci0", "ci-adapter")
        yield mock
    finally:
        server.terminate()
        conn.close()

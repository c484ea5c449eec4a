"""Fixtures for the find tests: a private system bus with python-dbusmock's bluez5 template, per test."""

from __future__ import annotations

import subprocess

import dbus.bus
import pytest
from dbusmock.testcase import BusType, PrivateDBus, SpawnedMock
from find.bluez_tag import BluezTrackers


@pytest.fixture
def system_bus(monkeypatch):
    """A private system bus; DBUS_SYSTEM_BUS_ADDRESS points at it for this test only."""
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent")
    bus = PrivateDBus(BusType.SYSTEM)
    bus.start()
    try:
        yield bus
    finally:
        bus.stop()


@pytest.fixture
def bluez(system_bus):
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

"""The ring procedure's connection through BlueZ (bleak + bleak-retry-connector)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakDeviceNotFoundError, BleakError
from bleak_retry_connector import (
    BleakAbortedError,
    BleakConnectionError,
    BleakNotFoundError,
    BleakOutOfConnectionSlotsError,
    establish_connection,
    get_device,
    get_device_by_adapter,
)

from trackerscan.find.link import (
    AdapterError,
    ConnectFailedError,
    LinkLostError,
    Progress,
    TrackerNotFoundError,
)

SCAN_SHARE = 0.4  # share of the connect time limit spent looking for the tracker before connecting
DISCONNECT_TIMEOUT_S = 5.0  # BlueZ normally disconnects in well under a second


def _uuid(text: str) -> str:
    return str(uuid.UUID(text))


class BleakLink:
    """A connected BleakClient seen through the `GattLink` interface."""

    def __init__(self, client: BleakClient, disconnected: asyncio.Event) -> None:
        self.client = client
        self.disconnected = disconnected

    def has_characteristic(self, service: str, characteristic: str) -> bool:
        svc = self.client.services.get_service(_uuid(service))
        return svc is not None and svc.get_characteristic(_uuid(characteristic)) is not None

    def _char(self, characteristic: str) -> Any:
        for svc in self.client.services:
            found = svc.get_characteristic(_uuid(characteristic))
            if found is not None:
                return found
        raise LinkLostError("The tracker's sound characteristic went away during the connection.")

    async def subscribe(self, characteristic: str, callback: Callable[[bytes], None]) -> None:
        try:
            await self.client.start_notify(self._char(characteristic), lambda _c, data: callback(bytes(data)))
        except BleakError as exc:
            raise LinkLostError(f"The tracker dropped the connection while subscribing ({exc}).") from exc

    async def write(self, characteristic: str, data: bytes, with_response: bool) -> None:
        try:
            await self.client.write_gatt_char(self._char(characteristic), data, response=with_response)
        except BleakError as exc:
            raise LinkLostError(f"The tracker dropped the connection during the write ({exc}).") from exc


async def _find(address: str, adapter: str | None, timeout_s: float) -> BLEDevice | None:
    known = await (get_device_by_adapter(address, adapter) if adapter else get_device(address))
    if known is not None:
        return known
    kwargs: dict[str, Any] = {"bluez": {"adapter": adapter}} if adapter else {}
    return await BleakScanner.find_device_by_address(address, timeout=timeout_s, **kwargs)


@contextlib.asynccontextmanager
async def connect(
    address: str,
    *,
    adapter: str | None = None,
    attempts: int,
    timeout_s: float,
    on_progress: Progress,
) -> AsyncIterator[BleakLink]:
    """Find the tracker, connect with retries inside ``timeout_s``, and always disconnect afterwards."""
    disconnected = asyncio.Event()
    client: BleakClient | None = None
    on_progress("Looking for the tracker…")
    try:
        async with asyncio.timeout(timeout_s):
            device = await _find(address, adapter, timeout_s * SCAN_SHARE)
            if device is None:
                raise TrackerNotFoundError.not_heard(address)
            for attempt in range(1, attempts + 1):
                on_progress(f"Connecting (attempt {attempt} of {attempts})…")
                try:
                    client = await establish_connection(
                        BleakClient,
                        device,
                        address,
                        disconnected_callback=lambda _c: disconnected.set(),
                        max_attempts=1,
                        use_services_cache=False,
                    )
                    break
                except (BleakNotFoundError, BleakDeviceNotFoundError) as exc:
                    if attempt == attempts:
                        raise TrackerNotFoundError(
                            f"The tracker {address} went out of range while connecting; move closer."
                        ) from exc
                except (
                    BleakAbortedError,
                    BleakConnectionError,
                    BleakOutOfConnectionSlotsError,
                    BleakError,
                ) as exc:
                    if isinstance(exc, BleakBluetoothNotAvailableError):
                        raise AdapterError(f"Bluetooth is not available: {exc}.") from exc
                    if attempt == attempts:
                        raise ConnectFailedError(
                            f"The tracker did not accept a connection ({attempts} tries); trackers do this "
                            "when busy or at the edge of range. Move closer and try again.",
                            attempts,
                        ) from exc
    except TimeoutError as exc:
        if client is not None:
            await _disconnect(client)
        raise ConnectFailedError.timed_out(timeout_s, attempts) from exc
    except BleakBluetoothNotAvailableError as exc:
        raise AdapterError(f"Bluetooth is not available: {exc}.") from exc
    except BleakDBusError as exc:
        raise AdapterError(f"BlueZ refused the request ({exc.dbus_error}); is the adapter powered?") from exc
    except BleakError as exc:
        raise AdapterError(f"The Bluetooth adapter could not be used: {exc}.") from exc
    assert client is not None
    on_progress("Connected.")
    try:
        yield BleakLink(client, disconnected)
    finally:
        await _disconnect(client)


async def _disconnect(client: BleakClient) -> None:
    with contextlib.suppress(BleakError, TimeoutError, EOFError, OSError):
        async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
            await client.disconnect()

"""The ring procedure's connection through bumble's host stack on an HCI transport.

For a USB dongle taken away from BlueZ (``usb:0``), a serial controller, or a virtual controller
reached over ``tcp-client:HOST:PORT``.  bumble is the optional ``hci`` extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from trackerscan.errors import TrackerscanError
from trackerscan.find.link import (
    AdapterError,
    ConnectFailedError,
    LinkLostError,
    Progress,
    TrackerNotFoundError,
)
from trackerscan.model import AddressType

SCAN_SHARE = 0.4  # share of the connect time limit spent listening for the tracker before connecting
ATTEMPT_TIMEOUT_S = 5.0  # one LE connection attempt; trackers advertise at least every 4 s (trackers.md 2.2)
RETRY_PAUSE_S = 0.25  # between attempts, as bleak-retry-connector's transient back-off


class BumbleLink:
    """A bumble connection plus its discovered GATT characteristics."""

    def __init__(self, connection: Any, characteristics: dict[str, Any], disconnected: asyncio.Event) -> None:
        self.connection = connection
        self.characteristics = characteristics  # "service/characteristic" (lower case) -> proxy
        self.disconnected = disconnected

    def has_characteristic(self, service: str, characteristic: str) -> bool:
        return f"{service.lower()}/{characteristic.lower()}" in self.characteristics

    def _char(self, characteristic: str) -> Any:
        for key, proxy in self.characteristics.items():
            if key.endswith("/" + characteristic.lower()):
                return proxy
        raise LinkLostError("The tracker's sound characteristic went away during the connection.")

    async def subscribe(self, characteristic: str, callback: Callable[[bytes], None]) -> None:
        from bumble.core import BaseBumbleError

        try:
            await self._char(characteristic).subscribe(lambda v: callback(bytes(v)), prefer_notify=False)
        except BaseBumbleError as exc:
            raise LinkLostError(f"The tracker dropped the connection while subscribing ({exc}).") from exc

    async def write(self, characteristic: str, data: bytes, with_response: bool) -> None:
        from bumble.core import BaseBumbleError

        try:
            await self._char(characteristic).write_value(data, with_response=with_response)
        except BaseBumbleError as exc:
            raise LinkLostError(f"The tracker dropped the connection during the write ({exc}).") from exc


@contextlib.asynccontextmanager
async def open_device(transport: str) -> AsyncIterator[Any]:
    """Open a bumble host on ``transport`` and power it on; close the transport afterwards."""
    try:
        import bumble  # noqa: F401
    except ImportError as exc:
        raise AdapterError("The hci: path needs bumble: pip install 'trackerscan[hci]'.") from exc
    from trackerscan.sources import open_bumble_device

    try:
        handle = await open_bumble_device(transport)
    except TrackerscanError as exc:  # NoAdapterError, SourceError: already one plain sentence
        raise AdapterError(str(exc)) from exc
    try:
        yield handle.device
    finally:
        await handle.close()


async def _heard(device: Any, address: str, timeout_s: float) -> Any:
    """Wait for an advertisement from ``address``: its bumble Address (advertised type), or None."""
    seen: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_adv(adv: Any) -> None:
        if not seen.done() and adv.address.to_string(False) == address:
            seen.set_result(adv.address)

    device.on("advertisement", on_adv)
    # The device may be a live scan's (the GUI rings through the dongle it scans with): then its
    # scanning is listened to, and left running for the scan.
    borrowed = bool(device.is_scanning)
    try:
        if not borrowed:
            await device.start_scanning(active=False, filter_duplicates=False)
        try:
            async with asyncio.timeout(timeout_s):
                return await seen
        except TimeoutError:
            return None
    finally:
        device.remove_listener("advertisement", on_adv)
        if not borrowed:
            with contextlib.suppress(Exception):
                await device.stop_scanning()


def _full_uuid(u: Any) -> str:
    """A bumble UUID (16, 32 or 128 bits) as the 128-bit lower-case form used in `procedures`."""
    return str(uuid.UUID(bytes=bytes(reversed(u.to_bytes(force_128=True)))))


async def _discover(connection: Any) -> dict[str, Any]:
    from bumble.device import Peer

    peer = Peer(connection)
    await peer.discover_services()
    found: dict[str, Any] = {}
    for service in peer.services:
        await service.discover_characteristics()
        for char in service.characteristics:
            found[f"{_full_uuid(service.uuid)}/{_full_uuid(char.uuid)}"] = char
    return found


@contextlib.asynccontextmanager
async def connect_on(
    device: Any,
    address: str,
    address_type: AddressType,
    *,
    attempts: int,
    timeout_s: float,
    on_progress: Progress,
) -> AsyncIterator[BumbleLink]:
    """Connect from an already powered-on bumble ``device``; always disconnect afterwards."""
    from bumble.core import BaseBumbleError

    disconnected = asyncio.Event()
    connection: Any = None
    on_progress("Looking for the tracker…")
    try:
        async with asyncio.timeout(timeout_s):
            heard = await _heard(device, address, timeout_s * SCAN_SHARE)
            if heard is None:
                raise TrackerNotFoundError.not_heard(address)
            peer = heard  # connect with the address type the tracker advertised, whatever the caller guessed
            for attempt in range(1, attempts + 1):
                on_progress(f"Connecting (attempt {attempt} of {attempts})…")
                try:
                    connection = await device.connect(peer, timeout=ATTEMPT_TIMEOUT_S)
                    connection.on("disconnection", lambda _reason: disconnected.set())
                    characteristics = await _discover(connection)
                    break
                except (BaseBumbleError, TimeoutError) as exc:
                    if connection is not None:
                        with contextlib.suppress(Exception):
                            await connection.disconnect()
                        connection = None
                    if attempt == attempts:
                        raise ConnectFailedError(
                            f"The tracker was heard but dropped the connection {attempts} times; "
                            "trackers do this when busy or at the edge of range. Move closer and try again.",
                            attempts,
                        ) from exc
                    await asyncio.sleep(RETRY_PAUSE_S)
    except TimeoutError as exc:
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.disconnect()
        raise ConnectFailedError.timed_out(timeout_s, attempts) from exc
    on_progress("Connected.")
    try:
        yield BumbleLink(connection, characteristics, disconnected)
    finally:
        if not disconnected.is_set():
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await connection.disconnect()


@contextlib.asynccontextmanager
async def connect(
    transport: str,
    address: str,
    address_type: AddressType,
    *,
    attempts: int,
    timeout_s: float,
    on_progress: Progress,
) -> AsyncIterator[BumbleLink]:
    """Open ``transport``, connect to the tracker, and close everything afterwards."""
    async with (
        open_device(transport) as device,
        connect_on(
            device, address, address_type, attempts=attempts, timeout_s=timeout_s, on_progress=on_progress
        ) as link,
    ):
        yield link

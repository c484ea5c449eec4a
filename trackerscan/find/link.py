"""What the ring procedure needs from a GATT connection, and how a connection can fail.

Two implementations: `ring_bleak` (BlueZ through bleak) and `ring_bumble` (bumble's host stack on an
HCI transport).  The procedure itself (`ring.run_procedure`) only sees this interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from trackerscan.errors import RingError


class GattLink(Protocol):
    """One open connection to a tracker."""

    disconnected: asyncio.Event  # set when the tracker drops the connection

    def has_characteristic(self, service: str, characteristic: str) -> bool:
        """Whether the tracker offers the characteristic (UUIDs lower case, 128-bit)."""
        ...

    async def subscribe(self, characteristic: str, callback: Callable[[bytes], None]) -> None:
        """Enable indications (or notifications) and deliver each value to ``callback``."""
        ...

    async def write(self, characteristic: str, data: bytes, with_response: bool) -> None: ...


Progress = Callable[[str], None]


class TrackerNotFoundError(RingError):
    """The tracker was not heard: it is out of range, switched off or has changed its address."""

    @classmethod
    def not_heard(cls, address: str) -> TrackerNotFoundError:
        return cls(
            f"The tracker {address} was not heard: it is out of range, switched off, "
            "or has changed its address. Move closer and try again."
        )


class ConnectFailedError(RingError):
    """The tracker was heard but would not accept a connection."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts

    @classmethod
    def timed_out(cls, timeout_s: float, attempts: int) -> ConnectFailedError:
        return cls(
            f"Could not connect to the tracker within {timeout_s:g} s. Move closer and try again.", attempts
        )


class LinkLostError(RingError):
    """The tracker dropped the connection before the command went through."""


class AdapterError(RingError):
    """The Bluetooth adapter or HCI transport could not be used."""

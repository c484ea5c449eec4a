"""What every source is: an async iterator of events, opened with `start` and stopped with `aclose`.

Bluetooth sources (`trackerscan.sources.ble_base.BleSource`) and GPS sources
(`trackerscan.sources.gps.base.GpsSource`) both derive from `Source`, so the live pipeline and the front
ends can rely on ``await source.start()`` (errors the user can act on surface there, as a
`trackerscan.errors.SourceError`) and ``await source.aclose()`` without probing for them.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

from trackerscan.model import Event

E_co = TypeVar("E_co", bound=Event, covariant=True)


class Source(abc.ABC, Generic[E_co]):
    """A live or recorded source of events, named by the spec it was opened from."""

    name: str

    @abc.abstractmethod
    async def start(self) -> None:
        """Open the source; a `SourceError` here means it cannot be used.  Calling it twice is harmless."""

    @abc.abstractmethod
    def __aiter__(self) -> AsyncIterator[E_co]: ...

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Stop the source and release what it holds (idempotent)."""

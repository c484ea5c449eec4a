"""The base of the GPS sources: an async iterator of `Fix`, `NoFix` and `SourceEvent`, fed by a task."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

from trackerscan.errors import TrackerscanError
from trackerscan.model import Fix, NoFix, SourceEvent, SourceEventKind
from trackerscan.sources.base import Source
from trackerscan.sources.gps.clock import ClockCorrector

GpsEvent = Fix | NoFix | SourceEvent

NO_FIX_EVERY_S = 5.0  # s between NoFix reports while there is no fix
RETRY_MIN_S = 0.5  # s before reconnecting to gpsd or reopening a serial port; doubles up to RETRY_MAX_S
RETRY_MAX_S = 5.0


class GpsSource(Source[GpsEvent]):
    """Base of the GPS sources: an async iterator of events, stopped with `aclose`.

    ``await source.start()`` opens it (a `SourceError` surfaces there; the
    first ``async for`` step starts it otherwise).  Subclasses implement
    ``_open`` (optional) and ``_run``, and hand events to ``_put``; a
    `TrackerscanError` raised by ``_run`` reaches the consumer from its
    ``async for``.
    """

    def __init__(self, name: str, clock: ClockCorrector | None = None) -> None:
        self.name = name
        self.clock = clock if clock is not None else ClockCorrector()
        self.rejected: Counter[str] = Counter()
        self._queue: asyncio.Queue[GpsEvent | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self._finished = False

    async def _open(self) -> None:
        """Open the receiver or connection; raise a `SourceError` the user can act on."""

    async def _run(self) -> None:
        raise NotImplementedError

    def _put(self, event: GpsEvent) -> None:
        assert self._queue is not None
        self._queue.put_nowait(event)

    def _event(self, kind: SourceEventKind, detail: str, value: float | None = None) -> None:
        self._put(SourceEvent(self.clock.now(), self.name, kind, detail, value))

    async def _main(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except TrackerscanError as exc:
            self._error = exc
        finally:
            if self._queue is not None:
                self._queue.put_nowait(None)

    async def start(self) -> None:
        """Open the source (errors surface here) and start producing events."""
        if self._task is not None or self._finished:
            return
        self._queue = asyncio.Queue()
        try:
            await self._open()
        except BaseException:
            self._finished = True
            self._close()
            raise
        self._task = asyncio.get_running_loop().create_task(self._main(), name=f"gps {self.name}")

    def __aiter__(self) -> GpsSource:
        return self

    async def __anext__(self) -> GpsEvent:
        await self.start()
        if self._queue is None or self._task is None:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # wake any other waiter too
            self._finished = True
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        self._finished = True
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._queue is not None:
            self._queue.put_nowait(None)
        self._close()

    def _close(self) -> None:
        """Release resources (subclasses)."""

    async def __aenter__(self) -> GpsSource:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

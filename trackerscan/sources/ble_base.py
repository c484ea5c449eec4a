"""What every Bluetooth LE source is: an async iterator of Sightings and SourceEvents.

`BleSource` holds the queue and the life cycle (``start``, ``async for``,
``aclose``, ``async with``).  `LiveBleSource` adds what a radio needs: a
watchdog that restarts a silent scanner, and a supervisor that notices a lost
adapter, reopens it with a short backoff and records the gap as SourceEvents
(ADAPTER_LOST, ADAPTER_BACK, SCANNER_RESTARTED) for a technician to see later.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from trackerscan.model import Event, Sighting, SourceEvent, SourceEventKind
from trackerscan.sources.base import Source
from trackerscan.sources.watchdog import Watchdog

log = logging.getLogger(__name__)

# What a live Bluetooth source yields.  A replayed session also yields the
# rest of what was recorded (Fix, NoFix, PlaceMark), hence `Event` below.
BleEvent = Sighting | SourceEvent

# Reopening a lost adapter: first wait, and the most the wait doubles to
# (seconds).  2 s keeps a re-plugged adapter scanning again well within the
# 10 s the issue asks for (#3); retrying faster gains nothing (USB enumeration
# and BlueZ registration alone take about a second).
REOPEN_FIRST_WAIT_S = 0.25
REOPEN_MAX_WAIT_S = 2.0

# Events held for a slow consumer before sightings are dropped (count).  At a
# busy station (~300 adverts/s) this is half a minute of backlog.
QUEUE_LIMIT = 10_000


class _End:
    """Marks the end of the stream in the queue."""


_END = _End()


class BleSource(Source[Event]):
    """An async iterator of `Sighting` and `SourceEvent` (replayed sessions: every recorded event).

    ``aclose()`` stops it.
    """

    def __init__(self, name: str, *, clock: Callable[[], float] = time.time) -> None:
        self.name = name
        self._clock = clock  # wall clock (UTC epoch seconds): sources stamp what they receive
        self._queue: asyncio.Queue[Event | _End | BaseException] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._closed = False
        self.dropped = 0  # sightings dropped because the consumer fell behind
        self._unreported_drops = 0  # dropped since the last INFO event saying so

    # -- what subclasses provide -------------------------------------------------

    @abc.abstractmethod
    async def _open(self) -> None:
        """Open the underlying source; raise a TrackerscanError the user can act on."""

    @abc.abstractmethod
    async def _run(self) -> None:
        """Produce events with `_emit` until done (returning ends the stream)."""

    async def _close(self) -> None:
        """Release what `_open` took; must not raise."""

    def _opened(self) -> None:
        """Called right after a successful `_open`."""

    # -- life cycle --------------------------------------------------------------

    async def start(self) -> None:
        """Open the source (errors surface here) and start producing events."""
        if self._started:
            return
        self._started = True
        await self._open()
        self._opened()
        self._task = asyncio.create_task(self._guarded_run(), name=f"trackerscan source {self.name}")

    async def _guarded_run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, never lost in a task
            self._queue.put_nowait(exc)
            return
        self._queue.put_nowait(_END)

    async def aclose(self) -> None:
        """Stop the source and release the adapter, file or transport."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._started:
            await self._close()
        self._queue.put_nowait(_END)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        if not self._started:
            await self.start()
        item = await self._queue.get()
        if isinstance(item, _End):
            self._queue.put_nowait(_END)  # later calls end too
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._queue.put_nowait(_END)
            raise item
        return item

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- helpers for subclasses --------------------------------------------------

    def _emit(self, event: Event) -> None:
        if self._closed:
            return
        if isinstance(event, Sighting):
            backlog = self._queue.qsize()
            if backlog >= QUEUE_LIMIT:
                self.dropped += 1
                self._unreported_drops += 1
                return
            if self._unreported_drops and backlog < QUEUE_LIMIT // 2:
                n, self._unreported_drops = self._unreported_drops, 0
                self._queue.put_nowait(
                    SourceEvent(
                        self._clock(), self.name, SourceEventKind.INFO,
                        f"{n} sightings were dropped because processing fell behind", float(n),
                    )
                )
        self._queue.put_nowait(event)

    def _event(self, kind: SourceEventKind, detail: str, value: float | None = None) -> None:
        self._emit(SourceEvent(self._clock(), self.name, kind, detail, value))


class LiveBleSource(BleSource):
    """A radio: scans, restarts itself when silent, and survives being unplugged."""

    def __init__(
        self,
        name: str,
        *,
        clock: Callable[[], float] = time.time,
        watchdog: Watchdog | None = None,
        reopen_first_wait_s: float = REOPEN_FIRST_WAIT_S,
        reopen_max_wait_s: float = REOPEN_MAX_WAIT_S,
    ) -> None:
        super().__init__(name, clock=clock)
        self.watchdog = watchdog if watchdog is not None else Watchdog()
        self._reopen_first_wait_s = reopen_first_wait_s
        self._reopen_max_wait_s = reopen_max_wait_s

    def _where(self) -> str:
        """The adapter in use, for event details ("" when the name says it all)."""
        return ""

    @abc.abstractmethod
    async def _wait_lost(self) -> str:
        """Return (with a short reason) when the adapter or transport has gone away."""

    @abc.abstractmethod
    async def _restart_scan(self) -> None:
        """Stop and start scanning again on the open adapter."""

    def _opened(self) -> None:
        self.watchdog.reset()  # the scanner has just started: count silence from now

    def _sighted(self, sighting: Sighting) -> None:
        """Subclasses hand every sighting here: it feeds the watchdog."""
        self.watchdog.feed()
        self._emit(sighting)

    async def _run(self) -> None:
        while True:
            reason = await self._scan_until_lost()
            lost_at = self._clock()
            self._event(SourceEventKind.ADAPTER_LOST, reason)
            log.warning("%s: adapter lost (%s); reopening", self.name, reason)
            await self._close()
            await self._reopen()
            gap = self._clock() - lost_at
            where = f" on {self._where()}" if self._where() else ""
            self._event(SourceEventKind.ADAPTER_BACK, f"scanning again{where} after {gap:.1f} s", gap)

    async def _scan_until_lost(self) -> str:
        """Run the watchdog until the adapter is lost; return the reason."""
        lost = asyncio.ensure_future(self._wait_lost())
        try:
            while True:
                done, _ = await asyncio.wait({lost}, timeout=self.watchdog.poll_s)
                if done:
                    try:
                        return lost.result()
                    except Exception as exc:  # the wait itself failed: treat as lost
                        return f"{type(exc).__name__}: {exc}"
                if self.watchdog.due():
                    silence = self.watchdog.silent_for()
                    try:
                        await self._restart_scan()
                    except Exception as exc:
                        return f"restarting the scanner failed ({type(exc).__name__}: {exc})"
                    self.watchdog.restarted()
                    self._event(
                        SourceEventKind.SCANNER_RESTARTED,
                        f"nothing heard for {silence:.0f} s; scanner restarted",
                        silence,
                    )
        finally:
            if not lost.done():
                lost.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await lost

    async def _reopen(self) -> None:
        wait = self._reopen_first_wait_s
        while True:
            await asyncio.sleep(wait)
            try:
                await self._open()
            except Exception as exc:
                log.debug("%s: reopen failed: %s", self.name, exc)
                await self._close()
                wait = min(wait * 2.0, self._reopen_max_wait_s)
                continue
            self._opened()
            return

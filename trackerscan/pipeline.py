"""The live pipeline: BLE source + GPS source → engine → session store.

Run by `trackerscan.live.LiveSession` for ``trackerscan scan``, the GUI and the Pi kit, and by
benchmarks over recorded events.  The two sources are
read concurrently; every event goes to the engine and to the session writer
in arrival order, every `LevelChange` the engine raises is recorded at once,
and the writer commits at least every `FLUSH_INTERVAL_S` (so a kill -9 or a
power cut loses at most about a second, see `trackerscan.sessions.writer`).

This module is an edge: it reads the wall clock (through ``clock``) only to
stamp the session's start and end and the user's "somewhere else now".
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from trackerscan.engine.build import make_engine
from trackerscan.engine.known import KnownDevices
from trackerscan.errors import SessionError
from trackerscan.model import (
    DeviceState,
    Event,
    Level,
    LevelChange,
    PlaceMark,
    Sighting,
    SourceEvent,
)
from trackerscan.sessions.known import KNOWN_META_KEY, known_text
from trackerscan.sessions.writer import SessionWriter
from trackerscan.sources.base import Source
from trackerscan.status import LiveStatus, StatusTracker, initial_gps_state

__all__ = ["EngineLike", "Pipeline", "levels_reached", "make_engine"]

# Commit the session at least this often (seconds).  The issue allows losing the last second of
# sightings on a crash; committing twice a second keeps that with room for a slow SD card.
FLUSH_INTERVAL_S = 0.5


# Events handled in one go before the loop gets a turn (count): during a backlog the flusher still
# commits every FLUSH_INTERVAL_S (about 20 ms of engine work at 10 us an event).
DRAIN_MAX = 2000
# Events waiting between the sources and the engine (count).  A replay read faster than the engine
# works waits here (backpressure) instead of filling memory; live sources never come near it (the
# engine handles a sighting in a few microseconds; BLE sources keep their own bounded backlog).
QUEUE_MAX = 10_000
# When a replayed Bluetooth recording ends, wait at most this long (s) for the GPS source to deliver
# its last fixes (a replayed track ends at the same recorded time; a live receiver never ends).
GPS_GRACE_S = 2.0


class _End:
    """A source ran out (in the queue)."""

    def __init__(self, name: str) -> None:
        self.name = name


_BLE_END = _End("ble")
_GPS_END = _End("gps")


@runtime_checkable
class EngineLike(Protocol):
    """What the pipeline needs of `trackerscan.engine.Engine`."""

    def feed(self, event: Event) -> list[LevelChange]: ...

    def devices(self) -> list[DeviceState]: ...

    def finish(self) -> list[LevelChange]: ...

    def mark_mine(self, device_id: str) -> None: ...

    def take_events(self) -> list[SourceEvent]: ...

    @property
    def known(self) -> KnownDevices: ...


class Pipeline:
    """Runs the sources into the engine and the store until stopped or the BLE source ends."""

    def __init__(
        self,
        ble: Source[Any],
        gps: Source[Any] | None,
        engine: EngineLike,
        writer: SessionWriter | None,
        *,
        ble_name: str = "",
        gps_name: str = "",
        on_change: Callable[[LevelChange], None] | None = None,
        clock: Callable[[], float] = time.time,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        merge_in_time_order: bool = False,
        tracker: StatusTracker | None = None,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        """``merge_in_time_order``: both sources are recordings (replays); read them side by side and
        feed the engine in time order, as `trackerscan analyze` does (live sources are never merged:
        a quiet GPS would hold the Bluetooth stream back).  ``tracker``: where the status is kept (one
        the caller reads); ``on_event``: told of every event that is not a sighting (fixes, marks,
        source events), after the engine."""
        self.merge_in_time_order = merge_in_time_order
        self.ble = ble
        self.gps = gps
        self.engine = engine
        self.writer = writer
        self.on_change = on_change
        self.clock = clock
        self.flush_interval_s = flush_interval_s
        self.tracker = tracker or StatusTracker(
            LiveStatus(ble_name=ble_name, gps_name=gps_name or "none",
                       gps_state=initial_gps_state(gps_name or "gps") if gps is not None else "none"))
        self.changes: list[LevelChange] = []  # every level change raised, in order
        self.on_event = on_event
        # SourceEvents the engine raises itself (a BLE spam flood started or ended)
        self._take_events: Callable[[], list[SourceEvent]] = engine.take_events
        self._queue: asyncio.Queue[Event | BaseException | _End] = asyncio.Queue(QUEUE_MAX)
        self._waiting: set[asyncio.Task[None]] = set()  # place marks queued behind a backlog
        self._stop = asyncio.Event()
        # Set by a front end that keeps scanning when the session cannot be written (the Pi kit: nobody
        # is at a screen, and alerts matter more than the record).  Without it, a failed write ends
        # the run with the error.
        self.on_storage_error: Callable[[BaseException], None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ble_done = False
        self._gps_done = gps is None

    # ----------------------------------------------------------------- control

    def stop(self) -> None:
        """End the session cleanly (Ctrl-C, the GUI's Stop, the Pi's button)."""
        self._stop.set()

    def mark_place(self, label: str = "") -> PlaceMark:
        """The user says "I am somewhere else now" (used when there is no GPS)."""
        mark = PlaceMark(self.clock(), label)
        try:
            self._queue.put_nowait(mark)
        except asyncio.QueueFull:  # a replay is backed up: the mark waits its turn behind it
            task = asyncio.get_running_loop().create_task(self._queue.put(mark))
            self._waiting.add(task)
            task.add_done_callback(self._waiting.discard)
        return mark

    # ----------------------------------------------------------------- running

    @property
    def status(self) -> LiveStatus:
        """A snapshot of the sources' state and the counts."""
        return self.tracker.snapshot()

    async def _pump(self, source: Source[Any], is_ble: bool) -> None:
        try:
            async for event in source:
                await self._queue.put(event)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the main loop: errors surface to the caller
            await self._queue.put(exc)
            return
        await self._queue.put(_BLE_END if is_ble else _GPS_END)

    async def _merge(self, ble: Source[Any], gps: Source[Any]) -> None:
        """Two recordings, each in time order, merged into one stream in time order."""
        streams = [ble.__aiter__(), gps.__aiter__()]
        heads: list[Any] = [None, None]
        try:
            for i in (0, 1):
                heads[i] = await anext(streams[i], None)
            while heads[0] is not None or heads[1] is not None:
                i = 0 if heads[1] is None or (heads[0] is not None and heads[0].time <= heads[1].time) else 1
                await self._queue.put(heads[i])
                heads[i] = await anext(streams[i], None)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            await self._queue.put(exc)
            return
        await self._queue.put(_GPS_END)
        await self._queue.put(_BLE_END)

    async def _flusher(self) -> None:
        while self.writer is not None:
            await asyncio.sleep(self.flush_interval_s)
            try:
                self._flush()
            except Exception as exc:  # e.g. the disk is full: the session must not go on unrecorded
                await self._queue.put(exc)
                return

    def _flush(self) -> None:
        """Commit the writer's buffer; with `on_storage_error` set, a failure drops the writer instead
        of raising (what was committed before stays in the file)."""
        writer = self.writer
        if writer is None:
            return
        try:
            writer.flush()
        except (SessionError, OSError) as exc:
            if self.on_storage_error is None:
                raise
            self.writer = None
            with contextlib.suppress(SessionError, OSError):  # releases the file; the buffer is lost
                writer.close()
            self.on_storage_error(exc)

    def handle(self, event: Event) -> list[LevelChange]:
        """Feed one event to the engine and the store; return the level changes it caused."""
        writer = self.writer
        if writer is not None:
            writer.add(event)
        changes = self.engine.feed(event)
        if type(event) is Sighting:
            self.tracker.sighting(event.time)
        else:
            self.tracker.feed(event)
            if self.on_event is not None:
                self.on_event(event)
        self._record_raised(self._take_events())
        self._record_changes(changes)
        return changes

    async def run(self) -> None:
        """Start the sources, then process events until `stop` or the end of the BLE source.

        Errors of the sources (e.g. `NoAdapterError` at start) propagate; the
        session is always flushed first.
        """
        for src in (self.ble, self.gps):
            if src is not None:
                await src.start()
        if self.tracker.snapshot().ble_state == "starting":
            self.tracker.set(ble_state="scanning")
        if self.writer is not None:  # so a report of this session leaves the same devices out
            self.writer.set_meta(KNOWN_META_KEY, known_text(self.engine))
        if self.gps is not None and self.merge_in_time_order:
            tasks = [asyncio.create_task(self._merge(self.ble, self.gps))]
        else:
            tasks = [asyncio.create_task(self._pump(self.ble, True))]
            if self.gps is not None:
                tasks.append(asyncio.create_task(self._pump(self.gps, False)))
        self._tasks = tasks
        if self.writer is not None:
            tasks.append(asyncio.create_task(self._flusher()))
        stop_wait = asyncio.create_task(self._stop.wait())
        try:
            while not self._stop.is_set():
                get = asyncio.create_task(self._queue.get())
                done, _ = await asyncio.wait({get, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
                if get not in done:
                    get.cancel()
                    break
                item = get.result()
                drained = 0
                while True:  # drain what is already queued, going back to the loop now and then
                    drained += 1
                    if isinstance(item, _End):
                        if item is _BLE_END:
                            # a replay finished: the session ends once the GPS source has caught up
                            # (a replayed track ends too) or after a short grace (a live receiver)
                            self._ble_done = True
                            asyncio.get_running_loop().call_later(GPS_GRACE_S, self._stop.set)
                        else:
                            self._gps_done = True
                        if self._ble_done and self._gps_done:
                            self._stop.set()
                            break
                    elif isinstance(item, BaseException):
                        raise item
                    else:
                        self.handle(item)
                    if drained >= DRAIN_MAX:  # let the flusher commit (and sources read) during a backlog
                        break
                    try:
                        item = self._queue.get_nowait()
                    except asyncio.QueueEmpty:
                        break
        finally:
            stop_wait.cancel()
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
            for src in (self.ble, self.gps):
                if src is not None:
                    with contextlib.suppress(Exception):
                        await src.aclose()
            # events the sources delivered before closing are still recorded
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if not isinstance(item, BaseException | _End):
                    self.handle(item)
            if self.writer is not None:
                self.writer.set_meta(KNOWN_META_KEY, known_text(self.engine))  # with "It's mine" marks
                self._flush()

    def attach_writer(self, writer: SessionWriter) -> None:
        """Go on recording into ``writer`` (a new session) after the previous one could not be written;
        the sources and the engine run on undisturbed.  Call while `run` is running."""
        if self.writer is not None:
            raise RuntimeError("the pipeline is already recording")
        writer.set_meta(KNOWN_META_KEY, known_text(self.engine))
        self.writer = writer
        self._tasks.append(asyncio.get_running_loop().create_task(self._flusher()))

    @property
    def ended_by_source(self) -> bool:
        """True when the BLE source ran out (a replay finished) rather than being stopped."""
        return self._ble_done

    def _record_changes(self, changes: list[LevelChange]) -> None:
        """Record level changes, keep them, and tell the front end."""
        for change in changes:
            if self.writer is not None:
                self.writer.add(change)
            self.changes.append(change)
            if self.on_change is not None:
                self.on_change(change)

    def _record_raised(self, raised: list[SourceEvent]) -> None:
        """Record and show the engine's own SourceEvents like a source's."""
        for event in raised:
            if self.writer is not None:
                self.writer.add(event)
            self.tracker.feed(event)
            if self.on_event is not None:
                self.on_event(event)

    def finish(self) -> list[LevelChange]:
        """Let the engine conclude (if it can) and record any last level changes (and the end of a
        flood still going on)."""
        out = self.engine.finish()
        self._record_raised(self._take_events())
        self._record_changes(out)
        return out


def levels_reached(changes: Sequence[LevelChange]) -> dict[str, Level]:
    """The highest level each device reached, from a list of changes."""
    out: dict[str, Level] = {}
    for c in changes:
        if out.get(c.device_id) is not Level.ALERT:
            out[c.device_id] = c.level
    return out

"""The worker that keeps the window responsive: sources and the engine run in a thread with its own
asyncio loop; the window reads the engine's state on a timer.

No Qt here.  The engine is only used under one lock, so never from two threads at once.  The worker
publishes the device list every `PUBLISH_S`, so the window's refresh neither computes it nor waits
for the lock; the rare calls that need the engine itself (history, "It's mine") make the worker step
aside while they wait.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from trackerscan.engine.flood import FirstSeen
from trackerscan.engine.known import KnownDevices
from trackerscan.errors import TrackerscanError
from trackerscan.find.sweep import SweepRow, SweepState
from trackerscan.model import (
    DeviceState,
    Event,
    Fix,
    HeardPoint,
    LevelChange,
    PlaceMark,
    Sighting,
    SourceEvent,
)
from trackerscan.status import LiveStatus, StatusTracker

T = TypeVar("T")


class EngineLike(Protocol):
    """What the window needs from `trackerscan.engine.Engine`."""

    def feed(self, event: Event) -> list[LevelChange]: ...
    def devices(self) -> list[DeviceState]: ...
    def history(self, device_id: str) -> list[HeardPoint]: ...
    def track(self) -> list[Fix]: ...
    def mark_mine(self, device_id: str) -> None: ...
    def mark_not_mine(self, device_id: str) -> None: ...
    def take_events(self) -> list[SourceEvent]: ...
    def first_seen(self, address: str) -> FirstSeen | None: ...
    def finish(self) -> list[LevelChange]: ...
    @property
    def known(self) -> KnownDevices: ...


class SessionCommands(Protocol):
    """What the window sends a live session (`trackerscan.live.LiveSession`), as `scan` and the kit do."""

    def stop(self) -> None: ...
    def mark_place(self, label: str = "") -> object: ...
    def mark_mine(self, device_id: str) -> None: ...


class EventSink(Protocol):
    """Where every event goes besides the engine (the session recorder)."""

    def write(self, event: Event) -> None: ...


# What the status line says: the core's status snapshot, the same for a live session, the demo and a review.
Status = LiveStatus


@dataclass(slots=True)
class Snapshot:
    devices: list[DeviceState]
    changes: list[LevelChange]
    status: Status
    running: bool


# The worker publishes a snapshot of the engine's devices this often (seconds), so the GUI thread never
# computes one (2,000 devices take tens of ms) nor waits for the engine; the window refreshes every 0.5 s.
PUBLISH_S = 0.4
# The window waits at most this long (seconds) for the worker to run one of its commands.
COMMAND_WAIT_S = 2.0
# When the GUI thread waits for the engine, the worker pauses this long after each event (seconds):
# a plain lock is not fair, and a worker feeding at full speed would otherwise starve the window.
HANDOFF_S = 0.0005


class Runner:
    """Feeds an engine from async sources in a worker thread."""

    def __init__(
        self, engine: EngineLike, status: Status | None = None, sink: EventSink | None = None
    ) -> None:
        self._engine = engine
        self._sink = sink
        self._lock = threading.Lock()
        self._pending: collections.deque[LevelChange] = collections.deque()
        self._published: list[DeviceState] | None = None
        self._next_publish = 0.0
        self._want = 0  # GUI-side callers waiting for the lock
        self._dirty = False  # events fed since the last published snapshot
        # The status, kept from the events fed here; a live session keeps it instead (`tracks_status`
        # False), fed by its pipeline, so the window reads the core's own status.
        self.tracker = StatusTracker(status)
        self.tracks_status = True
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = threading.Event()
        self._active = 0
        self._sweep: SweepState | None = None
        self._follow: frozenset[str] = frozenset()
        self._session: SessionCommands | None = None  # the live session, while it runs
        self.errors: list[str] = []
        # The live Bluetooth source while it runs: ringing a tracker through a dongle goes through the
        # device the scan holds (a dongle can be opened only once).
        self.ble_source: object | None = None

    # --- the worker thread -------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="trackerscan-worker", daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def add_source(self, source: AsyncGenerator[Event, None], role: str) -> None:
        """Start pumping a source ("ble" or "gps") into the engine."""
        self.start()
        assert self._loop is not None
        with self._lock:
            self._active += 1
        asyncio.run_coroutine_threadsafe(self._adopt(source, role), self._loop)

    async def _adopt(self, source: AsyncGenerator[Event, None], role: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.append(task)
        await self._pump(source, role)

    async def _pump(self, source: AsyncGenerator[Event, None], role: str) -> None:
        try:
            async for event in source:
                self.feed(event)
        except TrackerscanError as exc:
            self.problem(role, str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source failing must not take the window down
            self.problem(role, f"{type(exc).__name__}: {exc}")
        finally:
            try:
                await source.aclose()
            except Exception as exc:  # closing a failed source: keep going
                self.errors.append(str(exc))
            with self._lock:
                self._active -= 1
                if role == "ble" and self.tracker.snapshot().ble_state in ("scanning", "starting", "demo"):
                    self.tracker.set(ble_state="finished")
                self._publish()

    def problem(self, role: str, text: str) -> None:
        with self._lock:
            self.errors.append(text)
            self.tracker.problem(role, text)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> concurrent.futures.Future[None]:
        """Run a long-lived coroutine (a live pipeline) on the worker; `stop` waits, then cancels it."""
        self.start()
        assert self._loop is not None

        async def adopt() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.append(task)
            await coro

        return asyncio.run_coroutine_threadsafe(adopt(), self._loop)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run a coroutine (e.g. ringing a tracker) on the worker's loop."""
        self.start()
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def attach(self, session: SessionCommands | None) -> None:
        """The live session the window's commands go to (stop, a place mark, "It's mine"), called on
        the worker's loop; None once it has closed (call from the worker thread)."""
        self._session = session

    def place_mark(self, label: str, now: float) -> None:
        """The user has moved (no GPS): through the live session when there is one, so it is recorded."""
        session, loop = self._session, self._loop
        if session is not None and loop is not None:
            loop.call_soon_threadsafe(session.mark_place, label)
        else:
            self.feed(PlaceMark(now, label))

    def its_mine(self, device_id: str, timeout_s: float = COMMAND_WAIT_S) -> None:
        """"It's mine" from the window: through the live session when one runs (`LiveSession.mark_mine`
        on the worker's loop, as ``scan`` and the kit send it), else to the engine (a review, the demo).

        Returns once it is done, so the next snapshot shows the device as known; if the worker is too
        busy to run it within ``timeout_s``, the engine is told directly (marking twice changes nothing).
        """
        session, loop = self._session, self._loop
        if session is None or loop is None:
            self.mark_mine(device_id)
            return
        done: concurrent.futures.Future[None] = concurrent.futures.Future()

        def command() -> None:
            try:
                session.mark_mine(device_id)
            except BaseException as exc:
                done.set_exception(exc)
            else:
                done.set_result(None)

        try:
            loop.call_soon_threadsafe(command)
            done.result(timeout_s)
        except (concurrent.futures.TimeoutError, RuntimeError):  # busy, or the loop has just closed
            self.mark_mine(device_id)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the sources cleanly (sessions are flushed and closed), then the worker thread."""
        loop = self._loop
        if loop is None or self._thread is None:
            return
        session = self._session
        if session is not None:
            loop.call_soon_threadsafe(session.stop)

            async def wait_tasks() -> None:
                pending = [t for t in self._tasks if not t.done()]
                if pending:
                    await asyncio.wait(pending, timeout=timeout_s)

            with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                asyncio.run_coroutine_threadsafe(wait_tasks(), loop).result(timeout_s + 1)

        async def cancel_all() -> None:
            for t in self._tasks:
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)
        self._thread = None
        self._loop = None

    # --- the engine, under the lock ---------------------------------------------------------------
    def feed(self, event: Event) -> list[LevelChange]:
        """Feed one event (from any thread); returns the level changes it raised."""
        with self._lock:
            changes = self._engine.feed(event)
            if self._sweep is not None and type(event) is Sighting and event.address.upper() in self._follow:
                self._sweep.add(event)
            if self._sink is not None:
                self._sink.write(event)
            if changes:
                self._pending.extend(changes)
            if self.tracks_status:
                self.tracker.feed(event)
                for raised in self._engine.take_events():  # a flood started or ended
                    if self._sink is not None:
                        self._sink.write(raised)
                    self.tracker.feed(raised)
            self._dirty = True
            if time.monotonic() >= self._next_publish:
                self._publish()
        if self._want:
            time.sleep(HANDOFF_S)  # let the waiting GUI thread take the lock
        return changes

    def _publish(self) -> None:
        """Snapshot the engine's devices (call with the lock held)."""
        self._published = self._engine.devices()
        self._next_publish = time.monotonic() + PUBLISH_S
        self._dirty = False

    def publish(self) -> None:
        with self._gui_lock():
            self._publish()

    @contextlib.contextmanager
    def _gui_lock(self) -> Iterator[None]:
        """The lock, for callers in the GUI thread: the worker steps aside while they wait."""
        self._want += 1
        try:
            with self._lock:
                yield
        finally:
            self._want -= 1

    def feed_all(self, events: Sequence[Event]) -> None:
        for e in events:
            self.feed(e)

    def devices(self) -> list[DeviceState]:
        with self._lock:
            return self._engine.devices()

    def finish(self) -> list[LevelChange]:
        """End of input: let the engine conclude (as `Pipeline.finish` expects of an engine)."""
        with self._lock:
            changes = self._engine.finish()
            self._pending.extend(changes)
            self._publish()
            return changes

    def take_events(self) -> list[SourceEvent]:
        """What the engine raised itself (a flood started or ended), for `Pipeline` to record."""
        with self._lock:
            return self._engine.take_events()

    def first_seen(self, address: str) -> FirstSeen | None:
        """The engine's first-sighting record of ``address`` (a dict look-up: safe without the lock)."""
        return self._engine.first_seen(address)

    def mark_mine(self, device_id: str) -> None:
        """"It's mine" to the engine (what `trackerscan.live.LiveSession.mark_mine` calls on its engine;
        the window says it through `its_mine`)."""
        with self._gui_lock():
            self._engine.mark_mine(device_id)

    @property
    def known(self) -> KnownDevices:
        """The user's known devices, as the engine holds them (recorded with the session)."""
        return self._engine.known  # frozen sets, replaced whole: safe to read without the lock

    # --- find mode ----------------------------------------------------------------------------------
    def follow(self, addresses: Sequence[str], keep: bool = False) -> None:
        """Sweep over one device's addresses (trackerscan.find does the smoothing and trend).

        ``keep`` adds addresses to the current sweep (the device rotated its address) instead of
        starting afresh.
        """
        with self._gui_lock():
            new = frozenset(a.upper() for a in addresses)
            if keep and self._sweep is not None:
                self._follow |= new
                return
            self._sweep = SweepState(trackers_only=False)
            self._follow = new

    def unfollow(self) -> None:
        with self._gui_lock():
            self._sweep = None
            self._follow = frozenset()

    def sweep_row(self) -> SweepRow | None:
        """The followed device's latest reading, timed against the newest event of any source."""
        with self._gui_lock():
            if self._sweep is None:
                return None
            now = max(self._sweep.latest, self.tracker.snapshot().last_time or 0.0)
            rows = self._sweep.rows(now)
            if rows:
                return rows[0]
            heard = [r for a in self._follow if (r := self._sweep.row(a, now)) is not None]
            return min(heard, key=lambda r: r.seconds_ago) if heard else None

    def snapshot(self, fresh: bool = False) -> Snapshot:
        """The latest published devices, the level changes not yet taken, and the status.

        ``fresh`` (or no worker running) computes the devices now, e.g. right after "It's mine".
        """
        published = self._published
        # the worker publishes as events come; when they stop, news left unpublished is fetched here
        stale = self._dirty and time.monotonic() > self._next_publish + PUBLISH_S
        if fresh or stale or published is None or self._thread is None:
            with self._gui_lock():
                self._publish()
                published = self._published
        assert published is not None
        changes: list[LevelChange] = []
        while self._pending:
            changes.append(self._pending.popleft())
        return Snapshot(published, changes, self.status, self._active > 0)

    def with_engine(self, fn: Callable[[EngineLike], T]) -> T:
        with self._gui_lock():
            return fn(self._engine)

    def set_status(self, **changes: Any) -> None:
        with self._lock:
            self.tracker.set(**changes)

    @property
    def status(self) -> Status:
        return self.tracker.snapshot()  # an immutable record

    @property
    def running(self) -> bool:
        return self._active > 0

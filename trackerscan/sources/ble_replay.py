"""Replaying a recording as a Bluetooth source: ``replay:FILE[,speed=N]``.

FILE is a btsnoop capture (``btmon -w``, Android's HCI snoop log, Wireshark)
or a recorded trackerscan session; a session replays everything it holds
(sightings, fixes, place marks, source events), so the engine sees the
session again as it was.  Events keep their recorded times; only the pacing
changes: speed=1 (the default) plays in real time, speed=N N times
faster, speed=0 as fast as possible.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from trackerscan.errors import InputError
from trackerscan.model import Event
from trackerscan.safetext import printable as shown
from trackerscan.sources.ble_base import BleSource
from trackerscan.sources.replay_speed import check_speed, parse_speed

BTSNOOP_MAGIC = b"btsnoop\x00"
SQLITE_MAGIC = b"SQLite format 3\x00"

# Events read from the file per hop to a worker thread (count): large enough
# that the hop costs nothing per event, small enough to start playing at once.
READ_BATCH = 2000


def _file_kind(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise InputError(f"The recording {shown(path)} does not exist.") from None
    except IsADirectoryError:
        raise InputError(f"{shown(path)} is a folder, not a recording.") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        reason = getattr(exc, "strerror", None) or exc
        raise InputError(f"The recording {shown(path)} cannot be read ({shown(reason)}).") from None
    if head.startswith(BTSNOOP_MAGIC):
        return "btsnoop"
    if head.startswith(SQLITE_MAGIC):
        return "session"
    raise InputError(f"{shown(path)} is neither a btsnoop capture nor a trackerscan session.")


def read_recording(path: Path, source: str = "replay") -> Iterator[Event]:
    """The Sightings of a btsnoop capture, or every event of a recorded session (in time order)."""
    kind = _file_kind(path)
    if kind == "btsnoop":
        from trackerscan.formats.btsnoop.reader import read_sightings

        reader = read_sightings(path, source=source)
        try:
            yield from reader
        finally:
            reader.close()
        return
    from trackerscan.formats.session import read_events

    yield from read_events(path)


class ReplaySource(BleSource):
    """Plays a recording back at ``speed`` times real time (0: as fast as possible)."""

    def __init__(
        self,
        path: str | Path,
        speed: float = 1.0,
        *,
        source: str = "replay",
        monotonic: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_speed(speed)
        self.path = Path(path)
        self.speed = speed
        self.source_label = source
        self._monotonic = monotonic
        super().__init__(f"replay:{self.path}", clock=clock)  # stamps only the source's own notes
        self._events: Iterator[Event] | None = None
        # One reader thread for the whole replay: a session is read through SQLite, whose objects
        # belong to the thread that made them, so reading and closing all happen on this thread
        # (and in order: the close waits for a batch still being read).
        self._reader: ThreadPoolExecutor | None = None

    async def _open(self) -> None:
        _file_kind(self.path)  # errors the user can act on surface at start
        self._events = read_recording(self.path, self.source_label)
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trackerscan-replay")

    def _next_batch(self) -> list[Event]:
        events = self._events
        if events is None:  # closed
            return []
        return list(itertools.islice(events, READ_BATCH))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        now = self._monotonic or loop.time
        first: float | None = None
        started = now()
        while batch := await loop.run_in_executor(self._reader, self._next_batch):
            for event in batch:
                if self.speed > 0.0:
                    if first is None:
                        first = event.time
                    wait = started + (event.time - first) / self.speed - now()
                    if wait > 0.0:
                        await asyncio.sleep(wait)
                self._emit(event)
            if self.speed == 0.0:
                await asyncio.sleep(0)  # let the consumer run
            while self._queue.qsize() > READ_BATCH:  # keep memory flat for a slow consumer
                await asyncio.sleep(0.01)

    async def _close(self) -> None:
        events, self._events = self._events, None
        reader, self._reader = self._reader, None
        close = getattr(events, "close", None)

        def close_quietly() -> None:
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

        if reader is None:
            close_quietly()
            return
        try:  # on the reader thread, after any batch it is still reading
            await asyncio.get_running_loop().run_in_executor(reader, close_quietly)
        finally:
            reader.shutdown(wait=False)


def open_replay(options: str, *, clock: Callable[[], float] = time.time) -> ReplaySource:
    """``replay:`` spec after the prefix: ``FILE`` or ``FILE,speed=N``."""
    path, sep, speed_text = options.rpartition(",speed=")
    if not sep:
        path, speed_text = options, "1"
    speed = parse_speed(speed_text)
    if not path:
        raise InputError("A replay source needs a file: use replay:FILE or replay:FILE,speed=N.")
    source = ReplaySource(path, speed, clock=clock)
    _file_kind(source.path)
    return source

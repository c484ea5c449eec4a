"""One live session, the same for every front end (``trackerscan scan``, the window, the Pi kit).

A `LiveSession` opens the sources on one GPS-corrected clock, makes the engine, records a session
file with one metadata schema (`META_KEYS`), runs the `trackerscan.pipeline.Pipeline`, and on the way
out closes the file and applies bystander retention (`trackerscan.sessions.retention`).  Front ends
only show what it publishes and send it commands::

    live = LiveSession(LiveSettings("cli", ble="bleak", gps="gpsd"), on_change=print)
    await live.open()          # a SourceError here: no adapter (nothing recorded yet)
    await live.run()           # until live.stop(), or a replay ends; the file is closed after it
    live.status                # a LiveStatus snapshot: sources, fix, counts, recording
    live.mark_place("shop")    # "I am somewhere else now" (no GPS)
    live.mark_mine(device_id)  # "It's mine"

Storage failure is handled here, once: with ``keep_scanning_when_storage_fails`` (the window and the
kit) a session that cannot be written stops the record, not the scan and its alerts; the status and
``on_recording`` say so, and a new session starts once `RESUME_FREE_BYTES` are free again (looked at
every ``record_retry_s``).  Nothing is deleted to make room.  Without it (``trackerscan scan``, where
someone watches the terminal) the failure ends the run with one line, what was saved being kept.

This module is an edge: it reads the wall clock (through the `ClockCorrector`) to stamp the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from trackerscan import __version__
from trackerscan.errors import SessionError, SourceError
from trackerscan.model import Event, LevelChange, PlaceMark, SourceEvent
from trackerscan.pipeline import EngineLike, Pipeline, make_engine
from trackerscan.sessions import paths
from trackerscan.sessions.retention import apply_retention, keep_hours
from trackerscan.sessions.writer import SessionWriter
from trackerscan.sources import open_ble, open_gps
from trackerscan.sources.base import Source
from trackerscan.sources.gps.clock import ClockCorrector
from trackerscan.status import LiveStatus, StatusTracker, initial_gps_state

# The front ends, as written in a session's "front_end" metadata.
FRONT_ENDS = ("cli", "gui", "pi kit")
# Every live session's metadata, whichever front end recorded it (the writer adds its own bookkeeping):
# "retention_hours" is the period the session was recorded under; "pid" is the process `trackerscan
# place` signals (empty for the window, which has its own "somewhere else now" button).
META_KEYS = ("tool_version", "front_end", "ble", "gps", "sensitivity", "timezone", "retention_hours", "pid")
# Front ends that answer SIGUSR1 (`trackerscan place`) with a place mark.
PLACE_SIGNAL_FRONT_ENDS = frozenset({"cli", "pi kit"})
# While sessions cannot be written, look this often (seconds) whether there is room again ...
RECORD_RETRY_S = 60.0
# ... and start a new session when at least this much is free (bytes): about an hour at the busiest
# (500 advertisements a second at 22 bytes each, bench/bench_storage.py).
RESUME_FREE_BYTES = 64 * 1024 * 1024

FreeBytes = Callable[[Path], int]
# Told when recording starts (a path) or stops because the storage failed (None and the reason).
OnRecording = Callable[[Path | None, str], None]


def free_bytes(directory: Path) -> int:
    """Bytes free for an unprivileged writer on the file system holding ``directory``."""
    return shutil.disk_usage(directory).free


def storage_reason(exc: BaseException) -> str:
    """Why the session cannot be written, in words people read (no "[Errno 28]")."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    cause = exc.__cause__
    if isinstance(cause, OSError) and cause.strerror and not str(exc):
        return cause.strerror
    return str(exc).rstrip(".")


@dataclass(frozen=True, slots=True)
class LiveSettings:
    """What a live session is started with (the front end's own settings, turned into these)."""

    front_end: str  # one of FRONT_ENDS
    ble: str = "bleak"
    gps: str = "none"
    sensitivity: str = "medium"
    known_path: str | None = None
    data_dir: str | None = None
    keep_hours: float | None = None  # None: $TRACKERSCAN_KEEP_HOURS, else the default
    keep_scanning_when_storage_fails: bool = True
    gps_optional: bool = False  # a GPS that cannot be opened: scan without positions (said in the status)


def session_meta(settings: LiveSettings, hours: float, pid: int) -> dict[str, str]:
    """The metadata of a live session: `META_KEYS`, the same for every front end."""
    meta = {
        "tool_version": __version__,
        "front_end": settings.front_end,
        "ble": settings.ble,
        "gps": settings.gps,
        "sensitivity": settings.sensitivity,
        "timezone": datetime.now().astimezone().tzname() or "",
        "retention_hours": repr(hours),
        "pid": str(pid) if settings.front_end in PLACE_SIGNAL_FRONT_ENDS else "",
    }
    assert tuple(meta) == META_KEYS
    return meta


class LiveSession:
    """Sources → engine → session store, supervised; see the module's docstring."""

    def __init__(
        self,
        settings: LiveSettings,
        *,
        engine: EngineLike | None = None,
        clock: ClockCorrector | None = None,
        tracker: StatusTracker | None = None,
        on_change: Callable[[LevelChange], None] | None = None,
        on_event: Callable[[Event], None] | None = None,
        on_recording: OnRecording | None = None,
        free: FreeBytes = free_bytes,
        record_retry_s: float = RECORD_RETRY_S,
    ) -> None:
        """``engine``: one made by the front end (the window's, shared with its views); by default
        `make_engine` for the settings.  ``tracker``: where the status is kept, if the front end keeps
        one already.  ``on_event``: told of fixes, marks and source events (the kit's LED)."""
        self.settings = settings
        self.clock = clock or ClockCorrector()
        self.engine: EngineLike = engine or make_engine(settings.sensitivity, settings.known_path)
        gps_name = settings.gps.strip() or "none"
        self.tracker = tracker or StatusTracker(
            LiveStatus(ble_name=settings.ble, gps_name=gps_name, gps_state=initial_gps_state(gps_name)))
        self.on_change = on_change
        self.on_event = on_event
        self.on_recording = on_recording
        self.free = free
        self.record_retry_s = record_retry_s
        self.hours = keep_hours(settings.keep_hours)
        self.ble: Source[Any] | None = None  # open while the session runs (ringing goes through it)
        self.gps: Source[Any] | None = None
        self.pipeline: Pipeline | None = None
        self.paths: list[Path] = []  # the session files written, in order
        self._directory: Path | None = None
        self._stopped = False

    # ----------------------------------------------------------------- what front ends read

    @property
    def status(self) -> LiveStatus:
        """A snapshot: sources, fix, counts, the file being recorded."""
        return self.tracker.snapshot()

    @property
    def changes(self) -> list[LevelChange]:
        """Every level change raised so far, in order."""
        return self.pipeline.changes if self.pipeline is not None else []

    @property
    def path(self) -> Path | None:
        """The session file being (or last) written."""
        return self.paths[-1] if self.paths else None

    @property
    def recording(self) -> bool:
        return self.pipeline is not None and self.pipeline.writer is not None

    # ----------------------------------------------------------------- commands

    def stop(self) -> None:
        """End the session cleanly (Ctrl-C, Stop, the kit's button); `run` returns once it is closed."""
        self._stopped = True
        if self.pipeline is not None:
            self.pipeline.stop()

    def mark_place(self, label: str = "") -> PlaceMark | None:
        """The user says "I am somewhere else now" (no GPS); recorded with the session."""
        return self.pipeline.mark_place(label) if self.pipeline is not None else None

    def mark_mine(self, device_id: str) -> None:
        """"It's mine": the engine stops watching the device; the session records it as known on close."""
        self.engine.mark_mine(device_id)

    def note(self, event: SourceEvent) -> None:
        """Record an event of the front end's own (the kit's button, a USB export) with the session."""
        if self.pipeline is not None:
            self.pipeline.handle(event)

    # ----------------------------------------------------------------- running

    async def open(self) -> None:
        """Open the sources and the session file.

        A Bluetooth source that cannot be opened raises (`SourceError`, `NoAdapterError`) before any
        file exists; so does a GPS source unless ``gps_optional``.  A session file that cannot be made
        is a storage failure (see the module's docstring)."""
        s = self.settings
        ble = open_ble(s.ble, clock=self.clock.now)  # a bad spec is an InputError
        try:
            await ble.start()
        except BaseException:
            await ble.aclose()
            raise
        gps: Source[Any] | None = None
        if s.gps.strip() and s.gps.strip() != "none":
            try:
                gps = open_gps(s.gps, clock=self.clock)
                await gps.start()
            except SourceError as exc:
                if gps is not None:
                    await gps.aclose()
                gps = None
                if not s.gps_optional:
                    await ble.aclose()
                    raise
                self.tracker.problem("gps", str(exc))
            except BaseException:
                await ble.aclose()
                if gps is not None:
                    await gps.aclose()
                raise
        self.ble, self.gps = ble, gps
        pipe = Pipeline(ble, gps, self.engine, None, ble_name=s.ble, gps_name=s.gps,
                        on_change=self.on_change, clock=self.clock.now, tracker=self.tracker,
                        on_event=self.on_event,
                        merge_in_time_order=s.ble.startswith("replay:") and s.gps.startswith("replay:"))
        if s.keep_scanning_when_storage_fails:
            pipe.on_storage_error = self._storage_failed
        self.pipeline = pipe
        try:
            self._directory = paths.sessions_dir(s.data_dir, create=True)
        except (SessionError, OSError):
            if not s.keep_scanning_when_storage_fails:
                await self._close_sources()
                raise
            self._directory = paths.sessions_dir(s.data_dir)  # the writer below says what is wrong
        try:
            writer = self._new_writer()
        except BaseException:  # no file could be made and the front end stops on that: nothing left open
            await self._close_sources()
            raise
        if writer is not None:
            pipe.writer = writer

    async def run(self) -> None:
        """Run until `stop` or the end of a replay; then close the session and apply retention.

        Call after `open`.  Errors of the sources (a `SourceError` while scanning) propagate after
        the session is closed."""
        pipe = self.pipeline
        if pipe is None:
            raise RuntimeError("LiveSession.run before open")
        watcher = asyncio.create_task(self._watch_storage()) if pipe.on_storage_error is not None else None
        try:
            if self._stopped:
                pipe.stop()
            await pipe.run()
            pipe.finish()
            if pipe.ended_by_source:
                self.tracker.set(ble_state="finished")
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            self.close()

    @property
    def ended_by_source(self) -> bool:
        """True when a replayed recording ran out (rather than the session being stopped)."""
        return self.pipeline is not None and self.pipeline.ended_by_source

    def close(self) -> None:
        """Close the session file (with the device count) and apply retention to it."""
        pipe = self.pipeline
        writer = pipe.writer if pipe is not None else None
        self.ble = self.gps = None
        if pipe is None or writer is None:
            return
        pipe.writer = None
        ended = self.clock.now()
        try:
            writer.close(ended, {"devices": str(len(self.engine.devices()))})
        except (SessionError, OSError, sqlite3.Error) as exc:
            if not self.settings.keep_scanning_when_storage_fails:
                raise
            self._storage_failed(exc)
            return
        finally:
            self.tracker.set(recording="")
        with contextlib.suppress(Exception):  # retention never stops a session from being kept
            apply_retention(writer.path, ended, self.hours)

    async def _close_sources(self) -> None:
        for src in (self.ble, self.gps):
            if src is not None:
                with contextlib.suppress(Exception):
                    await src.aclose()
        self.ble = self.gps = None

    # ----------------------------------------------------------------- storage

    def _new_writer(self) -> SessionWriter | None:
        """A new session file, or None (and "not recording" said) when the storage refuses it."""
        assert self._directory is not None
        try:
            writer = SessionWriter.create(self._directory, self.clock.now(),
                                          session_meta(self.settings, self.hours, os.getpid()))
        except (SessionError, OSError, sqlite3.Error) as exc:  # full, read-only, failing or not a folder
            if not self.settings.keep_scanning_when_storage_fails:
                raise
            self._storage_failed(exc)
            return None
        self.paths.append(writer.path)
        self.tracker.set(recording=str(writer.path), storage_problem="")
        if self.on_recording is not None:
            self.on_recording(writer.path, "")
        return writer

    def _storage_failed(self, exc: BaseException) -> None:
        """The session cannot be written: stop recording, go on scanning, and say so."""
        reason = storage_reason(exc)
        self.tracker.set(recording="", storage_problem=reason)
        if self.on_recording is not None:
            self.on_recording(None, reason)

    async def _watch_storage(self) -> None:
        """While nothing is recorded, look every ``record_retry_s`` for room, and record again when found."""
        while True:
            await asyncio.sleep(self.record_retry_s)
            pipe, directory = self.pipeline, self._directory
            if pipe is None or directory is None or pipe.writer is not None:
                continue
            try:
                room = self.free(directory) >= RESUME_FREE_BYTES
            except OSError:
                room = False
            if room and (writer := self._new_writer()) is not None:
                pipe.attach_writer(writer)

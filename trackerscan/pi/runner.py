"""The headless kit: the live pipeline with an LED, a buzzer and a button instead of a screen.

`KitRunner.run` records sessions (BLE + GPS → engine → session store, the
same `trackerscan.pipeline.Pipeline` as ``trackerscan scan``) and, every
`TICK_S`, turns the kit's state into LED and buzzer output and the button's
edges into actions:

- short press: a sweep starts (a place mark and a source event are recorded)
  or ends (a source event);
- double press: finished sessions and reports are copied to the USB stick,
  which is then synced and unmounted; the LED says when it may be pulled;
- long press: the session is closed and the Pi powers off (``systemctl poweroff``).

A Bluetooth adapter that cannot be opened, or fails while recording, is
shown on the LED and tried again every `ADAPTER_RETRY_S` (a new session each
time), so unplugging and replugging the dongle needs nobody at a screen.
When the session cannot be written (the SD card is full or failing), the kit
keeps scanning and alerting without a record, shows "not recording", and
starts a new session once `RESUME_FREE_BYTES` are free again (checked every
`RECORD_RETRY_S`); it never deletes anything to make room.
Every line printed (status changes, alerts, button actions) goes to the
journal under systemd.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from trackerscan import __version__
from trackerscan.errors import SessionError, SourceError, TrackerscanError
from trackerscan.model import Event, Level, LevelChange, Sighting, SourceEvent, SourceEventKind
from trackerscan.pi.button import Gesture
from trackerscan.pi.gpio import KitGpio
from trackerscan.pi.patterns import Indicator, KitState, Status
from trackerscan.pi.usb import UsbExporter, run_command
from trackerscan.pipeline import Pipeline, make_engine
from trackerscan.sessions.store import SessionWriter

# LED, buzzer and button are serviced this often, seconds: finer than the
# shortest pattern step (0.08 s) and coarse enough to cost nothing on a Pi Zero.
TICK_S = 0.05
# After the Bluetooth adapter could not be opened or failed, try again after this many seconds
# (a replugged USB dongle is back in BlueZ within about 2 s).
ADAPTER_RETRY_S = 10.0
# Before powering off, let the shutdown tone finish, but never wait longer than this (seconds).
SHUTDOWN_CUE_MAX_S = 2.0
# While sessions cannot be written, look this often (seconds) whether there is room again ...
RECORD_RETRY_S = 60.0
# ... and start a new session when at least this much is free (bytes): about an hour at the busiest
# (500 advertisements a second at 22 bytes each, bench/bench_storage.py).
RESUME_FREE_BYTES = 64 * 1024 * 1024
SOURCE = "kit"  # the source name of the events the kit itself records (button, export)

PowerOff = Callable[[], tuple[int, str]]
FreeBytes = Callable[[Path], int]


def free_bytes(directory: Path) -> int:
    """Bytes free for an unprivileged writer on the file system holding ``directory``."""
    return shutil.disk_usage(directory).free


def systemctl_poweroff() -> tuple[int, str]:
    """Power the Pi off through logind (allowed to the kit's user by the polkit rule)."""
    return run_command(["systemctl", "poweroff"])


@dataclass(frozen=True, slots=True)
class KitConfig:
    ble: str = "bleak"
    gps: str = "gpsd"
    silent: bool = False
    sensitivity: str = "medium"
    known: str | None = None
    data_dir: str | None = None
    keep_hours: float | None = None


class _KitPipeline(Pipeline):
    """The shared pipeline, also telling the kit about fixes and source events."""

    kit_feed: Callable[[Event], None] | None = None

    def handle(self, event: Event) -> list[LevelChange]:
        changes = super().handle(event)
        if type(event) is not Sighting and self.kit_feed is not None:
            self.kit_feed(event)
        return changes


class KitRunner:
    """Runs the kit until stopped (signal, long press) or until a replayed recording ends."""

    def __init__(
        self,
        config: KitConfig,
        gpio: KitGpio | None,
        *,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        poweroff: PowerOff = systemctl_poweroff,
        exporter: UsbExporter | None = None,
        tick_s: float = TICK_S,
        retry_s: float = ADAPTER_RETRY_S,
        record_retry_s: float = RECORD_RETRY_S,
        free: FreeBytes = free_bytes,
    ) -> None:
        self.config = config
        self.gpio = gpio
        self.out = out or sys.stdout
        self.clock = clock  # monotonic: LED patterns and the button
        # A Pi has no real-time clock: after a boot without network its clock can be hours or days
        # off.  The GPS source measures the offset (trackerscan.sources.gps.ClockCorrector); the
        # Bluetooth source and the kit's own records are stamped with the same corrected clock.
        from trackerscan.sources.gps import ClockCorrector

        self.gps_clock = ClockCorrector(clock=wall)
        self.wall = self.gps_clock.now  # UTC epoch (GPS-corrected): stamps of the records the kit adds
        self.poweroff = poweroff
        self.exporter = exporter
        self.tick_s = tick_s
        self.retry_s = retry_s
        self.record_retry_s = record_retry_s
        self.free = free
        self.kit = KitState(gps_expected=config.gps != "none")
        self.indicator = Indicator(self.kit, silent=config.silent)
        self.statuses: list[Status] = []  # every status the LED has shown, in order
        self.sessions: list[Path] = []  # the sessions recorded, in order
        self.pipeline: _KitPipeline | None = None
        self.sweep = 0
        self.sweeping = False
        self.poweroff_requested = False
        self._stop = asyncio.Event()
        self._export: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ control

    def say(self, text: str) -> None:
        stamp = datetime.fromtimestamp(self.wall()).astimezone().strftime("%H:%M:%S")
        print(f"{stamp} {text}", file=self.out, flush=True)

    def stop(self) -> None:
        """End the current session cleanly and return from `run` (SIGTERM, Ctrl-C)."""
        self._stop.set()
        if self.pipeline is not None:
            self.pipeline.stop()

    def mark_place(self) -> None:
        """``trackerscan place`` (SIGUSR1): the user is somewhere else now."""
        if self.pipeline is not None:
            self.pipeline.mark_place("place (trackerscan place)")
            self.say("new place marked")

    def _record(self, detail: str) -> None:
        """Add an event of the kit's own to the session being recorded (if any)."""
        if self.pipeline is not None:
            self.pipeline.handle(SourceEvent(self.wall(), SOURCE, SourceEventKind.INFO, detail))

    def gesture(self, g: Gesture) -> None:
        """Act on one button gesture."""
        if self.kit.shutting_down:
            return
        if g is Gesture.SHORT:
            if self.pipeline is None:
                self.say("button: not recording yet, press again once the light blinks calmly")
                return
            self.sweeping = not self.sweeping
            if self.sweeping:
                self.sweep += 1
                self.pipeline.mark_place(f"sweep {self.sweep}")
            word = "started" if self.sweeping else "ended"
            self._record(f"sweep {self.sweep} {word} (button)")
            self.kit.sweep_toggled(self.sweeping)
            self.say(f"sweep {self.sweep} {word}")
        elif g is Gesture.DOUBLE:
            if self._export is None or self._export.done():
                self.kit.export_started(self.clock())
                self._export = asyncio.create_task(self._do_export())
        elif g is Gesture.LONG:
            self.say("button held: closing the session and powering off")
            self._record("power off requested (button held)")
            self.poweroff_requested = True
            self.kit.shutdown()
            self.stop()

    async def _do_export(self) -> None:
        ok, text = False, "no USB export is set up"
        if self.exporter is not None:
            self.say("copying finished sessions to the USB stick; wait for the steady light")
            try:
                text = await asyncio.to_thread(self.exporter.export)
                ok = True
            except TrackerscanError as exc:
                text = str(exc)
            except OSError as exc:
                text = f"the copy failed: {exc.strerror or exc}"
        self.kit.export_finished(ok, self.clock())
        self._record(f"USB export: {text}")
        self.say(("USB: " + text + ". Safe to remove the stick.") if ok else f"USB export failed: {text}")

    def _on_change(self, c: LevelChange) -> None:
        self.kit.feed(c, self.clock())
        word = {Level.ALERT: "ALERT", Level.WATCH: "watch"}.get(c.level, c.level.value)
        kind = c.kind.value if c.kind else "device"
        self.say(f"{word}: {kind} {', '.join(c.addresses[:3])}: {c.explanation}")

    # ------------------------------------------------------------------ running

    async def _ticker(self) -> None:
        shown: Status | None = None
        while True:
            now = self.clock()
            if self.gpio is not None:
                for g in self.gpio.gestures(now):
                    self.gesture(g)
            led, buzzer = self.indicator.outputs(now)
            if self.gpio is not None:
                self.gpio.show(led, buzzer)
            status = self.indicator.status
            if status is not shown and status is not None:
                shown = status
                self.statuses.append(status)
                self.say(f"light: {status.value.replace('_', ' ')}")
            await asyncio.sleep(self.tick_s)

    async def _wait_or_stop(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _session(self) -> bool:
        """Record one session; True when the run is over (stopped, or a replay ended)."""
        from trackerscan.sessions import paths
        from trackerscan.sessions.retention import apply_retention, keep_hours
        from trackerscan.sources import open_ble
        from trackerscan.sources.gps import open_gps

        cfg = self.config
        # sightings are stamped with the GPS-corrected clock, as trackerscan.sources.gps asks
        ble = open_ble(cfg.ble, clock=self.gps_clock.now)  # a bad spec is an InputError: it ends the run
        try:
            await ble.start()
        except SourceError as exc:
            await ble.aclose()
            self.kit.start(self.clock())
            if not self.kit.adapter_lost:  # said once, not at every retry
                self.say(f"Bluetooth: {exc} Trying again every {self.retry_s:g} s.")
            lost = SourceEvent(self.wall(), cfg.ble, SourceEventKind.ADAPTER_LOST, str(exc))
            self.kit.feed(lost, self.clock())
            await self._wait_or_stop(self.retry_s)
            return self._stop.is_set()
        gps = None
        if cfg.gps != "none":
            try:
                gps = open_gps(cfg.gps, clock=self.gps_clock)
                start = getattr(gps, "start", None)
                if start is not None:
                    await start()
            except SourceError as exc:
                gps = None
                self.kit.gps_lost = True
                self.say(f"GPS: {exc} Recording without positions.")
        engine = make_engine(cfg.sensitivity, cfg.known)
        try:
            directory = paths.sessions_dir(cfg.data_dir, create=True)
        except (SessionError, OSError):  # a read-only or failing card: scan without a record (said below)
            directory = paths.sessions_dir(cfg.data_dir)
        pipe = _KitPipeline(ble, gps, engine, None, ble_name=cfg.ble, gps_name=cfg.gps,
                            on_change=self._on_change, clock=self.wall)
        pipe.kit_feed = lambda e: self.kit.feed(e, self.clock())
        pipe.on_storage_error = self._storage_failed
        self.pipeline = pipe
        writer = self._new_writer(directory)
        if writer is not None:
            pipe.writer = writer
        self.kit.start(self.clock())
        if self.kit.adapter_lost:  # opened again after a failure
            pipe.handle(SourceEvent(self.wall(), cfg.ble, SourceEventKind.ADAPTER_BACK, "opened again"))
        watcher = asyncio.create_task(self._watch_storage(pipe, directory))
        failed: BaseException | None = None
        try:
            if self._stop.is_set():
                pipe.stop()
            await pipe.run()
            pipe.finish()
        except SourceError as exc:
            failed = exc
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.pipeline = None
            ended = self.wall()
            if pipe.writer is not None:
                try:
                    pipe.writer.close(ended, {"devices": str(len(engine.devices()))})
                except (SessionError, OSError, sqlite3.Error) as exc:
                    self._storage_failed(exc)
                else:
                    with contextlib.suppress(Exception):  # retention never stops a session from being kept
                        apply_retention(pipe.writer.path, ended, keep_hours(cfg.keep_hours))
                self.say(f"session {pipe.writer.path.stem} closed: {pipe.status.sightings} sightings, "
                         f"{pipe.status.fixes} fixes")
        if failed is not None and not self._stop.is_set():
            self.kit.feed(SourceEvent(self.wall(), cfg.ble, SourceEventKind.ADAPTER_LOST, str(failed)),
                          self.clock())
            self.say(f"Bluetooth failed: {failed} Trying again in {self.retry_s:g} s.")
            await self._wait_or_stop(self.retry_s)
            return self._stop.is_set()
        return self._stop.is_set() or pipe.ended_by_source

    # ------------------------------------------------------------------ storage

    def _new_writer(self, directory: Path) -> SessionWriter | None:
        """A new session file, or None (and "not recording" shown) when the storage refuses it."""
        cfg = self.config
        try:
            writer = SessionWriter.create(
                directory, self.wall(),
                {"tool_version": __version__, "ble": cfg.ble, "gps": cfg.gps, "sensitivity": cfg.sensitivity,
                 "front_end": "pi kit", "timezone": datetime.now().astimezone().tzname() or "",
                 "pid": str(os.getpid())},  # `trackerscan place` finds the recording process by it
            )
        except (SessionError, OSError, sqlite3.Error) as exc:  # full, read-only, failing or not a folder
            self._storage_failed(exc)
            return None
        self.sessions.append(writer.path)
        if self.kit.not_recording:
            self.kit.recording_resumed()
            self.say(f"recording again, in a new session {writer.path.stem}")
        else:
            self.say(f"recording session {writer.path.stem}")
        return writer

    def _storage_failed(self, exc: BaseException) -> None:
        """The session cannot be written: say so once, and go on scanning and alerting."""
        if not self.kit.not_recording:
            reason = str(exc)
            if isinstance(exc, OSError) and exc.strerror:  # no "[Errno 20]" in what people read
                reason = f"{exc.strerror}: {exc.filename}"
            self.say(f"NOT RECORDING: {reason.rstrip('.')}. Still scanning and alerting, without a record. "
                     "Make room on the card, or check the data folder (nothing is deleted automatically); "
                     "recording starts again by itself.")
        self.kit.recording_failed()

    async def _watch_storage(self, pipe: Pipeline, directory: Path) -> None:
        """While nothing is recorded, look every `record_retry_s` for room, and record again when found."""
        while True:
            await asyncio.sleep(self.record_retry_s)
            if pipe.writer is not None:
                continue
            try:
                room = self.free(directory) >= RESUME_FREE_BYTES
            except OSError:
                room = False
            if room and (writer := self._new_writer(directory)) is not None:
                pipe.attach_writer(writer)

    async def run(self) -> int:
        """Record until stopped; power off at the end when the button asked for it.  Returns 0."""
        ticker = asyncio.create_task(self._ticker())
        try:
            while not await self._session():
                pass
        finally:
            if self._export is not None:
                with contextlib.suppress(Exception):
                    await self._export
            if self.poweroff_requested:
                deadline = self.clock() + SHUTDOWN_CUE_MAX_S
                while self.indicator.sounding and self.clock() < deadline:
                    await asyncio.sleep(self.tick_s)
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            if self.gpio is not None:
                self.gpio.show(False, False)
        if self.poweroff_requested:
            status, text = self.poweroff()
            if status != 0:
                self.say(f"could not power off ({text or status}); the session is closed, "
                         "you can pull the power now.")
        return 0

"""The headless kit: the live pipeline with an LED, a buzzer and a button instead of a screen.

`KitRunner.run` records sessions (BLE + GPS → engine → session store, the
same `trackerscan.live.LiveSession` as ``trackerscan scan`` and the window) and, every
`TICK_S`, turns the kit's state into LED and buzzer output and the button's
edges into actions:

- short press: a sweep starts (a place mark and a source event are recorded)
  or ends (a source event);
- double press: finished sessions and reports are copied to the USB stick,
  which is then synced and unmounted; the LED says when it may be pulled;
- three presses: a radio sweep for cellular GPS trackers starts (with an RF device plugged in:
  tinySA, RTL-SDR or HackRF; trackerscan.pi.radio) or ends; the LED becomes its meter and the buzzer
  says when a regular transmitter is found; with no RF device, the LED and buzzer say "no radio
  found".  The sweep is recorded in a session of its own; Bluetooth scanning goes on meanwhile;
- hold (about two seconds, let go before three) while the light shows "Is this yours?": "It's
  mine" for the device asked about (`LiveSession.mark_mine`; recorded in the session, acknowledged
  with three slow blinks and a long and two short tones); at any other time it does nothing, and an
  unanswered question stays "I don't know";
- long press: the session is closed and the Pi powers off (``systemctl poweroff``).

A Bluetooth adapter that cannot be opened, or fails while recording, is
shown on the LED and tried again every `ADAPTER_RETRY_S` (a new session each
time), so unplugging and replugging the dongle needs nobody at a screen.
When the session cannot be written (the SD card is full or failing), the kit
keeps scanning and alerting without a record, shows "not recording", and
starts a new session once `RESUME_FREE_BYTES` are free again (checked every
`RECORD_RETRY_S`; `LiveSession` does this for every front end); it never deletes anything to make room.
Every line printed (status changes, alerts, button actions) goes to the
journal under systemd.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from trackerscan.engine.explain import kind_name
from trackerscan.errors import SourceError, TrackerscanError
from trackerscan.live import (
    RECORD_RETRY_S,
    RESUME_FREE_BYTES,
    FreeBytes,
    LiveSession,
    LiveSettings,
    free_bytes,
)
from trackerscan.live_radio import RadioResult
from trackerscan.model import Level, LevelChange, SourceEvent, SourceEventKind
from trackerscan.pi.button import Gesture
from trackerscan.pi.gpio import KitGpio
from trackerscan.pi.patterns import Indicator, KitState, Status
from trackerscan.pi.radio import KitRadioSweep, find_radio
from trackerscan.pi.usb import UsbExporter, run_command
from trackerscan.sources.gps.clock import ClockCorrector

__all__ = ["RECORD_RETRY_S", "RESUME_FREE_BYTES", "KitConfig", "KitRunner", "systemctl_poweroff"]

# LED, buzzer and button are serviced this often, seconds: finer than the
# shortest pattern step (0.08 s) and coarse enough to cost nothing on a Pi Zero.
TICK_S = 0.05
# After the Bluetooth adapter could not be opened or failed, try again after this many seconds
# (a replugged USB dongle is back in BlueZ within about 2 s).
ADAPTER_RETRY_S = 10.0
# Before powering off, let the shutdown tone finish, but never wait longer than this (seconds).
SHUTDOWN_CUE_MAX_S = 2.0
SOURCE = "kit"  # the source name of the events the kit itself records (button, export)

PowerOff = Callable[[], tuple[int, str]]


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
    rf: str = "auto"  # the radio for three presses: a source spec, "auto" (find one) or "none"
    rf_region: str = "uk"


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
        radio_finder: Callable[[], str | None] = find_radio,
    ) -> None:
        self.config = config
        self.gpio = gpio
        self.out = out or sys.stdout
        self.clock = clock  # monotonic: LED patterns and the button
        # A Pi has no real-time clock: after a boot without network its clock can be hours or days
        # off.  The GPS source measures the offset (trackerscan.sources.gps.clock.ClockCorrector); the
        # Bluetooth source and the kit's own records are stamped with the same corrected clock.
        self.gps_clock = ClockCorrector(clock=wall)
        self.wall = self.gps_clock.now  # UTC epoch (GPS-corrected): stamps of the records the kit adds
        self.poweroff = poweroff
        self.exporter = exporter
        self.tick_s = tick_s
        self.retry_s = retry_s
        self.record_retry_s = record_retry_s
        self.free = free
        self.radio_finder = radio_finder
        self.radio: KitRadioSweep | None = None  # the radio sweep running or last run
        self.radio_results: list[RadioResult] = []
        self._radio_task: asyncio.Task[None] | None = None
        self.kit = KitState(gps_expected=config.gps != "none")
        self.indicator = Indicator(self.kit, silent=config.silent)
        self.statuses: list[Status] = []  # every status the LED has shown, in order
        self.sessions: list[Path] = []  # the sessions recorded, in order
        self.live: LiveSession | None = None  # the session being recorded
        self.sweep = 0
        self.sweeping = False
        self.poweroff_requested = False
        self._stop = asyncio.Event()
        self._export: asyncio.Task[None] | None = None
        self._asked_about: dict[str, str] = {}  # device id -> "kind address", for the answer's words

    # ------------------------------------------------------------------ control

    def say(self, text: str) -> None:
        stamp = datetime.fromtimestamp(self.wall()).astimezone().strftime("%H:%M:%S")
        print(f"{stamp} {text}", file=self.out, flush=True)

    def stop(self) -> None:
        """End the current session cleanly and return from `run` (SIGTERM, Ctrl-C)."""
        self._stop.set()
        if self.live is not None:
            self.live.stop()
        if self.radio is not None:
            self.radio.stop()

    def mark_place(self) -> None:
        """``trackerscan place`` (SIGUSR1): the user is somewhere else now."""
        if self.live is not None:
            self.live.mark_place("place (trackerscan place)")
            self.say("new place marked")

    def _record(self, detail: str) -> None:
        """Add an event of the kit's own to the session being recorded (if any)."""
        if self.live is not None:
            self.live.note(SourceEvent(self.wall(), SOURCE, SourceEventKind.INFO, detail))

    def gesture(self, g: Gesture) -> None:
        """Act on one button gesture."""
        if self.kit.shutting_down:
            return
        if g is Gesture.SHORT:
            if self.live is None:
                self.say("button: not recording yet, press again once the light blinks calmly")
                return
            self.sweeping = not self.sweeping
            if self.sweeping:
                self.sweep += 1
                self.live.mark_place(f"sweep {self.sweep}")
            word = "started" if self.sweeping else "ended"
            self._record(f"sweep {self.sweep} {word} (button)")
            self.kit.sweep_toggled(self.sweeping)
            self.say(f"sweep {self.sweep} {word}")
        elif g is Gesture.DOUBLE:
            if self._export is None or self._export.done():
                self.kit.export_started(self.clock())
                self._export = asyncio.create_task(self._do_export())
        elif g is Gesture.TRIPLE:
            self._toggle_radio()
        elif g is Gesture.HOLD:
            self._answer_mine()
        elif g is Gesture.LONG:
            self.say("button held: closing the session and powering off")
            self._record("power off requested (button held)")
            self.poweroff_requested = True
            self.kit.shutdown()
            self.stop()

    def _toggle_radio(self) -> None:
        """Three presses: start the radio sweep, or end the one running."""
        if self.radio is not None and self._radio_task is not None and not self._radio_task.done():
            self.say("three presses: ending the radio sweep")
            self.radio.stop()
            return
        spec = self.radio_finder() if self.config.rf == "auto" else self.config.rf
        if spec is None or spec == "none":
            self.kit.radio_missing(self.clock())
            self.say("three presses: no radio found. Plug a tinySA, an RTL-SDR or a HackRF into a USB port "
                     "for the radio sweep; the Bluetooth scan goes on.")
            return
        self.radio = KitRadioSweep(spec, self.config.rf_region, self.config.data_dir, wall=self.wall)
        self.kit.radio_started()
        self._record(f"radio sweep started with {spec} (three presses)")
        self.say(f"radio sweep started with {spec}: have someone drive the car, move the antenna slowly "
                 "around it; the light blinks faster near a regular transmitter. Three presses end it.")
        self._radio_task = asyncio.create_task(self._run_radio(self.radio))

    async def _run_radio(self, radio: KitRadioSweep) -> None:
        try:
            result = await asyncio.to_thread(radio.run)
        except TrackerscanError as exc:
            self.kit.radio_ended(failed=True)
            self.kit.radio_missing(self.clock())
            self.say(f"radio sweep: {exc}")
            return
        self._show_radio(radio)
        self.kit.radio_ended()
        self.radio_results.append(result)
        found = len(result.analysis.transmitters)
        words = (f"{found} regular transmitter(s) found" if found else "no regular transmitter found") + (
            f" in {result.analysis.seconds / 60:.1f} min")
        where = f"; recorded in the session {result.session.stem}" if result.session else ""
        self._record(f"radio sweep ended: {words}{where}")
        self.say(f"radio sweep ended: {words}{where}")

    def _show_radio(self, radio: KitRadioSweep) -> None:
        """Hand the radio sweep's meter readings to the LED."""
        for gauge in radio.take_meter():
            if gauge is not None and self.kit.radio_gauge is None:
                self.say("radio sweep: a regular transmitter was found; the light is now its meter")
            self.kit.radio_meter(gauge)

    def _answer_mine(self) -> None:
        """The button held while the kit asks "Is this yours?": "It's mine" for that device."""
        device = self.kit.question(self.clock())
        if device is None or self.live is None:
            self.say('button held: no "Is this yours?" question is shown now, so nothing was answered '
                     "(hold it while the light shows the question; a 3-second hold powers off)")
            return
        what = self._asked_about.get(device, device)
        try:
            self.live.mark_mine(device)
        except TrackerscanError as exc:  # dropped from memory meanwhile (not heard for long)
            self.say(f"button held: {exc}")
            return
        self._record(f'answered "It\'s mine" about {what} (button)')
        self.kit.answered_mine(self.clock())
        self.say(f"It's mine: {what} will not raise an alert; it stays in the log.")

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
        kind = kind_name(c.kind, "device")
        self.say(f"{word}: {kind} {', '.join(c.addresses[:3])}: {c.explanation}")
        if c.level is not Level.WATCH or not self._asks_mine(c.device_id):
            return
        if self.kit.ask_mine(c.device_id, self.clock()):
            # The kit has no screen to ask on: the question is shown (LED, buzzer) and kept for later.
            address = c.addresses[0] if c.addresses else c.device_id
            self._asked_about[c.device_id] = f"{kind} {address}"
            self._record(f'asked "Is this yours?" about {kind} {address}')
            name = self.live.path.stem if self.live is not None and self.live.path else "latest"
            self.say(f"Is this yours? {kind} {address}. If it is, hold the button for about two seconds "
                     f"now; or answer later: trackerscan known {name} --asked")

    def _asks_mine(self, device_id: str) -> bool:
        """The engine would ask "Is this yours?" about the device (a device of unknown kind at watch)."""
        live = self.live
        if live is None:
            return False
        return any(d.ask_mine for d in live.engine.devices() if d.device_id == device_id)

    # ------------------------------------------------------------------ running

    async def _ticker(self) -> None:
        shown: Status | None = None
        while True:
            now = self.clock()
            if self.gpio is not None:
                for g in self.gpio.gestures(now):
                    self.gesture(g)
            if self.radio is not None and self.kit.radio_on:
                self._show_radio(self.radio)
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
        cfg = self.config
        live = LiveSession(
            LiveSettings("pi kit", ble=cfg.ble, gps=cfg.gps, sensitivity=cfg.sensitivity,
                         known_path=cfg.known, data_dir=cfg.data_dir, keep_hours=cfg.keep_hours,
                         gps_optional=True),
            clock=self.gps_clock, on_change=self._on_change,
            on_event=lambda e: self.kit.feed(e, self.clock()),
            on_recording=self._recording, free=self.free, record_retry_s=self.record_retry_s,
        )
        try:
            await live.open()  # a bad spec is an InputError: it ends the run
        except SourceError as exc:
            self.kit.start(self.clock())
            if not self.kit.adapter_lost:  # said once, not at every retry
                self.say(f"Bluetooth: {exc} Trying again every {self.retry_s:g} s.")
            lost = SourceEvent(self.wall(), cfg.ble, SourceEventKind.ADAPTER_LOST, str(exc))
            self.kit.feed(lost, self.clock())
            await self._wait_or_stop(self.retry_s)
            return self._stop.is_set()
        if cfg.gps != "none" and live.gps is None:
            self.kit.gps_lost = True
            self.say(f"GPS: {live.status.problems[-1]} Recording without positions.")
        self.live = live
        self.kit.start(self.clock())
        if self.kit.adapter_lost:  # opened again after a failure
            live.note(SourceEvent(self.wall(), cfg.ble, SourceEventKind.ADAPTER_BACK, "opened again"))
        failed: BaseException | None = None
        try:
            if self._stop.is_set():
                live.stop()
            await live.run()  # closes the session and applies retention
        except SourceError as exc:
            failed = exc
        finally:
            self.live = None
            st = live.status
            for path in live.paths[-1:]:
                self.say(f"session {path.stem} closed: {st.sightings} sightings, {st.fixes} fixes")
        if failed is not None and not self._stop.is_set():
            self.kit.feed(SourceEvent(self.wall(), cfg.ble, SourceEventKind.ADAPTER_LOST, str(failed)),
                          self.clock())
            self.say(f"Bluetooth failed: {failed} Trying again in {self.retry_s:g} s.")
            await self._wait_or_stop(self.retry_s)
            return self._stop.is_set()
        return self._stop.is_set() or live.ended_by_source

    # ------------------------------------------------------------------ storage

    def _recording(self, path: Path | None, reason: str) -> None:
        """The session tells that recording started (``path``) or stopped because the storage failed."""
        if path is None:
            if not self.kit.not_recording:  # said once, until recording starts again
                self.say(f"NOT RECORDING: {reason}. Still scanning and alerting, without a record. "
                         "Make room on the card, or check the data folder (nothing is deleted "
                         "automatically); recording starts again by itself.")
            self.kit.recording_failed()
            return
        self.sessions.append(path)
        if self.kit.not_recording:
            self.kit.recording_resumed()
            self.say(f"recording again, in a new session {path.stem}")
        else:
            self.say(f"recording session {path.stem}")

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
            if self.radio is not None:
                self.radio.stop()
            if self._radio_task is not None:
                with contextlib.suppress(Exception):
                    await self._radio_task
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

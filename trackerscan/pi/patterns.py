"""What the kit's LED and buzzer say, as a pure state machine driven by records and an injected clock.

`KitState` reads the pipeline's records (`LevelChange`, `SourceEvent`, `Fix`,
`NoFix`) and the runner's own news (export, shutdown) and answers two
questions for any time ``now``: which LED pattern to show and which buzzer
cues to play.  `Indicator` turns that into on/off states for the two pins.
Nothing here reads a clock or touches a pin.

The LED patterns (one at a time, highest priority first):

======================  ==========================================  =====================
status                  LED                                         buzzer (once, on entry)
======================  ==========================================  =====================
shutting down           off                                         one long tone
safe to remove USB      steady on for 60 s                          two medium tones
export failed           long-short, for 60 s                        one long tone
no radio found          long-short-short, for 10 s                  long-short-long
busy (starting/export)  fast flicker                                -
adapter lost            three blips, pause                          one long tone
"it's mine" noted       three slow blinks (3 s)                     one long, two short
alert                   fast blink                                  three short tones per new device
not recording           two long flashes, pause                     two long tones
radio sweep             nothing regular yet: 0.5 s on every 3 s;    one medium tone to start,
                        a candidate: blinks faster the stronger     medium-short to end;
                        its last burst (every 2 s down to 0.2 s)    four short at a first candidate
"is this yours?"        short-long, for 60 s                        one short, one long
watch                   double blip every 2 s                       -
no GPS                  slow blink (1 s on, 1 s off)                -
scanning, all well      short blip every 3 s                        -
======================  ==========================================  =====================

"Not recording" means the sessions can no longer be written (the SD card is
full or failing): scanning, the light and the buzzer go on without a record.

"Is this yours?": a device of unknown kind (not a tracker brand) has stayed with her long enough
to be watched; it is far more often her own band, earbuds or laptop than a home-made tracker.  The
kit cannot ask, so it shows the question once (`QUESTION_SHOWN_S`) and the runner keeps it in the
session: ``trackerscan known SESSION --asked`` lists it later, to answer.  Holding the button about
two seconds while the question is shown answers "It's mine" for the device asked about (the runner
tells the engine); the kit acknowledges it with its own light and tones.  Without that hold the
question stays unanswered, as "I don't know": the device stays at watch and can be answered later.

A button press gives its own short acknowledgement (one tone: sweep started,
two tones: sweep ended; one medium tone: radio sweep started, medium-short: ended; a long and two
short: "It's mine"), played before any cue still waiting (`PROMPT`), so it answers the press within a
second even after a burst of alerts.  ``silent=True`` keeps the buzzer off entirely.

"Radio sweep" (three presses, with the RF add-on; trackerscan.pi.radio): while it runs, the LED is a
meter on the strongest regular transmitter found so far, blinking faster the stronger its last burst
was over the noise floor, so moving the antenna around the car shows where it is hottest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from trackerscan.model import Fix, Level, LevelChange, NoFix, SourceEvent, SourceEventKind

# How long the last fix stays good enough for "GPS OK", seconds.  A u-blox
# receiver reports at 1 Hz; gpsd sends TPV once a second; 15 missed reports
# mean the receiver has lost the sky (or the cable), not a hiccup.
GPS_STALE_S = 15.0
# How long "safe to remove" and "export failed" stay on the LED, seconds: long
# enough to walk back to the kit and look, short enough not to hide an alert.
EXPORT_RESULT_SHOWN_S = 60.0
# How long a new "Is this yours?" stays on the LED, seconds: as long as an export result, for the same
# reason; the question itself waits in the session until she answers it.
QUESTION_SHOWN_S = 60.0
# How long "no radio found" stays on the LED after three presses found no RF device, seconds: long
# enough to see it after the third press, short enough not to hide what comes after.
RADIO_MISSING_SHOWN_S = 10.0
# The radio sweep's meter: the LED blinks once every this many seconds at the noise floor, down to the
# shortest at RADIO_METER_TOP_DB over it (a tracker within a hand's width; find.rf_sweep.GAUGE_MAX_DB).
RADIO_METER_SLOW_S = 2.0
RADIO_METER_FAST_S = 0.2
RADIO_METER_ON_S = 0.1
# How long the light acknowledges an "It's mine" answer, seconds: three slow blinks, long enough to
# see while letting go of the button, short enough not to hide an alert for long.
ANSWER_SHOWN_S = 3.0


class Status(enum.Enum):
    """What the LED is showing, highest priority first in `PRIORITY`."""

    SHUTTING_DOWN = "shutting_down"
    SAFE_TO_REMOVE = "safe_to_remove"
    EXPORT_FAILED = "export_failed"
    RADIO_MISSING = "radio_missing"
    BUSY = "busy"
    ADAPTER_LOST = "adapter_lost"
    ANSWERED = "answered"
    ALERT = "alert"
    NOT_RECORDING = "not_recording"
    RADIO_SWEEP = "radio_sweep"
    QUESTION = "question"
    WATCH = "watch"
    NO_GPS = "no_gps"
    OK = "ok"


PRIORITY: tuple[Status, ...] = tuple(Status)


@dataclass(frozen=True, slots=True)
class Blink:
    """An on/off sequence: ``steps`` of (seconds, on).  Repeats when ``loop`` is set."""

    name: str
    steps: tuple[tuple[float, bool], ...]
    loop: bool = True

    @property
    def period(self) -> float:
        return sum(d for d, _ in self.steps)

    def state_at(self, elapsed: float) -> bool:
        """The output ``elapsed`` seconds after the sequence started (taken to 0.1 ms)."""
        elapsed = round(elapsed, 4)  # epoch-sized floats carry ~1e-7 s of noise; steps are human-sized
        if elapsed < 0:
            return False
        period = self.period
        if period <= 0:
            return self.steps[0][1] if self.steps else False
        if self.loop:
            elapsed = round(elapsed % period, 4)
            if elapsed >= period:  # 1.2 % 0.4 is 0.3999…, which rounds to the period itself
                elapsed = 0.0
        elif elapsed >= period:
            return False
        edge = 0.0
        for duration, on in self.steps:
            edge = round(edge + duration, 4)
            if elapsed < edge:
                return on
        return self.steps[-1][1] if self.loop else False

    def finished(self, elapsed: float) -> bool:
        return not self.loop and round(elapsed, 4) >= self.period


def _blips(n: int, on: float, off: float, pause: float = 0.0, *, loop: bool = True, name: str) -> Blink:
    steps: list[tuple[float, bool]] = []
    for _ in range(n):
        steps += [(on, True), (off, False)]
    if pause:
        steps[-1] = (off + pause, False)
    return Blink(name, tuple(steps), loop)


# LED patterns, one per status.  Periods of 2 s or less except the calm "all well".
LED: dict[Status, Blink] = {
    Status.SHUTTING_DOWN: Blink("off", ((1.0, False),)),
    Status.SAFE_TO_REMOVE: Blink("steady", ((1.0, True),)),
    Status.EXPORT_FAILED: Blink("long-short", ((1.0, True), (0.2, False), (0.2, True), (0.6, False))),
    Status.RADIO_MISSING: Blink("long-short-short", ((1.0, True), (0.2, False), (0.2, True), (0.2, False),
                                                     (0.2, True), (0.8, False))),
    Status.BUSY: _blips(1, 0.1, 0.1, name="flicker"),
    Status.ADAPTER_LOST: _blips(3, 0.15, 0.15, pause=1.1, name="three blips"),
    Status.ANSWERED: _blips(1, 0.5, 0.5, name="slow blinks"),
    Status.ALERT: _blips(1, 0.2, 0.2, name="fast blink"),
    Status.NOT_RECORDING: _blips(2, 0.6, 0.3, pause=1.2, name="two long flashes"),
    Status.RADIO_SWEEP: _blips(1, 0.5, 2.5, name="radio listening"),  # until a candidate: radio_meter
    Status.QUESTION: Blink("short-long", ((0.15, True), (0.25, False), (0.8, True), (0.8, False))),
    Status.WATCH: _blips(2, 0.15, 0.15, pause=1.4, name="double blip"),
    Status.NO_GPS: _blips(1, 1.0, 1.0, name="slow blink"),
    Status.OK: _blips(1, 0.1, 2.9, name="heartbeat"),
}


class Cue(enum.Enum):
    """One-shot buzzer sequences."""

    ALERT = "alert"
    ADAPTER_LOST = "adapter_lost"
    NOT_RECORDING = "not_recording"
    RADIO_SWEEP = "radio_sweep"
    QUESTION = "question"
    MINE = "mine"
    SWEEP_START = "sweep_start"
    SWEEP_END = "sweep_end"
    RADIO_START = "radio_start"
    RADIO_END = "radio_end"
    RADIO_CANDIDATE = "radio_candidate"
    RADIO_MISSING = "radio_missing"
    EXPORT_DONE = "export_done"
    EXPORT_FAILED = "export_failed"
    SHUTDOWN = "shutdown"


BUZZER: dict[Cue, Blink] = {
    Cue.ALERT: _blips(3, 0.15, 0.15, loop=False, name="three short"),
    Cue.ADAPTER_LOST: Blink("one long", ((1.0, True), (0.3, False)), loop=False),
    Cue.NOT_RECORDING: _blips(2, 0.7, 0.3, loop=False, name="two long"),
    Cue.QUESTION: Blink("short-long", ((0.1, True), (0.2, False), (0.5, True), (0.3, False)), loop=False),
    Cue.MINE: Blink(
        "long, two short",
        ((0.5, True), (0.15, False), (0.08, True), (0.12, False), (0.08, True), (0.2, False)),
        loop=False,
    ),
    Cue.SWEEP_START: Blink("one short", ((0.08, True), (0.2, False)), loop=False),
    Cue.SWEEP_END: _blips(2, 0.08, 0.12, loop=False, name="two short"),
    Cue.RADIO_START: Blink("one medium", ((0.3, True), (0.2, False)), loop=False),
    Cue.RADIO_END: Blink("medium-short", ((0.3, True), (0.15, False), (0.08, True), (0.2, False)),
                         loop=False),
    Cue.RADIO_CANDIDATE: _blips(4, 0.08, 0.08, loop=False, name="four short"),
    Cue.RADIO_MISSING: Blink("long-short-long", ((0.6, True), (0.2, False), (0.1, True), (0.2, False),
                                                 (0.6, True), (0.3, False)), loop=False),
    Cue.EXPORT_DONE: _blips(2, 0.3, 0.2, loop=False, name="two medium"),
    Cue.EXPORT_FAILED: Blink("one long", ((1.0, True), (0.3, False)), loop=False),
    Cue.SHUTDOWN: Blink("one long", ((0.8, True), (0.2, False)), loop=False),
}


def radio_meter(gauge: int) -> Blink:
    """The radio sweep's LED meter: one blink per period, the period shorter the higher ``gauge``
    (0-100: the strongest candidate's last burst over the floor, find.rf_sweep.Meter.gauge)."""
    g = min(100, max(0, gauge)) / 100
    period = RADIO_METER_SLOW_S - (RADIO_METER_SLOW_S - RADIO_METER_FAST_S) * g
    return Blink(f"meter {gauge}", ((RADIO_METER_ON_S, True), (round(period - RADIO_METER_ON_S, 3), False)))


# Cues that answer a press of the button: they go ahead of cues still waiting to be played.
PROMPT = frozenset({Cue.MINE, Cue.SWEEP_START, Cue.SWEEP_END, Cue.RADIO_START, Cue.RADIO_END})


@dataclass(slots=True)
class KitState:
    """The kit's situation, fed by records and runner news; pure (``now`` is always passed in).

    ``gps_expected`` is False when the kit runs without a receiver (``--gps none``):
    then a missing fix is normal and the LED does not show "no GPS".
    """

    gps_expected: bool = True
    started_at: float | None = None
    last_fix_at: float | None = None
    gps_lost: bool = False
    adapter_lost: bool = False
    not_recording: bool = False  # sessions cannot be written (storage full or failing); still scanning
    levels: dict[str, Level] = field(default_factory=dict)
    busy_since: float | None = None
    export_result: tuple[bool, float] | None = None  # (ok, when)
    shutting_down: bool = False
    asked: set[str] = field(default_factory=set)  # devices the engine asked "Is this yours?" about
    question_at: float | None = None  # when the last new question was asked
    radio_on: bool = False  # a radio sweep for cellular trackers is running (three presses)
    radio_gauge: int | None = None  # its meter, 0-100, once a regular transmitter was found
    radio_missing_at: float | None = None  # when three presses found no RF device
    asking: str | None = None  # the device that question is about, until answered
    answered_at: float | None = None  # when "It's mine" was last answered with the button
    _cues: list[Cue] = field(default_factory=list)

    def start(self, now: float) -> None:
        """The pipeline is open: scanning has begun."""
        self.started_at = now
        self.busy_since = None

    def feed(self, record: object, now: float) -> None:
        """Take one pipeline record; ``now`` is when the runner received it."""
        if isinstance(record, LevelChange):
            before = self.levels.get(record.device_id, Level.NONE)
            self.levels[record.device_id] = record.level
            if record.level is Level.ALERT and before is not Level.ALERT:
                self._cues.append(Cue.ALERT)
        elif isinstance(record, Fix):
            self.last_fix_at = now
            self.gps_lost = False
        elif isinstance(record, NoFix):
            self.gps_lost = True
        elif isinstance(record, SourceEvent):
            if record.kind is SourceEventKind.ADAPTER_LOST:
                if not self.adapter_lost:
                    self._cues.append(Cue.ADAPTER_LOST)
                self.adapter_lost = True
            elif record.kind in (SourceEventKind.ADAPTER_BACK, SourceEventKind.SCANNER_RESTARTED):
                self.adapter_lost = False
            elif record.kind is SourceEventKind.GPS_LOST:
                self.gps_lost = True
            elif record.kind is SourceEventKind.GPS_BACK:
                self.gps_lost = False

    def ask_mine(self, device_id: str, now: float) -> bool:
        """The engine asks "Is this yours?" about a device; True when it is a new question."""
        if device_id in self.asked:
            return False
        self.asked.add(device_id)
        self.question_at = now
        self.asking = device_id
        self._cues.append(Cue.QUESTION)
        return True

    def question(self, now: float) -> str | None:
        """The device the question shown at ``now`` is about (None: no question is shown)."""
        if self.asking is None or self.question_at is None or now - self.question_at >= QUESTION_SHOWN_S:
            return None
        return self.asking

    def answered_mine(self, now: float) -> None:
        """She answered "It's mine" to the question shown: acknowledge it, and stop showing it."""
        self.asking = self.question_at = None
        self.answered_at = now
        self._cues.append(Cue.MINE)

    def recording_failed(self) -> None:
        """Sessions can no longer be written; scanning and alerts go on."""
        if not self.not_recording:
            self._cues.append(Cue.NOT_RECORDING)
        self.not_recording = True

    def recording_resumed(self) -> None:
        self.not_recording = False

    def sweep_toggled(self, started: bool) -> None:
        self._cues.append(Cue.SWEEP_START if started else Cue.SWEEP_END)

    def radio_started(self) -> None:
        self.radio_on, self.radio_gauge, self.radio_missing_at = True, None, None
        self._cues.append(Cue.RADIO_START)

    def radio_meter(self, gauge: int | None) -> None:
        """The sweep's meter on its strongest candidate (None: no regular transmitter yet)."""
        if gauge is not None and self.radio_gauge is None:
            self._cues.append(Cue.RADIO_CANDIDATE)
        self.radio_gauge = gauge

    def radio_ended(self, failed: bool = False) -> None:
        """The radio sweep ended (``failed``: its device could not be used; "no radio found" follows)."""
        if self.radio_on and not failed:
            self._cues.append(Cue.RADIO_END)
        self.radio_on = False

    def radio_missing(self, now: float) -> None:
        """Three presses, and no RF device to sweep with."""
        self.radio_missing_at = now
        self._cues.append(Cue.RADIO_MISSING)

    def export_started(self, now: float) -> None:
        self.busy_since = now
        self.export_result = None

    def export_finished(self, ok: bool, now: float) -> None:
        self.busy_since = None
        self.export_result = (ok, now)
        self._cues.append(Cue.EXPORT_DONE if ok else Cue.EXPORT_FAILED)

    def shutdown(self) -> None:
        self.shutting_down = True
        self._cues.append(Cue.SHUTDOWN)

    @property
    def level(self) -> Level:
        """The highest level any device has reached."""
        values = set(self.levels.values())
        if Level.ALERT in values:
            return Level.ALERT
        return Level.WATCH if Level.WATCH in values else Level.NONE

    def gps_ok(self, now: float) -> bool:
        if not self.gps_expected:
            return True
        if self.gps_lost or self.last_fix_at is None:
            return False
        return now - self.last_fix_at <= GPS_STALE_S

    def status(self, now: float) -> Status:
        """The LED's status at ``now``: the highest-priority condition that holds."""
        if self.shutting_down:
            return Status.SHUTTING_DOWN
        if self.export_result is not None and now - self.export_result[1] < EXPORT_RESULT_SHOWN_S:
            return Status.SAFE_TO_REMOVE if self.export_result[0] else Status.EXPORT_FAILED
        if self.radio_missing_at is not None and now - self.radio_missing_at < RADIO_MISSING_SHOWN_S:
            return Status.RADIO_MISSING
        if self.busy_since is not None or self.started_at is None:
            return Status.BUSY
        if self.adapter_lost:
            return Status.ADAPTER_LOST
        if self.answered_at is not None and now - self.answered_at < ANSWER_SHOWN_S:
            return Status.ANSWERED
        level = self.level
        if level is Level.ALERT:
            return Status.ALERT
        if self.not_recording:
            return Status.NOT_RECORDING
        if self.radio_on:
            return Status.RADIO_SWEEP
        if self.question(now) is not None:
            return Status.QUESTION
        if level is Level.WATCH:
            return Status.WATCH
        if not self.gps_ok(now):
            return Status.NO_GPS
        return Status.OK

    def take_cues(self) -> list[Cue]:
        """Buzzer cues raised since the last call, oldest first."""
        cues, self._cues = self._cues, []
        return cues


@dataclass(slots=True)
class Indicator:
    """Turns a `KitState` into LED and buzzer on/off states at any ``now``.

    An LED pattern restarts from its first step when the status changes, so a
    new alert always begins with a visible "on".  Buzzer cues play one after
    another, never overlapping.
    """

    state: KitState
    silent: bool = False
    _status: Status | None = None
    _status_since: float = 0.0
    _queue: list[Cue] = field(default_factory=list)
    _cue: Cue | None = None
    _cue_since: float = 0.0

    def outputs(self, now: float) -> tuple[bool, bool]:
        """(led on, buzzer on) at ``now``; call with non-decreasing times."""
        status = self.state.status(now)
        if status is not self._status:
            self._status, self._status_since = status, now
        pattern = LED[status]
        if status is Status.RADIO_SWEEP and self.state.radio_gauge is not None:
            pattern = radio_meter(self.state.radio_gauge)
        led = pattern.state_at(now - self._status_since)
        cues = self.state.take_cues()
        if not self.silent:
            self._queue[:0] = [c for c in cues if c in PROMPT]
            self._queue.extend(c for c in cues if c not in PROMPT)
        if self._cue is not None and BUZZER[self._cue].finished(now - self._cue_since):
            self._cue = None
        if self._cue is None and self._queue:
            self._cue, self._cue_since = self._queue.pop(0), now
        buzzer = self._cue is not None and BUZZER[self._cue].state_at(now - self._cue_since)
        return led, buzzer

    @property
    def status(self) -> Status | None:
        """The status shown at the last `outputs` call."""
        return self._status

    @property
    def sounding(self) -> bool:
        """True while a buzzer cue is playing or waiting."""
        return self._cue is not None or bool(self._queue)

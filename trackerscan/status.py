"""What a session's status line says, gathered from the events themselves (their times, not a clock).

`LiveStatus` is the immutable snapshot every front end shows (the CLI's summary line, the window's
status bar, the kit's journal); `StatusTracker` keeps it up to date from the events the pipeline
handles, cheaply: counters move in place, and a snapshot is built only when someone asks.

The spellings of the states are the ones front ends switch on; keep them in one place here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from trackerscan.model import Event, Fix, NoFix, PlaceMark, Sighting, SourceEvent, SourceEventKind

# Bluetooth states: opening the adapter, scanning, adapter lost (comes back by itself), adapter could not
# be opened, a replay or demo finished, the built-in demo, a recording replayed for review.
BLE_STATES = ("starting", "scanning", "lost", "absent", "finished", "demo", "review")
# GPS states: no GPS source, source open and no fix yet, a position, no position now, receiver lost,
# no GPS and places marked by hand, a fixed position given by the user.
GPS_STATES = ("none", "waiting", "fix", "nofix", "lost", "marks", "fixed")
# States a sighting leaves as they are (any other becomes "scanning" at the next sighting).
_SCANNING = frozenset({"scanning", "demo", "review"})


# What a Mac's Bluetooth hides: the BLE source says it once (an INFO event), the status keeps it as its note.
MAC_LIMITS = (
    "This Mac does not show Bluetooth addresses (macOS gives each device a code of its own instead), "
    "so trackerscan cannot tell devices that keep a fixed address (such as a hidden phone) from others, "
    "cannot rebuild an AirTag's key from its address, and 'It's mine' and 'Play sound' work only for "
    "the code this Mac gave the device. Trackers are still recognised and followed by what they "
    "broadcast. iBeacon frames are hidden by macOS."
)

# The same, in one line for the live view's status area (MAC_LIMITS is its tooltip).
MAC_LIMITS_SHORT = (
    "This Mac does not show Bluetooth addresses: trackers are found as usual, but a device that is not "
    "a tracker (a hidden phone) cannot be followed, and 'It's mine' holds for this Mac only."
)


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """One snapshot of a session's state: sources, fix, counts, recording."""

    ble_name: str = ""
    ble_state: str = "starting"  # one of BLE_STATES
    ble_detail: str = ""
    gps_name: str = "none"
    gps_state: str = "none"  # one of GPS_STATES
    last_fix: Fix | None = None
    marks: int = 0
    first_time: float | None = None
    last_time: float | None = None
    events: int = 0
    sightings: int = 0
    fixes: int = 0
    source_events: int = 0
    recording: str = ""  # path of the session being written, or "" (not recording)
    storage_problem: str = ""  # why nothing is being recorded, in one sentence, or ""
    problems: tuple[str, ...] = ()  # what went wrong with the sources, for the user to read
    flood: str = ""  # a BLE spam flood going on now (the engine's SourceEvent detail), or ""
    note: str = ""  # what this computer's Bluetooth hides (a Mac shows no addresses: MAC_LIMITS), or ""

    @property
    def scanned_s(self) -> float:
        if self.first_time is None or self.last_time is None:
            return 0.0
        return self.last_time - self.first_time


def initial_gps_state(gps_spec: str) -> str:
    """The GPS state before any event: none, a fixed position, or waiting for the first fix."""
    spec = gps_spec.strip()
    if not spec or spec == "none":
        return "none"
    return "fixed" if spec.startswith("fixed:") else "waiting"


class StatusTracker:
    """`LiveStatus` kept up to date from events; `snapshot()` is the immutable view."""

    __slots__ = ("_base", "_cached", "_events", "_first", "_fixes", "_last", "_scanning", "_sightings",
                 "_sources")

    def __init__(self, status: LiveStatus | None = None) -> None:
        self._base = status or LiveStatus()  # the rarely changing fields (states, fix, recording)
        self._cached: LiveStatus | None = self._base
        self._events = self._base.events - self._base.sightings  # events other than sightings
        self._sightings = self._base.sightings
        self._fixes = self._base.fixes
        self._sources = self._base.source_events
        # times as floats with infinite "none yet" (no None test per sighting: this runs for each one)
        self._first = self._base.first_time if self._base.first_time is not None else math.inf
        self._last = self._base.last_time if self._base.last_time is not None else -math.inf
        self._scanning = self._base.ble_state in _SCANNING

    def sighting(self, t: float) -> None:
        """A sighting at ``t`` (the pipeline's hot path: `feed` without the dispatch)."""
        self._sightings += 1
        if t < self._first:
            self._first = t
        if t > self._last:
            self._last = t
        if not self._scanning:
            self._base = replace(self._base, ble_state="scanning", ble_detail="")
            self._scanning = True
        self._cached = None

    def feed(self, event: Event) -> None:
        """Take one event into account (the engine and the store see the same events)."""
        cls = type(event)
        t = event.time
        if cls is Sighting:
            self.sighting(t)
            return
        if cls is Fix:
            assert isinstance(event, Fix)
            self._events += 1
            self._fixes += 1
            self._first = min(self._first, t)
            self._last = max(self._last, t)
            self._base = replace(self._base, last_fix=event, gps_state="fix")
        elif cls is NoFix:
            self._events += 1
            self._last = max(self._last, t)
            if self._base.gps_state != "nofix":
                self._base = replace(self._base, gps_state="nofix")
        elif cls is PlaceMark:
            self._events += 1
            self._last = max(self._last, t)
            b = self._base
            gps = b.gps_state if b.gps_state in ("fix", "nofix", "fixed") else "marks"
            self._base = replace(b, marks=b.marks + 1, gps_state=gps)
        elif cls is SourceEvent:
            assert isinstance(event, SourceEvent)
            self._sources += 1
            k = event.kind
            if k is SourceEventKind.ADAPTER_LOST:
                self._base = replace(self._base, ble_state="lost", ble_detail=event.detail)
                self._scanning = False
            elif k in (SourceEventKind.ADAPTER_BACK, SourceEventKind.SCANNER_RESTARTED):
                self._base = replace(self._base, ble_state="scanning", ble_detail="")
                self._scanning = True
            elif k is SourceEventKind.GPS_LOST:
                self._base = replace(self._base, gps_state="lost")
            elif k is SourceEventKind.GPS_BACK:
                self._base = replace(self._base, gps_state="waiting")
            elif k is SourceEventKind.FLOOD_STARTED:
                self._base = replace(self._base, flood=event.detail)
            elif k is SourceEventKind.FLOOD_ENDED:
                self._base = replace(self._base, flood="")
            elif k is SourceEventKind.INFO and event.detail == MAC_LIMITS:
                self._base = replace(self._base, note=MAC_LIMITS)
        # dropped last: a snapshot taken in another thread while this ran is not kept (the window reads
        # the status without waiting for the worker)
        self._cached = None

    def set(self, **changes: Any) -> None:
        """Change fields that do not come from events (recording, problems, a source that failed)."""
        self._base = replace(self.snapshot(), **changes)
        self._scanning = self._base.ble_state in _SCANNING
        self._cached = None

    def problem(self, role: str, text: str) -> None:
        """A source (``"ble"``, ``"gps"``) or the session store failed; said in the status."""
        b = self.snapshot()
        if role == "ble":
            self.set(ble_state="absent", ble_detail=text)
        elif role == "gps":
            self.set(gps_state="lost", problems=(*b.problems, text))
        else:
            self.set(problems=(*b.problems, text))

    def snapshot(self) -> LiveStatus:
        """The status now, as an immutable record."""
        cached = self._cached
        if cached is None:
            cached = self._cached = replace(
                self._base, events=self._events + self._sightings, sightings=self._sightings,
                fixes=self._fixes, source_events=self._sources,
                first_time=self._first if self._first != math.inf else None,
                last_time=self._last if self._last != -math.inf else None,
            )
        return cached

"""First sightings kept compact, and BLE spam floods recognised from them (issue #13).

A new address is a `FirstSeen` record until it is heard again FIRST_PROMOTE_SPAN_S after its first
sighting; only then does the engine make it a `Device`.  Spam tools send every frame from a fresh
address that is never heard again, so a flood is a burst of records heard once: counted per context
window, it starts and ends a flood, told as `SourceEvent`s (thresholds.FLOOD_*).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from trackerscan.engine import thresholds as th
from trackerscan.model import Identity, Kind, SourceEvent, SourceEventKind

SOURCE = "engine"  # the source name of the SourceEvents the engine raises


class FirstSeen:
    """An address heard but not (yet) a device: when, how often, and whether it said it was a tracker."""

    __slots__ = ("first", "kind", "last", "n", "tracker")

    def __init__(self, t: float, ident: Identity) -> None:
        self.first = t
        self.last = t
        self.n = 1
        self.kind: Kind | None = ident.kind
        self.tracker = ident.tracker


@dataclass(frozen=True, slots=True)
class Flood:
    """A BLE spam flood: from ``start`` to ``end`` (None: still on), its peak rate and size."""

    start: float
    end: float | None
    peak_per_s: float  # addresses heard once, a second, in its busiest window
    addresses: int  # addresses heard once during it (an estimate: counted per window)

    def sentence(self, when: Callable[[float], str]) -> str:
        """What the CLI and the report say of it; ``when`` writes a time."""
        end = f"to {when(self.end)}" if self.end is not None else "and was still going on at the end"
        size = f"about {self.addresses:,} made-up addresses, " if self.addresses else ""
        return (
            f"A Bluetooth spam flood ran from {when(self.start)} {end} ({size}at most "
            f"{self.peak_per_s:.0f} a second); it cannot hide a tracker that stays with you, but it "
            "may slow the scan."
        )


def floods_in(events: Iterable[SourceEvent], counted: Iterable[tuple[float, int]] = ()) -> list[Flood]:
    """The floods a recorded session's SourceEvents tell of; their size from ``counted`` (the start of
    each minute and the addresses first heard in it that never became devices), else 0."""
    out: list[Flood] = []
    start: SourceEvent | None = None
    for e in events:
        if e.kind is SourceEventKind.FLOOD_STARTED and start is None:
            start = e
        elif e.kind is SourceEventKind.FLOOD_ENDED and start is not None:
            out.append(Flood(start.time, e.time, e.value or start.value or 0.0, 0))
            start = None
    if start is not None:
        out.append(Flood(start.time, None, start.value or 0.0, 0))
    minutes = list(counted)
    return [
        dataclasses.replace(f, addresses=sum(n for t, n in minutes
                                             if t + 60.0 > f.start and (f.end is None or t < f.end)))
        for f in out
    ]


class FirstSightings:
    """The bounded table of first-sighting records, and the flood state they show."""

    __slots__ = (
        "_window_start",
        "brief",
        "brief_trackers",
        "events",
        "flood_start",
        "floods",
        "once",
        "peak",
        "records",
        "sightings",
        "total",
    )

    def __init__(self) -> None:
        self.records: dict[str, FirstSeen] = {}
        self.sightings = 0  # sightings that only updated a record (the engine's adverts count them)
        self.brief = 0  # records dropped without becoming devices
        self.brief_trackers = 0  # of which said they were trackers (forged frames, or passing tags)
        self.once = 0  # new addresses of the current window not heard again so far
        self._window_start = -math.inf
        self.flood_start: float | None = None  # the running flood's start
        self.peak = 0
        self.total = 0  # addresses heard once during the running flood
        self.floods: list[Flood] = []  # floods that ended
        self.events: list[SourceEvent] = []  # raised, not yet taken (Engine.take_events)

    def add(self, address: str, t: float, ident: Identity) -> None:
        """A new address, first heard at ``t``."""
        records = self.records
        if len(records) >= th.FIRST_MAX:
            self._drop(records.values())
            records.clear()
        records[address] = FirstSeen(t, ident)
        self.once += 1
        self.sightings += 1

    def again(self, rec: FirstSeen, t: float) -> None:
        """A record heard again before it can be promoted."""
        if rec.n == 1 and rec.first >= self._window_start:
            self.once -= 1
        rec.n += 1
        if t > rec.last:
            rec.last = t
        self.sightings += 1

    def promote(self, address: str, rec: FirstSeen) -> None:
        """The record becomes (or joins) a device, which takes over its times and count."""
        del self.records[address]
        self.sightings -= rec.n
        if rec.n == 1 and rec.first >= self._window_start:
            self.once -= 1

    def _drop(self, recs: Iterable[FirstSeen]) -> None:
        for rec in recs:
            self.brief += 1
            if rec.tracker:
                self.brief_trackers += 1

    def roll(self, t: float, window_start: float) -> None:
        """A context window (from ``window_start``) closed at ``t``: drop old records, judge the flood."""
        limit = t - th.FIRST_KEEP_S
        records = self.records
        old = [a for a, r in records.items() if r.last < limit]
        if old:
            self._drop(records[a] for a in old)
            if len(old) * 2 > len(records):
                self.records = {a: r for a, r in records.items() if r.last >= limit}
            else:
                for a in old:
                    del records[a]
        once = self.once
        self.once = 0
        self._window_start = t
        if self.flood_start is None:
            if once >= th.FLOOD_START_PER_WINDOW:
                self.flood_start = window_start
                self.peak = once
                self.total = once
                rate = once / th.CONTEXT_WINDOW_S
                self.events.append(
                    SourceEvent(
                        window_start,  # when it began (recognised at t, a window later)
                        SOURCE,
                        SourceEventKind.FLOOD_STARTED,
                        f"Bluetooth spam flood: {rate:.0f} new addresses a second, each heard once",
                        round(rate, 1),
                    )
                )
            return
        if once >= th.FLOOD_END_PER_WINDOW:
            self.peak = max(self.peak, once)
            self.total += once
            return
        self.end(window_start)

    def end(self, t: float) -> None:
        """The running flood (if any) ended at ``t``."""
        if self.flood_start is None:
            return
        peak = round(self.peak / th.CONTEXT_WINDOW_S, 1)
        self.floods.append(Flood(self.flood_start, t, peak, self.total))
        self.events.append(
            SourceEvent(
                t,
                SOURCE,
                SourceEventKind.FLOOD_ENDED,
                f"Bluetooth spam flood over: about {self.total:,} addresses heard once, "
                f"at most {peak:.0f} a second",
                peak,
            )
        )
        self.flood_start = None

    def all_floods(self) -> list[Flood]:
        """Floods that ended, and the running one."""
        if self.flood_start is None:
            return list(self.floods)
        peak = round(self.peak / th.CONTEXT_WINDOW_S, 1)
        return [*self.floods, Flood(self.flood_start, None, peak, self.total)]

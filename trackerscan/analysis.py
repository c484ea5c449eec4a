"""Offline analysis: BLE captures, GPS logs and recorded sessions through the engine, in time order.

`analyze` reads btsnoop logs (streamed), GPS logs (NMEA or GPX, read whole:
they are small) and recorded sessions, merges them by time, feeds the
engine and collects one level change per device and level, completed with
every address the device used and its last sighting in the whole input.
Input that cannot be used at all raises InputError; input that is only partly
usable (no GPS, GPS outside the Bluetooth times, damaged records) becomes a
one-sentence note.
"""

from __future__ import annotations

import functools
import gc
import heapq
import os
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import accumulate, chain, islice
from operator import attrgetter
from pathlib import Path
from typing import ParamSpec, TypeVar

from trackerscan.engine import Engine, Home, KnownDevices, Settings
from trackerscan.errors import InputError, TrackerscanError
from trackerscan.formats.btsnoop.reader import BtsnoopReader, read_sightings
from trackerscan.formats.btsnoop.records import Batch, sightings_of
from trackerscan.model import DeviceState, Event, Fix, Level, LevelChange, Sighting
from trackerscan.timeutil import in_order as times_in_order
from trackerscan.timeutil import iso_utc

# How many sightings are fed between two progress reports (a progress callback per sighting would cost
# more than the parsing).
PROGRESS_EVERY = 65_536

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)
_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(slots=True)
class AnalysisStats:
    adverts: int = 0
    fixes: int = 0
    fixes_rejected: int = 0
    devices: int = 0
    skipped_records: int = 0
    other_records: int = 0
    seconds: float = 0.0  # wall time the analysis took
    first: float | None = None  # first and last sighting
    last: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "adverts": self.adverts,
            "fixes": self.fixes,
            "devices": self.devices,
            "skipped_records": self.skipped_records,
            "seconds": round(self.seconds, 3),
            "fixes_rejected": self.fixes_rejected,
            "other_records": self.other_records,
            "first_seen": iso_utc(self.first) if self.first is not None else None,
            "last_seen": iso_utc(self.last) if self.last is not None else None,
        }


@dataclass(slots=True)
class Analysis:
    """What came out: the level changes (one per device and level), the states of the devices that
    reached a level, counts and notes."""

    alerts: list[LevelChange]
    devices: list[DeviceState]
    stats: AnalysisStats
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "alerts": [c.to_json() for c in self.alerts],
            "stats": self.stats.to_json(),
            "notes": list(self.notes),
        }


@dataclass(slots=True)
class _Span:
    """First and last sighting time seen while feeding."""

    first: float | None = None
    last: float | None = None

    def add(self, first: float, last: float) -> None:
        if self.first is None or first < self.first:
            self.first = first
        if self.last is None or last > self.last:
            self.last = last


@dataclass(slots=True)
class GpsLog:
    fixes: list[Fix]
    rejected: int
    summary: str


def _day(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def read_gps(path: str | os.PathLike[str], first_time: float | None = None) -> GpsLog:
    """The valid fixes of an NMEA log or GPX track, in time order.

    ``first_time`` (the first Bluetooth sighting) dates NMEA logs that carry
    no date of their own (GGA only).  An unreadable file raises InputError.
    """
    from trackerscan.formats.fixfile import read_fixes
    from trackerscan.formats.nmea import summary

    p = Path(path)
    date = datetime.fromtimestamp(first_time, UTC).date() if first_time is not None else None
    fixes, rejected = read_fixes(p, date)
    return GpsLog(fixes, sum(rejected.values()), summary(rejected))


def _feed_batches(
    engine: Engine,
    add: Callable[[Iterable[LevelChange]], None],
    reader: BtsnoopReader,
    batches: Iterable[Batch],
    fixes: Sequence[Fix],
    progress: Progress | None,
    span: _Span,
) -> None:
    """Feed one btsnoop log, batch by batch, with fixes slotted in by time.

    A fix goes in just before the first sighting at or after its time, as `analyze` merging events one
    by one would put it (a fix before the sightings of the same instant); the sightings between two
    fixes go to `Engine.feed_rows` in one call, from one zip of the chunk's columns (no copy of them):
    no `Sighting` is built and there is no Python loop per sighting here.  Captures whose times go
    backwards are cut at the first sighting whose time reaches the fix, found on the running maximum
    of the times, and fed one row at a time.
    """
    feed = engine.feed
    feed_rows = engine.feed_rows
    fix_times = [f.time for f in fixes]
    i, n = 0, len(fixes)
    for batch in batches:
        if isinstance(batch, list):  # a chunk read record by record (other traffic in it): its columns
            if not batch:
                continue
            times = [s.time for s in batch]
            addresses = [s.address for s in batch]
            address_types = [s.address_type for s in batch]
            rssis = [s.rssi for s in batch]
            advs = [s.adv for s in batch]
        else:
            times, addresses, address_types, rssis, advs, _ = batch
        a, m = 0, len(times)
        # in order (the common case), the rows between two fixes go to `Engine.feed_rows` from one zip of
        # the columns, without copying them; where times go backwards somewhere, the chunk is cut on their
        # running maximum and its rows go one by one (the same results: `Engine.feed_rows`)
        in_order = times_in_order(times)
        bound = times if in_order else list(accumulate(times, max))
        span.add(times[0] if in_order else min(times), bound[-1])
        rows = zip(times, addresses, address_types, rssis, advs, strict=True)
        while i < n and fix_times[i] <= bound[-1]:
            b = bisect_left(bound, fix_times[i], a)
            if b > a:
                changes = feed_rows(times, a, b, rows, not in_order)
                if changes:
                    add(changes)
                a = b
            changes = feed(fixes[i])
            if changes:
                add(changes)
            i += 1
        if a < m:
            changes = feed_rows(times, a, m, rows, not in_order)
            if changes:
                add(changes)
        if progress is not None:
            progress(reader.stats.offset, reader.stats.size)
    for fix in fixes[i:]:
        changes = feed(fix)
        if changes:
            add(changes)


def _feed_block(
    engine: Engine, add: Callable[[Iterable[LevelChange]], None], block: list[Event], span: _Span
) -> None:
    """Feed merged events: each run of sightings as columns with `Engine.feed_sightings`, the events
    between them (fixes, marks, source events) with `Engine.feed`, in their order."""
    others = [k for k, e in enumerate(block) if type(e) is not Sighting]
    a = 0
    for b in (*others, len(block)):
        if b > a:
            times, addresses, address_types, rssis, advs, _, _ = zip(*block[a:b], strict=True)
            span.add(min(times), max(times))
            changes = engine.feed_sightings(times, addresses, address_types, rssis, advs)
            if changes:
                add(changes)
        if b < len(block):
            changes = engine.feed(block[b])
            if changes:
                add(changes)
        a = b + 1


def _first_batch(batches: Iterator[Batch]) -> tuple[float | None, Iterator[Batch]]:
    """The time of the first sighting, and the batches with nothing lost."""
    for batch in batches:
        if type(batch) is list:
            if batch:
                return batch[0].time, chain((batch,), batches)
        elif batch.times:  # type: ignore[union-attr]
            return batch.times[0], chain((batch,), batches)  # type: ignore[union-attr]
    return None, batches


def _peek(it: Iterator[Sighting]) -> tuple[Sighting | None, Iterator[Sighting]]:
    first = next(it, None)
    return first, (chain((first,), it) if first is not None else it)


def _without_cyclic_gc(f: Callable[_P, _R]) -> Callable[_P, _R]:
    """``f`` run with the cyclic garbage collector off, and on again after if it was (see `_run`)."""

    @functools.wraps(f)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        collecting = gc.isenabled()
        gc.disable()
        try:
            return f(*args, **kwargs)
        finally:
            if collecting:
                gc.enable()

    return run


@_without_cyclic_gc  # from the start: the GPS log read with it on cost 10 collections (~2 ms, busy city)
def analyze(
    ble: Sequence[str | os.PathLike[str]] = (),
    gps: str | os.PathLike[str] | None = None,
    sessions: Sequence[str | os.PathLike[str]] = (),
    known: str | os.PathLike[str] | None = None,
    sensitivity: str = "medium",
    homes: Sequence[Home] = (),
    progress: Progress | None = None,
    *,
    columns: bool = True,
) -> Analysis:
    """Analyse btsnoop logs and/or recorded sessions, with an optional GPS log, as one history.

    ``columns=False`` feeds every event one by one through `Engine.feed`, merged by time: the
    reference that the column paths (the default) must equal, for tests.

    Raises InputError when nothing can be analysed: no input, a file that is
    not a btsnoop log or session, or no advertisement at all.
    """
    started = time.perf_counter()
    if not ble and not sessions:
        raise InputError("Give a Bluetooth capture (--ble FILE) or a recorded session to analyse.")
    # no history points: nothing here reads them (Settings.keep_history)
    settings = replace(Settings.from_sensitivity(sensitivity), keep_history=False)
    known_devices = KnownDevices.load(str(known)) if known is not None else None
    notes: list[str] = []
    readers: list[BtsnoopReader] = []
    batch_streams: list[tuple[BtsnoopReader, Iterator[Batch]]] = []
    streams: list[Iterator[Event]] = []
    first_times: list[float] = []
    errors: list[TrackerscanError] = []
    several = len(ble) + len(sessions) > 1
    for p in ble:
        try:
            reader = read_sightings(p, source=f"btsnoop:{Path(p).name}")
        except InputError as exc:
            if not several:
                raise
            errors.append(exc)  # the other inputs can still be analysed
            continue
        readers.append(reader)
        first_time, batches = _first_batch(reader.batches())
        if first_time is None:
            notes.append(f"{reader.path.name} holds no Bluetooth advertisements.")
            continue
        first_times.append(first_time)
        batch_streams.append((reader, batches))
    if sessions:
        from trackerscan.formats.session import Session, read_events
        from trackerscan.sessions.known import known_from_meta, union
        from trackerscan.sessions.listing import resolve_session

        for name in sessions:
            try:
                path = resolve_session(name)
                with Session.open(path) as s:  # the user's own devices, as recorded with the session
                    known_devices = union(known_devices or KnownDevices(), known_from_meta(s.meta()))
                first_event, rest = _peek(read_events(path))  # type: ignore[arg-type]
            except TrackerscanError as exc:
                if not several:
                    raise
                errors.append(exc)
                continue
            if first_event is None:
                notes.append(f"The session {path.stem} holds no events.")
                continue
            first_times.append(first_event.time)
            streams.append(rest)
    if errors and not batch_streams and not streams:
        raise errors[0]  # nothing at all could be read: the first reason is the one to fix
    notes[:0] = [f"{exc} It was left out; the other inputs were analysed." for exc in errors]

    fixes: list[Fix] = []
    if gps is not None:
        try:
            log = read_gps(gps, min(first_times) if first_times else None)
        except InputError as exc:
            # the Bluetooth capture can still be analysed: say so rather than stop
            log = GpsLog([], 0, "")
            notes.append(f"{exc} The analysis worked on time alone.")
        fixes = log.fixes
        if not fixes and log.summary:
            why = f" ({log.summary})" if log.rejected else ""
            notes.append(
                f"{Path(gps).name} holds no valid GPS position{why}, so the analysis worked on time alone."
            )
        elif log.rejected:
            notes.append(f"{Path(gps).name}: {len(fixes)} GPS fixes used, {log.summary}.")
    elif ble:
        notes.append("No GPS log was given, so the analysis worked on time alone (no places or distances).")

    engine = Engine(settings, known_devices, homes)
    return _run(readers, batch_streams, streams, fixes, notes, started, engine, progress, columns)


def _run(
    readers: list[BtsnoopReader],
    batch_streams: list[tuple[BtsnoopReader, Iterator[Batch]]],
    streams: list[Iterator[Event]],
    fixes: list[Fix],
    notes: list[str],
    started: float,
    engine: Engine,
    progress: Progress | None,
    columns: bool = True,
) -> Analysis:
    """Feed everything to the engine and collect the result.

    Runs with the cyclic garbage collector off (see `analyze`): millions of short-lived records are
    freed by reference counting, and the collector would otherwise walk the engine's growing state
    again and again, about a fifth of the run, to find a few hundred objects in a million events.
    """
    feed = engine.feed
    changes: list[LevelChange] = []
    add = changes.extend
    span = _Span()
    if columns and len(batch_streams) == 1 and not streams:
        # the common case: one capture (and a GPS log), fed batch by batch without building Sightings
        _feed_batches(engine, add, *batch_streams[0], fixes, progress, span)
    else:
        for r, batches in batch_streams:
            streams.append(chain.from_iterable(sightings_of(b, r.source) for b in batches))
        # the fixes first: on equal times a fix goes before the sightings, as in `_feed_batches`
        events: Iterator[Event] = heapq.merge(iter(fixes), *streams, key=attrgetter("time"))
        total = sum(r.stats.size for r in readers)
        while True:
            block = list(islice(events, PROGRESS_EVERY))
            if not block:
                break
            if columns:
                _feed_block(engine, add, block, span)
            else:
                for e in block:
                    c = feed(e)
                    if c:
                        add(c)
                times = [e.time for e in block if type(e) is Sighting]
                if times:
                    span.add(min(times), max(times))
            if progress is not None:
                progress(sum(r.stats.offset for r in readers), total)
        if progress is not None:
            progress(total, total)
    add(engine.finish())

    stats = AnalysisStats()
    est = engine.stats
    stats.adverts = est.adverts
    stats.fixes = est.fixes
    stats.fixes_rejected = est.fixes_rejected
    for r in readers:
        stats.skipped_records += r.stats.skipped
        stats.other_records += r.stats.other
        r.close()
    if stats.skipped_records:
        notes.append(
            f"{stats.skipped_records} damaged or cut-off Bluetooth records were skipped; "
            "the rest was analysed."
        )
    if stats.adverts == 0:
        raise InputError("There are no Bluetooth advertisements in the input, so nothing could be analysed.")
    # States of the devices that reached a level only: building all of them (tens of thousands in a
    # busy place) would cost a quarter of the run.
    devices = [d for d in map(engine.device, dict.fromkeys(c.device_id for c in changes)) if d is not None]
    stats.devices = est.devices
    stats.first, stats.last = span.first, span.last
    if fixes and stats.first is not None and stats.last is not None:
        g0, g1 = fixes[0].time, fixes[-1].time
        if g1 < stats.first or g0 > stats.last:
            notes.append(
                f"The GPS log ({_day(g0)} to {_day(g1)} UTC) does not overlap the Bluetooth capture "
                f"({_day(stats.first)} to {_day(stats.last)} UTC), so the analysis worked on time alone."
            )
    notes.extend(f.sentence(lambda t: f"{_day(t)} UTC") for f in engine.floods())
    stats.seconds = time.perf_counter() - started
    return Analysis(one_per_level(changes, devices), devices, stats, notes)


def one_per_level(changes: Iterable[LevelChange], devices: Iterable[DeviceState]) -> list[LevelChange]:
    """The first change to each level of each device, with the device's addresses, identifiers and
    last sighting over the whole input; in the order they were raised."""
    by_id = {d.device_id: d for d in devices}
    seen: set[tuple[str, Level]] = set()
    out: list[LevelChange] = []
    for c in changes:
        key = (c.device_id, c.level)
        if key in seen or c.level is Level.NONE:
            continue
        seen.add(key)
        d = by_id.get(c.device_id)
        if d is not None:
            addresses = tuple(dict.fromkeys((*c.addresses, *d.addresses)))
            identifiers = tuple(dict.fromkeys((*c.identifiers, *d.identifiers)))
            c = _replace(c, addresses, identifiers, max(c.last_seen, d.last_seen))
        out.append(c)
    out.sort(key=attrgetter("time"))
    return out


def _replace(
    c: LevelChange, addresses: tuple[str, ...], identifiers: tuple[str, ...], last: float
) -> LevelChange:
    return replace(c, addresses=addresses, identifiers=identifiers, last_seen=last)

"""The following-detection engine: events in, level changes out.

Causal and clock-free: it knows only the events fed so far and takes time from
them, so a replayed file raises every level at the moment it would have been
raised live.  The common case (a known device heard again at the same place) is
a dict lookup and a few attribute updates.
"""

from __future__ import annotations

import dataclasses
import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, compress, islice
from types import MappingProxyType

from trackerscan.engine import thresholds as th
from trackerscan.engine.context import Context
from trackerscan.engine.device import NEVER, SEPARATED, UNKNOWN_STATE, Device
from trackerscan.engine.explain import bounded_ride_note, duration_text, explain
from trackerscan.engine.flood import FirstSeen, FirstSightings, Flood
from trackerscan.engine.known import Home, KnownDevices
from trackerscan.engine.levels import asks_mine, decide
from trackerscan.engine.linking import SmartTagChains
from trackerscan.engine.places import Place, Places
from trackerscan.engine.positions import UserTrack
from trackerscan.engine.settings import Settings
from trackerscan.geo import distance_m
from trackerscan.model import (
    AddressType,
    DeviceState,
    Event,
    Fix,
    HeardPoint,
    Identity,
    Kind,
    Level,
    LevelChange,
    NoFix,
    PlaceMark,
    Sighting,
    SourceEvent,
)
from trackerscan.timeutil import in_order

Classifier = Callable[[bytes, str | None, AddressType], Identity]

_RANK = {Level.NONE: 0, Level.WATCH: 1, Level.ALERT: 2}

# Thresholds read on every sighting, as module globals (cheaper to load than module attributes).
_SESSION_GAP_S = th.SESSION_GAP_S
_PRESENCE_GAP_S = th.PRESENCE_GAP_S
_RSSI_SMOOTHING = th.RSSI_SMOOTHING
_MAX_FIX_AGE_S = th.MAX_FIX_AGE_S
_NO_GPS_AFTER_S = th.NO_GPS_AFTER_S
_MIN_REACH_M = th.MIN_REACH_M
_PROMOTE_SPAN_S = th.FIRST_PROMOTE_SPAN_S
_NAN = math.nan
_LINKABLE_CLASSES = (SEPARATED, UNKNOWN_STATE)  # kept up to TRACKER_FORGET_AFTER_S
_EVALUATE_NOW = -math.inf  # next_eval of a device to evaluate at its next sighting
# A device is filed for the forget sweep this much before the time its check is due, so that rounding
# never makes it late (it is looked at once more at worst).
_DUE_SLACK_S = 1.0
_NOT_FILED: tuple[array[float], list[Device]] = (array("d"), [])
_DUE_END = float(1 << 62)  # sweep intervals are counted in this range (times are finite, far inside it)
_EMPTY_DETAILS: MappingProxyType[str, object] = MappingProxyType({})  # a compacted identity's details
# Enum members read on each new address, evaluation and sweep, as module globals: read through their
# class they cost 80 ns each on Python 3.11 (a module global: 5 ns).
_SMARTTAG, _GOOGLE_FMDN = Kind.SMARTTAG, Kind.GOOGLE_FMDN
_NONE, _ALERT = Level.NONE, Level.ALERT


@dataclass(slots=True)
class EngineStats:
    """Counts of what the engine has seen."""

    adverts: int = 0
    fixes: int = 0
    fixes_rejected: int = 0
    no_fixes: int = 0
    source_events: int = 0
    placemarks: int = 0
    sessions: int = 0
    devices: int = 0
    trackers: int = 0
    places: int = 0  # places with a position (GPS)
    offline_places: int = 0  # marked by the user, or sessions, without a position
    classified: int = 0
    level_changes: int = 0
    watch: int = 0
    alert: int = 0
    forgotten: int = 0  # bystanders dropped from memory (Settings.forget_after_s); still in adverts
    brief: int = 0  # addresses heard for less than FIRST_PROMOTE_SPAN_S, never devices; in adverts
    brief_trackers: int = 0  # of which said they were trackers (passing tags, forged spam frames)
    floods: int = 0  # BLE spam floods recognised (Engine.floods)


def _default_classifier() -> Classifier:
    from trackerscan.adv import classify

    return classify


class Engine:
    """Consumes Sightings, Fixes, NoFixes, SourceEvents and PlaceMarks in time order."""

    __slots__ = (
        "_by_addr",
        "_by_eid",
        "_by_ident",
        "_cache",
        "_chains",
        "_changes",
        "_classify",
        "_ctx",
        "_ctx_end",
        "_devices",
        "_due",
        "_due_from",
        "_first",
        "_fix_pos",
        "_fix_t",
        "_forget_s",
        "_forgotten_n",
        "_gps_place",
        "_heard",
        "_hist_step",
        "_last_t",
        "_next_sweep",
        "_places",
        "_stamp",
        "_stamp_place",
        "_stamp_window",
        "_stats",
        "_track",
        "homes",
        "known",
        "settings",
    )

    def __init__(
        self,
        settings: Settings | None = None,
        known: KnownDevices | None = None,
        homes: Sequence[Home] = (),
        classifier: Classifier | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.known = known or KnownDevices()
        self.homes = tuple(homes)
        self._classify = classifier or _default_classifier()
        self._stats = EngineStats()
        self._track = UserTrack()
        self._places = Places(self.homes)
        self._ctx = Context()
        self._ctx_end = self._ctx.window_end
        self._heard = self._ctx.heard
        self._gps_place: Place | None = None
        self._cache: dict[tuple[str, bytes], Device] = {}
        self._devices: dict[str, Device] = {}
        self._by_addr: dict[str, Device] = {}
        self._by_eid: dict[str, Device] = {}
        self._by_ident: dict[str, Device] = {}
        self._chains = SmartTagChains()
        self._last_t = -math.inf
        self._fix_t = -math.inf  # time of the last trusted fix (UserTrack.last)
        self._fix_pos = (_NAN, _NAN, _NAN, _NAN)  # its lat, lon, accuracy and the user's speed then
        self._hist_step = self.settings.history_step_s
        self._changes: list[LevelChange] = []
        self._forget_s = self.settings.forget_after_s
        self._forgotten_n = 0  # sightings of forgotten devices (stats.adverts keeps counting them)
        self._next_sweep = -math.inf
        # the forget sweep's devices to look at, by sweep interval (see _forget), from _due_from on
        self._due: dict[int, tuple[array[float], list[Device]]] = {}  # (the times they are filed at, them)
        self._due_from = -(1 << 62)  # -_DUE_END
        self._first = FirstSightings()
        self._stamp = object()  # of the (context window, place) sightings are fed at (`feed_rows`)
        self._stamp_window = _NAN
        self._stamp_place: Place | None = None

    # --- input ------------------------------------------------------------------------------------
    def feed(self, event: Event) -> list[LevelChange]:
        """Take one event (in time order); return the level changes it caused."""
        if type(event) is Sighting:
            # Unpacking then a plain call costs less than feed_sighting(*event).
            t, address, address_type, rssi, adv, _source, _connectable = event
            return self.feed_sighting(t, address, address_type, rssi, adv)
        t = event.time
        if t - self._last_t > _SESSION_GAP_S:
            self._new_session(t)
        if t > self._last_t:
            self._last_t = t
        if isinstance(event, Fix):
            self._fix(event)
        elif isinstance(event, NoFix):
            self._stats.no_fixes += 1
        elif isinstance(event, PlaceMark):
            self._stats.placemarks += 1
            self._places.open_offline(t, "mark", event.label)
        elif isinstance(event, SourceEvent):
            self._stats.source_events += 1
        return []

    def feed_sighting(
        self,
        t: float,
        address: str,
        address_type: AddressType,
        rssi: int | None,
        adv: bytes,
        source: str = "",
        connectable: bool | None = None,
    ) -> list[LevelChange]:
        """`feed` for one sighting given as its fields, without building a `Sighting`: same results.

        The arguments are the fields of `trackerscan.model.Sighting`, in order; the work is
        `feed_sightings`' on a column of one (`feed_rows` on its one row).
        """
        return self.feed_rows((t,), 0, 1, iter(((t, address, address_type, rssi, adv),)))

    def feed_sightings(
        self,
        times: Sequence[float],
        addresses: Sequence[str],
        address_types: Sequence[AddressType],
        rssis: Sequence[int | None],
        advs: Sequence[bytes],
    ) -> list[LevelChange]:
        """Take many sightings given as columns (equal lengths, in time order); return the level changes.

        The one place where a sighting updates its device (with `feed_rows`, its body): `feed` and
        `feed_sighting` come here with columns of one, readers that decode captures into columns call
        it directly (feed the fixes that fall between them in between calls).  The columns go in runs
        over which what depends on time alone holds still (no new session, no context roll, one place:
        `_run` decides it and where the run ends, by bisection on the times).  Per sighting, the hot
        path -- a device already seen, at the same place, with no history point or evaluation due --
        costs one dict lookup and a few attribute updates.
        """
        m = len(times)
        if not len(addresses) == len(address_types) == len(rssis) == len(advs) == m:
            raise ValueError("feed_sightings: the columns differ in length")
        # times that go backwards somewhere: one sighting per run (bisection needs them in order)
        one_by_one = m > 1 and not in_order(times)
        rows = zip(times, addresses, address_types, rssis, advs, strict=True)
        return self.feed_rows(times, 0, m, rows, one_by_one)

    def feed_rows(
        self,
        times: Sequence[float],
        start: int,
        stop: int,
        rows: Iterator[tuple[float, str, AddressType, int | None, bytes]],
        one_by_one: bool = False,
    ) -> list[LevelChange]:
        """`feed_sightings` for rows ``start`` to ``stop`` of columns without copying them: ``times`` is
        the whole time column, ``rows`` an iterator over the rows' (time, address, address type, RSSI,
        data) whose next ``stop - start`` items are these rows (a zip of the columns that successive
        calls share: `trackerscan.analysis` feeds a capture's chunk between its fixes so).  The times
        from ``start`` to ``stop`` must not go backwards, unless ``one_by_one``.
        """
        out: list[LevelChange] = []
        cache_get = self._cache.get
        first = self._first
        heard_add = self._heard.add
        hist_step = self._hist_step
        keep_history = self.settings.keep_history
        fix_t = self._fix_t
        a = start
        while a < stop:
            place, b = self._run(times, a, a + 1 if one_by_one else stop, out)
            first_get = first.records.get  # a roll may have replaced the table
            # A device heard here goes once into the context window's heard set and to this place
            # (`_enter`): devices carry the stamp of the (window, place) they were last heard in, made
            # afresh when either changes, and one test a sighting covers both (busy city: 1 M sightings,
            # 119,000 of them a new pair for their device).
            if self._ctx_end != self._stamp_window or place is not self._stamp_place:
                self._stamp = object()
                self._stamp_window = self._ctx_end
                self._stamp_place = place
            stamp = self._stamp
            for t, address, address_type, rssi, adv in islice(rows, b - a):
                dev = cache_get((address, adv))
                if dev is None:
                    # a first-sighting record heard again before it can be promoted: only counted
                    rec = first_get(address)
                    if rec is not None and t - rec.first < _PROMOTE_SPAN_S:
                        first.again(rec, t)
                        continue
                    dev = self._resolve(t, address, address_type, adv, rec)
                    if dev is None:  # a first sighting, kept as a compact record (engine/flood.py)
                        continue
                ls = dev.last_seen
                if t - ls > _PRESENCE_GAP_S:
                    dev.together_closed += ls - dev.pres_start
                    dev.pres_start = t
                    dev.last_seen = t
                elif t > ls:
                    dev.last_seen = t
                dev.n += 1
                if rssi is not None:
                    dev.rssi = rssi
                    rs = dev.rssi_s
                    dev.rssi_s = float(rssi) if rs is None else rs + _RSSI_SMOOTHING * (rssi - rs)
                if dev.seen_in is not stamp:
                    dev.seen_in = stamp
                    heard_add(dev)  # (nothing changes if it was heard in this window already)
                    if place is not dev.last_place:
                        self._enter(dev, place)
                if t >= dev.next_hist:  # one history point per device per history_step_s
                    if dev.cls != NEVER and dev.reach_m < _MIN_REACH_M:  # _reach's first test, inlined
                        self._reach(dev, t)
                    dev.next_hist = t + hist_step
                    if keep_history or not dev.points:  # without history, the first (see _forget)
                        r = float(rssi) if rssi is not None else _NAN
                        age = t - fix_t
                        if age > _MAX_FIX_AGE_S or age < -_MAX_FIX_AGE_S:  # UserTrack.position_at, inlined
                            dev.points.fromlist([t, r, _NAN, _NAN, _NAN])  # (twice extend's speed)
                        else:
                            lat, lon, acc, speed = self._fix_pos
                            dev.points.fromlist([t, r, lat, lon, acc + speed * abs(age)])
                if t >= dev.next_eval:
                    c = self._evaluate(dev, t)
                    if c:
                        out.extend(c)
            a = b
        return out

    def _run(
        self, times: Sequence[float], a: int, m: int, out: list[LevelChange]
    ) -> tuple[Place | None, int]:
        """Start the run of sightings at ``times[a]`` (in order up to ``m``): open a session or roll the
        context if its time says so (level changes into ``out``); return the place the run is at and
        where it ends -- before the next roll, before a gap that could open a session, and where the
        place would change with the age of the last fix."""
        t = times[a]
        lt = self._last_t
        if t > lt:
            if t - lt > _SESSION_GAP_S:
                self._new_session(t)
            self._last_t = t
        if t >= self._ctx_end:
            rolled = self._roll(t)
            if rolled:
                out.extend(rolled)
        fix_t = self._fix_t
        age = t - fix_t
        place: Place | None
        if age <= _MAX_FIX_AGE_S:
            place = self._gps_place
            age_limit = _MAX_FIX_AGE_S
        elif age > _NO_GPS_AFTER_S:
            place = self._places.current_offline
            if place is None or place.first_time < fix_t:
                place = self._gps_lost(t)
            age_limit = math.inf
        else:
            place = None
            age_limit = _NO_GPS_AFTER_S
        if m - a == 1:  # a run of one (feed, feed_sighting): nothing to look for
            return place, m
        b = bisect_left(times, self._ctx_end, a, m)
        # The keys grow with the times: a search only when the run's last time is past its limit (a run
        # between two fixes a second apart seldom is; the searches' key calls cost 10 ms a million rows).
        if b > a and times[b - 1] - t > _SESSION_GAP_S:
            b = bisect_right(times, _SESSION_GAP_S, a, b, key=lambda x: x - t)
        if age_limit < math.inf and b > a and times[b - 1] - fix_t > age_limit:
            b = bisect_right(times, age_limit, a, b, key=lambda x: x - fix_t)
        b = max(b, a + 1)
        if times[b - 1] > self._last_t:
            self._last_t = times[b - 1]
        return place, b

    def feed_many(self, events: Sequence[Event]) -> list[LevelChange]:
        out: list[LevelChange] = []
        for e in events:
            r = self.feed(e)
            if r:
                out.extend(r)
        return out

    def finish(self) -> list[LevelChange]:
        """End of input: evaluate devices whose last evaluation is stale (as the next tick would);
        a flood still running ends with the input."""
        self._first.end(self._last_t)
        out: list[LevelChange] = []
        for dev in self._devices.values():
            if dev.cls != NEVER and dev.next_eval <= dev.last_seen + th.EVAL_STEP_S:
                out.extend(self._evaluate(dev, max(dev.last_seen, self._last_t)))
        return out

    def _new_session(self, t: float) -> None:
        self._stats.sessions += 1
        self._ctx.session += 1
        self._places.open_offline(t, "session")

    def _fix(self, fix: Fix) -> None:
        if not self._track.add(fix):
            self._stats.fixes_rejected += 1
            return
        self._stats.fixes += 1
        self._fix_t = fix.time
        tr = self._track
        speed = tr.speed_mps if tr.speed_mps is not None else th.UNKNOWN_SPEED_MPS
        self._fix_pos = (fix.lat, fix.lon, tr.last_accuracy, speed)
        self._places.add_fix(fix, self._track.last_accuracy)
        self._gps_place = self._places.current

    def _roll(self, t: float) -> list[LevelChange]:
        ctx = self._ctx
        last = self._track.last
        pos = (last.lat, last.lon) if last is not None else None
        window_start = ctx.window_end - th.CONTEXT_WINDOW_S
        ctx.roll(t, self._track.speed_mps, t - self._fix_t <= th.MAX_FIX_AGE_S, pos)
        self._ctx_end = ctx.window_end
        self._first.roll(t, window_start)
        if t >= self._next_sweep and self._forget_s is not None:
            self._next_sweep = t + th.FORGET_SWEEP_S
            self._forget(t, self._forget_s)
        return self._release(ctx.released, t) if ctx.released else []

    def _release(self, ride: int, t: float) -> list[LevelChange]:
        """A ride was a private vehicle: evaluate the devices that boarded it now.

        A tag left in the car is not heard again, so it cannot wait for its next sighting.
        """
        out: list[LevelChange] = []
        for dev in list(self._devices.values()):
            if dev.boarded == ride and dev.cls != NEVER and dev.level is not Level.ALERT:
                out.extend(self._evaluate(dev, t))
        return out

    def _forget(self, t: float, after_s: float) -> None:
        """Drop bystanders unheard for ``after_s`` (trackers that may still link: see thresholds).

        Devices at watch or alert, known or marked as the user's are never dropped.  A dropped
        device heard again starts afresh under the same id.  Causal: decided on event time only.

        Only the devices whose check may be due are looked at: `_due` files each device under the
        sweep interval of the earliest time it could be dropped or compacted, from its last sighting
        then; a device heard since is filed again at its new time when it comes up, one whose class,
        identity or known mark changed comes up again from `_resolve`.  The rules applied to those
        looked at are the same as looking at every device, and none is looked at late.
        """
        gone: list[Device] = []
        dormant: list[Device] = []  # silent trackers kept for linking, not yet compacted
        tracker_limit = t - th.TRACKER_FORGET_AFTER_S
        limit = t - after_s
        never_s = min(after_s, th.NEVER_FORGET_AFTER_S)
        never_limit = t - never_s
        due, devices = self._due, self._devices
        # every interval up to the one of t (a little early is fine); none is older than a NaN limit
        last_f = t // th.FORGET_SWEEP_S
        if last_f != last_f:
            return
        last = int(min(max(last_f, -_DUE_END), _DUE_END))
        first = self._due_from
        steps = sorted(k for k in due if k < last) if last - first > len(due) else range(first, last)
        self._due_from = last
        looked: set[Device] = set()
        later: list[tuple[float, Device]] = []
        now: list[Device] = []  # those of the interval of t filed before t (the rest stay filed)
        current = due.get(last)
        if current is not None:
            keys, devs = current
            if any(map(t.__gt__, keys)):
                now = [dev for key, dev in zip(keys, devs, strict=True) if key < t]
                stay = [key >= t for key in keys]
                due[last] = (array("d", compress(keys, stay)), list(compress(devs, stay)))
        for k in chain(steps, (None,)):
            for dev in due.pop(k, _NOT_FILED)[1] if k is not None else now:
                if dev in looked or devices.get(dev.id) is not dev:
                    continue  # looked at already, or dropped
                looked.add(dev)
                ls = dev.last_seen
                never = dev.cls == NEVER and dev.identity.kind is not _SMARTTAG
                if ls >= never_limit:  # heard since it was filed: not old yet
                    later.append((ls + (never_s if never else after_s), dev))
                elif dev.level is not _NONE or dev.known or dev.mine:
                    continue  # kept for good ("Not mine" files it again)
                elif never:
                    gone.append(dev)  # no rule can raise it: kept only while it may be around
                elif ls >= limit:  # heard since it was filed
                    later.append((ls + after_s, dev))
                elif ls >= tracker_limit and (
                    dev.cls in _LINKABLE_CLASSES or dev.identity.kind is _SMARTTAG
                ):
                    # history points since the last compaction (without keep_history, the first is kept
                    # for this test alone)
                    if dev.points or dev.identity.details:
                        dormant.append(dev)
                    later.append((ls + th.TRACKER_FORGET_AFTER_S, dev))  # heard again: through _resolve
                else:
                    gone.append(dev)
        for at, dev in later:
            self._file_due(dev, at)
        if dormant:
            self._compact(dormant)
        if gone:
            self._drop(gone)
        cache = self._cache  # their classify-cache entries go (emptied in place: feed_sightings holds .get)
        for dev in chain(dormant, gone):
            for key in dev.keys:
                if cache.get(key) is dev:
                    del cache[key]
            dev.keys = []

    def _file_due(self, dev: Device, at: float) -> None:
        """File ``dev`` for the forget sweep at ``at`` (or the next sweep, if that is sooner), a little
        early so that rounding never makes it late."""
        key = at - _DUE_SLACK_S
        k_f = key // th.FORGET_SWEEP_S
        if not k_f < _DUE_END:
            return  # never due (a NaN or infinite time): no sweep would ever look at it
        k = int(k_f) if k_f > self._due_from else self._due_from
        bucket = self._due.get(k)
        if bucket is None:
            self._due[k] = (array("d", (key,)), [dev])
        else:
            bucket[0].append(key)
            bucket[1].append(dev)

    def _check_due(self, dev: Device, t: float) -> None:
        """File ``dev`` (last heard at ``t``) for the forget sweep at the earliest time it could go."""
        after_s = self._forget_s
        if after_s is not None:
            if dev.cls == NEVER and dev.identity.kind is not _SMARTTAG:
                after_s = min(after_s, th.NEVER_FORGET_AFTER_S)
            self._file_due(dev, t + after_s)

    def _drop(self, gone: list[Device]) -> None:
        """Forget these devices: out of every index (the caller empties their cache entries)."""
        by_id, by_addr, by_eid, by_ident = self._devices, self._by_addr, self._by_eid, self._by_ident
        for dev in gone:
            del by_id[dev.id]
            self._forgotten_n += dev.n
            for a in dev.addresses:
                if by_addr.get(a) is dev:
                    del by_addr[a]
            for i in dev.identifiers:
                if by_eid.get(i) is dev:
                    del by_eid[i]
                if by_ident.get(i) is dev:
                    del by_ident[i]
            self._chains.drop(dev)
        self._stats.forgotten += len(gone)

    def _compact(self, dormant: list[Device]) -> None:
        """Keep of silent trackers only what linking and later evidence use (issue #8).

        Their history points go (the session store has their sightings), their identity loses
        its descriptive details (SmartTag chains keep their own signature and counter), and their
        classify-cache entries go (the caller empties them): heard again, they are classified once
        more and found by address (or EID, or chain) as before.  Places, times, reach and links stay.
        """
        empty = _EMPTY_DETAILS
        for dev in dormant:
            dev.points = array("d")
            ident = dev.identity
            if ident.details:
                dev.identity = dataclasses.replace(ident, details=empty)

    def _gps_lost(self, t: float) -> Place:
        """No fix for NO_GPS_AFTER_S: positions are unknown from now on, and this may be a new place."""
        self._places.lose_gps()
        self._gps_place = None
        return self._places.open_offline(t, "session", "GPS lost")

    # --- identities -------------------------------------------------------------------------------
    def _resolve(
        self, t: float, addr: str, address_type: AddressType, adv: bytes, rec: FirstSeen | None
    ) -> Device | None:
        """The device this sighting belongs to, or None while its address is a first-sighting record.

        ``rec`` is the address's first-sighting record, if any, heard FIRST_PROMOTE_SPAN_S or more after
        it began (heard again sooner, a record is only counted: `feed_rows`).  The sighting is
        classified and linked like any other and becomes a device, which takes over the record's first
        time and count.  A new address gets a record; known devices become devices at once.
        """
        first = self._first
        if len(self._cache) >= th.CLASSIFY_CACHE_MAX:
            self._cache.clear()
            for d in self._devices.values():
                d.keys = []
        ident = self._classify(adv, addr, address_type)
        self._stats.classified += 1
        ident_hex = ident.identifier.hex() if ident.identifier else None
        dev: Device | None = None
        note = ""
        conf = 1.0
        if ident.kind is _GOOGLE_FMDN and ident_hex is not None:
            dev = self._by_addr.get(addr)
            if dev is not None and dev.identity.kind is _GOOGLE_FMDN and ident_hex not in dev.identifiers:
                note = "Its identifier changed while its address stayed the same (Google tags do this)."
            if dev is None:
                old = self._by_eid.get(ident_hex)
                if old is not None and t - old.last_seen <= th.FMDN_EID_LINK_S:
                    dev = old
                    note = "Its address changed while its identifier stayed the same."
            if dev is not None:
                self._by_eid[ident_hex] = dev
        elif ident.kind is _SMARTTAG and ident_hex is not None:
            dev = self._by_ident.get(ident_hex)
            if dev is None:
                dev, conf = self._chains.find(ident, t)
                if dev is not None:
                    note = (
                        "Its identifiers change every 15 minutes; they were linked by the tag's rotation "
                        "counter, which is likely but not certain."
                    )
        else:
            dev = self._by_addr.get(addr)
        known = self.known.contains(addr, ident.identifier)
        if dev is None:
            if rec is None and not known:
                first.add(addr, t, ident)
                return None
            dev = self._new_device(ident, addr, t if rec is None else rec.first)
        else:
            dev.adopt(ident, addr, ident_hex)
            if note:
                dev.link_note = note
            dev.link_confidence = min(dev.link_confidence, conf)
        if ident.kind is _SMARTTAG:
            if ident_hex is not None:
                self._by_ident[ident_hex] = dev
            self._chains.note(dev, ident, t)
        elif ident.kind is _GOOGLE_FMDN and ident_hex is not None:
            self._by_eid[ident_hex] = dev
        self._by_addr[addr] = dev
        if rec is not None:
            first.promote(addr, rec)
            dev.n += rec.n
            if rec.last > dev.last_seen:
                dev.last_seen = rec.last
        if known:
            dev.known = True
        self._check_due(dev, t)  # new, or its class, identity or known may have changed
        key = (addr, adv)
        self._cache[key] = dev
        dev.keys.append(key)
        return dev

    def _new_device(self, ident: Identity, addr: str, t: float) -> Device:
        base = addr
        device_id = base
        n = 1
        while device_id in self._devices:
            n += 1
            device_id = f"{base}/{n}"
        dev = Device(device_id, ident, addr, t)
        self._devices[device_id] = dev
        self._stats.devices += 1
        if ident.tracker:
            self._stats.trackers += 1
        return dev

    # --- places, history, levels ------------------------------------------------------------------
    def _enter(self, dev: Device, place: Place | None) -> None:
        dev.last_place = place
        if place is None or place.id in dev.place_ids:
            return
        dev.place_ids.add(place.id)
        if dev.cls != NEVER:
            dev.next_eval = _EVALUATE_NOW
        if place.lat is None or place.lon is None:
            dev.offline_places += 1
            dev.offline_seen.append(place)
            return
        dev.gps_places += 1
        if dev.reach_m < _MIN_REACH_M:  # _reach's first test, inlined
            self._reach(dev, dev.last_seen)
        if place.home is not None:
            dev.home_places += 1
        kept = dev.kept_places
        if len(kept) < th.DEVICE_PLACES_KEPT:
            kept.append((place.lat, place.lon))  # the span is computed when needed (Device.span)

    def _reach(self, dev: Device, t: float) -> None:
        """Grow the distance between positions where the device was heard (good fixes only).

        Only whether it reaches MIN_REACH_M matters (levels.decide), so it stops growing there.
        """
        if dev.reach_m >= _MIN_REACH_M:
            return
        tr = self._track
        last = tr.last
        if last is None or t - last.time > th.MAX_FIX_AGE_S or tr.last_accuracy > th.REACH_FIX_ACCURACY_M:
            return
        o = dev.origin
        if o is None:
            dev.origin = (last.lat, last.lon)
            return
        d = distance_m(o[0], o[1], last.lat, last.lon)
        if d > dev.reach_m:
            dev.reach_m = d

    def _evaluate(self, dev: Device, t: float) -> list[LevelChange]:
        dev.next_eval = t + th.EVAL_STEP_S
        if dev.level is _ALERT or dev.cls == NEVER:
            dev.next_eval = math.inf
            return []
        level, conf, positioned = decide(dev, self._ctx, self.settings)
        if _RANK[level] <= _RANK[dev.level]:
            return []
        dev.level = level
        change = self._change(dev, t, level, conf, positioned)
        dev.last_change = change
        self._stats.level_changes += 1
        if level is _ALERT:
            self._stats.alert += 1
        else:
            self._stats.watch += 1
        return [change]

    def _situation(self, dev: Device, t: float) -> str:
        """The whole time the device was with the user, and what the last minute adds."""
        ctx = self._ctx
        trip = ctx.trip(dev.first_seen, t)
        if not trip:
            return ctx.situation
        if ctx.transport and not trip.startswith("mostly on public transport"):
            return f"{trip}, and just now {ctx.situation}"
        if ctx.crowd and not ctx.transport:
            return f"{trip}, and just now {ctx.situation}"
        return trip

    def _ride_note(self, dev: Device, level: Level) -> str:
        """What a public-transport ride shared with the device means for its level."""
        ctx = self._ctx
        if not dev.boarded:
            return ""
        if dev.rides >= 2:
            return f"It was with you on {dev.rides} separate public transport rides."
        end = ctx.got_off(dev)
        start = ctx.ride_starts[dev.boarded - 1]
        on_board = duration_text((end or dev.last_seen) - max(dev.pres_start, start))
        private = ctx.private_ride(dev)
        if private is not None and end is not None:
            rode = f"{private[0]} of the {private[1]} phones and other devices that rode with you"
            got_out = f"{rode} got out with you"
            if dev.last_seen < end + th.PRIVATE_CHECK_S - th.CONTEXT_WINDOW_S:
                return (
                    f"It travelled with you in a vehicle for {on_board} and was no longer heard soon after "
                    f"you got out, while {got_out} (so probably not public transport): it may have "
                    "stayed in the vehicle."
                )
            return (
                f"It travelled with you in a vehicle for {on_board} and was still with you "
                f"{duration_text(dev.last_seen - end)} after you got out; {got_out}."
            )
        if end is None or dev.last_seen < end:
            if level is Level.ALERT:  # released by the bounded wait (levels.on_board_only)
                return bounded_ride_note(ctx.rode_s(dev))
            if level is Level.WATCH:
                return (
                    f"It has been with you on public transport for {on_board}; fellow passengers do "
                    "that too, so a warning waits until it is still with you after you get off."
                )
            return ""
        after = duration_text(dev.last_seen - end)
        return (
            f"It was with you on public transport for {on_board}, got off when you did and was "
            f"still with you {after} later."
        )

    def _places_count(self, dev: Device, positioned: bool) -> int:
        if positioned:
            return dev.gps_places
        return dev.offline_places

    def _change(self, dev: Device, t: float, level: Level, conf: float, positioned: bool) -> LevelChange:
        ident = dev.identity
        places = self._places_count(dev, positioned)
        text = explain(
            level,
            ident.kind,
            ident.tracker,
            ident.separated,
            places,
            dev.span(),
            dev.together(),
            positioned,
            self._situation(dev, t),
            conf,
            dev.link_note,
            marked=dev.marked_places(),
            elapsed_s=dev.last_seen - dev.first_seen,
            ride_note=self._ride_note(dev, level),
            ask_mine=level is Level.WATCH and asks_mine(dev),
        )
        return LevelChange(
            time=t,
            device_id=dev.id,
            level=level,
            kind=ident.kind,
            addresses=tuple(dev.addresses),
            identifiers=tuple(dev.identifiers),
            first_seen=dev.first_seen,
            last_seen=dev.last_seen,
            places=places,
            span_m=dev.span() if positioned else 0.0,
            duration_s=dev.together(),
            explanation=text,
            confidence=round(conf, 3),
        )

    # --- views ------------------------------------------------------------------------------------
    @property
    def stats(self) -> EngineStats:
        first = self._first
        self._stats.adverts = self._forgotten_n + first.sightings + sum(d.n for d in self._devices.values())
        self._stats.brief = first.brief
        self._stats.brief_trackers = first.brief_trackers
        self._stats.floods = len(first.all_floods())
        self._stats.places = sum(1 for p in self._places.all if p.lat is not None)
        self._stats.offline_places = len(self._places.all) - self._stats.places
        return self._stats

    def _state(self, dev: Device) -> DeviceState:
        ident = dev.identity
        positioned = dev.gps_places >= dev.offline_places
        known = dev.known or dev.mine
        level = Level.NONE if known else dev.level
        ask = level is Level.WATCH and asks_mine(dev)
        change = dev.last_change
        if change is not None and change.places == dev.offline_places and dev.offline_places > dev.gps_places:
            positioned = False
        text = explain(
            level,
            ident.kind,
            ident.tracker,
            ident.separated,
            self._places_count(dev, positioned),
            dev.span(),
            dev.together(),
            positioned,
            "",
            change.confidence if change is not None else dev.link_confidence,
            dev.link_note,
            known=known,
            home_only=dev.gps_places > 0 and dev.gps_places == dev.home_places,
            marked=dev.marked_places(),
            elapsed_s=dev.last_seen - dev.first_seen,
            ask_mine=ask,
        )
        return DeviceState(
            device_id=dev.id,
            kind=ident.kind,
            tracker=ident.tracker,
            separated=ident.separated,
            addresses=tuple(dev.addresses),
            identifiers=tuple(dev.identifiers),
            first_seen=dev.first_seen,
            last_seen=dev.last_seen,
            sightings=dev.n,
            rssi=dev.rssi,
            rssi_smoothed=dev.rssi_s,
            places=self._places_count(dev, positioned),
            span_m=dev.span(),
            duration_s=dev.together(),
            level=dev.level,
            known=dev.known or dev.mine,
            can_ring=ident.can_ring,
            explanation=text,
            link_confidence=dev.link_confidence,
            ask_mine=ask,
        )

    def devices(self) -> list[DeviceState]:
        """Every device in memory, highest level first, then trackers, then the most recently heard.

        Bystanders unheard for Settings.forget_after_s are no longer listed (stats.forgotten).
        """
        devs = sorted(
            self._devices.values(),
            key=lambda d: (-_RANK[d.level], not d.identity.tracker, -d.last_seen),
        )
        return [self._state(d) for d in devs]

    def device(self, device_id: str) -> DeviceState | None:
        dev = self._devices.get(device_id)
        return self._state(dev) if dev is not None else None

    def history(self, device_id: str) -> list[HeardPoint]:
        """The device's stored sightings (one per HISTORY_STEP_S), positioned where a fix allowed.

        Empty for an unknown or forgotten id, and for a silent tracker kept only for linking; the
        first point alone when `Settings.keep_history` is False.
        """
        dev = self._devices.get(device_id)
        if dev is None:
            return []
        p = dev.points
        out: list[HeardPoint] = []
        for i in range(0, len(p), 5):
            t, rssi, lat, lon, unc = p[i : i + 5]
            out.append(
                HeardPoint(
                    time=t,
                    rssi=None if math.isnan(rssi) else int(rssi),
                    lat=None if math.isnan(lat) else lat,
                    lon=None if math.isnan(lon) else lon,
                    uncertainty_m=None if math.isnan(unc) else unc,
                )
            )
        return out

    def first_seen(self, address: str) -> FirstSeen | None:
        """The first-sighting record of ``address`` while it is one (heard, not a device yet), else None.

        The session writer holds such an address's sightings back until it becomes a device.
        """
        return self._first.records.get(address)

    def floods(self) -> list[Flood]:
        """The BLE spam floods recognised so far (the last one may still be on: end None)."""
        return self._first.all_floods()

    def take_events(self) -> list[SourceEvent]:
        """SourceEvents the engine raised itself (a flood started or ended) since the last call,
        for the session store."""
        events = self._first.events
        if not events:
            return []
        self._first.events = []
        return events

    def track(self) -> list[Fix]:
        """The user's own trusted fixes."""
        return self._track.fixes.list()

    def mark_mine(self, device_id: str) -> None:
        """ "It's mine": the device never raises a level again but stays in the log."""
        self._device_or_error(device_id).mine = True

    def _device_or_error(self, device_id: str) -> Device:
        dev = self._devices.get(device_id)
        if dev is None:
            from trackerscan.errors import InputError

            raise InputError(
                f"No device {device_id!r} is in memory (devices not heard for a while are dropped; "
                "their sightings stay in the session)."
            )
        return dev

    def mark_not_mine(self, device_id: str) -> None:
        """ "Not mine" or "I don't know" to "Is this yours?": its level may now rise to alert."""
        dev = self._device_or_error(device_id)
        dev.not_mine = True
        if dev.mine:
            dev.mine = False
            self._check_due(dev, dev.last_seen)  # the forget sweep left it alone while it was hers
        if dev.cls != NEVER:
            dev.next_eval = -math.inf

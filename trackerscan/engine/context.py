"""The user's situation: standing still, walking, in a vehicle, in a crowd, on public transport.

Busy situations ask for more evidence before a level is raised.  Rides on public transport are
remembered (when they started and ended) so that devices that boarded with the user cannot
raise an alert from time spent on board alone (levels.decide), unless the people who rode along
got out with the user (a private vehicle: thresholds PRIVATE_*), and the minutes of each mode are
logged so that an explanation can describe the whole time a device was with the user.
"""

from __future__ import annotations

import bisect
import math
from itertools import chain
from operator import attrgetter

from trackerscan.engine import thresholds as th
from trackerscan.engine.device import NEVER, Device
from trackerscan.geo import distance_m

_QUIET_ORDER = attrgetter("last_seen", "id")  # devices by when they went quiet, then by id

# Modes logged per context window.
UNKNOWN, STILL, WALK, VEHICLE, TRANSPORT = range(5)
_LOG_KEEP = int(th.CONTEXT_LOG_S / th.CONTEXT_WINDOW_S)  # windows kept in the mode log


class Context:
    """Rolls once per CONTEXT_WINDOW_S over the devices heard in that window."""

    __slots__ = (
        "boarders",
        "busy",
        "check_ride",
        "cotravellers",
        "crowd",
        "heard",
        "last_roll",
        "last_vehicle",
        "log",
        "off_pos",
        "pos",
        "prev",
        "private",
        "recent",
        "ref",
        "released",
        "ride",
        "ride_end",
        "ride_ends",
        "ride_group",
        "ride_start",
        "ride_starts",
        "riding",
        "session",
        "situation",
        "slow_since",
        "speed_mps",
        "starts",
        "transport",
        "vehicle_since",
        "win_session",
        "window_end",
    )

    def __init__(self) -> None:
        self.heard: set[Device] = set()
        self.window_end = -1.0
        self.busy = False
        self.crowd = False
        self.transport = False
        self.cotravellers = 0
        self.speed_mps: float | None = None
        self.situation = ""
        # Public transport rides: number of the current or last ride, its start and end (end None
        # while riding).  Times are event times.
        self.ride = 0
        self.riding = False
        self.ride_start = -math.inf
        self.ride_end: float | None = None
        self.ride_ends: list[float | None] = []  # end of each ride, by ride number - 1
        self.ride_starts: list[float] = []
        # Private vehicles: co-travellers of the current ride's last minute at vehicle speed, the ride
        # to check (0: none), and (companions, co-travellers) of each ride found private, by number.
        self.ride_group: list[Device] = []
        self.check_ride = 0
        self.private: dict[int, tuple[int, int]] = {}
        self.released = 0  # a ride found private in the last roll (the engine re-evaluates its devices)
        self.vehicle_since = math.inf  # start of the current stretch at vehicle speed
        # Devices that could make the current stretch public transport (see undecided), last counted.
        self.boarders = 0
        self.last_vehicle = -math.inf  # last window end at vehicle speed
        self.slow_since = math.inf  # first window below vehicle speed while riding
        self.off_pos: tuple[float, float] | None = None  # the user's position then: where she got off
        self.pos: tuple[float, float] | None = None  # the user's position at the last roll (GPS only)
        self.last_roll = -math.inf
        # People's rotating addresses heard in the last window, and those linked to an earlier address:
        # the time the first address of the chain came to be with her (_link_rotations).
        self.recent: set[Device] = set()
        self.starts: dict[Device, float] = {}
        self.prev: dict[Device, Device] = {}  # a linked address -> the one it replaced
        self.ref = -math.inf  # the strongest smoothed RSSI heard in the last window closed
        self.log: list[tuple[float, float, int]] = []  # (window end, seconds, mode), oldest first
        self.session = 0  # the engine's session count (Engine._new_session)
        self.win_session = 0  # the session the current window was opened in

    def roll(
        self, t: float, speed_mps: float | None, gps: bool, pos: tuple[float, float] | None = None
    ) -> None:
        """Close the window that ended before ``t`` and describe the situation (``pos``: the user's
        last trusted position, if any)."""
        heard = self.heard
        self.ref = _closeness(heard, self.win_session)
        self.win_session = self.session
        # People's devices moving with her (phones, watches: not trackers, not her known devices).
        people = [
            d
            for d in heard
            if d.cls == "other" or (d.cls == "never" and not d.identity.tracker)
            if d.gps_places >= 2 and not d.known
        ]
        starts = self._link_rotations(t, heard)
        limit = t - th.COTRAVEL_MIN_S
        group = [d for d in people if starts.get(d, d.pres_start) <= limit]
        if self.prev:
            # A phone heard under its old and its new address in one window is one co-traveller.
            replaced = {self.prev.get(d) for d in group}
            group = [d for d in group if d not in replaced]
        self.cotravellers = len(group)
        self.crowd = len(heard) >= th.CROWD_MIN_DEVICES
        if not gps:
            speed_mps = pos = None
        vehicle = speed_mps is not None and speed_mps > th.WALK_MAX_MPS
        self.transport = vehicle and self.cotravellers >= th.TRANSPORT_MIN_COTRAVELLERS
        self.pos = pos
        self._rides(t, speed_mps, vehicle)
        if vehicle and not self.riding:
            # Co-travellers to be: with her since the stretch began, not yet for COTRAVEL_MIN_S.
            since = self.vehicle_since + th.CONTEXT_WINDOW_S
            self.boarders = sum(1 for d in people if starts.get(d, d.pres_start) <= since)
        self.released = 0
        if self.riding and vehicle:
            self.ride_group = group
        elif self.check_ride and t >= self.ride_ends[self.check_ride - 1] + th.PRIVATE_CHECK_S:  # type: ignore[operator]
            self._check_private(t)
        if self.riding:
            ride = self.ride
            boarding = self.ride_start - th.BOARDING_SLACK_S
            for d in heard:
                if d.ride != ride:
                    d.ride = ride
                    d.rides += 1
                    if d.pres_start >= boarding:
                        d.boarded = ride
        self.busy = self.crowd or self.transport
        self.speed_mps = speed_mps
        if self.transport:
            self.situation = "probably on public transport, with other people's devices travelling alongside"
        elif self.crowd:
            self.situation = f"among many people ({len(heard)} devices heard within a minute)"
        elif speed_mps is None:
            self.situation = ""
        elif speed_mps < th.STILL_MAX_MPS:
            self.situation = "standing still"
        elif speed_mps <= th.WALK_MAX_MPS:
            self.situation = "walking"
        else:
            self.situation = "in a vehicle"
        self._log(t, speed_mps, vehicle)
        heard.clear()
        self.window_end = t + th.CONTEXT_WINDOW_S

    def _link_rotations(self, t: float, heard: set[Device]) -> dict[Device, float]:
        """People's rotating addresses (phones) linked to the address they replaced, with the time
        the first of them came to be with her (thresholds ROTATION_LINK_*): a phone that changes its
        address mid-ride is still a co-traveller since it boarded.  Kept while the address is heard."""
        rotating = {d for d in heard if d.cls == NEVER and not d.identity.tracker and not d.known}
        starts, recent = self.starts, self.recent
        earliest = t - 2 * th.CONTEXT_WINDOW_S
        fresh = [d for d in rotating if d.first_seen > earliest and d not in starts and d not in recent]
        if fresh:
            # Addresses that went quiet, by when: a new address looks only at those just before it.
            pool = sorted(recent | rotating, key=_QUIET_ORDER)  # sets: order by id too
            quiet = [g.last_seen for g in pool]
            stars: list[tuple[Device, list[Device]]] = []  # each new address with its candidates
            for d in fresh:
                lo = bisect.bisect_left(quiet, d.first_seen - th.ROTATION_LINK_S)
                hi = bisect.bisect_right(quiet, d.first_seen)
                gs = _candidates(d, pool[lo:hi], self.ref)
                if gs:
                    stars.append((d, gs))
            for g, d in _unambiguous_stars(stars):
                starts[d] = starts.get(g, g.pres_start)
                self.prev[d] = g
        self.recent = rotating
        if starts:
            gone = t - th.PRESENCE_GAP_S
            self.starts = starts = {d: s for d, s in starts.items() if d.last_seen >= gone}
            self.prev = {d: g for d, g in self.prev.items() if d in starts}
        return starts

    def _rides(self, t: float, speed_mps: float | None, vehicle: bool) -> None:
        """Start a ride when public transport is recognised, end it when the user walks away."""
        if vehicle:
            if t - self.last_vehicle > th.RIDE_BREAK_S:
                self.vehicle_since = t - th.SPEED_WINDOW_S  # the speed covers the last minute
            self.last_vehicle = t
            self.slow_since = math.inf
            if self.transport and not self.riding:
                self.riding = True
                self.check_ride = 0  # a new ride before the last one was checked: not a car left behind
                self.ride += 1
                self.ride_start = self.vehicle_since
                self.ride_end = None
                self.ride_ends.append(None)
                self.ride_starts.append(self.ride_start)
            return
        if not self.riding:
            return
        if self.slow_since == math.inf:
            self.slow_since = t
            self.off_pos = self.pos  # the vehicle stopped (or slowed) within the last minute
        walking = speed_mps is not None and speed_mps >= th.STILL_MAX_MPS
        if (walking and t - self.slow_since >= th.RIDE_END_WALK_S) or t - self.last_vehicle > th.RIDE_BREAK_S:
            self.riding = False
            self.ride_end = self.last_vehicle  # the last minute at vehicle speed: getting off
            self.ride_ends[-1] = self.ride_end
            if walking:  # she walked away from the vehicle: who got out with her tells what it was
                self.check_ride = self.ride
            else:
                self.ride_group = []

    def _check_private(self, t: float) -> None:
        """Most co-travellers still heard after getting off: the ride was a private vehicle."""
        off, pos = self.off_pos, self.pos
        if pos is None or off is None or distance_m(off[0], off[1], pos[0], pos[1]) < th.PRIVATE_AWAY_M:
            # Still (or again) near where she got off, or no position: what is heard tells nothing yet.
            if t - self.ride_ends[self.check_ride - 1] < th.PRIVATE_CHECK_MAX_S:  # type: ignore[operator]
                return
            self.check_ride = 0
            self.ride_group = []
            return
        ride, group = self.check_ride, self.ride_group
        self.check_ride = 0
        self.ride_group = []
        companions = _still_with_her(group, self.heard, t - th.CONTEXT_WINDOW_S, self.ref)
        if companions < th.PRIVATE_MIN_COMPANIONS or companions <= th.PRIVATE_RIDE_SHARE * len(group):
            return
        self.private[ride] = (companions, len(group))
        self.released = ride
        # Its minutes were a drive, not public transport (explanations describe the whole time).
        start, end = self.ride_starts[ride - 1], self.ride_ends[ride - 1] or t
        log = self.log
        for i in range(len(log) - 1, -1, -1):
            w_end, seconds, mode = log[i]
            if w_end <= start:
                break
            if mode == TRANSPORT and w_end - seconds < end:
                log[i] = (w_end, seconds, VEHICLE)

    def rode_s(self, dev: Device) -> float:
        """Seconds the device has been on board with her on the ride it boarded (0: none)."""
        if not dev.boarded:
            return 0.0
        start = max(dev.pres_start, self.ride_starts[dev.boarded - 1])
        return (self.ride_ends[dev.boarded - 1] or dev.last_seen) - start

    def undecided(self, dev: Device) -> bool:
        """She is in a vehicle not yet told to be public transport or not, and the device got in with her.

        Co-travellers need COTRAVEL_MIN_S with the user before they are counted, so a ride is recognised
        minutes after it began (thresholds.VEHICLE_UNDECIDED_S); a device that would have boarded it
        waits until then, if enough devices got in with her to make it public transport.  Event time:
        the last context window's end.
        """
        t = self.last_roll
        return (
            not self.riding
            and self.boarders >= th.TRANSPORT_MIN_COTRAVELLERS
            and t - self.last_vehicle <= th.RIDE_BREAK_S
            and t - self.vehicle_since < th.VEHICLE_UNDECIDED_S
            and dev.pres_start >= self.vehicle_since - th.BOARDING_SLACK_S
        )

    def private_ride(self, dev: Device) -> tuple[int, int] | None:
        """(companions, co-travellers) if the ride the device boarded was a private vehicle."""
        return self.private.get(dev.boarded) if dev.boarded else None

    def got_off(self, dev: Device) -> float | None:
        """When the ride the device boarded with the user ended (None: not ended, or no such ride)."""
        return self.ride_ends[dev.boarded - 1] if dev.boarded else None

    def _log(self, t: float, speed_mps: float | None, vehicle: bool) -> None:
        if self.transport or (self.riding and vehicle):
            mode = TRANSPORT
        elif speed_mps is None:
            mode = UNKNOWN
        elif vehicle:
            mode = VEHICLE
        elif speed_mps < th.STILL_MAX_MPS:
            mode = STILL
        else:
            mode = WALK
        seconds = min(t - self.last_roll, th.CONTEXT_WINDOW_S * 2)
        self.last_roll = t
        log = self.log
        log.append((t, seconds, mode))
        if len(log) > 2 * _LOG_KEEP:
            del log[:_LOG_KEEP]

    def minutes(self, t0: float, t1: float) -> list[float]:
        """Seconds spent in each mode (UNKNOWN..TRANSPORT) between t0 and t1, from the mode log."""
        out = [0.0] * 5
        for end, seconds, mode in reversed(self.log):
            if end <= t0:
                break
            start = end - seconds
            if start >= t1:
                continue
            out[mode] += min(end, t1) - max(start, t0)
        return out

    def trip(self, t0: float, t1: float) -> str:
        """The whole time from t0 to t1 in a few words, with minutes: "mostly walking (5 of the 6 ...)"."""
        s = self.minutes(t0, t1)
        known = sum(s[1:])
        if known < th.CONTEXT_WINDOW_S:
            return ""
        def share(x: float) -> str:
            return f"{max(1, round(x / 60))} of the {max(1, round(known / 60))} minutes with a position"

        if s[TRANSPORT] > th.TRIP_MODE_SHARE * known:
            return f"mostly on public transport ({share(s[TRANSPORT])})"
        moving = s[VEHICLE] + s[TRANSPORT]
        if moving >= th.TRIP_VEHICLE_SHARE * known:
            # Slow minutes between minutes at vehicle speed are traffic and stops, not a walk.
            return f"travelling in a vehicle ({share(moving)} at vehicle speed, stopped or slow the rest)"
        if s[WALK] > th.TRIP_MODE_SHARE * known:
            return f"mostly walking ({share(s[WALK])})"
        if s[STILL] > th.TRIP_MODE_SHARE * known:
            return f"mostly staying in one place ({share(s[STILL])})"
        return f"partly walking, partly standing still ({share(s[WALK])} walking)"


def _still_with_her(group: list[Device], heard: set[Device], since: float, ref: float) -> int:
    """How many of ``group`` are heard since ``since``, under the same or a new address.

    A phone's address rotates every ~15 min: a member last heard before ``since`` is still with her
    when a device that may be it under its next address (`_candidates`) is heard since (each new
    address stands for one member).
    """
    members = set(group)
    fresh = [d for d in heard if d not in members and d.last_seen >= since]
    gone = [g for g in group if g.last_seen < since]
    stars = [(d, gs) for d in fresh if (gs := _candidates(d, gone, ref))]
    return len(group) - len(gone) + len(_unambiguous_stars(stars))


def _candidates(new: Device, olds: list[Device], ref: float) -> list[Device]:
    """Those of ``olds`` that ``new`` may be under its next address: ``new`` first heard just after the
    old one went quiet, the same kind and class, about as strong, and near her (thresholds
    ROTATION_LINK_*; ``ref``: the strongest smoothed RSSI heard in the window).  What depends on ``new``
    alone is tested once, not per candidate (a busy street brings thousands of candidates a minute)."""
    b = new.rssi_s
    if b is None or not b >= ref - th.ROTATION_NEAR_DB:
        return []
    fs, cls, kind = new.first_seen, new.cls, new.identity.kind
    link_s, link_db = th.ROTATION_LINK_S, th.ROTATION_LINK_DB
    return [
        g
        for g in olds
        if (q := g.last_seen) <= fs <= q + link_s
        and g.cls == cls
        and g.identity.kind is kind  # an enum member (or None): `is` is `==`, at a fraction of the cost
        and (a := g.rssi_s) is not None
        and abs(a - b) <= link_db
        and g is not new
    ]


def _unambiguous_stars(stars: list[tuple[Device, list[Device]]]) -> list[tuple[Device, Device]]:
    """The (old, new) address pairs that every largest one-to-one assignment of new addresses to old
    ones makes (thresholds ROTATION_LINK_*), from each new address with its candidates (``stars``:
    (new, its non-empty candidates), the pairs returned in that order).  Each address is one phone: when
    each of a pair is the other's only candidate that is the pair; two family phones rotating within
    seconds of each other (old A, B; new a may be A or B, new b only A) can only be (A, b) and (B, a).
    On a busy street new addresses appear every second, and a phone that walks off would otherwise be
    "linked" to whichever stranger's appears next: with two or more strangers it could be, no assignment
    is forced and nothing is linked.  A star's pairs are connected through its new address, so it joins
    its group once; pairs are made only for the groups decided."""
    # A star with more candidates than ROTATION_LINK_MAX_PAIRS puts its group over that limit, and so
    # does an address it shares: only the other stars are grouped below, and a group holding one of its
    # addresses is left out.  On the busy-city capture 3,750 of 12,300 stars have few candidates, with
    # 35,000 of the 219,000 pairs: the union-find walks those, the rest is set work in C.
    most = th.ROTATION_LINK_MAX_PAIRS
    large = [star for star in stars if len(star[1]) > most]
    crowded = set(chain.from_iterable(gs for _, gs in large))
    crowded.update(d for d, _ in large)
    if large:
        stars = [star for star in stars if len(star[1]) <= most]
    # Connected groups of candidates, each decided on its own: union-find with path halving (a busy
    # street's candidates form long chains, walked once each), inlined: a busy street gives ~2,000
    # pairs a minute.
    parent: dict[Device, Device] = {d: d for d, _ in stars}
    for _, gs in stars:
        for g in gs:
            parent[g] = g
    for d, gs in stars:
        rd = d
        while (p := parent[rd]) is not rd:
            parent[rd] = rd = parent[p]
        for g in gs:
            rg = g
            while (p := parent[rg]) is not rg:
                parent[rg] = rg = parent[p]
            if rg is not rd:
                parent[rg] = rd
    groups: dict[Device, list[tuple[Device, list[Device]]]] = {}
    for star in stars:
        x = star[0]
        while (p := parent[x]) is not x:
            parent[x] = x = parent[p]
        members = groups.get(x)
        if members is None:
            groups[x] = [star]
        else:
            members.append(star)
    out: list[tuple[Device, Device]] = []
    for members in groups.values():
        if crowded and any(d in crowded or not crowded.isdisjoint(gs) for d, gs in members):
            continue  # joined to a large star
        if len(members) == 1 and len(members[0][1]) == 1:
            d, (g,) = members[0]
            out.append((g, d))
            continue
        if sum(len(gs) for _, gs in members) > most:
            continue
        edges = [(g, d) for d, gs in members for g in gs]
        full = _matching(edges)
        out += [e for i, e in enumerate(edges) if _matching(edges[:i] + edges[i + 1 :]) < full]
    return out


def _matching(edges: list[tuple[Device, Device]]) -> int:
    """Size of a largest one-to-one assignment over ``edges`` (augmenting paths; a handful of edges)."""
    adj: dict[Device, list[Device]] = {}
    for g, d in edges:
        adj.setdefault(d, []).append(g)
    owner: dict[Device, Device] = {}  # old address -> the new one it is assigned to

    def augment(d: Device, seen: set[Device]) -> bool:
        for g in adj[d]:
            if g in seen:
                continue
            seen.add(g)
            if g not in owner or augment(owner[g], seen):
                owner[g] = d
                return True
        return False

    return sum(1 for d in adj if augment(d, set()))


def _closeness(heard: set[Device], session: int) -> float:
    """Count, per device that may raise a level, the window and whether it was close to her in it
    (thresholds CLOSE_*: the gap to the strongest device heard in the same window), and the
    sessions it was heard in.  Returns the strongest smoothed RSSI heard in the window."""
    ref = -math.inf
    for d in heard:
        r = d.rssi_s
        if r is not None and r > ref:
            ref = r
    limit = ref - th.CLOSE_GAP_DB
    for d in heard:
        if d.cls == NEVER:
            continue
        s = d.sess
        if s == 0:
            d.sess = session
        elif s > 0 and s != session:
            d.sess = -1
        r = d.rssi_s
        if r is not None:
            d.win_n += 1
            if r >= limit:
                d.near_n += 1
    return ref

"""The engine's per-device state: small, with slots, cheap to update by the million."""

from __future__ import annotations

import math
from array import array

from trackerscan.engine.places import Place
from trackerscan.geo import Prepared, farthest_m, prepared
from trackerscan.model import Identity, Kind, Level, LevelChange

# Evaluation classes: which rule can raise a level for a device.
SEPARATED = "separated"  # tracker away from its owner
UNKNOWN_STATE = "unknown_state"  # tracker whose owner state is not in its signal
OTHER = "other"  # any other device with a fixed address
NEVER = "never"  # near-owner trackers and devices with rotating addresses

_NON_TRACKER_KINDS = (Kind.APPLE_DEVICE, Kind.AIRPODS, Kind.SAMSUNG_DEVICE)

NAN = math.nan


def evaluation_class(ident: Identity) -> str:
    """Which rule applies to a device from what its advertisement says."""
    if ident.tracker and ident.kind not in _NON_TRACKER_KINDS:
        if ident.separated is True:
            return SEPARATED
        if ident.separated is None:
            return UNKNOWN_STATE
        return NEVER  # near its owner: the user's own, or a fellow passenger's
    if ident.separated is True:
        return UNKNOWN_STATE  # an Apple or Samsung phone in lost mode: AirGuard is slower for these
    if ident.address_rotates:
        return NEVER
    if ident.address_kind.value in ("public", "static"):
        return OTHER
    return NEVER


class Device:
    """One device, possibly seen under several addresses and identifiers."""

    __slots__ = (
        "addresses",
        "boarded",
        "cls",
        "first_seen",
        "gps_places",
        "home_places",
        "id",
        "identifiers",
        "identity",
        "kept_places",
        "keys",
        "known",
        "last_change",
        "last_place",
        "last_seen",
        "level",
        "link_confidence",
        "link_note",
        "mine",
        "n",
        "near_n",
        "next_eval",
        "next_hist",
        "not_mine",
        "offline_places",
        "offline_seen",
        "origin",
        "place_ids",
        "points",
        "pres_start",
        "reach_m",
        "ride",
        "rides",
        "rssi",
        "rssi_s",
        "seen_in",
        "sess",
        "span_m",
        "span_n",
        "span_trig",
        "st_aging",
        "together_closed",
        "win_n",
    )

    def __init__(self, device_id: str, ident: Identity, address: str, t: float) -> None:
        self.id = device_id
        self.identity = ident
        self.cls = evaluation_class(ident)
        self.addresses: list[str] = [address]
        self.identifiers: list[str] = [ident.identifier.hex()] if ident.identifier else []
        self.first_seen = t
        self.last_seen = t
        self.pres_start = t
        self.together_closed = 0.0
        self.n = 0
        self.rssi: int | None = None
        self.rssi_s: float | None = None
        self.known = False
        self.mine = False
        self.not_mine = False  # she answered "Not mine" or "I don't know" to "Is this yours?"
        self.level = Level.NONE
        self.last_change: LevelChange | None = None
        self.link_confidence = 1.0
        self.link_note = ""
        self.last_place: object = None
        self.place_ids: set[int] = set()
        self.kept_places: list[tuple[float, float]] = []
        self.span_trig: list[Prepared] | None = None  # span()'s kept places, made ready (geo.prepared)
        self.keys: list[tuple[str, bytes]] = []  # its entries in the engine's classify cache
        self.gps_places = 0
        self.home_places = 0
        self.offline_places = 0
        self.offline_seen: list[Place] = []  # places without position where it was heard, in order
        self.span_m = 0.0
        self.span_n = 0
        # Next evaluation time: -inf when something changed (evaluate at the next sighting), inf never.
        self.next_eval = t if self.cls != NEVER else math.inf
        self.next_hist = t
        self.points = array("d")
        self.st_aging = -1
        self.reach_m = 0.0
        self.ride = 0  # the last public-transport ride (Context.ride) it was heard on
        self.rides = 0  # how many rides it was heard on
        self.boarded = 0  # the ride it boarded with the user (0: none)
        self.origin: tuple[float, float] | None = None
        # Closeness (Context.roll): context windows with an RSSI reading, and those close to her.
        self.win_n = 0
        self.seen_in: object = None  # the engine's stamp of the (context window, place) it was last heard in
        self.near_n = 0
        self.sess = 0  # the session (Context.session) it was first heard in; -1: heard in two or more

    def span(self) -> float:
        """Largest distance (m) between the kept places, folding in places added since the last call
        (`geo.farthest_m`; the places made ready on the first call: most devices never need their span)."""
        kept = self.kept_places
        n = len(kept)
        if self.span_n < n:
            trig = self.span_trig
            if trig is None:
                trig = self.span_trig = []
            trig += [prepared(lat, lon) for lat, lon in kept[len(trig) :]]
            d = farthest_m(trig, self.span_n)
            if d > self.span_m:
                self.span_m = d
            self.span_n = n
        return self.span_m

    def marked_places(self) -> int:
        """Places without position where it was heard that the user's marks tell apart."""
        return sum(1 for p in self.offline_seen if p.told_apart)

    def together(self) -> float:
        """Seconds heard with the user, counting gaps shorter than PRESENCE_GAP_S as together."""
        return self.together_closed + (self.last_seen - self.pres_start)

    def adopt(self, ident: Identity, address: str, identifier: str | None) -> None:
        """A new address or identifier of this device; a more specific identity wins."""
        if address not in self.addresses:
            self.addresses.append(address)
        if identifier is not None and identifier not in self.identifiers:
            self.identifiers.append(identifier)
        old = self.identity
        if (
            (ident.tracker and not old.tracker)
            or (old.kind is None and ident.kind is not None)
            or (ident.kind == old.kind and ident.separated != old.separated)
        ):
            self.identity = ident
            cls = evaluation_class(ident)
            if cls != self.cls:
                self.cls = cls
                if cls != NEVER and self.next_eval == math.inf:
                    self.next_eval = self.last_seen

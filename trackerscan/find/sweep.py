"""The state of a manual sweep: which trackers are heard now, how strongly, and getting closer or not.

Pure: fed Sightings (``add``), asked for rows at a given time (``rows(now)``).  The command line and
the GUI both draw these rows; neither repeats the logic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from trackerscan.model import AddressType, Identity, Kind, RingProcedure, Sighting
from trackerscan.smoothing import Heat, RssiSmoother, Trend, gauge, heat

# A device is listed while heard within this many seconds.  Trackers advertise at least every 4 s
# (DULT, trackers.md 2.2); 15 s tolerates a few missed adverts while walking around a car.
LISTED_FOR_S = 15.0
# State for a device is forgotten after this many seconds unheard (bounds memory on a busy street).
FORGET_AFTER_S = 300.0

Classifier = Callable[[bytes, str, AddressType], Identity]


def _default_classify(adv: bytes, address: str, address_type: AddressType) -> Identity:
    from trackerscan.adv import classify

    return classify(adv, address, address_type)


@dataclass(frozen=True, slots=True)
class SweepRow:
    """One device as the sweep shows it."""

    address: str
    kind: Kind | None
    tracker: bool
    separated: bool | None
    ring: RingProcedure | None  # how it can be rung, None: a non-owner cannot
    rssi: int | None  # the last reading, dBm
    rssi_smoothed: float | None  # dBm
    trend: Trend
    heat: Heat | None
    gauge: int | None  # 0-100
    seconds_ago: float  # since last heard
    sightings: int

    @property
    def can_ring(self) -> bool:
        return self.ring is not None

    def to_json(self) -> dict[str, object]:
        return {
            "address": self.address,
            "kind": self.kind.value if self.kind else None,
            "tracker": self.tracker,
            "separated": self.separated,
            "can_ring": self.can_ring,
            "ring_procedure": self.ring.value if self.ring else None,
            "rssi": self.rssi,
            "rssi_smoothed": round(self.rssi_smoothed, 1) if self.rssi_smoothed is not None else None,
            "trend": self.trend.value,
            "heat": self.heat.value if self.heat else None,
            "seconds_ago": round(self.seconds_ago, 1),
            "sightings": self.sightings,
        }


@dataclass(slots=True)
class _Device:
    address: str
    identity: Identity
    adv: bytes
    last_time: float
    last_rssi: int | None
    smoother: RssiSmoother
    sightings: int = 0


class SweepState:
    """Everything heard during a sweep, keyed by address.

    ``trackers_only`` (default) lists only what the classifier calls a tracker; ``follow`` narrows the
    rows to one address.
    """

    def __init__(
        self,
        *,
        trackers_only: bool = True,
        follow: str | None = None,
        classify: Classifier | None = None,
        listed_for_s: float = LISTED_FOR_S,
    ) -> None:
        self.trackers_only = trackers_only
        self.follow = follow.upper() if follow else None
        self._classify = classify or _default_classify
        self.listed_for_s = listed_for_s
        self._devices: dict[str, _Device] = {}
        self.latest = 0.0  # time of the newest sighting seen (a replay's "now")

    def add(self, s: Sighting) -> None:
        address = s.address.upper()
        if self.follow is not None and address != self.follow:
            self.latest = max(self.latest, s.time)
            return
        dev = self._devices.get(address)
        if dev is None:
            identity = self._classify(s.adv, address, s.address_type)
            dev = _Device(address, identity, s.adv, s.time, s.rssi, RssiSmoother())
            self._devices[address] = dev
        elif s.adv != dev.adv:  # the payload changed (state, battery): classify again
            dev.identity = self._classify(s.adv, address, s.address_type)
            dev.adv = s.adv
        if s.time >= dev.last_time:
            dev.last_time = s.time
            dev.last_rssi = s.rssi if s.rssi is not None else dev.last_rssi
        if s.rssi is not None:
            dev.smoother.add(s.time, s.rssi)
        dev.sightings += 1
        self.latest = max(self.latest, s.time)

    def extend(self, sightings: Iterable[Sighting]) -> None:
        for s in sightings:
            self.add(s)

    def forget_old(self, now: float) -> None:
        """Drop devices unheard for FORGET_AFTER_S (call now and then on a long sweep)."""
        for address in [a for a, d in self._devices.items() if now - d.last_time > FORGET_AFTER_S]:
            del self._devices[address]

    def _row(self, dev: _Device, now: float) -> SweepRow:
        ident = dev.identity
        smoothed = dev.smoother.smoothed
        return SweepRow(
            address=dev.address,
            kind=ident.kind,
            tracker=ident.tracker,
            separated=ident.separated,
            ring=ident.ring,
            rssi=dev.last_rssi,
            rssi_smoothed=smoothed,
            trend=dev.smoother.trend,
            heat=heat(smoothed) if smoothed is not None else None,
            gauge=gauge(smoothed) if smoothed is not None else None,
            seconds_ago=max(0.0, now - dev.last_time),
            sightings=dev.sightings,
        )

    def rows(self, now: float) -> list[SweepRow]:
        """Devices heard in the last ``listed_for_s`` seconds: separated first, then strongest first."""
        rows = [
            self._row(d, now)
            for d in self._devices.values()
            if now - d.last_time <= self.listed_for_s and (d.identity.tracker or not self.trackers_only)
        ]
        rows.sort(
            key=lambda r: (
                r.separated is not True,
                not r.tracker,
                -(r.rssi_smoothed if r.rssi_smoothed is not None else -999.0),
                r.address,
            )
        )
        return rows

    def row(self, address: str, now: float) -> SweepRow | None:
        """One device, however long ago it was heard (None: never heard)."""
        dev = self._devices.get(address.upper())
        return self._row(dev, now) if dev is not None else None

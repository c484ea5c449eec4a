"""The records that flow through trackerscan.

Every record is frozen and created in one place (its source, parser or the
engine).  Time always travels inside the record as UTC seconds since the Unix
epoch (a float); the core never reads a clock of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

_EMPTY: Mapping[str, object] = MappingProxyType({})


class AddressType(enum.Enum):
    """How a Bluetooth LE device address was advertised."""

    PUBLIC = "public"
    RANDOM = "random"
    UNKNOWN = "unknown"


class AddressKind(enum.Enum):
    """What an address is expected to do over time (Core spec, Vol 6, Part B, 1.3)."""

    PUBLIC = "public"  # fixed for the device's life
    STATIC = "static"  # random static: fixed until power cycle (top bits 11)
    RESOLVABLE = "resolvable"  # resolvable private address: rotates (top bits 01)
    NON_RESOLVABLE = "non_resolvable"  # non-resolvable private: rotates (top bits 00)
    UNKNOWN = "unknown"


class Kind(enum.Enum):
    """Tracker kinds, as named in `trackerscan decode` output."""

    AIRTAG = "airtag"
    FINDMY_ACCESSORY = "findmy_accessory"
    AIRPODS = "airpods"
    APPLE_DEVICE = "apple_device"
    DULT = "dult"
    GOOGLE_FMDN = "google_fmdn"
    SMARTTAG = "smarttag"
    SAMSUNG_DEVICE = "samsung_device"
    TILE = "tile"
    CHIPOLO = "chipolo"
    PEBBLEBEE = "pebblebee"


class Network(enum.Enum):
    APPLE = "apple"
    GOOGLE = "google"
    SAMSUNG = "samsung"
    TILE = "tile"
    CHIPOLO = "chipolo"
    PEBBLEBEE = "pebblebee"
    OTHER = "other"


class Battery(enum.Enum):
    FULL = "full"
    MEDIUM = "medium"
    LOW = "low"
    CRITICAL = "critical"


class RingProcedure(enum.Enum):
    """How a non-owner can make a tracker play its sound (trackers.md section 9)."""

    DULT = "dult"  # Accessory Non-Owner Service, Sound_Start 00 03
    AIRTAG = "airtag"  # 7DFC9001, write AF
    FINDMY_FD44 = "findmy_fd44"  # 4F860003, 01 00 03
    PEBBLEBEE = "pebblebee"  # 0xFA25 / 2C02, 01


@dataclass(frozen=True, slots=True)
class Identity:
    """What one advertisement says about the device that sent it.

    Produced only by `trackerscan.adv.classify`.  ``identifier`` is the value
    that stays stable within one rotation period, expected to last
    ``identifier_lifetime_s`` seconds (None: unknown or for the device's life).
    """

    tracker: bool
    kind: Kind | None
    network: Network | None
    separated: bool | None
    battery: Battery | None
    identifier: bytes | None
    identifier_lifetime_s: int | None
    ring: RingProcedure | None
    address_kind: AddressKind
    address_rotates: bool | None
    details: Mapping[str, object] = field(default_factory=lambda: _EMPTY)

    @property
    def can_ring(self) -> bool:
        return self.ring is not None

    def to_json(self) -> dict[str, object]:
        """The `trackerscan decode` contract."""
        return {
            "tracker": self.tracker,
            "kind": self.kind.value if self.kind else None,
            "network": self.network.value if self.network else None,
            "separated": self.separated,
            "battery": self.battery.value if self.battery else None,
            "identifier": self.identifier.hex() if self.identifier is not None else None,
            "identifier_lifetime_s": self.identifier_lifetime_s,
            "can_ring": self.can_ring,
            "details": {
                "ring_procedure": self.ring.value if self.ring else None,
                "address_kind": self.address_kind.value,
                "address_rotates": self.address_rotates,
                **dict(self.details),
            },
        }


class Sighting(NamedTuple):
    """One advertisement heard by one source (a NamedTuple: cheap to create by the million).

    ``adv`` holds raw AD structures: advertising data optionally followed by
    scan-response data.  Sources that only get parsed fields (bleak) rebuild
    AD structures with `trackerscan.adv.build_ad`, so every sighting is
    classified through one code path.
    """

    time: float
    address: str  # "AA:BB:CC:DD:EE:FF", upper case
    address_type: AddressType
    rssi: int | None
    adv: bytes
    source: str
    connectable: bool | None = None


class FixMode(enum.IntEnum):
    """gpsd's TPV modes."""

    NO_FIX = 1
    FIX_2D = 2
    FIX_3D = 3


class Fix(NamedTuple):
    """A valid position of the user.  Never carries made-up coordinates."""

    time: float
    lat: float
    lon: float
    alt: float | None = None
    speed_mps: float | None = None
    course: float | None = None
    hdop: float | None = None
    accuracy_m: float | None = None  # horizontal, metres (from the receiver or HDOP x UERE)
    mode: FixMode = FixMode.FIX_2D
    satellites: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class NoFix:
    """The GPS source is alive but has no position: explicit, never 0, 0."""

    time: float
    source: str
    reason: str = "no fix"


class SourceEventKind(enum.Enum):
    ADAPTER_LOST = "adapter_lost"
    ADAPTER_BACK = "adapter_back"
    SCANNER_RESTARTED = "scanner_restarted"
    GPS_LOST = "gps_lost"
    GPS_BACK = "gps_back"
    CLOCK_OFFSET = "clock_offset"
    INFO = "info"
    FLOOD_STARTED = "ble_flood_started"  # the engine recognised a BLE spam flood (value: addresses/s)
    FLOOD_ENDED = "ble_flood_ended"  # it is over (value: its peak, addresses/s)


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """Something that happened to a source, kept so a technician sees it later."""

    time: float
    source: str
    kind: SourceEventKind
    detail: str = ""
    value: float | None = None  # e.g. the clock offset in seconds


@dataclass(frozen=True, slots=True)
class PlaceMark:
    """The user says "I am somewhere else now" (used when there is no GPS)."""

    time: float
    label: str = ""


class Level(enum.Enum):
    """How strongly a device is believed to travel with the user."""

    NONE = "none"
    WATCH = "watch"  # it has been with you at more than one place
    ALERT = "alert"  # it has travelled with you: time, distance and places enough


@dataclass(frozen=True, slots=True)
class LevelChange:
    """The engine raised a device to `watch` or `alert` at ``time``."""

    time: float
    device_id: str
    level: Level
    kind: Kind | None
    addresses: tuple[str, ...]
    identifiers: tuple[str, ...]
    first_seen: float
    last_seen: float
    places: int
    span_m: float
    duration_s: float
    explanation: str
    confidence: float = 1.0

    def to_json(self) -> dict[str, object]:
        from trackerscan.timeutil import iso_utc

        return {
            "level": self.level.value,
            "kind": self.kind.value if self.kind else None,
            "device_id": self.device_id,
            "addresses": list(self.addresses),
            "identifiers": list(self.identifiers),
            "first_seen": iso_utc(self.first_seen),
            "raised_at": iso_utc(self.time),
            "last_seen": iso_utc(self.last_seen),
            "places": self.places,
            "span_m": round(self.span_m, 1),
            "duration_s": round(self.duration_s, 1),
            "confidence": round(self.confidence, 2),
            "explanation": self.explanation,
        }


# Everything a source can emit into the pipeline.
Event = Sighting | Fix | NoFix | SourceEvent | PlaceMark


@dataclass(frozen=True, slots=True)
class HeardPoint:
    """One sighting of a device, positioned by the engine (or not: lat/lon None)."""

    time: float
    rssi: int | None
    lat: float | None
    lon: float | None
    uncertainty_m: float | None


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A snapshot of one device as the engine sees it, for views (CLI, GUI, Pi)."""

    device_id: str
    kind: Kind | None
    tracker: bool
    separated: bool | None
    addresses: tuple[str, ...]
    identifiers: tuple[str, ...]
    first_seen: float
    last_seen: float
    sightings: int
    rssi: int | None  # the last one heard
    rssi_smoothed: float | None
    places: int
    span_m: float
    duration_s: float
    level: Level
    known: bool
    can_ring: bool
    explanation: str
    link_confidence: float = 1.0  # how sure the engine is that these identities are one device
    ask_mine: bool = False  # at watch, of unknown kind: ask her once "Is this yours?"

"""Trackers of their makers' own networks: Tile, Chipolo and Pebblebee (trackers.md section 6)."""

from __future__ import annotations

from types import MappingProxyType

from trackerscan.adv.address import rotates
from trackerscan.model import AddressKind, Identity, Kind, Network, RingProcedure

TILE_UUIDS = (0xFEED, 0xFEEC, 0xFD84)  # FEED activated, FEEC shipping mode, FD84 (Theengs)
CHIPOLO_UUIDS = (0xFE33, 0xFE65)
PEBBLEBEE_UUID = 0xFA25
CHIPOLO_LAST_FIRMWARE_WITH_SEPARATION_BIT = 0xD8  # AirGuard: first MAC octet <= D8


def classify_tile(uuid: int, sd: bytes | None, address_kind: AddressKind) -> Identity:
    details: dict[str, object] = {"uuid": f"{uuid:04x}", "shipping_mode": uuid == 0xFEEC}
    identifier: bytes | None = None
    if sd:
        details["service_data"] = sd.hex()
        identifier = sd[2:10] if sd[:2] == b"\x02\x00" and len(sd) > 2 else sd[:10]
    return Identity(
        tracker=True,
        kind=Kind.TILE,
        network=Network.TILE,
        separated=None,  # Tile frames carry no owner state
        battery=None,
        identifier=identifier,
        identifier_lifetime_s=None,
        ring=None,  # ringing needs Tile's owner authentication
        address_kind=address_kind,
        address_rotates=rotates(address_kind),
        details=MappingProxyType(details),
    )


def classify_chipolo(sd: bytes | None, adva: bytes | None, address_kind: AddressKind) -> Identity:
    separated: bool | None = None
    details: dict[str, object] = {}
    if sd:
        details["service_data"] = sd.hex()
    if sd is not None and len(sd) >= 2 and adva is not None:
        if adva[0] <= CHIPOLO_LAST_FIRMWARE_WITH_SEPARATION_BIT:
            separated = bool(sd[1] & 0x01)  # 1: no owner connection for 30 min
        else:
            details["separation_bit"] = "absent in this firmware"
    return Identity(
        tracker=True,
        kind=Kind.CHIPOLO,
        network=Network.CHIPOLO,
        separated=separated,
        battery=None,
        identifier=None,
        identifier_lifetime_s=None,
        ring=None,
        address_kind=address_kind,
        address_rotates=False,  # static MAC
        details=MappingProxyType(details),
    )


def classify_pebblebee(address_kind: AddressKind) -> Identity:
    return Identity(
        tracker=True,
        kind=Kind.PEBBLEBEE,
        network=Network.PEBBLEBEE,
        separated=None,
        battery=None,
        identifier=None,
        identifier_lifetime_s=None,
        ring=RingProcedure.PEBBLEBEE,
        address_kind=address_kind,
        address_rotates=False,  # static MAC
    )

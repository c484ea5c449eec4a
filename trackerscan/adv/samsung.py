"""Samsung Galaxy SmartTag (0xFD5A) and Find My Mobile (0xFD69), trackers.md section 5."""

from __future__ import annotations

from types import MappingProxyType

from trackerscan.model import AddressKind, Battery, Identity, Kind, Network

SMARTTAG_UUID = 0xFD5A
FIND_MY_MOBILE_UUID = 0xFD69
ROTATION_S = 15 * 60  # address and privacy ID rotate every 15 min; aging counter +1
_STATE_NAMES = {1: "premature_offline", 2: "offline", 3: "overmature_offline"}
# premature offline is treated as near owner (AirGuard); connected states (>= 4) too.
_SEPARATED = {1: False, 2: True, 3: True}
_BATTERY = (Battery.CRITICAL, Battery.LOW, Battery.MEDIUM, Battery.FULL)  # flags bits 1-0


def classify_smarttag(sd: bytes, address_kind: AddressKind) -> Identity | None:
    if not sd or sd[0] & 0xF8 != 0x10:
        return None
    state = sd[0] & 0x07
    separated = _SEPARATED.get(state, False if state >= 4 else None)
    details: dict[str, object] = {
        "state": _STATE_NAMES.get(state, "connected" if state >= 4 else "unknown"),
        "state_code": state,
    }
    identifier: bytes | None = None
    battery: Battery | None = None
    if len(sd) >= 4:
        details["aging_counter"] = sd[1] | sd[2] << 8 | sd[3] << 16
    if len(sd) >= 12:
        identifier = sd[4:12]
    if len(sd) >= 13:
        flags = sd[12]
        battery = _BATTERY[flags & 0x03]
        details["uwb"] = bool(flags & 0x04)
        details["flags"] = f"{flags:02x}"
    if len(sd) >= 20:
        details["signature"] = sd[16:20].hex()
    return Identity(
        tracker=True,
        kind=Kind.SMARTTAG,
        network=Network.SAMSUNG,
        separated=separated,
        battery=battery,
        identifier=identifier,
        identifier_lifetime_s=ROTATION_S,
        ring=None,  # no public non-owner sound procedure
        address_kind=address_kind,
        address_rotates=True,
        details=MappingProxyType(details),
    )


def classify_find_my_mobile(sd: bytes, address_kind: AddressKind) -> Identity:
    """Phones, watches and buds on Samsung's network.  Layout uncertain (AirGuard's reading)."""
    details: dict[str, object] = {"layout": "uncertain"}
    if len(sd) >= 14:
        details["uwb"] = bool(sd[13] & 0x04)
    return Identity(
        tracker=False,  # a phone or watch; the engine still watches it like any device
        kind=Kind.SAMSUNG_DEVICE,
        network=Network.SAMSUNG,
        separated=None,
        battery=None,
        identifier=sd[1:13] if len(sd) >= 13 else None,
        identifier_lifetime_s=None,
        ring=None,
        address_kind=address_kind,
        address_rotates=True,
        details=MappingProxyType(details),
    )

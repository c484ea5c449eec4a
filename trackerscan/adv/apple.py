"""Apple Find My offline-finding frames (manufacturer data 0x004C, type 0x12).

Layout: trackers.md section 3.  Separated ("full key", length 0x19): status,
key bytes 6..27, opt, hint.  Near owner (length 0x02): status, opt.  The key's
first six bytes live in the address; ``opt`` holds the two top bits of key[0].
"""

from __future__ import annotations

from types import MappingProxyType

from trackerscan.model import AddressKind, Battery, Identity, Kind, Network, RingProcedure

APPLE_COMPANY_ID = 0x004C
TYPE_OFFLINE_FINDING = 0x12
LEN_SEPARATED = 0x19
LEN_NEAR_OWNER = 0x02
SEPARATED_KEY_LIFETIME_S = 24 * 3600  # separated key (and address) rotate daily (Nordic fmna_keys.c)
NEAR_OWNER_KEY_LIFETIME_S = 15 * 60  # primary key rotates every 15 min near the owner

_BATTERY = (Battery.FULL, Battery.MEDIUM, Battery.LOW, Battery.CRITICAL)
# status bits 5-4
_CLASS = (Kind.APPLE_DEVICE, Kind.AIRTAG, Kind.FINDMY_ACCESSORY, Kind.AIRPODS)
_RING = {
    Kind.AIRTAG: RingProcedure.AIRTAG,
    Kind.FINDMY_ACCESSORY: RingProcedure.FINDMY_FD44,
    Kind.AIRPODS: RingProcedure.FINDMY_FD44,
}


def find_offline_finding(payload: bytes) -> tuple[int, bytes] | None:
    """The first Find My TLV in Apple manufacturer data (company ID stripped): (length, value)."""
    i, n = 0, len(payload)
    while i + 1 < n:
        tlv_type, tlv_len = payload[i], payload[i + 1]
        value = payload[i + 2 : i + 2 + tlv_len]
        if tlv_type == TYPE_OFFLINE_FINDING:
            return tlv_len, value
        if len(value) < tlv_len:
            return None
        i += 2 + tlv_len
    return None


def classify_apple(payload: bytes, adva: bytes | None, address_kind: AddressKind) -> Identity | None:
    found = find_offline_finding(payload)
    if found is None:
        return None
    tlv_len, value = found
    if tlv_len == LEN_SEPARATED and len(value) >= 25:
        separated = True
    elif tlv_len == LEN_NEAR_OWNER and len(value) >= 2:
        separated = False
    else:
        return None
    status = value[0]
    opt = value[23] if separated else value[1]
    kind = _CLASS[(status >> 4) & 0x03]
    details: dict[str, object] = {
        "status": f"{status:02x}",
        "maintained": bool(status & 0x04),
        "opt": f"{opt:02x}",
    }
    key_head = bytes(((opt & 0x03) << 6 | (adva[0] & 0x3F),)) + adva[1:6] if adva is not None else None
    identifier: bytes | None
    if separated:
        key_tail = value[1:23]
        details["hint"] = f"{value[24]:02x}"
        details["key_tail"] = key_tail.hex()
        identifier = key_head + key_tail if key_head is not None else key_tail
        if key_head is not None:
            details["public_key"] = identifier.hex()
        lifetime = SEPARATED_KEY_LIFETIME_S
    else:
        identifier = key_head
        if key_head is not None:
            details["public_key_prefix"] = key_head.hex()
        lifetime = NEAR_OWNER_KEY_LIFETIME_S
    # A lost iPhone/Mac near its owner is just a phone; separated it may be a home-made tag.
    tracker = kind is not Kind.APPLE_DEVICE or separated
    ring = _RING.get(kind) if separated else None
    if kind in _RING:
        details["ring_requires"] = "separated"
    return Identity(
        tracker=tracker,
        kind=kind,
        network=Network.APPLE,
        separated=separated,
        battery=_BATTERY[status >> 6],
        identifier=identifier,
        identifier_lifetime_s=lifetime,
        ring=ring,
        address_kind=address_kind,
        address_rotates=True,
        details=MappingProxyType(details),
    )

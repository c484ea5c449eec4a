"""Google Find Hub / Find My Device Network frames (service data 0xFEAA), trackers.md section 4.

0xFEAA is shared with Eddystone, whose frame types are 0x00-0x3F: only 0x40
(normal) and 0x41 (unwanted-tracking-protection mode, i.e. separated) are FMDN.
"""

from __future__ import annotations

from types import MappingProxyType

from trackerscan.model import AddressKind, Identity, Kind, Network, RingProcedure

FMDN_UUID = 0xFEAA
FRAME_NORMAL = 0x40
FRAME_UTP = 0x41
EID_ROTATION_S = 1024  # the ephemeral identifier rotates every 1024 s
UTP_ADDRESS_LIFETIME_S = 85 * EID_ROTATION_S  # in UTP mode the RPA is kept for 85 EID periods
EID_LEN_P160 = 20  # SECP160R1
EID_LEN_P256 = 32  # SECP256R1 (extended advertising)
FLAGS_PHONE = 0x02  # AirGuard heuristic: Flags 0x02 means an Android phone, 0x06 a tag


def classify_google(
    sd: bytes, flags: int | None, truncated: bool, address_kind: AddressKind
) -> Identity | None:
    if not sd or sd[0] not in (FRAME_NORMAL, FRAME_UTP):
        return None
    frame = sd[0]
    separated = frame == FRAME_UTP
    details: dict[str, object] = {"frame_type": f"{frame:02x}"}
    eid: bytes | None = None
    if len(sd) >= 1 + EID_LEN_P256 + 1:
        eid = sd[1 : 1 + EID_LEN_P256]
    elif len(sd) >= 1 + EID_LEN_P160:
        eid = sd[1 : 1 + EID_LEN_P160]  # 21 bytes: design-doc form without hashed flags (T14)
    else:
        details["incomplete_eid"] = sd[1:].hex()
    if eid is not None and len(sd) > 1 + len(eid):
        details["hashed_flags"] = f"{sd[1 + len(eid)]:02x}"
    if truncated:
        details["truncated"] = True
    if flags is not None:
        details["likely_phone"] = flags == FLAGS_PHONE
    details["address_lifetime_s"] = UTP_ADDRESS_LIFETIME_S if separated else EID_ROTATION_S
    return Identity(
        tracker=True,
        kind=Kind.GOOGLE_FMDN,
        network=Network.GOOGLE,
        separated=separated,
        battery=None,  # only the owner can decode the hashed flags
        identifier=eid,
        identifier_lifetime_s=EID_ROTATION_S if eid is not None else None,
        ring=RingProcedure.DULT if separated else None,
        address_kind=address_kind,
        address_rotates=True,
        details=MappingProxyType(details),
    )

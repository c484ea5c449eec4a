"""IETF DULT location-enabled payload (service data 0xFCB2), trackers.md section 2.

Offset 0: network ID (0x01 Apple, 0x02 Google); offset 1 bit 0: near owner.
Draft -01 / WG polarity (draft -00 had it the other way round).
"""

from __future__ import annotations

from types import MappingProxyType

from trackerscan.model import AddressKind, Identity, Kind, Network, RingProcedure

DULT_UUID = 0xFCB2
SEPARATED_ADDRESS_LIFETIME_S = 24 * 3600  # address and payload fixed for 24 h when separated
NEAR_OWNER_ADDRESS_LIFETIME_S = 15 * 60  # rotate every 15 min near the owner
_NETWORKS = {0x01: Network.APPLE, 0x02: Network.GOOGLE}


def classify_dult(sd: bytes, address_kind: AddressKind) -> Identity | None:
    if len(sd) < 2:
        return None
    network_id = sd[0]
    separated = not (sd[1] & 0x01)
    details: dict[str, object] = {"network_id": network_id, "near_owner_byte": f"{sd[1]:02x}"}
    if len(sd) > 2:
        details["proprietary"] = sd[2:].hex()
    details["stable_handle"] = "address"
    return Identity(
        tracker=True,
        kind=Kind.DULT,
        network=_NETWORKS.get(network_id, Network.OTHER),
        separated=separated,
        battery=None,
        identifier=None,
        identifier_lifetime_s=SEPARATED_ADDRESS_LIFETIME_S if separated else NEAR_OWNER_ADDRESS_LIFETIME_S,
        ring=RingProcedure.DULT if separated else None,
        address_kind=address_kind,
        address_rotates=True,
        details=MappingProxyType(details),
    )

"""Advertisement bytes and addresses for simulated devices, per the layouts in trackers.md.

Every builder returns ``(address, adv)`` for one rotation period; the cast calls
it again when the device rotates.
"""

from __future__ import annotations

import random

from trackerscan.model import AddressType


def address_str(b: bytes) -> str:
    return ":".join(f"{x:02X}" for x in b)


def static_address(rng: random.Random) -> str:
    """Random static address: top two bits 11."""
    b = bytearray(rng.randbytes(6))
    b[0] |= 0xC0
    return address_str(bytes(b))


def resolvable_address(rng: random.Random) -> str:
    """Resolvable private address: top two bits 01."""
    b = bytearray(rng.randbytes(6))
    b[0] = (b[0] & 0x3F) | 0x40
    return address_str(bytes(b))


def public_address(rng: random.Random) -> str:
    b = bytearray(rng.randbytes(6))
    b[0] &= 0xFC  # unicast, globally administered
    return address_str(bytes(b))


def apple_separated(rng: random.Random, status: int = 0x10) -> tuple[str, bytes]:
    """Find My separated frame (31 bytes, full key; address = key bytes 0-5), trackers.md 3.1.

    status 0x10: AirTag, 0x20: third-party Find My accessory, 0x00: Apple device in lost mode.
    """
    key = rng.randbytes(28)
    adva = bytes([key[0] | 0xC0]) + key[1:6]
    opt = key[0] >> 6
    adv = bytes([0x1E, 0xFF, 0x4C, 0x00, 0x12, 0x19, status]) + key[6:28] + bytes([opt, rng.randrange(256)])
    return address_str(adva), adv


def apple_near_owner(rng: random.Random, status: int = 0x10) -> tuple[str, bytes]:
    """Find My near-owner frame (8 bytes); rotates every 15 min."""
    key = rng.randbytes(6)
    adva = bytes([key[0] | 0xC0]) + key[1:6]
    return address_str(adva), bytes([0x07, 0xFF, 0x4C, 0x00, 0x12, 0x02, status, key[0] >> 6])


def dult(rng: random.Random, separated: bool = True, network: int = 0x01) -> tuple[str, bytes]:
    """DULT service data 0xFCB2: network ID, near-owner byte, 2 proprietary bytes (trackers.md 2.1)."""
    near = 0x00 if separated else 0x01
    adv = bytes([0x02, 0x01, 0x06, 0x07, 0x16, 0xB2, 0xFC, network, near]) + rng.randbytes(2)
    return static_address(rng), adv


def fmdn(rng: random.Random, utp: bool = True) -> bytes:
    """Google FMDN frame with a fresh 20-byte EID (trackers.md 4.1); the caller keeps or rotates the MAC."""
    return bytes([0x02, 0x01, 0x06, 0x19, 0x16, 0xAA, 0xFE, 0x41 if utp else 0x40]) + rng.randbytes(21)


def smarttag(rng: random.Random, aging: int, state: int = 3, flags: int = 0xB7) -> tuple[str, bytes]:
    """SmartTag advertisement (trackers.md 5.1, T8/T9 layout) with a fresh privacy ID and address."""
    sd = (
        bytes([0x10 | state])
        + (aging & 0xFFFFFF).to_bytes(3, "little")
        + rng.randbytes(8)
        + bytes([flags, 0, 0, 0])
        + rng.randbytes(4)
    )
    adv = bytes([0x02, 0x01, 0x04, 0x03, 0x02, 0x5A, 0xFD, 0x17, 0x16, 0x5A, 0xFD]) + sd
    return resolvable_address(rng), adv


def tile(rng: random.Random) -> tuple[str, bytes]:
    """Tile: FEED service data, 02 00 + 8-byte Tile ID, static MAC (trackers.md 6.1, T10)."""
    adv = bytes([0x03, 0x03, 0xED, 0xFE, 0x0D, 0x16, 0xED, 0xFE, 0x02, 0x00]) + rng.randbytes(8)
    return static_address(rng), adv


def chipolo(rng: random.Random, separated: bool = True) -> tuple[str, bytes]:
    """Chipolo native: UUID list FE33 with service data (trackers.md 6.2), static MAC.

    Firmware up to MAC first octet D8 carries the separation bit (service data byte 1, bit 0: no owner
    connection for 30 min); it says what the tag's situation is, not a random value.
    """
    address = static_address(rng)
    sd = bytearray(rng.randbytes(2))
    sd[1] = (sd[1] & 0xFE) | (1 if separated else 0)
    adv = bytes([0x03, 0x03, 0x33, 0xFE, 0x05, 0x16, 0x33, 0xFE]) + bytes(sd)
    return address, adv


def pebblebee(rng: random.Random) -> tuple[str, bytes]:
    """Pebblebee native: UUID list FA25 and a name (trackers.md 6.3), static MAC."""
    name = b"PB - " + bytes(rng.choice(b"0123456789abcdef") for _ in range(7))
    adv = bytes([0x03, 0x03, 0x25, 0xFA, len(name) + 1, 0x09]) + name
    return static_address(rng), adv


def phone(rng: random.Random) -> tuple[str, bytes]:
    """A phone: Apple Nearby Info or an Android Fast Pair-less beacon, behind a rotating RPA."""
    if rng.random() < 0.5:
        adv = bytes([0x02, 0x01, 0x1A, 0x0A, 0xFF, 0x4C, 0x00, 0x10, 0x05]) + rng.randbytes(5)
    else:
        adv = bytes([0x02, 0x01, 0x1A, 0x09, 0xFF, 0x75, 0x00]) + rng.randbytes(6)
    return resolvable_address(rng), adv


def wearable(rng: random.Random) -> tuple[str, bytes, AddressType]:
    """A watch, band or earbud case with a fixed (public or static) address: no tracker frame."""
    adv = bytes([0x02, 0x01, 0x06, 0x07, 0xFF, 0x57, 0x01]) + rng.randbytes(4)
    if rng.random() < 0.5:
        return public_address(rng), adv, AddressType.PUBLIC
    return static_address(rng), adv, AddressType.RANDOM

"""A realistic mix of advertisements for benchmarks: ~70 % phones and other
non-trackers, the rest every tracker kind, each device repeating its frame as
real devices do (payloads change only when identifiers rotate)."""

from __future__ import annotations

import random

from trackerscan.model import AddressType


def _ad(ad_type: int, data: bytes) -> bytes:
    return bytes([len(data) + 1, ad_type]) + data


def _sd(uuid: int, data: bytes) -> bytes:
    return _ad(0x16, uuid.to_bytes(2, "little") + data)


def _mfr(company: int, data: bytes) -> bytes:
    return _ad(0xFF, company.to_bytes(2, "little") + data)


FLAGS = _ad(0x01, b"\x1a")
FLAGS_LE = _ad(0x01, b"\x06")


def non_tracker(rng: random.Random) -> bytes:
    r = rng.random
    choice = rng.randrange(8)
    if choice <= 2:  # iPhone / Mac "nearby info" (+ sometimes handoff)
        return FLAGS + _mfr(
            0x004C, b"\x10\x05" + rng.randbytes(5) + (b"\x0c\x0e" + rng.randbytes(14) if r() < 0.3 else b"")
        )
    if choice == 3:  # AirPods proximity pairing
        return _mfr(0x004C, b"\x07\x19\x01\x0e\x20" + rng.randbytes(24))
    if choice == 4:  # Microsoft CDP
        return FLAGS_LE + _mfr(0x0006, b"\x01\x09\x20\x02" + rng.randbytes(23))
    if choice == 5:  # Google Fast Pair
        return FLAGS_LE + _ad(0x03, b"\x2c\xfe") + _sd(0xFE2C, rng.randbytes(3))
    if choice == 6:  # Samsung phone / watch
        return FLAGS + _mfr(0x0075, b"\x42\x04\x01\x80" + rng.randbytes(20))
    return FLAGS_LE + _ad(0x09, b"Band " + rng.randbytes(3).hex().encode()) + _mfr(0x0157, rng.randbytes(10))


def tracker(rng: random.Random) -> bytes:
    k = rng.randrange(9)
    if k == 0:  # AirTag separated
        return _mfr(0x004C, b"\x12\x19\x10" + rng.randbytes(22) + b"\x00" + rng.randbytes(1))
    if k == 1:  # Find My near owner
        return _mfr(0x004C, b"\x12\x02" + bytes([rng.choice([0x10, 0x20, 0x30, 0x54])]) + b"\x02")
    if k == 2:  # DULT
        return FLAGS_LE + _sd(0xFCB2, bytes([rng.choice([1, 2]), rng.randrange(2)]) + rng.randbytes(2))
    if k == 3:  # Google FMDN
        return FLAGS_LE + _sd(0xFEAA, bytes([rng.choice([0x40, 0x41])]) + rng.randbytes(21))
    if k == 4:  # SmartTag
        return (
            FLAGS
            + _ad(0x03, b"\x5a\xfd")
            + _sd(0xFD5A, bytes([0x10 | rng.randrange(1, 4)]) + rng.randbytes(19))
        )
    if k == 5:  # Tile
        return _sd(0xFEED, b"\x02\x00" + rng.randbytes(8))
    if k == 6:  # Chipolo
        return FLAGS_LE + _ad(0x03, b"\x33\xfe\x65\xfe") + _sd(0xFE33, rng.randbytes(8))
    if k == 7:  # Pebblebee
        return FLAGS_LE + _ad(0x03, b"\x25\xfa") + _ad(0x09, b"PB - 1234567")
    return FLAGS + _sd(0xFD69, rng.randbytes(14))  # Samsung Find My Mobile


def random_address(rng: random.Random) -> str:
    return rng.randbytes(6).hex(":").upper()


def build_mix(n_devices: int, n_adverts: int, seed: int = 1) -> list[tuple[bytes, str, AddressType]]:
    """n_adverts advertisements from n_devices devices, 70 % non-trackers, interleaved at random."""
    rng = random.Random(seed)
    devices = []
    for i in range(n_devices):
        adv = tracker(rng) if i % 10 < 3 else non_tracker(rng)
        devices.append((adv, random_address(rng), AddressType.RANDOM))
    return [devices[rng.randrange(n_devices)] for _ in range(n_adverts)]

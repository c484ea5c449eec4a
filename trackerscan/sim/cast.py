"""Devices of every kind, with the advertising intervals and rotations of trackers.md."""

from __future__ import annotations

import random

from trackerscan.model import AddressType, Kind
from trackerscan.sim import frames as fr
from trackerscan.sim.world import SimDevice, Where

R = AddressType.RANDOM
ROTATE_15_MIN = 900.0  # Apple near owner, SmartTag, phone RPAs (trackers.md 3.3, 5.3)
FMDN_EID_S = 1024.0  # trackers.md 4.2
# Advertising intervals (s): Apple ~2 s, DULT <= 4 s (we use 2 s, the recommendation), SmartTag ~2 s
# (uncertain), Tile 2 s, FMDN 0.5 s (Realtek sample), phones 0.1-1 s.
INTERVALS = {
    Kind.AIRTAG: 2.0,
    Kind.FINDMY_ACCESSORY: 2.0,
    Kind.APPLE_DEVICE: 2.0,
    Kind.DULT: 2.0,
    Kind.GOOGLE_FMDN: 0.5,
    Kind.SMARTTAG: 2.0,
    Kind.TILE: 2.0,
    Kind.CHIPOLO: 2.0,
    Kind.PEBBLEBEE: 2.0,
}


def _sub(seed: int, k: int) -> random.Random:
    return random.Random(seed * 1_000_003 + k)


def tracker(
    kind: Kind,
    rng: random.Random,
    name: str,
    where: Where,
    start: float,
    end: float,
    separated: bool = True,
    **kw: object,
) -> SimDevice:
    """A tracker of ``kind``; ``separated`` picks its away-from-owner or near-owner frames."""
    seed = rng.randrange(1 << 30)
    rotation: float | None = None
    if kind in (Kind.AIRTAG, Kind.FINDMY_ACCESSORY, Kind.APPLE_DEVICE):
        status = {Kind.AIRTAG: 0x10, Kind.FINDMY_ACCESSORY: 0x20, Kind.APPLE_DEVICE: 0x00}[kind]
        if separated:
            addr, adv = fr.apple_separated(_sub(seed, 0), status)

            def frame(k: int) -> tuple[str, bytes, AddressType]:
                # The key and address stay for 24 h; the hint byte follows the 15-min primary key.
                return addr, adv[:-1] + bytes([_sub(seed, k).randrange(256)]), R
        else:

            def frame(k: int) -> tuple[str, bytes, AddressType]:
                a, b = fr.apple_near_owner(_sub(seed, k), status)
                return a, b, R

        rotation = ROTATE_15_MIN
    elif kind is Kind.DULT:
        addr, adv = fr.dult(_sub(seed, 0), separated)
        if separated:

            def frame(k: int) -> tuple[str, bytes, AddressType]:
                return addr, adv, R
        else:
            rotation = ROTATE_15_MIN

            def frame(k: int) -> tuple[str, bytes, AddressType]:
                a, b = fr.dult(_sub(seed, k), False)
                return a, b, R
    elif kind is Kind.GOOGLE_FMDN:
        rotation = FMDN_EID_S
        mac = fr.resolvable_address(_sub(seed, 0))

        def frame(k: int) -> tuple[str, bytes, AddressType]:
            # UTP mode keeps the MAC ~24 h while the EID rotates; normal mode rotates both.
            a = mac if separated else fr.resolvable_address(_sub(seed, k))
            return a, fr.fmdn(_sub(seed, k + 7), utp=separated), R
    elif kind is Kind.SMARTTAG:
        rotation = ROTATE_15_MIN
        aging0 = _sub(seed, 0).randrange(100_000, 200_000)
        state = 3 if separated else 5

        def frame(k: int) -> tuple[str, bytes, AddressType]:
            a, b = fr.smarttag(_sub(seed, k + 1), aging0 + k, state=state)
            return a, b, R
    else:
        if kind is Kind.CHIPOLO:
            addr, adv = fr.chipolo(_sub(seed, 0), separated)
        else:
            builder = {Kind.TILE: fr.tile, Kind.PEBBLEBEE: fr.pebblebee}[kind]
            addr, adv = builder(_sub(seed, 0))

        def frame(k: int) -> tuple[str, bytes, AddressType]:
            return addr, adv, R

    return SimDevice(
        name=name,
        kind=kind,
        frame=frame,
        interval_s=INTERVALS[kind],
        where=where,
        start=start,
        end=end,
        rotation_s=rotation,
        **kw,  # type: ignore[arg-type]
    )


def phone(rng: random.Random, name: str, where: Where, start: float, end: float, **kw: object) -> SimDevice:
    """A phone behind a resolvable private address that rotates about every 15 min."""
    seed = rng.randrange(1 << 30)
    interval = rng.choice((0.1, 0.2, 0.5, 1.0))

    def frame(k: int) -> tuple[str, bytes, AddressType]:
        a, b = fr.phone(_sub(seed, k))
        return a, b, R

    return SimDevice(name, None, frame, interval, where, start, end, rotation_s=ROTATE_15_MIN, **kw)  # type: ignore[arg-type]


def fixed_address_device(
    rng: random.Random,
    name: str,
    where: Where,
    start: float,
    end: float,
    interval_s: float = 1.0,
    **kw: object,
) -> SimDevice:
    """A watch, band, speaker or DIY tag with a fixed address and no tracker frame (kind unknown)."""
    addr, adv, atype = fr.wearable(rng)

    def frame(k: int) -> tuple[str, bytes, AddressType]:
        return addr, adv, atype

    return SimDevice(name, None, frame, interval_s, where, start, end, **kw)  # type: ignore[arg-type]

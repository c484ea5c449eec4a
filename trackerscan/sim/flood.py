"""A BLE spam flood over a busy-city walk (issue #13), written fast with numpy.

Spam tools (a Flipper Zero, an ESP32, a phone app) send hundreds of advertisements a second, each
from a fresh random address that is never heard again: Apple pop-up and Nearby Action frames,
Google Fast Pair, Samsung and Swift Pair frames, and forged Find My "separated AirTag" frames with
random keys.  `generate` writes a busy-city walk (trackerscan.sim.busy_city, with its follower)
and the same walk with a flood of ``rate`` frames a second for ``flood_minutes`` merged in, so
the two can be compared.  The same arguments give the same bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trackerscan.formats.btsnoop.records import DATALINK_H4, EPOCH_DELTA_US
from trackerscan.privatefile import open_private
from trackerscan.sim import busy_city

_X = None
# The spam mix: (name, share, advertising data template (None: random byte), address mode, legacy
# event type, rssi centre dBm), as busy_city.KINDS without the report rate.  The forged AirTag frame
# is the busy city's separated AirTag with random key bytes.
SPAM: tuple[tuple[str, float, tuple[int | None, ...], str, int, int], ...] = (
    (
        "forged_airtag",
        0.25,
        (0x1E, 0xFF, 0x4C, 0x00, 0x12, 0x19, 0x10, *[_X] * 22, 0x00, 0xE0),
        "static",
        3,
        -58,
    ),
    (
        "apple_popup",  # Continuity proximity pairing: "connect your AirPods"
        0.25,
        (0x1E, 0xFF, 0x4C, 0x00, 0x07, 0x19, 0x07, 0x02, 0x20, 0x75, 0xAA, 0x30, 0x01, 0x00, 0x00, 0x45,
         *[_X] * 15),
        "static",
        3,
        -58,
    ),
    ("apple_action", 0.15, (0x0B, 0xFF, 0x4C, 0x00, 0x0F, 0x05, 0xC0, 0x01, _X, _X, _X, 0x00), "static", 3,
     -58),
    ("fast_pair", 0.15, (0x03, 0x03, 0x2C, 0xFE, 0x06, 0x16, 0x2C, 0xFE, _X, _X, _X, 0x02, 0x0A, 0xF6),
     "static",
     0,
     -58),
    (
        "samsung_buds",  # Samsung Easy Setup
        0.10,
        (0x1B, 0xFF, 0x75, 0x00, 0x42, 0x09, 0x81, 0x02, 0x14, 0x15, 0x03, 0x21, 0x01, 0x09, _X, _X, 0x01, _X,
         0x06, 0x3C, 0x94, 0x8E, 0x00, 0x00, 0x00, 0x00, 0xC7, 0x00),
        "static",
        3,
        -58,
    ),
    ("swift_pair", 0.10, (0x0E, 0xFF, 0x06, 0x00, 0x03, 0x00, 0x80, *b"Keyboard"), "static", 3, -58),
)


@dataclass(frozen=True, slots=True)
class FloodWalk:
    """What was written: the walk with the flood, the same walk without it, and the ground truth."""

    btsnoop: Path  # with the flood
    clean: Path  # the same walk without it
    nmea: Path
    truth: Path
    reports: int  # with the flood
    flood_frames: int
    forged_trackers: int
    flood_start: float
    flood_end: float
    follower_address: str


def _record_spans(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets, lengths and timestamps of the records of a btsnoop file written by encode_reports."""
    offs: list[int] = []
    pos, end = 16, len(data)
    while pos < end:
        offs.append(pos)
        pos += 24 + int.from_bytes(data[pos : pos + 4], "big")
    o = np.array(offs, dtype=np.int64)
    lengths = np.diff(np.append(o, end))
    raw = np.frombuffer(data, dtype=np.uint8)
    ts = raw[o[:, None] + np.arange(16, 24)].copy().view(">i8").ravel().astype(np.int64)
    return o, lengths, ts


def generate(
    out_dir: str | os.PathLike[str],
    minutes: float = 55.0,
    flood_from_min: float = 12.0,
    flood_minutes: float = 30.0,
    rate: float = 300.0,
    devices: int = 5_000,
    reports: int = 250_000,
    seed: int = 0,
    name: str = "flood-walk",
) -> FloodWalk:
    """Write NAME.btsnoop (the walk with the flood), NAME-clean.btsnoop, NAME.nmea, NAME.truth.json."""
    if not (flood_from_min >= 0 and flood_from_min + flood_minutes <= minutes and rate > 0):
        raise ValueError("the flood must lie within the walk, at a rate above 0")
    out = Path(out_dir)
    bc = busy_city.generate(out, minutes, devices, reports, seed, name=f"{name}-clean")
    rng = np.random.default_rng(seed + 13)
    n = round(flood_minutes * 60 * rate)
    start = busy_city.DEFAULT_START + flood_from_min * 60
    t = np.sort(start + rng.random(n) * flood_minutes * 60)
    shares = np.array([k[1] for k in SPAM])
    kind_r = rng.choice(len(SPAM), size=n, p=shares / shares.sum()).astype(np.int64)
    key = rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64)
    kinds = [(k[0], k[1], 0.0, k[2], k[3], k[4], k[5]) for k in SPAM]
    addr = busy_city._address_bytes(key, [k[4] for k in kinds], kind_r)
    fill = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    centre = np.array([k[6] for k in kinds], dtype=np.float64)[kind_r]
    rssi = np.clip(np.round(centre + rng.normal(0, 4, n)), -100, -30).astype(np.int64).astype(np.uint8)
    ts = (np.round(t * 1e6).astype(np.int64) + EPOCH_DELTA_US).astype(">i8")
    spam = busy_city.encode_reports(ts, addr, kind_r, kinds, fill, rssi, DATALINK_H4).tobytes()

    walk = bc.btsnoop.read_bytes()
    wo, wl, wt = _record_spans(walk)
    so, sl, st = _record_spans(spam)
    order = np.argsort(np.concatenate((wt, st)), kind="stable")  # the walk's record first at a tie
    nw = len(wo)
    parts = [walk[:16]]
    for i in order.tolist():
        if i < nw:
            o = int(wo[i])
            parts.append(walk[o : o + int(wl[i])])
        else:
            o = int(so[i - nw])
            parts.append(spam[o : o + int(sl[i - nw])])
    path = out / f"{name}.btsnoop"
    fd = open_private(path)
    with os.fdopen(fd, "wb") as f:
        f.write(b"".join(parts))
    nmea = out / f"{name}.nmea"
    os.replace(bc.nmea, nmea)

    forged = int((kind_r == 0).sum())
    truth = json.loads(bc.truth.read_text())
    truth.update(
        scenario=name,
        reports=bc.reports + n,
        flood={
            "start": float(start),
            "end": float(start + flood_minutes * 60),
            "rate": rate,
            "frames": n,
            "kinds": {k[0]: int((kind_r == i).sum()) for i, k in enumerate(SPAM)},
        },
    )
    truth_path = out / f"{name}.truth.json"
    fd = open_private(truth_path)
    with os.fdopen(fd, "w") as f:
        json.dump(truth, f, indent=2)
    bc.truth.unlink()
    return FloodWalk(
        path, bc.btsnoop, nmea, truth_path, bc.reports + n, n, forged, float(start),
        float(start + flood_minutes * 60), bc.follower_address,
    )


__all__ = ["SPAM", "FloodWalk", "generate"]

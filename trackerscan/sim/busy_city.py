"""A big synthetic capture of a walk and bus ride through a busy city, written fast with numpy.

One follower (a separated AirTag that stays with the user all the time) among
thousands of phones, earbuds, watches, laptops and other people's trackers
that pass by or share a bus or a shop for a while.  Phones and earbuds rotate
their addresses (every 15 min, Core spec RPA default; trackers.md section 3.3);
trackers use the frames of trackers.md section 10.  Everything is derived
from the seed, so the same arguments give the same bytes.

The btsnoop log is assembled as one numpy byte array (no per-record Python
work), so a million reports take a few seconds.  The NMEA log holds one RMC and
one GGA sentence per second of the route.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from trackerscan.formats.btsnoop.records import DATALINK_H4, EPOCH_DELTA_US, MAGIC, VERSION
from trackerscan.geo import EARTH_RADIUS_M
from trackerscan.model import Fix, NoFix
from trackerscan.privatefile import open_private

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

DEFAULT_START = 1_777_881_600.0  # 2026-05-04T08:00:00Z, a Monday morning
START_LAT, START_LON = 52.5200, 13.4050  # central Berlin
RPA_PERIOD_S = 900.0  # private address rotation of phones and earbuds: 15 min (Core spec default)
FOLLOWER_INTERVAL_S = 2.0  # a separated AirTag advertises about every 2 s (trackers.md section 3.4)
PASSER_BY_MEDIAN_S = 40.0  # how long a passer-by stays in radio range (assumed, walking past)
DWELL_FRACTION = 0.12  # share of devices that share a bus or a shop with the user for a while
DWELL_RANGE_S = (300.0, 1500.0)  # 5-25 min together on a bus or in a shop

# The day's route: (share of the session, speed m/s).  Walk, wait, bus, walk, shop, bus, walk.
ROUTE = ((0.12, 1.3), (0.04, 0.0), (0.20, 7.5), (0.09, 1.2), (0.17, 0.0), (0.17, 8.0), (0.21, 1.3))

# Device kinds: (name, share of devices, reports per second while in range, advertising data template,
# address: "rpa" rotating | "static" | "public" | "nrpa" rotating, legacy event type, rssi centre dBm).
# Template bytes None are filled from the device's (rotating) identity.
_X = None
KINDS: tuple[tuple[str, float, float, tuple[int | None, ...], str, int, int], ...] = (
    ("iphone", 0.40, 1.0, (0x02, 0x01, 0x1A, 0x0A, 0xFF, 0x4C, 0x00, 0x10, 0x05, *[_X] * 5), "rpa", 0, -75),
    (
        "android",
        0.18,
        0.6,
        (0x02, 0x01, 0x1A, 0x03, 0x03, 0x2C, 0xFE, 0x06, 0x16, 0x2C, 0xFE, *[_X] * 3),
        "rpa",
        0,
        -78,
    ),
    ("windows", 0.05, 1.0, (0x1E, 0xFF, 0x06, 0x00, 0x01, 0x09, 0x20, 0x02, *[_X] * 23), "nrpa", 3, -85),
    ("airpods", 0.10, 1.0, (0x1E, 0xFF, 0x4C, 0x00, 0x07, 0x19, 0x01, 0x0E, 0x20, *[_X] * 22), "rpa", 3, -72),
    ("wearable", 0.08, 0.5, (0x02, 0x01, 0x06, 0x09, 0x09, *b"Band 6 ", _X), "public", 0, -80),
    ("airtag_near_owner", 0.06, 0.5, (0x07, 0xFF, 0x4C, 0x00, 0x12, 0x02, 0x54, _X), "static_rot", 0, -82),
    (
        "airtag_separated",
        0.01,
        0.5,
        (0x1E, 0xFF, 0x4C, 0x00, 0x12, 0x19, 0x10, *[_X] * 22, 0x00, 0xE0),
        "static",
        0,
        -82,
    ),
    (
        "smarttag",
        0.04,
        0.5,
        (
            0x02,
            0x01,
            0x04,
            0x03,
            0x02,
            0x5A,
            0xFD,
            0x17,
            0x16,
            0x5A,
            0xFD,
            0x15,
            *[_X] * 11,
            0xB3,
            0,
            0,
            0,
            *[_X] * 4,
        ),
        "rpa",
        0,
        -84,
    ),
    ("tile", 0.03, 0.3, (0x0D, 0x16, 0xED, 0xFE, 0x02, 0x00, *[_X] * 8), "public", 0, -84),
    ("fmdn", 0.05, 0.5, (0x02, 0x01, 0x06, 0x19, 0x16, 0xAA, 0xFE, 0x40, *[_X] * 21), "rpa", 0, -83),
)
FOLLOWER_KIND = "airtag_separated"


@dataclass(frozen=True, slots=True)
class BusyCity:
    """What was written: paths and the ground truth."""

    btsnoop: Path
    nmea: Path
    truth: Path
    reports: int
    devices: int
    follower_address: str


def _splitmix(x: U64) -> U64:
    """splitmix64 finaliser, element-wise (uint64 arithmetic wraps)."""
    x = (x + np.uint64(0x9E3779B97F4A7C15)).astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return np.asarray(x ^ (x >> np.uint64(31)), dtype=np.uint64)


def _segments(duration: float) -> list[tuple[float, float, float]]:
    """The route's segments as (start s, end s, speed m/s), from ROUTE scaled to the duration."""
    shares = [sh for sh, _ in ROUTE]
    total = sum(shares)
    out, a = [], 0.0
    for sh, v in ROUTE:
        b = a + sh / total * duration
        out.append((a, b, v))
        a = b
    return out


def route(minutes: float, start: float = DEFAULT_START, seed: int = 0) -> tuple[F64, F64, F64, F64, F64]:
    """The user's path at 1 Hz: times, lat, lon, speed (m/s), course (degrees)."""
    rng = np.random.default_rng(seed + 1)
    n = max(2, round(minutes * 60))
    speed = np.zeros(n)
    for a, b, v in _segments(float(n)):
        speed[round(a) : round(b)] = v
    # a heading that wanders, with a turn at each street corner (every ~2 min)
    turns = np.where(rng.random(n) < 1 / 120, rng.choice([-90.0, 90.0], n), 0.0)
    course = (45.0 + np.cumsum(turns + rng.normal(0, 2, n))) % 360
    rad = np.radians(course)
    north = np.cumsum(speed * np.cos(rad))
    east = np.cumsum(speed * np.sin(rad))
    lat = START_LAT + np.degrees(north / EARTH_RADIUS_M)
    lon = START_LON + np.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(START_LAT))))
    # receiver jitter of a few metres
    lat += np.degrees(rng.normal(0, 2.5, n) / EARTH_RADIUS_M)
    lon += np.degrees(rng.normal(0, 2.5, n) / (EARTH_RADIUS_M * math.cos(math.radians(START_LAT))))
    t = start + np.arange(n, dtype=np.float64)
    return t, lat, lon, speed, course


def _checksum(body: str) -> str:
    c = 0
    for ch in body.encode("ascii"):
        c ^= ch
    return f"{c:02X}"


def nmea_lines(t: float, lat: float, lon: float, speed_mps: float | None, course: float | None) -> list[str]:
    """An RMC and a GGA sentence for one valid fix."""
    dt = datetime.fromtimestamp(t, UTC)
    hms = dt.strftime("%H%M%S") + f".{dt.microsecond // 10000:02d}"
    la, lo = abs(lat), abs(lon)
    lat_s = f"{int(la):02d}{(la - int(la)) * 60:07.4f},{'N' if lat >= 0 else 'S'}"
    lon_s = f"{int(lo):03d}{(lo - int(lo)) * 60:07.4f},{'E' if lon >= 0 else 'W'}"
    knots = "" if speed_mps is None else f"{speed_mps / 0.514444:.1f}"
    crs = "" if course is None else f"{course:.1f}"
    rmc = f"GPRMC,{hms},A,{lat_s},{lon_s},{knots},{crs},{dt.strftime('%d%m%y')},,,A"
    gga = f"GPGGA,{hms},{lat_s},{lon_s},1,09,0.9,35.0,M,45.0,M,,"
    return [f"${body}*{_checksum(body)}" for body in (rmc, gga)]


def no_fix_lines(t: float) -> list[str]:
    """An RMC (status V) and a GGA (quality 0) sentence for a second without a position."""
    dt = datetime.fromtimestamp(t, UTC)
    hms = dt.strftime("%H%M%S") + f".{dt.microsecond // 10000:02d}"
    rmc = f"GPRMC,{hms},V,,,,,,,{dt.strftime('%d%m%y')},,,N"
    gga = f"GPGGA,{hms},,,,,0,00,99.9,,M,,M,,"
    return [f"${body}*{_checksum(body)}" for body in (rmc, gga)]


def write_nmea(path: str | os.PathLike[str], records: Iterable[Fix | NoFix]) -> int:
    """Write fixes (and no-fix seconds) as an NMEA log (RMC + GGA each, CRLF), mode 0600.

    Returns the number of fixes written.
    """
    count = 0
    fd = open_private(path)
    with os.fdopen(fd, "w", encoding="ascii", newline="") as f:
        for r in records:
            if isinstance(r, NoFix):
                lines = no_fix_lines(r.time)
            else:
                lines = nmea_lines(r.time, r.lat, r.lon, r.speed_mps, r.course)
                count += 1
            f.write("\r\n".join(lines) + "\r\n")
    return count


def _address_bytes(key: U64, mode: Sequence[str], kind_of: I64) -> U8:
    """Six little-endian address bytes per row from 48 hash bits, with the top bits of each address kind."""
    a = key.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :6].copy()
    top = a[:, 5]
    for k, m in enumerate(mode):
        sel = kind_of == k
        if m in ("rpa",):
            top[sel] = (top[sel] & 0x3F) | 0x40
        elif m in ("static", "static_rot"):
            top[sel] = top[sel] | 0xC0
        elif m == "nrpa":
            top[sel] = top[sel] & 0x3F
    a[:, 5] = top
    return a


def encode_reports(
    ts: npt.NDArray[np.int64],
    addr: U8,
    kind_r: I64,
    kinds: Sequence[tuple[str, float, float, tuple[int | None, ...], str, int, int]],
    fill_bytes: U8,
    rssi_u8: U8,
    datalink: int = DATALINK_H4,
) -> U8:
    """A whole btsnoop file (header and one LE advertising report record per row) as one byte array.

    ``ts``: big-endian btsnoop timestamps (µs); ``addr``: six little-endian address bytes per row;
    ``kind_r``: each row's index in ``kinds`` (entries as in KINDS: the advertising data template,
    whose None bytes are filled from ``fill_bytes``, the address mode and the legacy event type).
    """
    lengths = np.array([len(k[3]) for k in kinds], dtype=np.int64)
    h4 = datalink == DATALINK_H4
    pre = 1 if h4 else 0
    rec_len = 24 + pre + 14 + lengths[kind_r]
    offsets = 16 + np.concatenate(([0], np.cumsum(rec_len)[:-1]))
    total = int(16 + rec_len.sum())
    buf = np.zeros(total, dtype=np.uint8)
    buf[:16] = np.frombuffer(MAGIC + VERSION.to_bytes(4, "big") + datalink.to_bytes(4, "big"), np.uint8)
    chunk = 131_072
    for k, spec in enumerate(kinds):
        sel_all = np.nonzero(kind_r == k)[0]
        dlen = len(spec[3])
        width = 24 + pre + 14 + dlen
        template = np.array([0 if b is None else b for b in spec[3]], dtype=np.uint8)
        holes = np.array([i for i, b in enumerate(spec[3]) if b is None], dtype=np.int64)
        for c in range(0, len(sel_all), chunk):
            sel = sel_all[c : c + chunk]
            m = np.zeros((len(sel), width), dtype=np.uint8)
            incl = np.full(len(sel), pre + 2 + 12 + dlen, dtype=">u4").view(np.uint8).reshape(-1, 4)
            m[:, 0:4] = incl
            m[:, 4:8] = incl
            flags = 3  # H4: received event; monitor: opcode 3 "Event Packet" on index 0
            m[:, 11] = flags
            m[:, 16:24] = ts[sel].view(np.uint8).reshape(-1, 8)
            p = 24
            if h4:
                m[:, p] = 0x04
                p += 1
            m[:, p] = 0x3E
            m[:, p + 1] = 12 + dlen
            m[:, p + 2] = 0x02
            m[:, p + 3] = 1
            m[:, p + 4] = spec[5]
            m[:, p + 5] = 0 if spec[4] == "public" else 1
            m[:, p + 6 : p + 12] = addr[sel]
            m[:, p + 12] = dlen
            body = np.broadcast_to(template, (len(sel), dlen)).copy()
            if len(holes):
                body[:, holes] = fill_bytes[sel][:, : len(holes)]
            m[:, p + 13 : p + 13 + dlen] = body
            m[:, p + 13 + dlen] = rssi_u8[sel]
            buf[offsets[sel][:, None] + np.arange(width)] = m
    return buf


def generate(
    out_dir: str | os.PathLike[str],
    minutes: float = 120.0,
    devices: int = 20_000,
    reports: int = 1_000_000,
    seed: int = 0,
    start: float = DEFAULT_START,
    datalink: int = DATALINK_H4,
    name: str = "busy-city",
) -> BusyCity:
    """Write ``NAME.btsnoop``, ``NAME.nmea`` and ``NAME.truth.json`` into out_dir."""
    if devices < 2 or reports < devices + 10:
        raise ValueError("busy city needs at least 2 devices and more reports than devices")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    rng = np.random.default_rng(seed)
    duration = minutes * 60.0

    # --- devices ---------------------------------------------------------------------------------
    shares = np.array([k[1] for k in KINDS])
    kind = rng.choice(len(KINDS), size=devices, p=shares / shares.sum())
    follower = 0
    kind[follower] = [k[0] for k in KINDS].index(FOLLOWER_KIND)
    stay = np.minimum(rng.lognormal(math.log(PASSER_BY_MEDIAN_S), 0.8, devices), duration)
    t0 = rng.uniform(0, duration - stay)
    # Devices that share a bus or a shop with the user stay inside one segment where the user does not walk.
    # A separated AirTag is a lost or left item: it may lie in the shop, it does not ride the bus (its
    # owner's passengers carry theirs near their phones, in near-owner frames).
    dwell = np.nonzero(rng.random(devices) < DWELL_FRACTION)[0]
    seg = _segments(duration)
    still = [(a, b, v == 0.0) for a, b, v in seg if v == 0.0 or v > 3.0]
    lengths = np.array([b - a for a, b, _ in still])
    stationary = np.array([st for _, _, st in still])
    lost = kind[dwell] == [k[0] for k in KINDS].index("airtag_separated")
    pick = rng.choice(len(still), size=len(dwell), p=lengths / lengths.sum())
    p_still = np.where(stationary, lengths, 0.0)
    pick[lost] = rng.choice(len(still), size=int(lost.sum()), p=p_still / p_still.sum())
    seg_start = np.array([a for a, _, _ in still])[pick]
    seg_len = lengths[pick]
    stay[dwell] = np.minimum(rng.uniform(*DWELL_RANGE_S, len(dwell)), seg_len)
    t0[dwell] = seg_start + rng.random(len(dwell)) * (seg_len - stay[dwell])
    t0[follower], stay[follower] = 0.0, duration
    rate = np.array([k[2] for k in KINDS])[kind]
    dev_seed = _splitmix(np.arange(devices, dtype=np.uint64) + np.uint64(seed) * np.uint64(1_000_003))
    phase = rng.uniform(0, RPA_PERIOD_S, devices)

    # --- how many reports each device gets -------------------------------------------------------
    n_follow = min(int(duration / FOLLOWER_INTERVAL_S), reports // 4)
    others = reports - n_follow
    weight = (stay * rate)[1:]
    counts = np.ones(devices, dtype=np.int64)
    counts[1:] += rng.multinomial(others - (devices - 1), weight / weight.sum())
    counts[follower] = n_follow
    dev = np.repeat(np.arange(devices), counts)
    rel = rng.random(reports)
    rel[:n_follow] = (np.arange(n_follow) + rng.uniform(0.0, 0.3, n_follow)) / n_follow
    t = t0[dev] + rel * stay[dev]
    order = np.argsort(t, kind="stable")
    dev, t = dev[order], t[order]
    kind_r = kind[dev]

    # --- identity at each report: rotating addresses change with their period -------------------
    modes = [k[4] for k in KINDS]
    rotates = np.array([m in ("rpa", "nrpa", "static_rot") for m in modes])[kind_r]
    epoch = np.where(rotates, np.floor((t + phase[dev]) / RPA_PERIOD_S), 0).astype(np.uint64)
    key = _splitmix(dev_seed[dev] ^ (epoch * np.uint64(0x9E3779B97F4A7C15)))
    addr = _address_bytes(key, modes, kind_r)
    # 32 payload bytes that follow the identity (so they rotate with the address)
    fill = np.stack([_splitmix(key + np.uint64(j + 1)) for j in range(4)], axis=1)
    fill_bytes = fill.astype("<u8").view(np.uint8).reshape(-1, 32)
    centre = np.array([k[6] for k in KINDS], dtype=np.float64)[kind_r]
    rssi = np.clip(np.round(centre + rng.normal(0, 6, reports)), -110, -30)
    rssi[dev == follower] = np.clip(np.round(-62 + rng.normal(0, 5, n_follow)), -100, -35)
    rssi_u8 = rssi.astype(np.int64).astype(np.uint8)

    # --- records ---------------------------------------------------------------------------------
    ts = (np.round(t * 1e6).astype(np.int64) + np.int64(int(start * 1e6)) + EPOCH_DELTA_US).astype(">i8")
    buf = encode_reports(ts, addr, kind_r, KINDS, fill_bytes, rssi_u8, datalink)

    base = out / name
    snoop = base.with_suffix(".btsnoop")
    fd = open_private(snoop)
    with os.fdopen(fd, "wb") as f:
        f.write(buf.tobytes())

    rt, lat, lon, speed, course = route(minutes, start, seed)
    nmea = base.with_suffix(".nmea")
    write_nmea(
        nmea,
        (
            Fix(float(a), float(b), float(c), speed_mps=float(d), course=float(e))
            for a, b, c, d, e in zip(rt, lat, lon, speed, course, strict=True)
        ),
    )

    fa = addr[np.nonzero(dev == follower)[0][0]]
    follower_address = ":".join(f"{b:02X}" for b in reversed(fa.tolist()))
    truth_path = base.with_suffix(".truth.json")
    truth = {
        "scenario": name,
        "seed": seed,
        "start": start,
        "minutes": minutes,
        "devices": devices,
        "reports": reports,
        "datalink": datalink,
        "followers": [{"kind": "airtag", "addresses": [follower_address], "reports": n_follow}],
        "kinds": {spec[0]: int((kind == k).sum()) for k, spec in enumerate(KINDS)},
    }
    fd = open_private(truth_path)
    with os.fdopen(fd, "w") as f:
        json.dump(truth, f, indent=2)
    return BusyCity(snoop, nmea, truth_path, reports, devices, follower_address)


__all__ = ["BusyCity", "encode_reports", "generate", "nmea_lines", "no_fix_lines", "route", "write_nmea"]

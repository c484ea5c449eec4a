"""The simulated world: a user moving along a real path, a GPS receiver, and a cast of devices
advertising at their own intervals, heard with distance-dependent loss and RSSI."""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from trackerscan.model import AddressType, Event, Fix, FixMode, Kind, Sighting

M_PER_DEG = 111_195.0
SOURCE = "sim"


@lru_cache(maxsize=4)
def route_points(name: str = "cerknicko-jezero.gpx") -> tuple[tuple[float, float], ...]:
    """Track points (lat, lon) of a GPX file shipped in trackerscan/data, all segments in order."""
    text = resources.files("trackerscan").joinpath("data", name).read_bytes()
    root = ET.fromstring(text)
    pts: list[tuple[float, float]] = []
    for el in root.iter():
        if el.tag.endswith("}trkpt") or el.tag == "trkpt":
            pts.append((float(el.attrib["lat"]), float(el.attrib["lon"])))
    return tuple(pts)


def flat_distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance in metres: exact enough below a few km."""
    dy = (lat2 - lat1) * M_PER_DEG
    dx = (lon2 - lon1) * M_PER_DEG * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def move(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    return lat + north_m / M_PER_DEG, lon + east_m / (M_PER_DEG * math.cos(math.radians(lat)))


class Route:
    """A polyline walked back and forth: position at a distance along it."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        self.points = list(points)
        self.cum = [0.0]
        for a, b in zip(self.points, self.points[1:], strict=False):
            self.cum.append(self.cum[-1] + flat_distance(a[0], a[1], b[0], b[1]))
        self.length = self.cum[-1]
        self._i = 0

    def at(self, d: float) -> tuple[float, float]:
        period = 2 * self.length
        d = d % period
        if d > self.length:
            d = period - d
        cum = self.cum
        i = self._i
        if not (cum[i] <= d <= cum[min(i + 1, len(cum) - 1)]):
            lo, hi = 0, len(cum) - 1
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if cum[mid] <= d:
                    lo = mid
                else:
                    hi = mid
            i = self._i = lo
        j = min(i + 1, len(cum) - 1)
        seg = cum[j] - cum[i]
        f = 0.0 if seg <= 0 else (d - cum[i]) / seg
        (a0, o0), (a1, o1) = self.points[i], self.points[j]
        return a0 + (a1 - a0) * f, o0 + (o1 - o0) * f


@dataclass(frozen=True, slots=True)
class Leg:
    """A stretch of the day: how long, how fast, and whether the GPS sees the sky."""

    duration_s: float
    speed_mps: float
    indoor: bool = False
    gps: bool = True
    label: str = ""


class UserPath:
    """The user's true position each second, from a route and a list of legs."""

    def __init__(self, route: Route, legs: Sequence[Leg], start: float, offset_m: float = 0.0) -> None:
        self.start = start
        self.legs = list(legs)
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.speed: list[float] = []
        self.indoor: list[bool] = []
        self.gps: list[bool] = []
        self.leg_start: list[float] = []
        d = offset_m
        t = 0
        for leg in legs:
            self.leg_start.append(start + t)
            for _ in range(int(leg.duration_s)):
                lat, lon = route.at(d)
                self.lat.append(lat)
                self.lon.append(lon)
                self.speed.append(leg.speed_mps)
                self.indoor.append(leg.indoor)
                self.gps.append(leg.gps)
                d += leg.speed_mps
                t += 1
        self.end = start + t

    def at(self, t: float) -> tuple[float, float]:
        i = min(max(0, int(t - self.start)), len(self.lat) - 1)
        return self.lat[i], self.lon[i]


def gps_fixes(path: UserPath, rng: random.Random, phone: bool = False) -> list[Fix]:
    """1 Hz fixes: a few metres of noise outdoors; indoors a drifting position, worse accuracy and
    the odd wild fix, as the haicom-305N log shows.

    ``phone``: phone-grade location instead (a phone shared over the app, or a cheap receiver): a fix
    every 5-15 s, 3-5 times the noise, and now and then 30-90 s without any fix (pocket, buildings).
    """
    out: list[Fix] = []
    drift_n = drift_e = 0.0
    next_t = 0
    for i in range(len(path.lat)):
        if not path.gps[i]:
            continue
        if phone:
            if i < next_t:
                continue
            gap = rng.uniform(30, 90) if rng.random() < 0.03 else rng.uniform(5, 15)
            next_t = i + int(gap)
        t = path.start + i + 0.2
        if path.indoor[i]:
            drift_n = max(-30.0, min(30.0, drift_n + rng.gauss(0, 1.5)))
            drift_e = max(-30.0, min(30.0, drift_e + rng.gauss(0, 1.5)))
            n, e, acc = drift_n + rng.gauss(0, 3), drift_e + rng.gauss(0, 3), 20.0 + rng.uniform(0, 15)
            if rng.random() < 1 / 900:
                n, e, acc = rng.uniform(-250, 250), rng.uniform(-250, 250), 80.0
        else:
            drift_n *= 0.9
            drift_e *= 0.9
            n, e, acc = drift_n + rng.gauss(0, 2.5), drift_e + rng.gauss(0, 2.5), 4.0 + rng.uniform(0, 4)
        if phone:
            acc = rng.uniform(10.0, 35.0)
            n, e = n * 4 + rng.gauss(0, acc / 3), e * 4 + rng.gauss(0, acc / 3)
        lat, lon = move(path.lat[i], path.lon[i], n, e)
        out.append(
            Fix(
                time=t,
                lat=lat,
                lon=lon,
                speed_mps=max(0.0, path.speed[i] + rng.gauss(0, 0.2)),
                accuracy_m=round(acc, 1),
                hdop=round(acc / 5.0, 1),
                mode=FixMode.FIX_3D,
                satellites=rng.randint(5, 11),
                source=SOURCE,
            )
        )
    return out


Where = Callable[[float], "tuple[float, float] | None"]
Frame = Callable[[int], "tuple[str, bytes, AddressType]"]


@dataclass
class SimDevice:
    """One member of the cast."""

    name: str
    kind: Kind | None
    frame: Frame  # rotation index -> (address, adv, address type)
    interval_s: float
    where: Where
    start: float
    end: float
    rotation_s: float | None = None
    follower: bool = False
    follows_from: float | None = None
    carried: bool = False  # in a bag or pocket: 10 dB weaker
    known: bool = False
    timed: bool = False  # the time-to-alert target applies (tracker following a moving user)
    # The user's undeclared companion (family): an alert for it is correct, not required (see DeviceTruth).
    companion: bool = False
    addresses: set[str] = field(default_factory=set)


# Reception: certain up to NEAR_M, none beyond RANGE_M; RSSI falls 20 dB per decade from -59 dBm at 1 m.
NEAR_M = 5.0
RANGE_M = 45.0
NEAR_P = 0.85


def hear(dev: SimDevice, user: UserPath, rng: random.Random, source: str = SOURCE) -> list[Sighting]:
    out: list[Sighting] = []
    frames: dict[int, tuple[str, bytes, AddressType]] = {}
    phase = rng.uniform(0, dev.rotation_s) if dev.rotation_s else 0.0
    t = max(dev.start, user.start) + rng.uniform(0, dev.interval_s)
    end = min(dev.end, user.end)
    attenuation = 10.0 if dev.carried else 0.0
    while t < end:
        pos = dev.where(t)
        if pos is not None:
            ulat, ulon = user.at(t)
            d = max(0.3, flat_distance(ulat, ulon, pos[0], pos[1]))
            if d < RANGE_M:
                p = NEAR_P if d <= NEAR_M else NEAR_P * (RANGE_M - d) / (RANGE_M - NEAR_M)
                if rng.random() < p:
                    k = int((t + phase) // dev.rotation_s) if dev.rotation_s else 0
                    fr = frames.get(k)
                    if fr is None:
                        fr = frames[k] = dev.frame(k)
                        dev.addresses.add(fr[0])
                    rssi = round(-59 - 20 * math.log10(d) - attenuation + rng.gauss(0, 4))
                    out.append(Sighting(round(t, 3), fr[0], fr[2], max(-100, rssi), fr[1], source))
        t += dev.interval_s + rng.uniform(0, 0.01)
    return out


def with_user(user: UserPath, bag_m: float = 0.5) -> Where:
    def where(t: float) -> tuple[float, float]:
        lat, lon = user.at(t)
        return move(lat, lon, bag_m, 0.0)

    return where


def fixed(lat: float, lon: float) -> Where:
    return lambda t: (lat, lon)


def passer_by(
    user: UserPath, t_close: float, rng: random.Random, speed: float = 1.3, miss_m: float = 3.0
) -> Where:
    """Walks in a straight line past the user, closest (``miss_m``) at ``t_close``."""
    lat0, lon0 = user.at(t_close)
    ang = rng.uniform(0, 2 * math.pi)
    lat0, lon0 = move(lat0, lon0, miss_m * math.cos(ang + math.pi / 2), miss_m * math.sin(ang + math.pi / 2))
    vn, ve = speed * math.cos(ang), speed * math.sin(ang)

    def where(t: float) -> tuple[float, float]:
        dt = t - t_close
        return move(lat0, lon0, vn * dt, ve * dt)

    return where


def travels_then_stays(user: UserPath, t_off: float, bag_m: float = 2.0) -> Where:
    """Beside the user until ``t_off``, then left behind where the user was (a fellow passenger)."""
    off = move(*user.at(t_off), bag_m, 0.0)

    def where(t: float) -> tuple[float, float]:
        if t < t_off:
            lat, lon = user.at(t)
            return move(lat, lon, bag_m, 0.0)
        return off

    return where


def travels_then_walks(
    user: UserPath,
    t_off: float,
    rng: random.Random,
    bag_m: float = 2.0,
    speed: float = 1.3,
    wobble_m: float = 0.0,
) -> Where:
    """Beside the user until ``t_off`` (getting off the bus with them), then walks its own way.

    ``wobble_m``: the distance to the user swings by up to this much (a stranger walking the same
    way drifts ahead, falls behind, crosses the pavement), over 1-3 minutes.
    """
    lat0, lon0 = move(*user.at(t_off), bag_m, 0.0)
    ang = rng.uniform(0, 2 * math.pi)
    vn, ve = speed * math.cos(ang), speed * math.sin(ang)
    period = rng.uniform(60.0, 180.0) if wobble_m else 1.0
    phase = rng.uniform(0, period) if wobble_m else 0.0

    def where(t: float) -> tuple[float, float]:
        if t < t_off:
            lat, lon = user.at(t)
            off = bag_m + wobble_m * math.sin(2 * math.pi * (t + phase) / period) if wobble_m else bag_m
            return move(lat, lon, off, 0.0)
        dt = t - t_off
        return move(lat0, lon0, vn * dt, ve * dt)

    return where


def in_vehicle(user: UserPath, t_in: float, t_out: float, offset_m: float = 1.0) -> Where:
    """In a vehicle parked where the user gets in at ``t_in``, driven with the user, parked at ``t_out``."""
    start = move(*user.at(t_in), offset_m, 0.0)
    end = move(*user.at(t_out), offset_m, 0.0)

    def where(t: float) -> tuple[float, float]:
        if t < t_in:
            return start
        if t >= t_out:
            return end
        lat, lon = user.at(t)
        return move(lat, lon, offset_m, 0.0)

    return where


def merge(*streams: Sequence[Event]) -> list[Event]:
    out: list[Event] = [e for s in streams for e in s]
    out.sort(key=lambda e: e.time)
    return out
